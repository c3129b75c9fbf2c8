"""`pdm.lock`: `[[package]]` entries with the groups that pull them in.

The `default` group is runtime; otherwise the first group decides (`test*` test, else dev).
git, path and url entries keep their skip reasons. Direct dependencies come from
`pyproject.toml` beside the lock (LOCKFILE_MANIFESTS). Each entry's `dependencies` (PEP 508
strings) are its edges, joined over the entries PDM writes per set of extras.
"""

from __future__ import annotations

import re
from typing import Final

from fundbot.model import Dependency, SkipReason
from fundbot.scan._formats import load_toml
from fundbot.scan.pypi._common import Entry, groups_scope, lock_result, named_packages
from fundbot.scan.pypi._pep508 import normalize, url_skip_reason

# The distribution name a PEP 508 requirement opens with.
_NAME: Final = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


def parse(path: str, text: str) -> list[Dependency]:
    data = load_toml(path, text)
    entries: dict[Entry, None] = {}
    edges: dict[tuple[str, str | None], set[str]] = {}
    for pkg, name, version in named_packages(path, data, "package"):
        groups = pkg.get("groups", pkg.get("sections"))
        entries[(name, version, groups_scope(groups, "default"), False, _skip(pkg))] = None
        required = edges.setdefault((name, version), set())
        requirements = pkg.get("dependencies")
        if isinstance(requirements, list):
            for requirement in requirements:
                match = _NAME.match(requirement) if isinstance(requirement, str) else None
                if match is not None:
                    required.add(normalize(match.group(1)))
    requires = {key: tuple(sorted(names - {key[0]})) for key, names in edges.items()}
    return lock_result(path, entries, requires)


def _skip(pkg: dict[str, object]) -> SkipReason | None:
    if isinstance(pkg.get("git"), str):
        return "git"
    if isinstance(pkg.get("path"), str):
        return "path"
    url = pkg.get("url")
    return url_skip_reason(url) if isinstance(url, str) else None
