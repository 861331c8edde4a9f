"""The set_state pool of the benchmark (bench/pool.py) and how the report treats a figure measured
over a pool used up too early (bench/report.py)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bench import pool, report


def test_backoff_doubles_from_a_tenth_of_a_second_and_is_capped() -> None:
    assert [pool.backoff(n) for n in range(7)] == [0.0, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0]
    assert pool.backoff(50) == 2.0


def test_budgets_grow_with_the_phase_and_the_extended_one_is_three_times_the_budget() -> None:
    assert pool.budgets(3) == (30.0, 20.0, 60.0)
    assert pool.budgets(10) == (60.0, 30.0, 90.0)


def _result(exhausted: bool, window: float) -> dict:
    return {"duration_s": window, "extra": {"exhausted": int(exhausted)}}


def test_a_pool_that_lasts_the_window_or_most_of_it_gives_a_reliable_figure() -> None:
    assert pool.verdict(198, 198, _result(False, 5.0), 5.0) == (None, False)
    assert pool.verdict(198, 198, _result(True, 4.5), 5.0) == (None, False)
    warning, unreliable = pool.verdict(150, 198, _result(True, 4.0), 5.0)
    assert not unreliable and warning is not None and "150 of 198" in warning


def test_a_pool_used_up_in_less_than_half_the_window_is_unreliable() -> None:
    warning, unreliable = pool.verdict(1, 198, _result(True, 0.08), 5.0)
    assert unreliable
    assert warning is not None and "1 of 198" in warning and "geometric mean" in warning
    assert pool.verdict(198, 198, _result(True, 2.0), 5.0)[1]


def test_the_summary_counts_failed_attempts_by_kind() -> None:
    p = pool.Pool(wanted=3, concurrency=1, ids=["a", "b"], outcomes=Counter({"201": 2, "503": 4, "TimeoutError": 1}))
    assert p.errors == 5
    assert "prepared 2/3" in p.summary() and "503×4" in p.summary() and "TimeoutError×1" in p.summary()
    assert p.to_json()["outcomes"] == {"201": 2, "503": 4, "TimeoutError": 1}


@pytest.fixture
async def flaky_server() -> AsyncIterator[tuple[str, dict]]:
    """A real HTTP server whose POST /api/flow_runs/ answers 503 to its first `fail` creates, as the
    reference does after a burst, then 201 with a PENDING run."""
    state = {"fail": 3, "seen": 0}

    async def create(request: web.Request) -> web.Response:
        state["seen"] += 1
        if state["seen"] <= state["fail"]:
            return web.json_response({"exception_message": "Service Unavailable"}, status=503)
        return web.json_response({"id": str(uuid.uuid4()), "state_type": "PENDING"}, status=201)

    app = web.Application()
    app.router.add_post("/api/flow_runs/", create)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/api", state
    finally:
        await runner.cleanup()


async def test_the_preparation_waits_out_errors_and_still_fills_the_pool(flaky_server: tuple[str, dict]) -> None:
    base, state = flaky_server
    made = await pool.prepare(base, "f", 12, concurrency=2, recovery_s=30, budget_s=30, extended_s=60)
    assert len(made.ids) == 12 and len(set(made.ids)) == 12
    assert made.outcomes == Counter({"201": 12, "503": 3})
    assert made.budget_s == 60  # errors were answered: the extended budget applied
    assert state["seen"] == 15  # no create beyond the pool asked for


async def test_a_server_that_never_recovers_gives_an_empty_pool_within_the_recovery_bound(
    flaky_server: tuple[str, dict],
) -> None:
    base, state = flaky_server
    state["fail"] = 10**9
    made = await pool.prepare(base, "f", 12, concurrency=2, recovery_s=0.5, budget_s=30, extended_s=60)
    assert made.ids == [] and made.outcomes["503"] == state["seen"] >= 1
    assert "prepared 0/12" in made.summary()


def _target(name: str, kind: str, set_state: dict) -> dict:
    phases = {"4": {"health": {"ok": 100, "ok_rps": 100.0}, "set_state": set_state}}
    return {"name": name, "kind": kind, "available": True, "phases": phases}


def _results(ours_set_state: dict, ref_set_state: dict) -> dict:
    return {
        "meta": {"clients": [4]},
        "targets": [_target("ours", "ours", ours_set_state), _target("reference", "reference", ref_set_state)],
    }


def test_an_unreliable_figure_stays_in_the_table_but_not_in_the_geometric_mean() -> None:
    reliable = {"ok": 500, "ok_rps": 500.0}
    short = {"ok": 2, "ok_rps": 25.0, "unreliable": True, "warning": "pool of 1 runs used up"}
    results = _results({"ok": 4000, "ok_rps": 4000.0}, short)
    row = report.ratio_table(results)["ours"]["4"]
    assert row["set_state"] == 160.0 and row["excluded"] == ["set_state"]
    assert row["geomean"] == 1.0  # health alone
    _, rows = report._ratio_rows(results)
    cells = {r[0]: r[1] for r in rows}
    assert cells[report.LABELS["set_state"]] == "160.0x (unreliable)"
    assert cells["**geometric mean**"] == "1.00x (without set_state)"
    assert report.warnings(results) == ["reference c=4 set_state: pool of 1 runs used up"]
    # both sides reliable: everything counts, nothing is marked
    row = report.ratio_table(_results({"ok": 1000, "ok_rps": 1000.0}, reliable))["ours"]["4"]
    assert "excluded" not in row and row["geomean"] == pytest.approx(2**0.5)
