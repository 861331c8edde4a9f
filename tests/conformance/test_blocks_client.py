"""Blocks through the pinned client: Secret, JSON-like and String-like blocks saved and
loaded (one nesting another), secrets masked in the API and kept through an update, and
the `prefect block` CLI (register, ls, type ls, inspect, delete).

Prefect 3 ships `Secret` but no longer the JSON and String blocks of Prefect 2, so the
scripts declare blocks of those names (and a block nesting a Secret) as a user would.
"""

from __future__ import annotations

import json

import pytest

from tests.conformance.background import cli
from tests.conformance.support import Api, ClientRunner, unique_suffix

pytestmark = pytest.mark.conformance

SECRET = "s3cr3t-value-never-shown"

BLOCKS = """
from typing import Any
from prefect.blocks.core import Block
from prefect.blocks.system import Secret
from pydantic import SecretStr

class JSONValue(Block):
    _block_type_name = "JSON Value " + SUFFIX
    _block_type_slug = "json-value-" + SUFFIX
    value: Any

class StringValue(Block):
    _block_type_name = "String Value " + SUFFIX
    _block_type_slug = "string-value-" + SUFFIX
    value: str

class Database(Block):
    _block_type_name = "Database " + SUFFIX
    _block_type_slug = "database-" + SUFFIX
    host: str
    password: SecretStr
    credentials: Secret
"""

SAVE = (
    BLOCKS
    + """
SECRET = sys.argv[2]
Secret(value=SECRET).save("api-key-" + SUFFIX)
JSONValue(value={"a": [1, 2, {"b": None}], "c": "d"}).save("config-" + SUFFIX)
StringValue(value="hello").save("greeting-" + SUFFIX)
inner = Secret.load("api-key-" + SUFFIX)
Database(host="db.local", password=SECRET + "-db", credentials=inner).save("db-" + SUFFIX)
report(ok=True)
"""
)

LOAD = (
    BLOCKS
    + """
secret = Secret.load("api-key-" + SUFFIX)
db = Database.load("db-" + SUFFIX)
report(
    secret=secret.get(),
    json=JSONValue.load("config-" + SUFFIX).value,
    string=StringValue.load("greeting-" + SUFFIX).value,
    host=db.host,
    db_password=db.password.get_secret_value(),
    nested=db.credentials.get(),
)
"""
)

UPDATE = (
    BLOCKS
    + """
db = Database.load("db-" + SUFFIX)
db.host = "db2.local"
db.save("db-" + SUFFIX, overwrite=True)
s = StringValue.load("greeting-" + SUFFIX)
s.value = "bye"
s.save("greeting-" + SUFFIX, overwrite=True)
try:
    StringValue(value="again").save("greeting-" + SUFFIX)
    duplicate = "saved"
except ValueError as exc:
    duplicate = str(exc)
# A client that read the document without secrets and saves its data back whole.
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import BlockDocumentUpdate
with get_client(sync_client=True) as client:
    masked = client.read_block_document_by_name("api-key-" + SUFFIX, "secret", include_secrets=False)
    client.update_block_document(masked.id, BlockDocumentUpdate(data=masked.data))
again = Database.load("db-" + SUFFIX)
report(host=again.host, password=again.password.get_secret_value(), nested=again.credentials.get(),
       string=StringValue.load("greeting-" + SUFFIX).value, duplicate=duplicate)
"""
)


