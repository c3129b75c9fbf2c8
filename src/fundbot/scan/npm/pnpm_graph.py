"""pnpm-lock v9 dropped the `dev` flag: recover scopes by walking the snapshot graph."""

from __future__ import annotations

from typing import Any

_SECTIONS = (("dependencies", False), ("optionalDependencies", False), ("devDependencies", True))


def v9_scopes(importers: Any, snapshots: Any) -> dict[str, str]:
    """Package key (`name@version`) -> `dev` or `optional`; packages absent are runtime.

    A package is dev when only devDependencies reach it, and optional when every snapshot of
    it says so (pnpm writes `optional: true` on those). Linear in the size of the graph.
    """
    if not isinstance(snapshots, dict) or not isinstance(importers, dict):
        return {}
    prod = _reach(_roots(importers, dev=False), snapshots)
    dev = _reach(_roots(importers, dev=True), snapshots)
    scopes: dict[str, str] = {}
    optional: set[str] = set()
    required: set[str] = set()
    for key, snap in snapshots.items():
        base = _base(str(key))
        if base in dev and base not in prod:
            scopes[base] = "dev"
        (optional if isinstance(snap, dict) and snap.get("optional") is True else required).add(
            base
        )
    for base in optional - required:
        scopes.setdefault(base, "optional")
    return scopes


def _roots(importers: dict[Any, Any], dev: bool) -> list[str]:
    roots = []
    for importer in importers.values():
        if not isinstance(importer, dict):
            continue
        for section, is_dev in _SECTIONS:
            names = importer.get(section)
            if is_dev == dev and isinstance(names, dict):
                for name, value in names.items():
                    ref = value.get("version") if isinstance(value, dict) else value
                    if isinstance(ref, str):
                        roots.append(_snapshot_key(str(name), ref))
    return roots


def _reach(roots: list[str], snapshots: dict[Any, Any]) -> set[str]:
    """Package keys reachable from the roots (snapshot keys carry peer suffixes)."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        snap = snapshots.get(key)
        if not isinstance(snap, dict):
            continue
        for section in ("dependencies", "optionalDependencies"):
            deps = snap.get(section)
            if isinstance(deps, dict):
                stack.extend(
                    _snapshot_key(str(n), r) for n, r in deps.items() if isinstance(r, str)
                )
    return {_base(key) for key in seen}


def _snapshot_key(name: str, ref: str) -> str:
    """`react` + `18.2.0(x@1)` -> `react@18.2.0(x@1)`; an alias ref is already a key."""
    bare = ref.split("(", 1)[0]
    return ref if bare.find("@", 1) > 0 and "://" not in bare else f"{name}@{ref}"


def _base(key: str) -> str:
    cut = key.find("(")
    return key[:cut] if cut > 0 else key
