"""`python -m bench`: our server, the reference Prefect server and the bare-aiohttp ceiling, side by side.

Each target is started back to back on a fresh database on a free loopback port, measured at each
client count (wrk for HTTP, an aiohttp client for WS event ingestion), driven end to end with the
real Prefect client, and stopped by its own pid. Results go to bench/results/<timestamp>.{json,md,png}.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

from bench import e2e, report, responsiveness, soak
from bench.phases import ENDPOINT_KEYS, run_phase
from bench.prepare import seed
from bench.servers import REPO, pin_harness_to_client_core, pinning_available
from bench.targets import (
    OURS_COMBOS,
    REF_PINS,
    REF_VENV,
    Target,
    ensure_reference_venv,
    installed_packages,
    open_target,
    ours,
    parse_targets,
)
from bench.wrkload import INSTALL_HINT, wrk_path, wrk_version

RESULTS_DIR = REPO / "bench" / "results"


class RunTimeout(BaseException):
    """The whole run exceeded --total-timeout. A BaseException, as KeyboardInterrupt is, so that
    the phases' `except Exception` (which record a failure and go on) do not swallow it."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line flags."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument(
        "--compare", action="store_true", help="ours (sqlite+memory) vs the reference, with the ceiling (the default)"
    )
    p.add_argument(
        "--matrix",
        action="store_true",
        help="our server on every backend/broker combination, plus reference and ceiling",
    )
    p.add_argument(
        "--targets",
        help="comma list: ours, ours:sqlite+memory, ours:postgres+memory, "
        "ours:sqlite+redis, ours:postgres+redis, reference, ceiling",
    )
    p.add_argument("--skip-reference", action="store_true", help="leave the reference server out")
    p.add_argument("--skip-ceiling", action="store_true", help="leave the bare-aiohttp ceiling out")
    p.add_argument("--skip-e2e", action="store_true", help="no end-to-end workloads with the real client")
    p.add_argument("--duration", type=float, default=5.0, help="seconds per endpoint and client count (5)")
    p.add_argument("--clients", default="1,4,16", help="concurrent clients, comma list (1,4,16)")
    p.add_argument("--endpoints", default=",".join(ENDPOINT_KEYS), help="subset of " + ",".join(ENDPOINT_KEYS))
    p.add_argument(
        "--responsiveness",
        type=int,
        default=0,
        metavar="RUNS",
        help="after the other phases, seed RUNS flow runs and time /health and a point read under heavy reads "
        "(issue #13 asks for 100000; 0, the default, skips the phase)",
    )
    p.add_argument("--responsiveness-duration", type=float, default=10.0, help="loaded window of that phase, s (10)")
    p.add_argument(
        "--no-late-runs",
        action="store_true",
        help="start ours and the reference with their late-runs service off (PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED"
        "=false), so the responsiveness phase's overdue runs are not marked Late in the background while it measures",
    )
    p.add_argument(
        "--soak",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="after the other phases, for our targets only: a warm-up, then SECONDS more of a steady mixed load; "
        "RSS at the end must be within 10%% of RSS after warm-up (issue #13, part 5; 0, the default, skips it)",
    )
    p.add_argument(
        "--soak-warmup", type=float, default=None, metavar="S", help="warm-up of the soak phase, s (min(60, SECONDS))"
    )
    p.add_argument(
        "--soak-rate", type=float, default=100.0, help="requests per second of the soak load, in total (100)"
    )
    p.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set NAME=VALUE in our servers' environment (repeatable; not the reference's): to compare a setting",
    )
    p.add_argument("--total-timeout", type=float, default=3600.0, help="hard limit for the whole run, s")
    p.add_argument("--out-dir", type=Path, default=RESULTS_DIR, help="where results are written")
    p.add_argument("--no-pin", action="store_true", help="do not pin server and load generator to cores")
    p.add_argument("--keep-scratch", action="store_true", help="keep databases and server logs")
    p.add_argument(
        "--self-check",
        action="store_true",
        help="1-second smoke against the ceiling app only; exit 1 on any failure (for CI)",
    )
    args = p.parse_args(argv)
    if args.self_check:
        args.targets, args.duration, args.clients, args.skip_e2e = "ceiling", 1.0, "1", True
    args.client_counts = [int(c) for c in args.clients.split(",") if c.strip()]
    args.endpoint_keys = tuple(k for k in args.endpoints.split(",") if k)
    unknown = set(args.endpoint_keys) - set(ENDPOINT_KEYS)
    if unknown:
        p.error(f"unknown endpoints {sorted(unknown)}")
    args.our_env = {}
    for item in args.server_env:
        name, sep, value = item.partition("=")
        if not sep or not name.startswith("PREFECT_"):
            p.error(f"--server-env takes PREFECT_NAME=VALUE, not {item!r}")
        args.our_env[name] = value
    return args