def test_blocks_save_load_nest_and_mask_secrets(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    prefect.run(SAVE, args=[SECRET], suffix=suffix)
    loaded = prefect.run(LOAD, suffix=suffix).result
    assert loaded == {
        "secret": SECRET,
        "json": {"a": [1, 2, {"b": None}], "c": "d"},
        "string": "hello",
        "host": "db.local",
        "db_password": SECRET + "-db",
        "nested": SECRET,
    }
    # Through the API, without include_secrets, no secret shows: not the Secret's value,
    # not the SecretStr field, not the nested Secret's value.
    db = api.get(f"/block_types/slug/database-{suffix}/block_documents/name/db-{suffix}")
    assert SECRET not in json.dumps(db)
    assert db["data"]["password"] == "********" and db["data"]["credentials"]["value"] == "********"
    reference = db["block_document_references"]["credentials"]["block_document"]
    assert reference["name"] == f"api-key-{suffix}" and reference["block_type"]["slug"] == "secret"
    listed = api.post("/block_documents/filter", {"block_types": {"slug": {"any_": ["secret"]}}})
    assert SECRET not in json.dumps(listed)
    full = api.get(f"/block_documents/{db['id']}", include_secrets="true")
    assert full["data"]["credentials"]["value"] == SECRET
    # The client saves back a document it loaded; secrets it could not see stay as stored.
    updated = prefect.run(UPDATE, suffix=suffix).result
    assert updated["host"] == "db2.local" and updated["password"] == SECRET + "-db" and updated["nested"] == SECRET
    assert updated["string"] == "bye"
    assert "already in use" in updated["duplicate"]
    assert prefect.run(LOAD, suffix=suffix).result["secret"] == SECRET


@pytest.mark.one_backend
def test_block_cli_register_ls_inspect_delete(prefect: ClientRunner, api: Api, tmp_path) -> None:
    suffix = unique_suffix()

    def run(*args: str) -> str:
        return cli(list(args), {**prefect.env, "COLUMNS": "400"}, prefect.workdir).stdout

    registered = run("block", "register", "-m", "prefect.blocks.system")
    assert "Successfully registered" in registered
    types = run("block", "type", "ls")
    for slug in ("secret", "webhook", "local-file-system", "slack-webhook"):
        assert slug in types
    module = tmp_path / f"myblocks_{suffix}.py"
    module.write_text(
        "from prefect.blocks.core import Block\n\n\n"
        f"class Greeting{suffix}(Block):\n"
        f"    _block_type_slug = 'greeting-{suffix}'\n"
        "    text: str = 'hi'\n"
    )
    assert "Successfully registered 1 block" in run("block", "register", "-f", str(module))
    assert f"greeting-{suffix}" in run("block", "type", "ls")
    prefect.run(
        f"from prefect.blocks.system import Secret\nSecret(value='{SECRET}').save('cli-' + SUFFIX)\nreport(ok=True)\n",
        suffix=suffix,
    )
    listed = run("block", "ls")
    assert f"cli-{suffix}" in listed
    inspected = run("block", "inspect", f"secret/cli-{suffix}")
    assert f"cli-{suffix}" in inspected and "********" in inspected and SECRET not in inspected
    run("block", "delete", f"secret/cli-{suffix}")
    assert f"cli-{suffix}" not in run("block", "ls")
    docs = api.post("/block_documents/filter", {"block_documents": {"name": {"any_": [f"cli-{suffix}"]}}})
    assert docs == []


RESULTS = """
from prefect import flow
from prefect.filesystems import LocalFileSystem
from prefect.client.orchestration import get_client

@flow(persist_result=True)
def answer():
    return {"answer": 42}

state = answer(return_state=True)
report(result=state.result(), storage_block_id=str(state.data.metadata.storage_block_id))
"""


def test_server_default_result_storage_is_used_by_the_client(prefect: ClientRunner, api: Api, tmp_path) -> None:
    suffix = unique_suffix()
    basepath = tmp_path / "results"
    basepath.mkdir()
    prefect.run(
        f"from prefect.filesystems import LocalFileSystem\n"
        f"LocalFileSystem(basepath={str(basepath)!r}).save('results-' + SUFFIX)\nreport(ok=True)\n",
        suffix=suffix,
    )
    block = api.get(f"/block_types/slug/local-file-system/block_documents/name/results-{suffix}")
    assert api.http.put("/admin/storage", json={"default_result_storage_block_id": block["id"]}).status_code == 200
    try:
        result = prefect.run(RESULTS, suffix=suffix).result
    finally:
        assert api.http.delete("/admin/storage").status_code == 204
    assert result == {"result": {"answer": 42}, "storage_block_id": block["id"]}
    assert [p for p in basepath.iterdir() if p.is_file()], "the result was not written to the server's storage"
