"""`package-lock.json` / `npm-shrinkwrap.json`, lockfileVersion 1 (nested) and 2-3 (flat)."""

from __future__ import annotations

import re
from collections import deque
from itertools import repeat
from typing import Any

from fundbot.model import Dependency
from fundbot.scan._formats import expect_mapping, load_json
from fundbot.scan.npm._common import (
    ECOSYSTEM,
    SCOPE_RANK,
    SECTIONS,
    SET_DIRECT,
    SET_REQUIRES,
    SET_SCOPE,
    SLOT_SETTERS,
    Found,
    add,
    build,
    gc_paused,
    new_object,
    resolved_skip_reason,
    spec_skip_reason,
    split_alias,
)

_NM = "node_modules/"
_SKIP = len(_NM)


# lockfileVersion 2 and 3 have the flat `packages` map; npm writes the version near the top.
_FLAT_LAYOUT = re.compile(r'"lockfileVersion"\s*:\s*(?:[2-9]|[1-9][0-9]+)\b')
Digest = tuple[str | None, str | None, str, str | None]


def parse(path: str, text: str) -> list[Dependency]:
    """Decode and walk with the cyclic GC paused (see gc_paused)."""
    with gc_paused():
        # The decoded document dies inside _parse's frame, before the GC is back on: were it
        # still alive then, the next collection would walk all of it once more.
        return _parse(path, text)


def _parse(path: str, text: str) -> list[Dependency]:
    """v2 carries both layouts; `packages` alone is complete, so the v1 tree is not read."""
    # Reducing each installed entry to the four values the walk needs while the decoder has
    # just built it (and it is still in the CPU cache) frees the rest of it at once: reading
    # 20,000 entries back after 10 MB of decoding would miss the cache on every one.
    hook = _digest_installed if _FLAT_LAYOUT.search(text, 0, 4096) else None
    data = expect_mapping(path, load_json(path, text, hook))
    packages = data.get("packages")
    if packages is not None:
        return _flat(path, expect_mapping(path, packages, "`packages`"))
    tree = data.get("dependencies")
    if tree is None:
        return []
    return build(path, _nested(expect_mapping(path, tree, "`dependencies`")))


def _digest_installed(obj: dict[str, Any]) -> Any:
    """Decoder hook: an installed package (registry entries carry `integrity`) becomes its
    digest; every other object stays as it is."""
    integrity = obj.get("integrity")
    # `sha512-…`: a dependency map naming a package called "integrity" holds a range.
    if type(integrity) is str and integrity.startswith("sha"):
        return _digest(obj)
    return obj


def _digest(entry: dict[str, Any]) -> Digest | None:
    """(alias name or None, version, scope, `resolved` when it is not a registry tarball),
    or None for an entry that is not an installed package of its own."""
    # `in` before a lookup: rare keys cost a probe, not a method call.
    if "name" in entry:  # an alias (`string-width-cjs` installs `string-width`)
        name = entry["name"]
        if type(name) is not str:
            return None
    else:
        name = None
    version = entry.get("version")
    if type(version) is not str and (version is not None or entry.get("link")):
        return None  # a symlink to a workspace member (declared by it), or junk
    if "dev" in entry and entry["dev"]:  # noqa: RUF019
        scope = "dev"
    elif ("optional" in entry and entry["optional"]) or (  # noqa: RUF019
        "devOptional" in entry and entry["devOptional"]  # noqa: RUF019
    ):
        scope = "optional"
    elif "peer" in entry and entry["peer"]:  # noqa: RUF019
        scope = "peer"
    else:
        scope = "runtime"
    resolved = entry.get("resolved")
    unusual = resolved if type(resolved) is str and "/-/" not in resolved else None
    return name, version, scope, unusual


