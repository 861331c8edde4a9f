"""Variables through the real client: `Variable.set/get/unset` and `prefect variable ...`."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conformance.background import PREFECT_CLI, cli
from tests.conformance.support import Api, ClientRunner, unique_suffix

pytestmark = pytest.mark.conformance

SDK = """
from prefect.variables import Variable

name = f"cfg_{SUFFIX}"
errors = {}
first = Variable.set(name, {"retries": 3, "hosts": ["a", "b"], "on": True}, tags=["team"])
try:
    Variable.set(name, 1)
except ValueError as exc:
    errors["no_overwrite"] = str(exc)
Variable.set(name, [1, 2.5, None, "x"], overwrite=True)
after_overwrite = Variable.get(name)
for value in ("plain", 7, None):
    Variable.set(f"{name}_{type(value).__name__.lower()}", value)
scalars = [Variable.get(f"{name}_{type(v).__name__.lower()}") for v in ("plain", 7, None)]
missing = Variable.get(f"nope_{SUFFIX}", default="fallback")
removed = Variable.unset(name)
removed_again = Variable.unset(name)
report(
    first=first.model_dump(mode="json"),
    after_overwrite=after_overwrite,
    scalars=scalars,
    missing=missing,
    errors=errors,
    removed=removed,
    removed_again=removed_again,
    gone=Variable.get(name),
)
"""


def test_sdk_set_get_unset_with_json_values_and_overwrite(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    result = prefect.run(SDK, suffix=suffix).result
    assert result["first"]["value"] == {"retries": 3, "hosts": ["a", "b"], "on": True}
    assert result["first"]["tags"] == ["team"]
    assert "already exists" in result["errors"]["no_overwrite"]
    assert result["after_overwrite"] == [1, 2.5, None, "x"]
    assert result["scalars"] == ["plain", 7, None]
    assert result["missing"] == "fallback"
    assert (result["removed"], result["removed_again"], result["gone"]) == (True, False, None)
    stored = api.post("/variables/filter", {"variables": {"name": {"like_": suffix}}})
    assert sorted(v["name"] for v in stored) == [f"cfg_{suffix}_{t}" for t in ("int", "nonetype", "str")]


@pytest.mark.one_backend
def test_cli_set_get_ls_inspect_unset(prefect: ClientRunner, api: Api) -> None:
    name = f"cli_{unique_suffix()}"

    def run(*args: str) -> str:
        return cli(["variable", *args], {**prefect.env, "COLUMNS": "400"}, prefect.workdir).stdout

    assert "Set variable" in run("set", name, '{"a": [1, 2]}', "--tag", "x", "--tag", "y")
    assert json.loads(run("get", name)) == {"a": [1, 2]}
    stored = api.get(f"/variables/name/{name}")
    assert (stored["value"], stored["tags"]) == ({"a": [1, 2]}, ["x", "y"])
    assert name in run("ls")
    listed = json.loads(run("ls", "--output", "json"))
    assert any(v["name"] == name and v["value"] == {"a": [1, 2]} for v in listed)
    inspected = json.loads(run("inspect", name, "--output", "json"))
    assert (inspected["id"], inspected["value"]) == (stored["id"], {"a": [1, 2]})
    refused = subprocess.run(
        [PREFECT_CLI, "variable", "set", name, "2"],
        env=prefect.env,
        cwd=prefect.workdir,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert refused.returncode != 0 and "already exists" in refused.stdout + refused.stderr
    run("set", name, "plain text", "--overwrite")
    assert api.get(f"/variables/name/{name}")["value"] == "plain text"
    assert "Unset variable" in run("unset", name)
    assert api.http.get(f"/variables/name/{name}").status_code == 404
