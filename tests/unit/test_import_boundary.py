"""The core must not depend on any adapter library."""

from __future__ import annotations

import subprocess
import sys

BLOCKED = ("aiohttp", "sqlalchemy", "asyncpg", "aiosqlite", "redis")

SCRIPT = f"""
import importlib, pkgutil, sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ImportError("prefect_core imported " + name)
        return None

sys.meta_path.insert(0, Block())
import prefect_core
for mod in pkgutil.walk_packages(prefect_core.__path__, "prefect_core."):
    importlib.import_module(mod.name)
print("ok")
"""


def test_prefect_core_imports_no_adapter_library() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


PLUGIN_SCRIPT = """
import importlib, pkgutil, sys

plugin, other = sys.argv[1], sys.argv[2]

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == other:
            raise ImportError(plugin + " imported " + name)
        return None

sys.meta_path.insert(0, Block())
package = importlib.import_module(plugin)
for mod in pkgutil.walk_packages(package.__path__, plugin + "."):
    importlib.import_module(mod.name)
print("ok")
"""


def test_each_storage_plugin_installs_without_the_other() -> None:
    # A PostgreSQL-only install must not need the SQLite plugin, nor the reverse: what both use
    # lives in prefect_storage_sql.
    for plugin, other in [
        ("prefect_storage_postgres", "prefect_storage_sqlite"),
        ("prefect_storage_sqlite", "prefect_storage_postgres"),
    ]:
        result = subprocess.run(
            [sys.executable, "-c", PLUGIN_SCRIPT, plugin, other], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "ok"