def select_targets(args: argparse.Namespace) -> list[Target]:
    """The targets of this run, in order: ours..., reference, ceiling."""
    if args.targets:
        targets = parse_targets(args.targets)
    else:
        combos = OURS_COMBOS if args.matrix else (("sqlite", "memory"),)
        targets = [ours(db, broker) for db, broker in combos]
        targets += [Target("reference", "reference"), Target("ceiling", "ceiling")]
    if args.skip_reference:
        targets = [t for t in targets if t.kind != "reference"]
    if args.skip_ceiling:
        targets = [t for t in targets if t.kind != "ceiling"]
    return targets


def measure_target(target: Target, args: argparse.Namespace, scratch: Path, pin: bool, log=print) -> dict:
    """Start `target` on a fresh database, run every phase and the e2e workloads, stop it."""
    res: dict = {**target.to_json(), "phases": {}, "rss_mb": {}, "e2e": [], "error": None, "startup_s": None}
    if not target.available:
        log(f"\n== {target.name}: not available ({target.note})")
        return res
    log(f"\n== {target.name}")
    # the harness is idle here, so whatever uses the CPU now is someone else's work
    res["other_cpu_percent_before"] = psutil.cpu_percent(interval=1.0)
    if res["other_cpu_percent_before"] > 25:
        log(
            f"  WARNING: {res['other_cpu_percent_before']:.0f}% CPU busy before start: other work on "
            "this machine will distort the numbers"
        )
    server = None
    try:
        extra_env = {"PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false"} if args.no_late_runs else {}
        if target.kind == "ours":
            extra_env.update(args.our_env)
        with open_target(target, scratch, pin, log, extra_env=extra_env) as server:
            log(f"  starting on {server.base_url} ...")
            res["startup_s"] = round(server.start(), 3)
            res["rss_mb"]["after_start"] = server.rss_mb()
            if target.kind == "reference":
                res["packages"] = installed_packages(REF_VENV / "bin" / "python")
            log(f"  healthy after {res['startup_s']:.2f}s, RSS {res['rss_mb']['after_start']} MiB")
            seeds = asyncio.run(seed(server.base_url))
            for c in args.client_counts:
                log(f"  -- {c} client(s), {args.duration:g}s per endpoint")
                res["phases"][str(c)] = run_phase(server, seeds, c, args.duration, scratch, args.endpoint_keys, log)
                res["rss_mb"][f"after_c{c}"] = server.rss_mb()
            if not args.skip_e2e and target.kind != "ceiling" and server.alive():
                log("  -- end-to-end with the real client")
                for w in e2e.run_all(server, scratch):
                    res["e2e"].append(w)
                    log(
                        f"    {w['kind']}({w['n']}): flow {w.get('flow_wall_s', '-')}s, "
                        f"server CPU {w.get('server_cpu_s')}s {w.get('error') or w.get('server_state', '')}"
                    )
            if args.responsiveness and target.kind != "ceiling" and server.alive():
                res["responsiveness"] = responsiveness.run(
                    server, target.kind, args.responsiveness, args.responsiveness_duration, log
                )
                if server.alive() and not res["responsiveness"].get(
                    "error"
                ):  # issue #13, part 3: the seed endpoints again, on the seeded data
                    c = args.client_counts[0]
                    log(f"  -- {c} client(s) again, at {res['responsiveness'].get('seeded', {}).get('flow_runs')} runs")
                    results = run_phase(server, seeds, c, args.duration, scratch, args.endpoint_keys, log)
                    res["phases_seeded"] = {"clients": c, "results": results}
            if args.soak > 0 and target.kind == "ours" and server.alive():
                warmup = soak.warmup_seconds(args.soak, args.soak_warmup)
                try:
                    res["soak"] = soak.run(server.base_url, server.rss_mb, args.soak, warmup, args.soak_rate, log)
                except Exception as exc:  # recorded, the run goes on
                    res["soak"] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
                    log(f"  soak ERROR {res['soak']['error']}")
            res["rss_mb"]["end"] = server.rss_mb()
            if not server.alive():
                res["error"] = f"server died during the run:\n{server.log_tail()}"
    except (RunTimeout, KeyboardInterrupt):
        res["error"] = "interrupted (total timeout or signal)"
        raise
    except Exception as exc:
        res["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        log(f"  ERROR {res['error']}")
    finally:
        if server is not None and server.proc is not None:
            res["exit_code"] = server.stop()
            res["server_log_tail"] = server.log_tail(15)
    return res


def machine_info() -> str:
    """One line describing the machine."""
    mem = psutil.virtual_memory().total / 2**30
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def _on_alarm(signum, frame):
    raise RunTimeout()


def _on_term(signum, frame):
    raise KeyboardInterrupt()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the process exit code."""
    args = parse_args(argv)
    if not wrk_path():
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    targets = select_targets(args)
    pin = pinning_available() and not args.no_pin
    if pin:
        pin_harness_to_client_core()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results: dict = {
        "meta": {
            "timestamp": stamp,
            "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
            "machine": machine_info(),
            "wrk": wrk_version(),
            "duration": args.duration,
            "clients": args.client_counts,
            "endpoints": list(args.endpoint_keys),
            "reference_pins": list(REF_PINS),
            "soak_s": args.soak,
            "late_runs_service": "off" if args.no_late_runs else "on",
            "our_server_env": args.our_env,
            "pinning": "server on core 0, harness/wrk/WS/e2e clients on core 1" if pin else "none",
        },
        "targets": [],
    }
    print(
        f"prefect-server-py benchmark {stamp}: {', '.join(t.name for t in targets)}; "
        f"{args.duration:g}s per endpoint, clients {args.client_counts}; pinning: {results['meta']['pinning']}"
    )
    if any(t.kind == "reference" for t in targets):
        try:
            ensure_reference_venv()
        except Exception as exc:
            for t in targets:
                if t.kind == "reference":
                    t.available, t.note = False, f"reference venv could not be created: {exc}"
    scratch = Path(tempfile.mkdtemp(prefix="prefect-bench-"))
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGTERM, _on_term)
    signal.alarm(max(1, int(args.total_timeout)))
    interrupted = False
    try:
        for t in targets:
            results["targets"].append(measure_target(t, args, scratch / t.name.replace(":", "-"), pin))
    except (RunTimeout, KeyboardInterrupt) as exc:
        interrupted = True
        print(f"\nrun stopped early: {type(exc).__name__}", file=sys.stderr)
    finally:
        signal.alarm(0)
        if not args.keep_scratch:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            print(f"scratch kept in {scratch}")
    results["meta"]["interrupted"] = interrupted
    out_dir = Path(tempfile.mkdtemp(prefix="prefect-bench-selfcheck-")) if args.self_check else args.out_dir
    paths = report.write_all(results, out_dir, stamp)
    print(report.terminal(results))
    print("\n" + "\n".join(f"{k}: {p}" for k, p in paths.items()))
    if args.self_check:
        return self_check_verdict(results)
    return 1 if interrupted else 0


def self_check_verdict(results: dict) -> int:
    """0 when every endpoint of the ceiling answered with 2xx only and some throughput, else 1."""
    failures = []
    for t in results["targets"]:
        if t.get("error"):
            failures.append(f"{t['name']}: {t['error']}")
        for c, phase in t.get("phases", {}).items():
            for k, r in phase.items():
                if r.get("error") or r.get("error_count") or not r.get("ok_rps"):
                    failures.append(f"{t['name']} c={c} {k}: {r.get('error') or r.get('errors') or 'no 2xx'}")
    total = sum(len(p) for t in results["targets"] for p in t.get("phases", {}).values())
    print(f"\nself-check: {total - len(failures)}/{total} endpoint measurements ok")
    for f in failures:
        print("  FAIL " + f)
    return 1 if failures or not total else 0


if __name__ == "__main__":
    sys.exit(main())
