"""Results: terminal tables, the JSON file, the markdown report with ratios to the reference."""

from __future__ import annotations

import json
import math
from pathlib import Path

from bench import growth, responsiveness, soak
from bench.phases import ENDPOINT_KEYS, LABELS


def ran(results: dict) -> list[dict]:
    """Targets that were run (available and started)."""
    return [t for t in results["targets"] if t.get("available") and t.get("phases")]


def reference_of(results: dict) -> dict | None:
    """The reference target's results, if it ran."""
    return next((t for t in ran(results) if t["kind"] == "reference"), None)


def ok_rps(target: dict, clients: str, key: str) -> float | None:
    """2xx per second of one endpoint, or None if it was not measured or failed."""
    res = target.get("phases", {}).get(clients, {}).get(key)
    if not res or ("error" in res and "ok" not in res):
        return None
    return float(res.get("ok_rps", 0.0))


def ratio(target: dict, ref: dict, clients: str, key: str) -> float | None:
    """target ok/s divided by reference ok/s (None when either is missing or the reference is 0)."""
    a, b = ok_rps(target, clients, key), ok_rps(ref, clients, key)
    if a is None or not b:
        return None
    return a / b


def unreliable(target: dict, clients: str, key: str) -> bool:
    """Whether the phase marked this endpoint's figure unreliable (set_state over a pool used up in
    less than half the window: bench/pool.py `verdict`)."""
    res = target.get("phases", {}).get(clients, {}).get(key)
    return bool(res and res.get("unreliable"))


def geomean(values: list[float | None]) -> float | None:
    """Geometric mean of the positive values (None if there is none)."""
    vals = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in vals) / len(vals)) if vals else None


def ratio_table(results: dict) -> dict:
    """{target: {clients: {endpoint: ratio, "geomean": g}}} for every non-reference target that ran.

    A ratio whose figure on either side is unreliable stays in the row but not in its geometric
    mean; the row then lists those endpoints under "excluded"."""
    ref = reference_of(results)
    if ref is None:
        return {}
    out: dict = {}
    for t in ran(results):
        if t is ref:
            continue
        per: dict = {}
        for c in results["meta"]["clients"]:
            c = str(c)
            row: dict = {k: ratio(t, ref, c, k) for k in ENDPOINT_KEYS}
            excluded = [
                k for k in ENDPOINT_KEYS if row[k] is not None and (unreliable(t, c, k) or unreliable(ref, c, k))
            ]
            row["geomean"] = geomean([v for k, v in row.items() if k not in excluded])
            if excluded:
                row["excluded"] = excluded
            per[c] = row
        out[t["name"]] = per
    return out


def _fmt_rate(res: dict | None) -> str:
    if not res:
        return "-"
    if "error" in res and "ok" not in res:
        return "ERR"
    s = f"{res['ok_rps']:,.0f}"
    if res.get("error_count"):
        s += f" ({res['error_count']} err)"
    if res.get("unreliable"):
        s += " (unreliable)"
    return s


def _fmt_lat(res: dict | None) -> str:
    if not res or "p50_ms" not in res:
        return "-"
    return f"{res['p50_ms']:.2f}/{res['p95_ms']:.2f}/{res['p99_ms']:.2f}"


def _fmt_ratio(v: float | None) -> str:
    return "-" if v is None else (f"{v:.2f}x" if v < 10 else f"{v:.1f}x")


