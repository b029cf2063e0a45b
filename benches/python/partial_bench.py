"""instructor's partial parsing of the replies of benches/stream.rs, for comparison.

instructor (instructor/v2/dsl/partial.py, `PartialBase.model_from_chunks`) appends
each chunk to a string and, per chunk, re-reads the whole buffer:
`jiter.from_json(buffer, partial_mode="trailing-strings")`, a completeness scan of
the buffer (`JsonCompleteness.analyze`), then builds the partial model. Each chunk
costs time proportional to what has arrived, so a reply costs the square of its
length.

Two measurements per reply, both against one `json.loads` of the whole reply in the
same run:
- `jiter`: only the per-chunk `from_json(.., partial_mode="trailing-strings")`;
- `instructor`: `Partial[Model].model_from_chunks`, the whole per-chunk pipeline.

Replies too long to run whole (the cost is quadratic) are timed on a sample of
chunks, each parsed at its real position in the stream; the total is the sample's
sum times the stride (reported as "sampled").

    python3 -m venv /tmp/instr && /tmp/instr/bin/pip install -r benches/python/requirements.txt
    STREAM_BENCH_DUMP=/tmp/pluck-replies cargo bench --bench stream -- 1KB/serde_json
    /tmp/instr/bin/python benches/python/partial_bench.py /tmp/pluck-replies
"""

from __future__ import annotations

import enum
import json
import sys
import time
from pathlib import Path
from typing import List, Optional

import instructor
from jiter import from_json
from pydantic import BaseModel, Field
from instructor.dsl.partial import Partial, process_potential_object, remove_control_chars

CHUNK = 4


class ExperienceLevel(str, enum.Enum):
    entry = "entry"
    mid = "mid"
    senior = "senior"


class CategoryLabel(str, enum.Enum):
    engineering = "engineering"
    data = "data"
    product = "product"
    design = "design"


class SalaryRange(BaseModel):
    min_amount: Optional[float] = Field(None, ge=0)
    max_amount: Optional[float] = Field(None, ge=0)
    currency: str = Field(min_length=3, max_length=3)


class JobCategory(BaseModel):
    label: CategoryLabel
    confidence: float = Field(ge=0, le=1)
    evidence: str


class Skill(BaseModel):
    name: str
    is_required: bool


class JobPostingAnalysis(BaseModel):
    job_title: Optional[str]
    company_name: Optional[str]
    experience_level: Optional[ExperienceLevel]
    salary: Optional[SalaryRange]
    skills: List[Skill]
    categories: List[JobCategory]
    overall_confidence: float = Field(ge=0, le=1)
    missing_fields: List[str]


class Items(BaseModel):
    items: List[JobPostingAnalysis]


def chunks(text: str) -> list[str]:
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def jiter_whole(pieces: list[str]) -> None:
    buffer = ""
    for piece in pieces:
        buffer += piece
        from_json(buffer.encode(), partial_mode="trailing-strings")


def instructor_whole(model, pieces: list[str]) -> None:
    for _ in model.model_from_chunks(iter(pieces)):
        pass


def sampled(pieces: list[str], per_chunk, samples: int) -> float:
    """Times `per_chunk(buffer)` at `samples` evenly spaced positions of the stream;
    returns the estimated total over every chunk."""
    stride = max(1, len(pieces) // samples)
    total = 0.0
    buffer_parts: list[str] = []
    for index, piece in enumerate(pieces):
        buffer_parts.append(piece)
        if index % stride == stride - 1:
            buffer = "".join(buffer_parts)
            start = time.perf_counter()
            per_chunk(buffer)
            total += time.perf_counter() - start
    return total * stride


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/pluck-replies")
    rows = []
    for name, model in (("1KB", JobPostingAnalysis), ("100KB", Items), ("1MB", Items)):
        text = (folder / f"{name}.json").read_text()
        pieces = chunks(text)
        partial_model = Partial[model]
        inner_partial = partial_model.get_partial_model()
        loads = best(lambda: json.loads(text), 20 if len(text) < 500_000 else 5)

        if len(text) <= 200_000:
            jiter_time, jiter_how = best(lambda: jiter_whole(pieces), 3 if len(text) < 10_000 else 1), "whole"
        else:
            jiter_time = sampled(
                pieces, lambda buf: from_json(buf.encode(), partial_mode="trailing-strings"), 400
            )
            jiter_how = "sampled"

        if len(text) <= 10_000:
            instr_time, instr_how = best(lambda: instructor_whole(partial_model, pieces), 3), "whole"
        else:
            instr_time = sampled(
                pieces,
                lambda buf: process_potential_object(remove_control_chars(buf), "trailing-strings", inner_partial),
                200 if len(text) < 500_000 else 60,
            )
            instr_how = "sampled"
        rows.append((name, len(text.encode()), loads, jiter_time, jiter_how, instr_time, instr_how))

    print(f"instructor {instructor.__version__}, {CHUNK}-byte chunks, Python {sys.version.split()[0]}")
    print(f"{'reply':<6} {'bytes':>9} {'json.loads':>12} {'jiter partial':>15} {'ratio':>9} {'instructor Partial':>20} {'ratio':>11}")
    for name, size, loads, jiter_time, jiter_how, instr_time, instr_how in rows:
        print(
            f"{name:<6} {size:>9} {loads * 1e6:>9.1f} µs {jiter_time * 1e3:>12.1f} ms {jiter_time / loads:>9.0f}"
            f" {instr_time * 1e3:>17.1f} ms {instr_time / loads:>11.0f}"
            f"   ({jiter_how}/{instr_how})"
        )


if __name__ == "__main__":
    main()
