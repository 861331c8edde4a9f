#!/usr/bin/env python3
"""Write the block types and schemas the server registers at start-up, from the block
classes of the installed `prefect` client (the version the project pins).

Usage: python3 scripts/generate_system_blocks.py [OUT]
  (run it with the project's virtualenv python, where `prefect` is installed;
  OUT defaults to prefect_core/data/system_blocks.json)

For every Block subclass the client registers when its block modules are imported
(system, webhook, notifications, file systems), it keeps what the class itself says
through the client's public conversions (`_to_block_type()`, `_to_block_schema()`):
the type's name, slug, logo, documentation link, description and code example, and the
schema's fields, checksum, capabilities and version. Types the reference server
protects (its own system blocks) are marked. The output is committed and shipped as
package data; rerun this when the pinned client changes.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "prefect_core" / "data" / "system_blocks.json"

#: The modules whose block classes a server offers from its first start.
BLOCK_MODULES = (
    "prefect.blocks.system",
    "prefect.blocks.webhook",
    "prefect.blocks.notifications",
    "prefect.filesystems",
)
#: Types the server guards against deletion (the reference protects these).
PROTECTED_SLUGS = ("secret", "webhook", "local-file-system")

_TYPE_KEYS = ("name", "slug", "logo_url", "documentation_url", "description", "code_example")
_SCHEMA_KEYS = ("checksum", "fields", "capabilities", "version")


def _entries() -> list[dict[str, Any]]:
    import prefect
    from prefect.blocks.core import Block
    from prefect.utilities.dispatch import get_registry_for_type

    for module in BLOCK_MODULES:
        importlib.import_module(module)
    registry = get_registry_for_type(Block) or {}
    entries = []
    for slug in sorted(registry):
        cls = registry[slug]
        if cls.__module__ not in BLOCK_MODULES:
            continue  # a block some other import declared (a user's, a test's)
        block_type = cls._to_block_type().model_dump(mode="json")
        schema = cls._to_block_schema().model_dump(mode="json")
        schema["capabilities"] = sorted(schema["capabilities"])  # a set in the client: keep the file stable
        entries.append(
            {
                "block_type": {key: block_type.get(key) for key in _TYPE_KEYS},
                "protected": slug in PROTECTED_SLUGS,
                "block_schema": {key: schema.get(key) for key in _SCHEMA_KEYS},
            }
        )
    missing = set(PROTECTED_SLUGS) - set(registry)
    if missing:
        raise SystemExit(f"protected block types missing from the client: {sorted(missing)}")
    print(f"prefect {prefect.__version__}: {len(entries)} block types", file=sys.stderr)
    return entries


def _check_checksums(entries: list[dict[str, Any]]) -> None:
    """Our checksum must be the client's, or clients would not find these schemas."""
    sys.path.insert(0, str(ROOT))
    from prefect_core.services.block_data import schema_checksum

    for entry in entries:
        schema = entry["block_schema"]
        if schema_checksum(schema["fields"]) != schema["checksum"]:
            raise SystemExit(f"checksum mismatch for {entry['block_type']['slug']}")


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    entries = _entries()
    _check_checksums(entries)
    import prefect

    document = {"generated_from": f"prefect {prefect.__version__}", "blocks": entries}
    out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