def _errors(res: dict | None) -> str:
    if not res:
        return ""
    if "error" in res and "ok" not in res:
        return res["error"][:80]
    return ", ".join(f"{k}×{v}" for k, v in sorted(res.get("errors", {}).items()))


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        return "  ".join(
            str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=False))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def _md(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "| --- " + "| ---: " * (len(headers) - 1) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _rate_rows(results: dict, c: str, with_latency: bool) -> tuple[list[str], list[list[str]]]:
    targets = ran(results)
    headers = ["endpoint"]
    for t in targets:
        headers.append(f"{t['name']} ok/s")
        if with_latency:
            headers.append("p50/p95/p99 ms")
    rows = []
    for k in ENDPOINT_KEYS:
        row = [LABELS[k]]
        present = False
        for t in targets:
            res = t["phases"].get(c, {}).get(k)
            present = present or res is not None
            row.append(_fmt_rate(res))
            if with_latency:
                row.append(_fmt_lat(res))
        if present:
            rows.append(row)
    return headers, rows


def _ratio_rows(results: dict) -> tuple[list[str], list[list[str]]]:
    table = ratio_table(results)
    clients = [str(c) for c in results["meta"]["clients"]]
    headers = ["endpoint"] + [f"{name} c={c}" for name in table for c in clients]
    rows = []
    for k in (*ENDPOINT_KEYS, "geomean"):
        label = "**geometric mean**" if k == "geomean" else LABELS[k]
        cells = [table[name][c] for name in table for c in clients]
        if k != "geomean" and all(cell.get(k) is None for cell in cells):
            continue
        rows.append([label] + [_ratio_cell(cell, k) for cell in cells])
    return headers, rows


def _ratio_cell(row: dict, key: str) -> str:
    """A ratio, marked when it is unreliable, or a geometric mean, marked when it leaves some out."""
    text = _fmt_ratio(row.get(key))
    excluded = row.get("excluded") or []
    if key == "geomean" and excluded:
        return f"{text} (without {', '.join(excluded)})"
    if key in excluded:
        return f"{text} (unreliable)"
    return text


def _summary_rows(results: dict) -> list[list[str]]:
    rows = []
    for t in results["targets"]:
        if not t.get("available"):
            rows.append([t["name"], "not available", "-", "-", "-", t.get("note", "")])
            continue
        rss = t.get("rss_mb", {})
        rows.append(
            [
                t["name"],
                "error" if t.get("error") else "ok",
                f"{t['startup_s']:.2f}" if t.get("startup_s") is not None else "-",
                str(rss.get("after_start", "-")),
                str(rss.get("end", "-")),
                (t.get("error") or t.get("note") or "")[:120],
            ]
        )
    return rows


def _e2e_rows(results: dict) -> list[list[str]]:
    rows = []
    for t in ran(results):
        for w in t.get("e2e") or []:
            rows.append(
                [
                    t["name"],
                    f"{w['kind']} ({w['n']})",
                    str(w.get("flow_wall_s", "-")),
                    str(w.get("process_wall_s", "-")),
                    str(w.get("server_cpu_s", "-")),
                    w.get("error") or w.get("server_state", "-"),
                ]
            )
    return rows


def warnings(results: dict) -> list[str]:
    """Things that make numbers of this run less trustworthy."""
    out = []
    for t in ran(results):
        if t.get("soak", {}).get("passed") is False:
            out.append(f"{t['name']}: RSS grew by more than {soak.TARGET:.0%} during the soak phase")
        busy = t.get("other_cpu_percent_before") or 0
        if busy > 25:
            out.append(f"{t['name']}: {busy:.0f}% CPU busy before start (other work on the machine)")
        seeded = t.get("phases_seeded") or {}
        if seeded.get("results"):
            out += [
                f"{t['name']} c={seeded['clients']} at the seeded runs, {k}: {r['warning']}"
                for k, r in seeded["results"].items()
                if r.get("warning")
            ]
        for c, phase in t["phases"].items():
            for k, r in phase.items():
                if r.get("warning"):
                    out.append(f"{t['name']} c={c} {k}: {r['warning']}")
                if k == "events_in" and "drained" in r and not r["drained"]:
                    out.append(
                        f"{t['name']} c={c} events_in: persisted count still growing when polling "
                        "stopped (backlog may spill into the next phase)"
                    )
    return out


SUMMARY_HEAD = ["target", "status", "start→healthy s", "RSS after start MiB", "RSS at end MiB", "note"]
E2E_HEAD = ["target", "workload", "flow wall s", "process wall s", "server CPU s", "state"]


def terminal(results: dict) -> str:
    """The whole run as plain-text tables."""
    parts = ["", _table(SUMMARY_HEAD, _summary_rows(results))]
    for c in results["meta"]["clients"]:
        h, rows = _rate_rows(results, str(c), with_latency=True)
        if rows:
            parts += ["", f"== {c} client(s): 2xx per second, latency p50/p95/p99 ms ==", _table(h, rows)]
    h, rows = _ratio_rows(results)
    if len(h) > 1:
        parts += ["", "== ratio to the reference (ok/s ÷ reference ok/s) ==", _table(h, rows)]
    if _e2e_rows(results):
        parts += ["", "== end-to-end (real client) ==", _table(E2E_HEAD, _e2e_rows(results))]
    parts += responsiveness.report_lines(results)
    parts += growth.report_lines(results)
    parts += soak.report_lines(results)
    if warnings(results):
        parts += ["", "WARNINGS:", *("  - " + w for w in warnings(results))]
    return "\n".join(parts)


def markdown(results: dict, chart_name: str | None) -> str:
    """The markdown report of one run."""
    m = results["meta"]
    lines = [
        f"# Benchmark run {m['timestamp']}",
        "",
        f"- command: `{m['command']}`",
        f"- machine: {m['machine']}; load generator: {m['wrk']} (HTTP), Python aiohttp (WS)",
        f"- pinning: {m['pinning']}",
        f"- {m['duration']} s per endpoint and client count; clients {', '.join(map(str, m['clients']))}",
        "- ok/s counts 2xx responses only; latency is wrk's histogram over all completed responses "
        "(= 2xx when the error column is empty); events_in is events persisted per second.",
        "",
        "## Targets",
        "",
        _md(SUMMARY_HEAD, _summary_rows(results)),
    ]
    for t in results.get("targets", []):
        if t.get("packages"):
            packages = ", ".join(f"{name} {version}" for name, version in t["packages"].items())
            lines += ["", f"{t['name']}'s packages: {packages}."]
    h, rows = _ratio_rows(results)
    if len(h) > 1:
        lines += [
            "",
            "## Ratio to the reference",
            "",
            "ok/s of the target ÷ ok/s of the reference, same client count; above 1 is faster.",
            "",
            _md(h, rows),
        ]
        if chart_name:
            lines += ["", f"![ratios to the reference]({chart_name})"]
    for c in m["clients"]:
        h, rows = _rate_rows(results, str(c), with_latency=True)
        if rows:
            lines += ["", f"## {c} client(s)", "", _md(h, rows)]
            errs = [
                [t["name"], LABELS[k], _errors(t["phases"].get(str(c), {}).get(k))]
                for t in ran(results)
                for k in ENDPOINT_KEYS
                if _errors(t["phases"].get(str(c), {}).get(k))
            ]
            if errs:
                lines += ["", "Errors by kind:", "", _md(["target", "endpoint", "errors"], errs)]
    if _e2e_rows(results):
        lines += ["", "## End-to-end with the real client", "", _md(E2E_HEAD, _e2e_rows(results))]
    lines += responsiveness.report_lines(results)
    lines += growth.report_lines(results)
    lines += soak.report_lines(results)
    if warnings(results):
        lines += ["", "## Warnings", "", *("- " + w for w in warnings(results))]
    return "\n".join(lines) + "\n"


def write_all(results: dict, out_dir: Path, stamp: str) -> dict[str, Path]:
    """Write <stamp>.json, <stamp>.md and <stamp>.png (when there are ratios); return the paths."""
    from bench.chart import write_ratio_chart

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / f"{stamp}.json", "md": out_dir / f"{stamp}.md"}
    table = ratio_table(results)
    chart = None
    if table:
        chart = write_ratio_chart(table, [str(c) for c in results["meta"]["clients"]], out_dir / f"{stamp}.png")
        if chart:
            paths["png"] = chart
    results["ratios"] = table
    paths["json"].write_text(json.dumps(results, indent=1, default=str) + "\n")
    paths["md"].write_text(markdown(results, chart.name if chart else None))
    return paths
