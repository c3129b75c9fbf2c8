"""`package-lock.json` / `npm-shrinkwrap.json`, lockfileVersion 1 (nested) and 2-3 (flat)."""

from __future__ import annotations

import posixpath
import re
from collections import deque
from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase
from itertools import compress, repeat
from operator import attrgetter, not_
from typing import Any

from fundbot.model import Dependency, Scope, SkipReason
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
    names_tuple,
    new_object,
    resolved_skip_reason,
    spec_skip_reason,
    split_alias,
)

_NM = "node_modules/"
_SKIP = len(_NM)


# lockfileVersion 2 and 3 have the flat `packages` map; npm writes the version near the top.
_FLAT_LAYOUT = re.compile(r'"lockfileVersion"\s*:\s*(?:[2-9]|[1-9][0-9]+)\b')
_REQUIRES = attrgetter("requires")
Digest = tuple[str | None, str | None, str, str | None, Any]


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
    required: set[str] = set()  # every name an installed entry requires
    hook = _hook(required) if _FLAT_LAYOUT.search(text, 0, 4096) else None
    data = expect_mapping(path, load_json(path, text, hook))
    packages = data.get("packages")
    if packages is not None:
        return _flat(path, expect_mapping(path, packages, "`packages`"), required)
    tree = data.get("dependencies")
    if tree is None:
        return []
    return build(path, _nested(expect_mapping(path, tree, "`dependencies`")))


def _hook(required: set[str]) -> Callable[[dict[str, Any]], Any]:
    """Decoder hook: an installed package (registry entries carry `integrity`) becomes its
    digest, and what it requires joins `required` while it is still in the CPU cache (a
    later pass over 20,000 tuples would miss it on every name); other objects stay."""
    add_required = required.update

    def digest_installed(obj: dict[str, Any]) -> Any:
        integrity = obj.get("integrity")
        # `sha512-…`: a dependency map naming a package called "integrity" holds a range.
        if type(integrity) is str and integrity.startswith("sha"):
            digest = _digest(obj)
            if digest is not None:
                add_required(digest[4])
            return digest
        return obj

    return digest_installed


def _digest(entry: dict[str, Any]) -> Digest | None:
    """(alias name or None, version, scope, `resolved` when it is not a registry tarball,
    what it requires), or None for an entry that is not an installed package of its own."""
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
    # What it requires, sorted now, while the maps are hot: they are freed right after.
    required = entry.get("dependencies")
    if "optionalDependencies" in entry or "peerDependencies" in entry:
        names = set(required) if type(required) is dict else set()
        for section in ("optionalDependencies", "peerDependencies"):
            more = entry.get(section)
            if type(more) is dict:
                names.update(more)
        return name, version, scope, unusual, tuple(sorted(names))
    if type(required) is dict and required:
        return name, version, scope, unusual, tuple(sorted(required))
    return name, version, scope, unusual, ()


