"""Turns out/results.jsonl (one JSON line per timed run) into the Markdown table.

Checks first that every run did what it claims: no re-ask in the plain workloads,
exactly one per extraction in the re-ask workload (from the mock server's counts).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

LIBRARIES = ["bare", "pluck", "instructors", "rstructor", "instructor-py"]
TITLES = {
    "bare": "bare reqwest + serde_json",
    "pluck": "pluck",
    "instructors": "instructors (crate)",
    "rstructor": "rstructor (crate)",
    "instructor-py": "instructor (Python)",
}
PEERS = ["bare", "instructors", "rstructor", "instructor-py"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    for flag in ["--load-before", "--load-after"]:
        parser.add_argument(flag, default="?")
    for flag in ["--seq-n", "--conc-n", "--warmup", "--concurrency", "--repeat"]:
        parser.add_argument(flag, type=int, required=True)
    args = parser.parse_args()

    rows = [json.loads(line) for line in open(args.results) if line.strip()]
    for row in rows:
        check(row, args.warmup)

    def median(library: str, workload: str, key: str) -> float | None:
        values = [r[key] for r in rows if r["library"] == library and r["workload"] == workload]
        return statistics.median(values) if values else None

    seq = {lib: median(lib, "seq", "mean_ms") for lib in LIBRARIES}
    conc = {lib: median(lib, "conc", "per_sec") for lib in LIBRARIES}
    reask = {lib: median(lib, "reask", "per_sec") for lib in LIBRARIES}
    rss = {lib: median(lib, "conc", "rss_kb") for lib in LIBRARIES}
    seq_cpu = {lib: median(lib, "seq", "cpu_us") for lib in LIBRARIES}
    conc_cpu = {lib: median(lib, "conc", "cpu_us") for lib in LIBRARIES}

    out = []
    out.append("# pluck side by side\n")
    out.append(
        f"Mock server pinned to CPU 0, each client to CPU 1; medians of {args.repeat} runs. "
        f"Sequential: {args.seq_n} extractions; concurrent: {args.conc_n} at concurrency "
        f"{args.concurrency}; {args.warmup} warm-up extractions first in every run. "
        f"Load average (1, 5, 15 min) before: {args.load_before}; after: {args.load_after}.\n"
    )
    header = ["workload"] + [TITLES[lib] for lib in LIBRARIES] + [f"pluck ÷ {TITLES[p]}" for p in PEERS]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---|" * len(header))

    def cells(values: dict, fmt, extra=None) -> list[str]:
        result = []
        for lib in LIBRARIES:
            value = values[lib]
            text = "–" if value is None else fmt(value)
            if extra and value is not None:
                text += extra(lib, value)
            result.append(text)
        return result

    def ratios(values: dict) -> list[str]:
        p = values["pluck"]
        return ["–" if p is None or values[peer] in (None, 0) else f"{p / values[peer]:.2f}" for peer in PEERS]

    bare_seq = seq["bare"]
    out.append(
        "| " + " | ".join(
            ["(a) sequential, ms per extraction (× bare)"]
            + cells(seq, lambda v: f"{v:.3f}", lambda lib, v: "" if lib == "bare" or not bare_seq else f" ({v / bare_seq:.2f}×)")
            + ratios(seq)
        ) + " |"
    )
    bare_cpu = seq_cpu["bare"]
    out.append(
        "| " + " | ".join(
            ["(a′) client CPU per sequential extraction, µs (× bare)"]
            + cells(seq_cpu, lambda v: f"{v:.1f}", lambda lib, v: "" if lib == "bare" or not bare_cpu else f" ({v / bare_cpu:.2f}×)")
            + ratios(seq_cpu)
        ) + " |"
    )
    out.append(
        "| " + " | ".join(
            [f"(b) concurrency {args.concurrency}, extractions/s"] + cells(conc, lambda v: f"{v:,.0f}") + ratios(conc)
        ) + " |"
    )
    out.append(
        "| " + " | ".join(
            [f"(b′) client CPU per extraction at concurrency {args.concurrency}, µs"]
            + cells(conc_cpu, lambda v: f"{v:.1f}")
            + ratios(conc_cpu)
        ) + " |"
    )
    out.append(
        "| " + " | ".join(
            [f"(c) concurrency {args.concurrency}, one re-ask each, extractions/s"]
            + cells(reask, lambda v: f"{v:,.0f}")
            + ratios(reask)
        ) + " |"
    )
    out.append(
        "| " + " | ".join(
            ["(d) peak RSS of (b), MiB"] + cells(rss, lambda v: f"{v / 1024:.1f}") + ratios(rss)
        ) + " |"
    )
    out.append("")
    out.append(
        "Ratios are pluck's figure divided by the peer's: below 1 is better for pluck in (a), "
        "(a′), (b′) and (d), above 1 is better in (b) and (c). The CPU rows (user + system "
        "time of the client process, from getrusage) are what each library costs its host, "
        "and move far less than the wall clock when other work shares the machine. In (c) bare posts twice per extraction "
        "(the first reply decoded, then pluck's follow-up body) with no validation.\n"
    )
    out.append("Every run: " + ", ".join(
        f"{r['library']} {r['workload']} #{r['repeat']}: "
        + (f"{r['mean_ms']:.3f} ms" if r["workload"] == "seq" else f"{r['per_sec']:,.0f}/s")
        + f", {r['rss_kb'] / 1024:.1f} MiB"
        for r in rows
    ) + ".")
    print("\n".join(out))


def check(row: dict, warmup: int) -> None:
    server = row["server"]
    total = row["n"] + warmup
    if row["workload"] == "reask":
        ok = server["first"] == total and server["followup"] == total
    else:
        ok = server["first"] == total and server["followup"] == 0
    if not ok:
        sys.exit(f"{row['library']} {row['workload']}: the server saw {server}, expected {total} extractions")


if __name__ == "__main__":
    main()
