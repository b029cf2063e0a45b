"""The comparison's workload with Python's instructor and openai's AsyncOpenAI client.

Mode JSON_SCHEMA (a `json_schema` response format, like the Rust clients), the same
model, system prompt and posting, the blog's job-posting types as pydantic models with
the same rules, and up to 2 re-asks. Prints one JSON line like the Rust runner.

Usage: python bench.py seq|conc [--n N] [--warmup W] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from enum import Enum
from typing import Optional

import instructor
from openai import AsyncOpenAI
from pydantic import BaseModel, Field, field_validator, model_validator

MODEL = "gpt-4o-mini"
SYSTEM_PROMPT = (
    "Extract the requested information from the user's text. Report only what the text supports."
)
POSTING = (
    "Senior Software Engineer at TechCorp\n"
    "Salary: $150,000 - $200,000 per year\n"
    "Requirements: Python, Kubernetes, AWS. Nice to have: Terraform.\n"
    "You will design and run data pipelines and the services around them."
)
VALID_CONFIDENCE = 0.92


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
    evidence: str = Field(description="Why this category applies.")


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
    skills: list[Skill] = Field(description="Skills asked for, each once.")
    categories: list[JobCategory] = Field(description="Job families the posting belongs to.")
    overall_confidence: float = Field(ge=0, le=1, description="How complete and certain the extraction is, from 0 to 1.")
    missing_fields: list[str] = Field(description="Names of the fields the posting does not state.")

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=["seq", "conc"])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    base_url = os.environ.get("BENCH_BASE_URL", "http://127.0.0.1:18080/v1")
    secs, cpu_secs = asyncio.run(run(args, base_url))
    print(
        json.dumps(
            {
                "library": "instructor-py",
                "workload": args.workload,
                "n": args.n,
                "concurrency": args.concurrency if args.workload == "conc" else 1,
                "secs": round(secs, 6),
                "mean_ms": round(secs * 1000 / args.n, 6),
                "per_sec": round(args.n / secs, 3),
                "cpu_us": round(cpu_secs * 1e6 / args.n, 3),
            },
            separators=(",", ":"),
        )
    )


def cpu_time() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(args: argparse.Namespace, base_url: str) -> tuple[float, float]:
    client = instructor.from_openai(
        AsyncOpenAI(base_url=base_url, api_key="sk-bench-not-a-key"), mode=instructor.Mode.JSON_SCHEMA
    )
    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": POSTING}]

    async def one() -> None:
        job = await client.chat.completions.create(
            model=MODEL, response_model=JobPostingAnalysis, messages=messages, max_retries=2
        )
        if job.overall_confidence != VALID_CONFIDENCE:
            print(f"extraction returned overall_confidence {job.overall_confidence}", file=sys.stderr)
            sys.exit(2)

    async def batch(n: int) -> None:
        if args.workload == "seq":
            for _ in range(n):
                await one()
        else:
            limit = asyncio.Semaphore(args.concurrency)

            async def bounded() -> None:
                async with limit:
                    await one()

            await asyncio.gather(*(bounded() for _ in range(n)))

    await batch(args.warmup)
    start, cpu_start = time.perf_counter(), cpu_time()
    await batch(args.n)
    return time.perf_counter() - start, cpu_time() - cpu_start


if __name__ == "__main__":
    main()