def _flat(  # noqa: C901 (see below)
    path: str, packages: dict[str, Any], required_names: set[str]
) -> list[Dependency]:
    """The hot loop of a big lockfile: each entry is touched once, with no regex and no
    intermediate objects; direct dependencies are marked afterwards from the few members.
    One long function on purpose: a call per entry would cost more than the work it does."""
    found: dict[tuple[str, str | None], Dependency] = {}
    installed: dict[str, Dependency] = {}  # install path -> its Dependency, to mark direct ones
    members: dict[str, Any] = {}
    links: list[tuple[str, Any]] = []
    unusual: list[tuple[Dependency, str]] = []  # sources other than a registry tarball
    twice: list[tuple[Dependency, tuple[str, ...]]] = []  # a second install's requirements
    aliases: dict[str, str] = {}  # install path of an alias -> the package it installs
    rank = SCOPE_RANK
    setdefault = found.setdefault
    set_eco, set_name, set_version, set_scope, set_direct, set_manifest, set_skip = SLOT_SETTERS
    # Names and requirements of new entries, in `found` order: set and checked in C passes.
    names: list[str] = []
    requirements: list[tuple[str, ...]] = []
    add_name, add_requirements = names.append, requirements.append
    pop = packages.pop
    for key in list(packages):
        # Popping frees each entry right after use, while it is still in the CPU cache;
        # freeing the whole document at the end would walk it all again, cold.
        entry = pop(key)
        idx = key.rfind(_NM)
        if idx < 0:
            members[key] = entry  # the root, a workspace member or a `file:` folder: ours
            continue
        if type(entry) is dict:  # not digested by the decoder (no `integrity`, v1 layout)
            if entry.get("link") is True:
                links.append((key, entry.get("resolved")))
                continue
            entry = _digest(entry)
            if entry is not None:
                required_names.update(entry[4])
        if type(entry) is not tuple:
            continue
        alias, version, scope, source, required = entry
        if alias is None:
            name = key[idx + _SKIP :]
        else:
            name = alias
            aliases[key] = alias
        dep = new_object(Dependency)
        set_scope(dep, scope)
        seen = setdefault((name, version), dep)
        if seen is not dep:  # the same package installed at two paths
            if rank[scope] < rank[seen.scope]:
                set_scope(seen, scope)
            installed[key] = seen
            if required:
                twice.append((seen, required))
            continue
        installed[key] = dep
        set_name(dep, name)
        set_version(dep, version)
        add_name(name)
        add_requirements(required)
        if source is not None:
            unusual.append((dep, source))
    deps = list(found.values())
    # The fields every entry shares are written in C-level passes, not per entry.
    for setter, value in ((set_eco, ECOSYSTEM), (set_direct, False), (set_manifest, path)):
        deque(map(setter, deps, repeat(value)), maxlen=0)
    deque(map(set_skip, deps, repeat(None)), maxlen=0)
    deque(map(SET_REQUIRES, deps, requirements), maxlen=0)
    for dep, resolved in unusual:
        set_skip(dep, resolved_skip_reason(resolved))
    made = _links(path, links, members, found, installed)
    present = {*names, *(dep.name for dep in made)}
    _check_requires(
        deps, requirements, present, required_names - present, twice, installed, aliases
    )
    deps.extend(made)
    _mark_direct(members, installed)
    return deps


def _links(
    path: str,
    links: list[tuple[str, Any]],
    members: dict[str, Any],
    found: dict[tuple[str, str | None], Dependency],
    installed: dict[str, Dependency],
) -> list[Dependency]:
    """`link: true` entries point at a folder of the project: a workspace member (one of the
    root's `workspaces` globs) or a `file:` dependency. Never looked up in a registry."""
    root = members.get("")
    globs = root.get("workspaces") if type(root) is dict else None
    if type(globs) is dict:  # the old `{"packages": [...]}` form
        globs = globs.get("packages")
    patterns = [g.rstrip("/") for g in globs if type(g) is str] if type(globs) is list else []
    made: list[Dependency] = []
    for key, target in links:
        name = key[key.rfind(_NM) + _SKIP :]
        folder = posixpath.normpath(target) if type(target) is str and target else None
        member = members.get(folder) if folder is not None else None
        version = member.get("version") if type(member) is dict else None
        version = version if type(version) is str else None
        workspace = folder is not None and any(fnmatchcase(folder, g) for g in patterns)
        dep = found.get((name, version))
        if dep is None:
            skip: SkipReason = "workspace" if workspace else "path"
            dep = Dependency(ECOSYSTEM, name, version, "runtime", False, path, skip, ())
            found[(name, version)] = dep
            made.append(dep)
        installed[key] = dep
    return made


