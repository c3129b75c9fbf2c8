"""`mix.lock`: a map of `"name": {:hex, :package, "version", …}` or `{:git, "url", "ref", …}`."""

from __future__ import annotations

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
    found: dict[Dependency, None] = {}
    for pair in pairs:
        if isinstance(pair.value, tuple):
            dep = _entry(path, pair.key, pair.value, required)
            if dep is not None:
                found.setdefault(dep, None)
    return list(found)


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
