"""`mix.lock`: a map of `"name": {:hex, :package, "version", …}` or `{:git, "url", "ref", …}`.

A hex entry's sixth element lists what it requires: `{:app, "~> 1.0", [hex: :package,
optional: false]}`; the edges name hex packages (`hex:`, else the lock's own entry for that
app), and optional requirements are left out (the package does not pull them in).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from fundbot.errors import ManifestError
from fundbot.model import Dependency, SkipReason
from fundbot.scan.hex._elixir import Atom, Pair, Reader, Value, tokenize

ECOSYSTEM: Final = "hex"


def parse(path: str, text: str) -> list[Dependency]:
    if not text.strip():
        return []
    if not text.lstrip().startswith("%{"):
        raise ManifestError(path, "expected the lockfile to be a map `%{…}`")
    entries = Reader(path, tokenize(text)).value()
    if not isinstance(entries, list):
        return []
    pairs = [e for e in entries if isinstance(e, Pair) and isinstance(e.value, tuple)]
    required = _required_by_others(pairs)
    packages = {
        pair.key: str(pair.value[1])
        for pair in pairs
        if isinstance(pair.value, tuple)
        and len(pair.value) >= 2
        and pair.value[0] == "hex"
        and isinstance(pair.value[1], Atom)
    }
    found: dict[Dependency, None] = {}
    for pair in pairs:
        if isinstance(pair.value, tuple):
            dep = _entry(path, pair.key, pair.value, required)
            if dep is not None:
                requires = _requires(pair.value, packages)
                found.setdefault(replace(dep, requires=tuple(sorted(requires - {dep.name}))), None)
    return list(found)


def _requires(entry: tuple[Value, ...], packages: dict[str, str]) -> set[str]:
    names: set[str] = set()
    deps = entry[5] if len(entry) >= 6 and entry[0] == "hex" else None
    if not isinstance(deps, list):
        return names
    for dep in deps:
        if not isinstance(dep, tuple) or not dep or not isinstance(dep[0], Atom):
            continue
        options = dep[2] if len(dep) >= 3 and isinstance(dep[2], list) else []
        keywords = {o.key: o.value for o in options if isinstance(o, Pair)}
        if keywords.get("optional") == "true":
            continue
        package = keywords.get("hex")
        names.add(str(package) if isinstance(package, Atom) else packages.get(dep[0], dep[0]))
    return names


def _entry(path: str, key: str, entry: tuple[Value, ...], required: set[str]) -> Dependency | None:
    kind = entry[0] if entry else None
    direct = key not in required
    if kind == "hex" and len(entry) >= 3 and isinstance(entry[1], Atom):
        version = entry[2] if isinstance(entry[2], str) else None
        return Dependency(ECOSYSTEM, str(entry[1]), version, "runtime", direct, path)
    if not key.strip():
        return None
    skip: SkipReason = "git" if kind == "git" else "path" if kind == "path" else "invalid"
    ref = entry[2] if kind == "git" and len(entry) >= 3 and isinstance(entry[2], str) else None
    return Dependency(ECOSYSTEM, key.strip(), ref, "runtime", direct, path, skip)


def _required_by_others(pairs: list[Pair]) -> set[str]:
    """Without mix.exs, what no other locked package needs is taken to be direct."""
    names: set[str] = set()
    for pair in pairs:
        entry = pair.value
        if isinstance(entry, tuple) and len(entry) >= 6 and isinstance(entry[5], list):
            for dep in entry[5]:
                if isinstance(dep, tuple) and dep and isinstance(dep[0], Atom):
                    names.add(str(dep[0]))
    return names
