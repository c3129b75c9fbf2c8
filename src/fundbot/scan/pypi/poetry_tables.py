"""Poetry's `[tool.poetry]` dependency tables inside `pyproject.toml`.

Main dependencies are runtime (`optional = true` makes one optional); `dev-dependencies` and
`[tool.poetry.group.<g>.dependencies]` are test when the group name starts with `test`, else
dev. `python` is the interpreter, not a package. Versions are kept as written (`^1.0`);
`*` means no constraint.
"""

from __future__ import annotations

from typing import Any

from fundbot.model import Scope, SkipReason
from fundbot.scan.pypi._common import Collector, group_scope
from fundbot.scan.pypi._pep508 import normalize

_SOURCE_KEYS: tuple[tuple[str, SkipReason], ...] = (
    ("git", "git"),
    ("path", "path"),
    ("url", "url"),
)


def add_poetry(out: Collector, poetry: dict[str, Any]) -> None:
    """Main dependencies, then legacy dev-dependencies, then each group in file order."""
    _add_table(out, poetry.get("dependencies"), "runtime", main=True)
    _add_table(out, poetry.get("dev-dependencies"), "dev", main=False)
    groups = poetry.get("group")
    if isinstance(groups, dict):
        for group, body in groups.items():
            if isinstance(body, dict):
                _add_table(out, body.get("dependencies"), group_scope(group), main=False)


def _add_table(out: Collector, table: object, scope: Scope, *, main: bool) -> None:
    if not isinstance(table, dict):
        return
    for raw_name, spec in table.items():
        name = normalize(raw_name.strip())
        if name == "python" or not name:
            continue
        # Several constraints for one name (per Python version) are a list of tables.
        for one in spec if isinstance(spec, list) else [spec]:
            _add_one(out, name, one, scope, main=main)


def _add_one(out: Collector, name: str, spec: object, scope: Scope, *, main: bool) -> None:
    if isinstance(spec, str):
        out.add(name, _version(spec), scope)
        return
    if not isinstance(spec, dict):
        out.add(name, None, scope, skip="invalid")
        return
    skip = next((reason for key, reason in _SOURCE_KEYS if key in spec), None)
    if main and spec.get("optional") is True:
        scope = "optional"
    version = spec.get("version")
    out.add(name, _version(version) if isinstance(version, str) else None, scope, skip=skip)


def _version(spec: str) -> str | None:
    spec = spec.strip()
    return None if spec in ("", "*") else spec
