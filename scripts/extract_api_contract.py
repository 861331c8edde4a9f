#!/usr/bin/env python3
"""Reduce the reference's OpenAPI document to what the bad-input sweep needs.

Usage: python3 scripts/extract_api_contract.py [SPEC] [OUT]
  SPEC defaults to /work/shared/reference/prefect-3.9.1-openapi.json (the API
  contract, not server code); OUT to tests/data/api_contract.json.

The output is committed, so the tests never read anything outside the repository.
Per path (without the /api prefix) and method it keeps: the query parameters,
each with the JSON kinds it accepts and whether it is typed (a number, boolean,
enum or formatted string); and the JSON request body: whether it is an array (of
objects), the kinds each field accepts, and, for a map without named fields, the
kinds its values accept. Kinds are "object", "array", "string", "number",
"boolean", "null", "enum" (a closed set of strings) and "any" (unconstrained).
Rerun it when the reference's contract changes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = Path("/work/shared/reference/prefect-3.9.1-openapi.json")
DEFAULT_OUT = ROOT / "tests" / "data" / "api_contract.json"


class Spec:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.components = document["components"]["schemas"]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def kinds(self, schema: dict[str, Any]) -> set[str]:
        """The JSON kinds a schema accepts ('any' when it does not say)."""
        schema = self.resolve(schema)
        if "enum" in schema:
            return {"enum"}
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return set().union(*(self.kinds(s) for s in schema[key]))
        if "allOf" in schema:
            return self.kinds(schema["allOf"][0])
        kind = schema.get("type")
        if kind is None:
            return {"object"} if "properties" in schema else {"any"}
        if kind == "integer":
            return {"number"}
        return {kind}

    def query(self, operation: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for param in operation.get("parameters", []):
            if param["in"] != "query":
                continue
            schema = param.get("schema", {})
            kinds = self.kinds(schema)
            typed = bool(kinds & {"number", "boolean", "enum"} or self.resolve(schema).get("format"))
            out.append({"name": param["name"], "kinds": sorted(kinds), "typed": typed})
        return out

    def body(self, operation: dict[str, Any]) -> dict[str, Any] | None:
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if not content:
            return None
        schema = self.resolve(content["schema"])
        array = schema.get("type") == "array"
        if array:
            schema = self.resolve(schema["items"])
        properties = schema.get("properties", {})
        fields = {name: sorted(self.kinds(prop)) for name, prop in properties.items()}
        values = None
        if not properties and isinstance(schema.get("additionalProperties"), dict):
            values = sorted(self.kinds(schema["additionalProperties"]))
        return {"array": array, "fields": fields, "values": values}

    def contract(self, source: str) -> dict[str, Any]:
        operations: dict[str, dict[str, Any]] = {}
        for path, methods in sorted(self.document["paths"].items()):
            for method, operation in sorted(methods.items()):
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                operations.setdefault(path, {})[method] = {"query": self.query(operation), "body": self.body(operation)}
        return {"source": source, "operations": operations}


def main(argv: list[str]) -> int:
    spec_path = Path(argv[0]) if argv else DEFAULT_SPEC
    out_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    contract = Spec(json.loads(spec_path.read_text())).contract(spec_path.name)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(contract, indent=1) + "\n")
    print(f"{out_path}: {sum(len(m) for m in contract['operations'].values())} operations")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