def _flat(path: str, packages: dict[str, Any]) -> list[Dependency]:
    """The hot loop of a big lockfile: each entry is touched once, with no regex and no
    intermediate objects; direct dependencies are marked afterwards from the few members.
    One long function on purpose: a call per entry would cost more than the work it does."""
    found: dict[tuple[str, str | None], Dependency] = {}
    installed: dict[str, Dependency] = {}  # install path -> its Dependency, to mark direct ones
    members: list[tuple[str, Any]] = []
    unusual: list[tuple[Dependency, str]] = []  # sources other than a registry tarball
    rank = SCOPE_RANK
    setdefault = found.setdefault
    set_eco, set_name, set_version, set_scope, set_direct, set_manifest, set_skip = SLOT_SETTERS
    pop = packages.pop
    for key in list(packages):
        # Popping frees each entry right after use, while it is still in the CPU cache;
        # freeing the whole document at the end would walk it all again, cold.
        entry = pop(key)
        idx = key.rfind(_NM)
        if idx < 0:
            members.append((key, entry))  # the root or a workspace member: our own packages
            continue
        if type(entry) is dict:  # not digested by the decoder (no `integrity`, v1 layout)
            entry = _digest(entry)
        if type(entry) is not tuple:
            continue
        alias, version, scope, source = entry
        name = alias if alias is not None else key[idx + _SKIP :]
        dep = new_object(Dependency)
        set_scope(dep, scope)
        seen = setdefault((name, version), dep)
        if seen is not dep:  # the same package installed at two paths
            if rank[scope] < rank[seen.scope]:
                set_scope(seen, scope)
            installed[key] = seen
            continue
        installed[key] = dep
        set_name(dep, name)
        set_version(dep, version)
        if source is not None:
            unusual.append((dep, source))
    deps = list(found.values())
    # The fields every entry shares are written in C-level passes, not per entry.
    for setter, value in ((set_eco, ECOSYSTEM), (set_direct, False), (set_manifest, path)):
        deque(map(setter, deps, repeat(value)), maxlen=0)
    deque(map(set_skip, deps, repeat(None)), maxlen=0)
    deque(map(SET_REQUIRES, deps, repeat(None)), maxlen=0)
    for dep, resolved in unusual:
        set_skip(dep, resolved_skip_reason(resolved))
    _mark_direct(members, installed)
    return deps


def _mark_direct(members: list[tuple[str, Any]], installed: dict[str, Dependency]) -> None:
    """What the root and each workspace member declare is direct, with the declared scope.
    The root's `node_modules` is hoisted: it serves every member's declarations too."""
    for prefix, declared in _importers(members).items():
        for name, scope in declared.items():
            dep = installed.get(f"{prefix}{_NM}{name}")
            if dep is None:
                continue
            if not dep.direct:
                SET_DIRECT(dep, True)
                SET_SCOPE(dep, scope)
            elif SCOPE_RANK[scope] < SCOPE_RANK[dep.scope]:
                SET_SCOPE(dep, scope)


def _importers(members: list[tuple[str, Any]]) -> dict[str, dict[str, str]]:
    """Install prefix (`""`, `packages/app/`) -> name -> scope declared there."""
    importers: dict[str, dict[str, str]] = {"": {}}
    hoisted = importers[""]
    for key, entry in sorted(members, key=lambda member: member[0] != ""):
        if type(entry) is not dict:
            continue
        own: dict[str, str] = {}
        for section, scope in SECTIONS:
            names = entry.get(section)
            if type(names) is dict:
                for name in names:
                    own.setdefault(name, scope)
        if key:
            importers[key + "/"] = own
        for name, declared_scope in own.items():
            hoisted.setdefault(name, declared_scope)
    return importers


def _nested(tree: dict[str, Any]) -> Found:
    """lockfileVersion 1: a tree of `dependencies`; versions may be aliases or URLs."""
    found: Found = {}
    stack = [tree]
    while stack:
        level = stack.pop()
        for name, entry in level.items():
            if not isinstance(entry, dict):
                continue
            _nested_entry(found, name, entry)
            children = entry.get("dependencies")
            if isinstance(children, dict):
                stack.append(children)
    return found


def _nested_entry(found: Found, name: str, entry: dict[str, Any]) -> None:
    version = entry.get("version")
    if not isinstance(version, str):
        add(found, name, None, "runtime", False, "invalid")
        return
    alias = split_alias(version)
    if alias is not None:
        name, version = alias
    skip = spec_skip_reason(version)
    scope = "dev" if entry.get("dev") else "optional" if entry.get("optional") else "runtime"
    add(found, name, version, scope, False, skip)
