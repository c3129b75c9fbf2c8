"""Check requests against GitHub's published REST description (@octokit/openapi).

Only the operations fundbot calls are kept (tests/fixtures/github-openapi/operations.json):
a request must match one of their paths and methods, send only declared query parameters
of the right shape, and a JSON body whose fields are declared, required ones present,
with the declared types.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

OPERATIONS = Path(__file__).parent.parent / "fixtures" / "github-openapi" / "operations.json"
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


@cache
def operations() -> list[tuple[str, re.Pattern[str], dict[str, Any]]]:
    data: dict[str, dict[str, Any]] = json.loads(OPERATIONS.read_text())
    out = []
    for key, op in data.items():
        method, path = key.split(" ", 1)
        # `{path}` in the contents endpoint spans slashes; other parameters do not.
        pattern = re.sub(
            r"\{(\w+)\}", lambda m: "(.+)" if m.group(1) == "path" else "([^/]+)", path
        )
        out.append((method, re.compile(pattern + "$"), op))
    return out


def _type_ok(value: Any, schema: dict[str, Any]) -> bool:
    if "oneOf" in schema or "anyOf" in schema:
        return any(_type_ok(value, s) for s in schema.get("oneOf", schema.get("anyOf", [])))
    kind = schema.get("type")
    if kind is None:
        return True
    kinds = kind if isinstance(kind, list) else [kind]
    if schema.get("nullable"):
        kinds = [*kinds, "null"]
    if isinstance(value, bool) and "boolean" not in kinds:
        return False
    return any(isinstance(value, JSON_TYPES.get(k, (object,))) for k in kinds)


def problems(method: str, path: str, query: dict[str, str], body: Any) -> list[str]:
    """Why a request does not fit GitHub's REST description; empty when it does."""
    for op_method, pattern, op in operations():
        if op_method != method or not pattern.match(path):
            continue
        found: list[str] = []
        declared = {p["name"]: p for p in op["parameters"] if p["in"] == "query"}
        for name, value in query.items():
            if name not in declared:
                found.append(f"{method} {path}: undeclared query parameter {name!r}")
            elif declared[name]["schema"].get("type") == "integer" and not value.isdigit():
                found.append(f"{method} {path}: {name}={value!r} is not an integer")
        schema = (op.get("requestBody") or {}).get("schema")
        if body is not None:
            if schema is None:
                found.append(f"{method} {path}: sends a body the operation does not take")
            else:
                found += _body_problems(method, path, body, schema)
        elif op.get("requestBody") and op["requestBody"].get("required"):
            found.append(f"{method} {path}: the body is required")
        return found
    return [f"{method} {path}: no such operation in GitHub's REST description"]


def _body_problems(method: str, path: str, body: Any, schema: dict[str, Any]) -> list[str]:
    if not isinstance(body, dict):
        return [f"{method} {path}: the body is not a JSON object"]
    properties = schema.get("properties", {})
    found = [
        f"{method} {path}: required field {name!r} missing"
        for name in schema.get("required", [])
        if name not in body
    ]
    for name, value in body.items():
        if name not in properties:
            found.append(f"{method} {path}: undeclared field {name!r}")
        elif not _type_ok(value, properties[name]):
            found.append(f"{method} {path}: field {name!r} has the wrong type")
    return found
