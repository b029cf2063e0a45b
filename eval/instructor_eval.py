"""Runs a labelled set of eval/ through Python's instructor, for the side-by-side table.

The same items, system prompt, temperature (0), re-ask budget (3 re-asks, 4 replies at
most), reply cap (1,024 tokens) and timeout (300 s) as pluck's `cargo run --example
eval` with its llama.cpp preset, with pydantic models that carry the
rules of pluck's types (examples/types/job.rs, examples/types/triage.rs). Writes the
results format the Rust scorer reads (eval/README.md), one line of progress per item
on stderr.

Usage: python eval/instructor_eval.py --base-url URL --mode tools|json --set postings|tickets
           [--model NAME] [--limit N] [--max-tokens N] [--out FILE] [--data DIR]

Runs in the venv benches/compare/run builds (benches/compare/.venv).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import instructor
import openai
from pydantic import BaseModel, Field, field_validator, model_validator

MAX_RETRIES = 3
# pluck's llama.cpp preset (ClientBuilder::llama_cpp).
TIMEOUT_S = 300
HERE = Path(__file__).resolve().parent


# The job-posting types (examples/types/job.rs), as in benches/compare/python/bench.py,
# with every rule of the Rust type: list lengths and the evidence length too.


class ExperienceLevel(str, Enum):
    """How senior the role is."""

    ENTRY = "entry"
    MID = "mid"
    SENIOR = "senior"


class SalaryRange(BaseModel):
    """The pay range the posting states."""

    min_amount: Optional[float] = Field(None, ge=0, description="Lowest yearly amount, if stated.")
    max_amount: Optional[float] = Field(None, ge=0, description="Highest yearly amount, if stated.")
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 currency code, such as USD.")

    @model_validator(mode="after")
    def validate_range(self) -> "SalaryRange":
        if self.min_amount is not None and self.max_amount is not None and self.min_amount > self.max_amount:
            raise ValueError(f"min_amount ({self.min_amount}) cannot exceed max_amount ({self.max_amount})")
        return self


class CategoryLabel(str, Enum):
    """A job family."""

    ENGINEERING = "engineering"
    DATA = "data"
    PRODUCT = "product"
    DESIGN = "design"


class JobCategory(BaseModel):
    """One category the posting belongs to, with the evidence for it."""

    label: CategoryLabel = Field(description="The category.")
    confidence: float = Field(ge=0, le=1, description="How sure, from 0 to 1.")
    evidence: str = Field(max_length=200, description="Why this category applies, in one sentence.")


class Skill(BaseModel):
    """A skill the posting asks for."""

    name: str = Field(description='The skill, such as "Python" or "Kubernetes".')
    is_required: bool = Field(description="True if required, false if nice-to-have.")


class JobPostingAnalysis(BaseModel):
    """What a job posting says, as far as the text supports it."""

    job_title: Optional[str] = Field(description="The job title, if stated.")
    company_name: Optional[str] = Field(description="The hiring company, if stated.")
    experience_level: Optional[ExperienceLevel] = Field(description="The seniority, if it can be told.")
    salary: Optional[SalaryRange] = Field(description="The pay range, if stated.")
    skills: list[Skill] = Field(max_length=20, description="Skills asked for, each once.")
    categories: list[JobCategory] = Field(max_length=4, description="Job families the posting belongs to, each at most once.")
    overall_confidence: float = Field(ge=0, le=1, description="How complete and certain the extraction is, from 0 to 1.")
    missing_fields: list[str] = Field(max_length=8, description="Names of the fields the posting does not state.")

    @field_validator("skills")
    @classmethod
    def dedup_skills(cls, skills: list[Skill]) -> list[Skill]:
        seen: set[str] = set()
        for i, skill in enumerate(skills):
            key = skill.name.lower()
            if key in seen:
                raise ValueError(f"skills[{i}].name: duplicate value {skill.name!r}")
            seen.add(key)
        return skills

    @model_validator(mode="after")
    def check_confidence_honesty(self) -> "JobPostingAnalysis":
        filled = sum([self.job_title is not None, self.experience_level is not None])
        if self.overall_confidence > 0.8 and filled / 2 < 0.5:
            raise ValueError(
                f"Confidence {self.overall_confidence} too high when only {filled}/2 key fields extracted"
            )
        return self


# The support-triage type (examples/types/triage.rs).


class Priority(str, Enum):
    """How urgently a ticket needs attention."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Category(str, Enum):
    """Which team should take a ticket."""

    BILLING = "billing"
    TECHNICAL = "technical"
    ACCOUNT = "account"
    GENERAL = "general"


