"""Artifacts through the real client: the artifact helpers (markdown, table, link, progress,
image) inside a flow and a task, read back as the latest of their keys, and
`prefect artifact ls/inspect/delete`."""

from __future__ import annotations

import json

import pytest

from tests.conformance.background import cli
from tests.conformance.support import Api, ClientRunner, unique_suffix

pytestmark = pytest.mark.conformance

FLOW = """
from prefect import flow, task
from prefect.artifacts import (
    Artifact,
    create_image_artifact,
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.context import get_run_context

@task
def make_report(where):
    create_markdown_artifact("# From a task", key=f"{where}-md-{SUFFIX}", description="task report")
    create_table_artifact([{"n": 1, "ok": True}, {"n": 2, "ok": False}], key=f"{where}-table-{SUFFIX}")
    create_link_artifact("https://example.com/task", link_text="example", key=f"{where}-link-{SUFFIX}")
    progress = create_progress_artifact(0.0, key=f"{where}-progress-{SUFFIX}")
    for value in (25.0, 60.0, 100.0):
        update_progress_artifact(progress, value)
    return str(get_run_context().task_run.id)

@flow(name=f"artifacts-{SUFFIX}")
def reporting():
    create_markdown_artifact("# Draft", key=f"flow-md-{SUFFIX}")
    create_markdown_artifact("# Final", key=f"flow-md-{SUFFIX}", description="second version")
    create_table_artifact({"col": [1, 2, 3]}, key=f"flow-table-{SUFFIX}")
    create_link_artifact("https://example.com/flow", key=f"flow-link-{SUFFIX}")
    create_image_artifact("https://example.com/chart.png", key=f"flow-image-{SUFFIX}")
    progress = create_progress_artifact(5.0, key=f"flow-progress-{SUFFIX}", description="loading")
    update_progress_artifact(progress, 80.0, description="almost")
    task_run_id = make_report("task")
    return str(get_run_context().flow_run.id), task_run_id

flow_run_id, task_run_id = reporting()
latest_md = Artifact.get(f"flow-md-{SUFFIX}")
report(flow_run_id=flow_run_id, task_run_id=task_run_id, latest_md=latest_md.model_dump(mode="json"))
"""


def test_helpers_in_a_flow_and_a_task_are_the_latest_of_their_keys(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    result = prefect.run(FLOW, suffix=suffix).result
    flow_run_id, task_run_id = result["flow_run_id"], result["task_run_id"]
    assert (result["latest_md"]["data"], result["latest_md"]["description"]) == ("# Final", "second version")
    expected = {
        "flow-md": ("markdown", "# Final", None),
        "flow-table": ("table", None, None),
        "flow-link": ("markdown", "[https://example.com/flow](https://example.com/flow)", None),
        "flow-progress": ("progress", 80.0, None),
        "flow-image": ("image", "https://example.com/chart.png", None),
        "task-md": ("markdown", "# From a task", task_run_id),
        "task-table": ("table", None, task_run_id),
        "task-link": ("markdown", "[example](https://example.com/task)", task_run_id),
        "task-progress": ("progress", 100.0, task_run_id),
    }
    for name, (kind, data, task_id) in expected.items():
        latest = api.get(f"/artifacts/{name}-{suffix}/latest")
        assert latest["type"] == kind, (name, latest)
        if data is not None:
            assert latest["data"] == data, (name, latest)
        assert (latest["flow_run_id"], latest["task_run_id"]) == (flow_run_id, task_id), name
        assert api.get(f"/artifacts/{latest['latest_id']}")["data"] == latest["data"]
    assert json.loads(api.get(f"/artifacts/task-table-{suffix}/latest")["data"]) == [
        {"n": 1, "ok": True},
        {"n": 2, "ok": False},
    ]
    assert api.get(f"/artifacts/flow-progress-{suffix}/latest")["description"] == "almost"
    versions = api.post("/artifacts/filter", {"artifacts": {"key": {"any_": [f"flow-md-{suffix}"]}}})
    assert sorted(v["data"] for v in versions) == ["# Draft", "# Final"]
    of_run = api.post("/artifacts/latest/count", {"flow_runs": {"id": {"any_": [flow_run_id]}}})
    assert of_run == len(expected)
    of_task = api.post("/artifacts/count", {"task_runs": {"id": {"any_": [task_run_id]}}})
    assert of_task == 4


SEED = """
from prefect.artifacts import create_markdown_artifact
for text in ("one", "two"):
    create_markdown_artifact(text, key=f"cli-{SUFFIX}")
create_markdown_artifact("keep", key=f"cli-keep-{SUFFIX}")
"""


@pytest.mark.one_backend
def test_cli_ls_inspect_delete(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    prefect.run(SEED, suffix=suffix)
    key = f"cli-{suffix}"

    def run(*args: str) -> str:
        return cli(["artifact", *args], {**prefect.env, "COLUMNS": "400"}, prefect.workdir).stdout

    listed = json.loads(run("ls", "--output", "json"))
    mine = [a for a in listed if a["key"] == key]
    assert len(mine) == 1 and mine[0]["data"] == "two"
    assert key in run("ls")
    every = json.loads(run("ls", "--all", "--output", "json"))
    assert sorted(a["data"] for a in every if a["key"] == key) == ["one", "two"]
    inspected = json.loads(run("inspect", key, "--output", "json"))
    assert sorted(a["data"] for a in inspected) == ["one", "two"]
    assert "Deleted 2 artifact(s)" in run("delete", key)
    assert api.http.get(f"/artifacts/{key}/latest").status_code == 404
    assert api.post("/artifacts/count", {"artifacts": {"key": {"any_": [key]}}}) == 0
    keep = api.get(f"/artifacts/cli-keep-{suffix}/latest")
    assert "Deleted artifact with id" in run("delete", "--id", keep["latest_id"])
    assert api.http.get(f"/artifacts/cli-keep-{suffix}/latest").status_code == 404
