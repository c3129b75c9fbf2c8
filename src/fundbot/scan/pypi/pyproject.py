"""`pyproject.toml`: PEP 621 `[project]`, PEP 735 `[dependency-groups]`, `[build-system]`,
and the Poetry, PDM and uv tool tables.

Scopes: `[project] dependencies` and Poetry's main dependencies are runtime;
`optional-dependencies` (extras) and Poetry `optional = true` are optional; named groups
(PEP 735, Poetry groups and dev-dependencies, PDM and uv dev-dependencies) are test when the
group name starts with `test`, else dev; `[build-system] requires` is build. The project
never depends on itself (`pkg[extra]` inside pkg's groups is left out).
"""

from __future__ import annotations

from typing import Any, Final

from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan._formats import load_toml
from fundbot.scan.pypi._common import Collector, group_scope
from fundbot.scan.pypi._pep508 import normalize, url_skip_reason
from fundbot.scan.pypi.poetry_tables import add_poetry

# How deep `{include-group = …}` may nest before we stop following it.
_MAX_INCLUDE_DEPTH: Final = 32


def parse(path: str, text: str) -> list[Dependency]:
    """Every dependency the file declares, in the order above."""
    data = load_toml(path, text)
    project = _table(data.get("project"))
    tool = _table(data.get("tool"))
    poetry = _table(tool.get("poetry"))
    own = project.get("name") if isinstance(project.get("name"), str) else poetry.get("name")
    out = Collector(path, own if isinstance(own, str) else None)
    out.add_requirements(project.get("dependencies"), "runtime")
    add_poetry(out, poetry)
    for extra in _table(project.get("optional-dependencies")).values():
        out.add_requirements(extra, "optional")
    _add_groups(out, _table(data.get("dependency-groups")))
    for group, items in _table(_table(tool.get("pdm")).get("dev-dependencies")).items():
        _add_pdm_group(out, group, items)
    uv = _table(tool.get("uv"))
    out.add_requirements(uv.get("dev-dependencies"), "dev")
    out.add_requirements(_table(data.get("build-system")).get("requires"), "build")
    return _apply_uv_sources(out.result(), _table(uv.get("sources")))


def _table(value: object) -> dict[str, Any]:
    """A TOML table, or an empty one when the key is missing or not a table."""
    return value if isinstance(value, dict) else {}


def _add_groups(out: Collector, groups: dict[str, Any]) -> None:
    """PEP 735 groups, `{include-group = "x"}` expanded into the including group's scope."""
    memo: dict[str, list[str]] = {}
    for group in groups:
        scope = group_scope(group)
        for text in _expand(groups, group, memo, ()):
            out.add_requirement(text, scope)


def _expand(
    groups: dict[str, Any], group: str, memo: dict[str, list[str]], seen: tuple[str, ...]
) -> list[str]:
    """One group's requirement strings, includes resolved once each (memo); a cyclic or
    too deep include contributes nothing rather than looping."""
    if group in memo:
        return memo[group]
    items = groups.get(group)
    if group in seen or len(seen) > _MAX_INCLUDE_DEPTH or not isinstance(items, list):
        return []
    found: dict[str, None] = {}
    for item in items:
        if isinstance(item, str):
            found[item] = None
        elif isinstance(item, dict) and isinstance(item.get("include-group"), str):
            included = _find_group(groups, item["include-group"])
            found.update(dict.fromkeys(_expand(groups, included, memo, (*seen, group))))
    memo[group] = list(found)
    return memo[group]


def _find_group(groups: dict[str, Any], name: str) -> str:
    """PEP 735 compares group names normalised."""
    wanted = normalize(name)
    return next((g for g in groups if normalize(g) == wanted), name)


def _add_pdm_group(out: Collector, group: str, items: object) -> None:
    """PDM's legacy dev groups; `-e path` entries are editable local projects."""
    if not isinstance(items, list):
        return
    scope = group_scope(group)
    for item in items:
        if isinstance(item, str) and item.startswith("-e "):
            _add_pdm_editable(out, item[3:].strip(), scope)
        else:
            out.add_requirement(item, scope)


def _add_pdm_editable(out: Collector, value: str, scope: Scope) -> None:
    name, sep, url = value.partition(" @ ")
    if sep:
        out.add(normalize(name.strip().partition("[")[0]), None, scope, skip=url_skip_reason(url))
    elif "#egg=" in value:
        egg = value.rpartition("#egg=")[2]
        out.add(normalize(egg.partition("[")[0]), None, scope, skip=url_skip_reason(value))


def _apply_uv_sources(deps: list[Dependency], sources: dict[str, Any]) -> list[Dependency]:
    """`[tool.uv.sources]` says where a name comes from: workspace, path, git or a URL."""
    reasons: dict[str, SkipReason] = {}
    for name, source in sources.items():
        first = source[0] if isinstance(source, list) and source else source
        reason = _uv_source_reason(first)
        if reason is not None:
            reasons[normalize(name)] = reason
    if not reasons:
        return deps
    seen: dict[Dependency, None] = {}
    for dep in deps:
        reason = reasons.get(dep.name)
        if reason is not None and dep.skip_reason is None:
            dep = Dependency(
                dep.ecosystem, dep.name, dep.version, dep.scope, dep.direct, dep.manifest, reason
            )
        seen.setdefault(dep, None)
    return list(seen)


def _uv_source_reason(source: object) -> SkipReason | None:
    if not isinstance(source, dict):
        return None
    if source.get("workspace") is True:
        return "workspace"
    for key, reason in (("git", "git"), ("path", "path"), ("url", "url")):
        if isinstance(source.get(key), str):
            return reason  # type: ignore[return-value]
    return None  # `index = "…"`: still a registry package