def _check_requires(
    deps: list[Dependency],
    requirements: list[tuple[str, ...]],
    present: set[str],
    missing: set[str],
    twice: list[tuple[Dependency, tuple[str, ...]]],
    installed: dict[str, Dependency],
    aliases: dict[str, str],
) -> None:
    """Edges are names: each required name is the package installed under it, so a name not
    installed anywhere (an optional peer nobody installed) is no edge, and an alias
    (`string-width-cjs`) is the package it installs (`string-width`). Entries were given
    what they declare; only the few that need it are rewritten here, found in C-level
    passes (a Python loop over every entry would cost a tenth of the parse)."""
    renamed: dict[str, set[str]] = {}  # name an alias is installed under -> packages
    for key, real in aliases.items():
        renamed.setdefault(key[key.rfind(_NM) + _SKIP :], set()).add(real)
    if any(len(reals) > 1 or name in present for name, reals in renamed.items()):
        for dep, more in twice:
            SET_REQUIRES(dep, tuple({*(dep.requires or ()), *more}))
        _resolve_aliases(installed)  # one name, several packages: node decides
        return
    rename = {name: reals.pop() for name, reals in renamed.items()}

    def kept(names: Iterable[str], own: str) -> tuple[str, ...]:
        return names_tuple({rename.get(n, n) for n in names if n in present or n in rename}, own)

    for dep, more in twice:  # the same version installed twice: what both require
        if more != dep.requires:
            SET_REQUIRES(dep, kept({*(dep.requires or ()), *more}, dep.name))
    # An entry requiring a name no package is installed under (an alias's, or one nobody
    # installed) is the only kind rewritten.
    if missing:  # usually empty: every required name is installed
        for dep in compress(deps, map(not_, map(missing.isdisjoint, requirements))):
            SET_REQUIRES(dep, kept(dep.requires or (), dep.name))


def _resolve_aliases(installed: dict[str, Dependency]) -> None:
    """The rare lockfile where one name installs different packages at different paths:
    each entry's requirements are resolved path by path, as node would."""
    resolved: dict[int, tuple[Dependency, set[str]]] = {}
    for key, dep in installed.items():
        names = resolved.setdefault(id(dep), (dep, set()))[1]
        for n in dep.requires or ():
            got = _resolve(installed, key, n)
            if got is not None:
                names.add(got)
    for dep, names in resolved.values():
        SET_REQUIRES(dep, names_tuple(names, dep.name))


def _resolve(installed: dict[str, Dependency], key: str, name: str) -> str | None:
    """The package node's resolution would load for `require(name)` from the package at
    install path `key`: its own node_modules first, then each one up the path."""
    base = key
    while True:
        dep = installed.get(f"{base}/{_NM}{name}" if base else f"{_NM}{name}")
        if dep is not None:
            return dep.name
        if not base:
            return None
        cut = base.rfind("/" + _NM)
        base = base[:cut] if cut >= 0 else ""


def _mark_direct(members: dict[str, Any], installed: dict[str, Dependency]) -> None:
    """What the root, each workspace member and each `file:` folder declare is direct, with
    the declared scope: the version node's resolution picks from there, so another
    installed version of the same package stays transitive."""
    for prefix, entry in members.items():
        if type(entry) is not dict:
            continue
        declared: dict[str, Scope] = {}
        for section, scope in SECTIONS:
            names = entry.get(section)
            if type(names) is dict:
                for name in names:
                    declared.setdefault(name, scope)
        for name, scope in declared.items():
            dep = _installed_for(installed, prefix, name)
            if dep is None:
                continue
            if not dep.direct:
                SET_DIRECT(dep, True)
                SET_SCOPE(dep, scope)
            elif SCOPE_RANK[scope] < SCOPE_RANK[dep.scope]:
                SET_SCOPE(dep, scope)


def _installed_for(installed: dict[str, Dependency], prefix: str, name: str) -> Dependency | None:
    """A member folder (`packages/app`) finds a name in its own node_modules, then in each
    parent folder's, up to the root's (npm hoists workspace dependencies there)."""
    base = prefix
    while True:
        dep = installed.get(f"{base}/{_NM}{name}" if base else f"{_NM}{name}")
        if dep is not None or not base:
            return dep
        base = posixpath.dirname(base)


def _nested(tree: dict[str, Any]) -> Found:
    """lockfileVersion 1: a tree of `dependencies`; versions may be aliases or URLs. Each
    entry's `requires` names what it needs (an alias's range names the real package)."""
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
    present = {name for name, _version in found}
    for value in found.values():
        if value[3] is not None:
            value[3] &= present  # an optional dependency not installed is no edge
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
    add(found, name, version, scope, False, skip, _nested_requires(entry.get("requires")))


def _nested_requires(requires: Any) -> set[str]:
    """`{"cjs": "npm:string-width@^4", "debug": "^4"}` -> {`string-width`, `debug`}."""
    if not isinstance(requires, dict):
        return set()
    names = set()
    for name, spec in requires.items():
        alias = split_alias(spec) if isinstance(spec, str) else None
        names.add(alias[0] if alias is not None else name)
    return names
