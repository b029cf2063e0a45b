#!/usr/bin/env python3
"""Regenerates data/prices.json from pydantic/genai-prices' prices/data.json (MIT).

Usage: scripts/prices.py PATH/TO/genai-prices/prices/data.json COMMIT DATE > data/prices.json

Keeps the models pluck is used with (OpenAI GPT-4o, 4.1, 5 and o-series, older GPT-4
and 3.5; Anthropic Claude 3 to 4.x; Gemini 1.5 to 2.x). Tiered prices keep their
base tier; prices that changed on a date keep the latest. Context windows and output
caps that genai-prices does not give come from the providers' model pages (EXTRA).
"""
import json
import re
import sys
from decimal import Decimal

KEEP = {
    "openai": r"^(gpt-3\.5-turbo|gpt-4|gpt-4-turbo|gpt-4o|gpt-4o-mini|gpt-4\.1(-mini|-nano)?|gpt-5(-mini|-nano|-pro)?|gpt-5\.[0-9](-mini|-nano|-pro)?|o1|o1-mini|o1-pro|o3|o3-mini|o3-pro|o4-mini)$",
    "anthropic": r"^claude-(3|haiku|sonnet|opus)",
    "google": r"^gemini-(1\.5|2\.0|2\.5)-(flash|pro|flash-lite)$",
}
# (context window, max output tokens) from the providers' model pages, where
# genai-prices gives no context window, and every output cap.
EXTRA = {
    "gpt-3.5-turbo": (16385, 4096), "gpt-4": (8192, 8192), "gpt-4-turbo": (128000, 4096),
    "gpt-4o": (128000, 16384), "gpt-4o-mini": (128000, 16384),
    "gpt-4.1": (1047576, 32768), "gpt-4.1-mini": (1047576, 32768), "gpt-4.1-nano": (1047576, 32768),
    "gpt-5": (400000, 128000), "gpt-5-mini": (400000, 128000), "gpt-5-nano": (400000, 128000),
    "gpt-5-pro": (400000, 272000),
    "o1": (200000, 100000), "o1-mini": (128000, 65536), "o1-pro": (200000, 100000),
    "o3": (200000, 100000), "o3-mini": (200000, 100000), "o3-pro": (200000, 100000),
    "o4-mini": (200000, 100000),
    "claude-3-haiku": (200000, 4096), "claude-3-opus-latest": (200000, 4096), "claude-3-sonnet": (200000, 4096),
    "claude-3-5-haiku-latest": (200000, 8192), "claude-3-5-sonnet": (200000, 8192),
    "claude-3-7-sonnet-latest": (200000, 64000), "claude-sonnet-4-0": (200000, 64000),
    "claude-opus-4-0": (200000, 32000), "claude-opus-4-1": (200000, 32000),
    "claude-sonnet-4-5": (200000, 64000), "claude-haiku-4-5": (200000, 64000),
    "claude-opus-4-5": (200000, 64000),
    "gemini-1.5-flash": (1048576, 8192), "gemini-1.5-pro": (2097152, 8192),
    "gemini-2.0-flash": (1048576, 8192), "gemini-2.0-flash-lite": (1048576, 8192),
    "gemini-2.5-flash": (1048576, 65536), "gemini-2.5-pro": (1048576, 65536),
    "gemini-2.5-flash-lite": (1048576, 65536),
}


def base(price):
    """A price, or the base tier of a tiered one, as exact decimal text."""
    if price is None:
        return None
    if isinstance(price, dict):
        price = price["base"]
    return format(Decimal(str(price)).normalize(), "f")


def latest(prices):
    """Prices that changed on a date: the latest."""
    if isinstance(prices, list):
        return prices[-1]["prices"]
    return prices


def names(match, exact, prefixes):
    """Exact names and prefixes out of a genai-prices match clause."""
    for key, value in match.items():
        if key == "or":
            for clause in value:
                names(clause, exact, prefixes)
        elif key in ("equals", "ends_with"):
            exact.append(value)
        elif key in ("starts_with", "contains"):
            prefixes.append(value)


def main():
    data = json.load(open(sys.argv[1]))
    commit, date = sys.argv[2], sys.argv[3]
    models = []
    for provider in data:
        pattern = KEEP.get(provider["id"])
        if not pattern:
            continue
        for model in provider["models"]:
            if not re.search(pattern, model["id"]):
                continue
            prices = latest(model["prices"])
            exact, prefixes = [], []
            names(model["match"], exact, prefixes)
            window, max_output = EXTRA.get(model["id"], (None, None))
            models.append({
                "model": model["id"],
                "provider": provider["id"],
                "names": exact,
                "prefixes": prefixes,
                "input": base(prices.get("input_mtok")),
                "output": base(prices.get("output_mtok")),
                "cached_input": base(prices.get("cache_read_mtok")),
                "cache_write": base(prices.get("cache_write_mtok")),
                "reasoning": None,
                "context_window": model.get("context_window") or window,
                "max_output_tokens": max_output,
            })
    json.dump({
        "source": f"https://github.com/pydantic/genai-prices prices/data.json at {commit}",
        "licence": "MIT, Copyright (c) Pydantic Services Inc.",
        "date": date,
        "unit": "USD per 1,000,000 tokens; reasoning null is billed as output, cached_input null as input",
        "note": "tiered prices keep their base tier; context windows missing upstream and output caps are from the providers' model pages",
        "models": models,
    }, sys.stdout, indent=1)
    print()


main()
