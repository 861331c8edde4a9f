"""The pure parts of the benchmark's soak phase (bench/soak.py): warm-up, pacing, verdict, report."""

from __future__ import annotations

from bench import soak
from bench.report import warnings


def test_warmup_defaults_to_a_minute_capped_by_the_soak_and_honours_an_explicit_value() -> None:
    assert soak.warmup_seconds(600) == 60.0
    assert soak.warmup_seconds(30) == 30.0
    assert soak.warmup_seconds(1) == 5.0
    assert soak.warmup_seconds(600, 12) == 12.0
    assert soak.warmup_seconds(600, -3) == 0.0


def test_verdict_passes_within_ten_percent_and_fails_above() -> None:
    assert soak.verdict(100.0, 110.0) == {"ratio": 1.1, "passed": True}
    assert soak.verdict(100.0, 90.0) == {"ratio": 0.9, "passed": True}
    assert soak.verdict(100.0, 110.5) == {"ratio": 1.105, "passed": False}
    assert soak.verdict(None, 110.0) == {"ratio": None, "passed": None}
    assert soak.verdict(100.0, None) == {"ratio": None, "passed": None}


def test_pacing_waits_for_the_next_slot_and_a_late_client_does_not_burst() -> None:
    pacer = soak.Pacer(interval=0.5, now=10.0)
    assert pacer.delay(10.0) == 0.0
    assert pacer.delay(10.25) == 0.25  # the next slot is at 10.5
    assert pacer.delay(13.0) == 0.0  # 2 s late: go now...
    assert pacer.delay(13.0) == 0.5  # ...but the slot after is a full interval later, not a catch-up


def test_a_cycle_creates_first_then_moves_the_created_run_and_reads() -> None:
    first = soak._cycle("f1", None, "soak-x-1")
    assert first == [("POST", "/flow_runs/", {"flow_id": "f1", "name": "soak-x-1", "state": soak.PENDING})]
    rest = soak._cycle("f1", "r1", "")
    assert [(m, p) for m, p, _ in rest[:3]] == [
        ("POST", "/flow_runs/r1/set_state"),
        ("POST", "/flow_runs/r1/set_state"),
        ("GET", "/flow_runs/r1"),
    ]
    assert [b["state"]["type"] for _, _, b in rest[:2]] == ["RUNNING", "COMPLETED"]


def _raw(warm: list[float], soaked: list[float], errors: dict[str, int] | None = None) -> dict:
    return {
        "warmup_s": 10.0,
        "seconds": 20.0,
        "rate": 100.0,
        "clients": 4,
        "warmup": {"requests": 900, "ok": 900, "errors": {}, "events_sent": 200, "rss_samples": list(enumerate(warm))},
        "soak": {
            "requests": 1800,
            "ok": 1800 - sum((errors or {}).values()),
            "errors": errors or {},
            "events_sent": 400,
            "rss_samples": list(enumerate(soaked)),
        },
        "events_persisted": 600,
    }


def test_summary_takes_the_last_warmup_sample_as_baseline_and_the_max_of_the_soak() -> None:
    out = soak.summarise(_raw([80.0, 95.0, 100.0], [101.0, 115.0, 104.0], {"500": 2}))
    assert (out["rss_after_warmup_mb"], out["rss_end_mb"], out["rss_max_mb"]) == (100.0, 104.0, 115.0)
    assert (out["ratio"], out["passed"]) == (1.04, True)
    assert (out["requests"], out["error_count"]) == (2700, 2)


def test_report_shows_the_verdict_and_a_failed_soak_is_a_warning() -> None:
    grown = soak.summarise(_raw([100.0], [105.0, 130.0]))
    results = {
        "meta": {"clients": [1]},
        "targets": [{"name": "ours:sqlite+memory", "available": True, "phases": {"1": {}}, "soak": grown}],
    }
    text = "\n".join(soak.report_lines(results))
    assert (
        "| ours:sqlite+memory | 10 + 20 | 100 | 100.0 | 130.0 | 130.0 | 1.300 (FAIL) | 2700 (0) | 600 / 600 |" in text
    )
    assert any("soak" in w for w in warnings(results))
    results["targets"][0]["soak"] = soak.summarise(_raw([100.0], [100.0, 101.0]))
    assert "1.010 (pass)" in "\n".join(soak.report_lines(results))
    assert not any("soak" in w for w in warnings(results))
    assert soak.report_lines({"targets": [{"name": "reference", "available": True}]}) == []
