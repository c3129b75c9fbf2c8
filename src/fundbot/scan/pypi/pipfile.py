"""Pipenv's `Pipfile` (TOML) and `Pipfile.lock` (JSON).

`[packages]`/`default` are runtime, `[dev-packages]`/`develop` dev, and any custom category
dev. A Pipfile version `"*"` means no constraint (None); the lock's `==x` becomes `x`.
git, path, file and editable entries are kept with their skip reason.
"""

from __future__ import annotations

from typing import Any, Final

from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan._formats import expect_mapping, load_json, load_toml
from fundbot.scan.pypi._common import Collector
from fundbot.scan.pypi._pep508 import normalize, url_skip_reason

# Pipfile tables that are not package categories.
_NOT_CATEGORIES: Final = frozenset({"source", "requires", "scripts", "pipenv", "pipfile"})


def parse_pipfile(path: str, text: str) -> list[Dependency]:
    data = load_toml(path, text)
    out = Collector(path)
    for category, table in _categories(data, "packages", "dev-packages", _NOT_CATEGORIES):
        for name, spec in table.items():
            version = _pipfile_version(spec)
            out.add(normalize(name), version, _scope(category, "packages"), skip=_skip(spec))
    return out.result()


def parse_lock(path: str, text: str) -> list[Dependency]:
    data = expect_mapping(path, load_json(path, text))
    out = Collector(path)
    for category, table in _categories(data, "default", "develop", frozenset({"_meta"})):
        for name, spec in table.items():
            version = spec.get("version") if isinstance(spec, dict) else None
            if isinstance(version, str):
                version = version.strip().removeprefix("===").removeprefix("==") or None
            else:
                version = None
            scope = _scope(category, "default")
            out.add(normalize(name), version, scope, direct=False, skip=_skip(spec))
    return out.result()


def _categories(
    data: dict[str, Any], runtime: str, dev: str, ignored: frozenset[str]
) -> list[tuple[str, dict[str, Any]]]:
    """Runtime first, then dev, then custom categories in file order."""
    order = [runtime, dev, *(k for k in data if k not in (runtime, dev) and k not in ignored)]
    return [(k, data[k]) for k in order if isinstance(data.get(k), dict)]


def _scope(category: str, runtime: str) -> Scope:
    return "runtime" if category == runtime else "dev"


def _pipfile_version(spec: object) -> str | None:
    if isinstance(spec, dict):
        spec = spec.get("version")
    if not isinstance(spec, str):
        return None
    spec = spec.strip()
    return None if spec in ("", "*") else spec


def _skip(spec: object) -> SkipReason | None:
    """git/path/file entries; `editable` alone (with a path) is a local checkout."""
    if not isinstance(spec, dict):
        return None if isinstance(spec, str) else "invalid"
    if "git" in spec or "hg" in spec or "svn" in spec:
        return "git"
    if isinstance(spec.get("path"), str):
        return "path"
    if isinstance(spec.get("file"), str):
        return url_skip_reason(spec["file"])
    return None
