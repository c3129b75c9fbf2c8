"""`pdm.lock`: `[[package]]` entries with the groups that pull them in.

The `default` group is runtime; otherwise the first group decides (`test*` test, else dev).
git, path and url entries keep their skip reasons. Direct dependencies come from
`pyproject.toml` beside the lock (LOCKFILE_MANIFESTS).
"""

from __future__ import annotations

from fundbot.model import Dependency, SkipReason
from fundbot.scan._formats import load_toml
from fundbot.scan.pypi._common import Entry, groups_scope, lock_result, named_packages
from fundbot.scan.pypi._pep508 import url_skip_reason


def parse(path: str, text: str) -> list[Dependency]:
    data = load_toml(path, text)
    entries: dict[Entry, None] = {}
    for pkg, name, version in named_packages(path, data, "package"):
        groups = pkg.get("groups", pkg.get("sections"))
        entries[(name, version, groups_scope(groups, "default"), False, _skip(pkg))] = None
    return lock_result(path, entries)


def _skip(pkg: dict[str, object]) -> SkipReason | None:
    if isinstance(pkg.get("git"), str):
        return "git"
    if isinstance(pkg.get("path"), str):
        return "path"
    url = pkg.get("url")
    return url_skip_reason(url) if isinstance(url, str) else None
