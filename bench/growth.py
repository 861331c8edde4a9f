"""Cost that does not grow with the data (issue #13, part 3): each seed endpoint measured
again once the responsiveness phase has seeded its runs, next to its figure on the fresh
database, in one run. Target: at most 1.5x the cost (ok/s at least 1/1.5 of the first).

The reference is seeded directly into its database and restarted before its second measurement
(`reference_seed`), ours over HTTP without a restart: the same data, not the same process history."""

from __future__ import annotations

from typing import Any

from bench.phases import LABELS

#: The growth of cost allowed between the fresh database and the seeded one.
TARGET = 1.5


def cost_ratio(empty: dict[str, Any] | None, seeded: dict[str, Any] | None) -> float | None:
    """How many times an endpoint's cost (1 / ok/s) grew from `empty` to `seeded`."""
    if not empty or not seeded or not empty.get("ok_rps") or not seeded.get("ok_rps"):
        return None
    return float(empty["ok_rps"]) / float(seeded["ok_rps"])


def report_lines(results: dict[str, Any]) -> list[str]:
    """The section of the report (empty when no target was measured at N runs)."""
    ran = [t for t in results.get("targets", []) if t.get("phases_seeded")]
    if not ran:
        return []
    lines = ["", "## Cost at N runs against a fresh database", ""]
    lines += [
        "Each endpoint at the first client count, on the fresh database (the first phase) and again "
        f"after the responsiveness phase seeded its runs; target: cost at most {TARGET}x "
        "(p50 latency and ok/s shown). The reference's runs are written into its database directly and it is "
        "restarted before the second measurement (see bench/README.md).",
        "",
        "| target | endpoint | fresh: ok/s, p50 ms | seeded: ok/s, p50 ms | cost ratio |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for t in ran:
        seeded_runs = t.get("responsiveness", {}).get("seeded", {}).get("flow_runs")
        clients = t["phases_seeded"]["clients"]
        fresh = t.get("phases", {}).get(str(clients), {})
        for key, res in t["phases_seeded"]["results"].items():
            ratio = cost_ratio(fresh.get(key), res)
            verdict = "—" if ratio is None else f"{ratio:.2f}x" + (" (over)" if ratio > TARGET else "")
            lines.append(
                f"| {t['name']} ({seeded_runs} runs) | {LABELS.get(key, key)} | {_cell(fresh.get(key))} "
                f"| {_cell(res)} | {verdict} |"
            )
    return lines


def _cell(res: dict[str, Any] | None) -> str:
    if not res or "ok_rps" not in res:
        return "—"
    p50 = res.get("p50_ms")
    return f"{res['ok_rps']:.0f}" + ("" if p50 is None else f", {p50:.2f}")