class SupportTriage(BaseModel):
    """A triaged support ticket. `reasoning` comes first so the model thinks before it
    classifies (chain of thought), and it stays as the audit trail."""

    reasoning: str = Field(
        min_length=20,
        max_length=600,
        description=(
            "Step by step: what the user experiences, the business impact, which team can "
            "resolve it, and how urgent it is."
        ),
    )
    priority: Priority = Field(description="How urgent.")
    category: Category = Field(description="Which team.")


TYPES = {"postings": JobPostingAnalysis, "tickets": SupportTriage}
MODES = {"tools": instructor.Mode.TOOLS, "json": instructor.Mode.JSON}
# Failures that say the server cannot be used at all: the run stops, as pluck's does.
FATAL = (openai.APIConnectionError, openai.AuthenticationError, openai.PermissionDeniedError)


def load_set(data: Path, name: str) -> dict[str, Any]:
    with open(data / f"{name}.json", encoding="utf-8") as f:
        doc = json.load(f)
    if doc["set"] != name:
        sys.exit(f"{data / name}.json holds the set {doc['set']}, not {name}")
    return doc


def text_of(item: dict[str, Any]) -> str:
    text = item["text"]
    return "\n".join(text) if isinstance(text, list) else text


class Meter:
    """Counts the replies of one extraction and sums their usage, through instructor's
    completion:response hook (it fires once per reply, re-asks included)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.replies = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.replies += 1
        usage = getattr(response, "usage", None)
        if usage is not None:
            self.prompt_tokens += usage.prompt_tokens or 0
            self.completion_tokens += usage.completion_tokens or 0


def run(args: argparse.Namespace) -> dict[str, Any]:
    doc = load_set(Path(args.data), args.set)
    response_model = TYPES[args.set]
    client = instructor.from_openai(
        openai.OpenAI(
            base_url=args.base_url,
            api_key=os.environ.get("OPENAI_API_KEY") or "sk-no-key-needed",
            timeout=TIMEOUT_S,
        ),
        mode=MODES[args.mode],
    )
    meter = Meter()
    client.on("completion:response", meter)
    items = doc["items"][: args.limit] if args.limit is not None else doc["items"]
    results = []
    for item in items:
        messages = [
            {"role": "system", "content": doc["system"]},
            {"role": "user", "content": doc.get("user_prefix", "") + text_of(item)},
        ]
        meter.reset()
        started = time.perf_counter()
        value, error = None, None
        try:
            value = client.chat.completions.create(
                model=args.model,
                response_model=response_model,
                messages=messages,
                temperature=0,
                max_tokens=args.max_tokens,
                max_retries=MAX_RETRIES,
            ).model_dump(mode="json")
        except FATAL as err:
            sys.exit(f"instructor_eval: item {item['id']}: the server cannot be used: {err}")
        except Exception as err:  # noqa: BLE001 - every other failure is the item's result
            error = f"{type(err).__name__}: {err}"
        latency_ms = (time.perf_counter() - started) * 1000
        result = {
            "id": item["id"],
            "valid": value is not None,
            "attempts": meter.replies or None,
            "prompt_tokens": meter.prompt_tokens,
            "completion_tokens": meter.completion_tokens,
            "latency_ms": round(latency_ms, 3),
            "value": value,
            "error": error,
        }
        first_line = f": {error.splitlines()[0]}" if error else ""
        print(
            f"{item['id']} {'valid' if value is not None else 'INVALID'} attempts {meter.replies} "
            f"tokens {meter.prompt_tokens}+{meter.completion_tokens} {latency_ms / 1000:.1f} s{first_line}",
            file=sys.stderr,
        )
        results.append(result)
    return {"library": "instructor", "mode": args.mode.upper(), "model": args.model, "set": args.set, "items": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="an OpenAI-compatible base URL, such as http://127.0.0.1:8088/v1")
    parser.add_argument("--mode", required=True, choices=sorted(MODES))
    parser.add_argument("--set", required=True, choices=sorted(TYPES))
    parser.add_argument("--model", default=os.environ.get("PLUCK_MODEL") or "local", help="the model name sent")
    parser.add_argument("--limit", type=int, default=None, help="only the first N items")
    parser.add_argument("--max-tokens", type=int, default=1024, help="cap per reply (default 1024, as pluck's llama.cpp preset)")
    parser.add_argument("--out", default=None, help="default: eval/out/instructor-MODE-SET.json")
    parser.add_argument("--data", default=str(HERE), help="the folder of the sets (default: eval/)")
    args = parser.parse_args()
    out = Path(args.out or HERE / "out" / f"instructor-{args.mode}-{args.set}.json")
    print(f"running {args.set} with {args.model} in instructor {args.mode.upper()} mode", file=sys.stderr)
    results = run(args)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
