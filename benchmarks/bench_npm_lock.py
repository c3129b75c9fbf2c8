"""Benchmark: fundbot's npm lockfile parsers against the bare decoder of the same text.

Standalone: `python benchmarks/bench_npm_lock.py [--mb 10] [--runs 11]`. Lockfiles are
generated deterministically by scaling real entry shapes (package-lock v3 with nested
`node_modules` paths, scoped names, dev/optional/peer flags, integrity and resolved fields,
dependency maps naming installed packages, so edges are read as in a real file;
yarn.lock v1; pnpm-lock v9), so runs on one machine compare. The hard limit is on
package-lock.json: fundbot's parse must take at most 1.5x `json.loads`; the rest is reported.
"""

from __future__ import annotations

import argparse
import base64
import gc
import hashlib
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from fundbot.scan import npm

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "manifests" / "npm"
REAL_LOCKS = ("axios", "mocha-lock3")
DUPLICATES = 0.12  # share of entries repeating a (name, version) at another path
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SCOPES = ("@babel", "@types", "@rollup", "@eslint", "@jest", "@vue", "@smithy", "@aws-sdk")
WORDS = ("core", "utils", "parser", "plugin", "types", "loader", "cli", "runtime", "helper")


def _names(rng: random.Random, count: int) -> list[str]:
    names = []
    for i in range(count):
        word = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i}"
        names.append(f"{rng.choice(SCOPES)}/{word}" if rng.random() < 0.3 else word)
    return names


def _version(rng: random.Random) -> str:
    return f"{rng.randrange(12)}.{rng.randrange(30)}.{rng.randrange(20)}"


def _integrity(seed: str) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(seed.encode()).digest()).decode()


def _tarball(name: str, version: str) -> str:
    return f"https://registry.npmjs.org/{name}/-/{name.rpartition('/')[2]}-{version}.tgz"


def _real_entries() -> list[tuple[str, dict[str, Any]]]:
    """Installed entries of the real lockfiles in the fixtures: the shapes to scale up."""
    entries = []
    for project in REAL_LOCKS:
        data = json.loads((FIXTURES / project / "package-lock.json").read_text())
        for key, entry in data["packages"].items():
            if "node_modules/" in key and not entry.get("link"):
                entries.append((key, entry))
    return entries


def _renamed(key: str, suffix: str) -> tuple[str, str]:
    """`node_modules/@a/b/node_modules/c` -> the same nesting with every name suffixed."""
    parts = key.split("node_modules/")
    names = [part.rstrip("/") + suffix for part in parts[1:]]
    return parts[0] + "".join(f"node_modules/{n}/" for n in names).rstrip("/"), names[-1]


def _require_installed(
    rng: random.Random, entry: dict[str, Any], made: list[tuple[str, dict[str, Any]]]
) -> None:
    """Point a copied entry's dependency maps at packages the file installs, as in a real
    lockfile (the copies' own names carry suffixes, so the originals would name nothing)."""
    for section in ("dependencies", "optionalDependencies", "peerDependencies"):
        required = entry.get(section)
        if isinstance(required, dict):
            entry[section] = {made[rng.randrange(len(made))][0]: r for r in required.values()}


def package_lock(megabytes: float, seed: int = 3) -> str:
    """A lockfileVersion 3 package-lock.json of about `megabytes` MB, made of copies of real
    entries (axios, mocha) under new names and versions, keeping their nesting and flags."""
    rng = random.Random(seed)
    shapes = _real_entries()
    packages: dict[str, Any] = {
        "": {
            "name": "bench",
            "version": "1.0.0",
            "dependencies": {f"core-{i}": "^1.0.0" for i in range(40)},
        },
    }
    made: list[tuple[str, dict[str, Any]]] = []
    size, index = 0, 0
    while size < megabytes * 1e6:
        if made and rng.random() < DUPLICATES:
            # The same name and version installed again under another package, as npm does
            # when versions conflict higher up (axios: 21% of entries, mocha: 4%).
            name, entry = made[rng.randrange(len(made))]
            parent = made[rng.randrange(len(made))][0]
            new_key = f"node_modules/{parent}/node_modules/{name}"
        else:
            key, shape = shapes[rng.randrange(len(shapes))]
            new_key, name = _renamed(key, f"-{index}")
            version = _version(rng)
            entry = dict(shape)
            entry["version"] = version
            if "resolved" in entry and "/-/" in str(entry["resolved"]):
                entry["resolved"] = _tarball(name, version)
            if "integrity" in entry:
                entry["integrity"] = _integrity(name + version)
            if made:
                _require_installed(rng, entry, made)
            made.append((name, entry))
        packages[new_key] = entry
        size += len(json.dumps(entry, indent=2)) + len(new_key) + 12
        index += 1
    doc = {
        "name": "bench",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": packages,
    }
    return json.dumps(doc, indent=2) + "\n"


def yarn_v1(megabytes: float, seed: int = 5) -> str:
    """A classic yarn.lock of about `megabytes` MB."""
    rng = random.Random(seed)
    names = _names(rng, 30_000)
    parts = [
        "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n"
    ]
    size, index = 0, 0
    while size < megabytes * 1e6:
        name, version = names[index % len(names)], _version(rng)
        keys = ", ".join(f'"{name}@^{version[:k]}"' for k in (3, 5))
        block = [
            f'\n{keys}:\n  version "{version}"\n',
            f'  resolved "{_tarball(name, version)}#{"ab" * 20}"\n',
            f"  integrity {_integrity(name + version)}\n",
        ]
        if rng.random() < 0.6:
            block.append("  dependencies:\n")
            block.extend(f'    {d} "^{_version(rng)}"\n' for d in rng.sample(names, 4))
        text = "".join(block)
        parts.append(text)
        size += len(text)
        index += 1
    return "".join(parts)


def pnpm_v9(megabytes: float, seed: int = 7) -> str:
    """A pnpm-lock.yaml v9 (importers, packages, snapshots) of about `megabytes` MB."""
    rng = random.Random(seed)
    names = _names(rng, 30_000)
    locked: list[tuple[str, str]] = []
    size = 0
    while size < megabytes * 1e6 * 0.8:
        name = names[len(locked) % len(names)]
        locked.append((name, _version(rng)))
        size += 200 + 2 * len(name)
    importer = "".join(
        f"      '{n}':\n        specifier: ^{v}\n        version: {v}\n" for n, v in locked[:40]
    )
    parts = [
        "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n\n",
        f"importers:\n\n  .:\n    devDependencies:\n{importer}\npackages:\n",
    ]
    for name, version in locked:
        parts.append(
            f"\n  '{name}@{version}':\n"
            f"    resolution: {{integrity: {_integrity(name + version)}}}\n"
            f"    engines: {{node: '>=18'}}\n"
        )
    parts.append("\nsnapshots:\n")
    for name, version in locked:
        deps = rng.sample(locked, k=rng.randrange(0, 4))
        if not deps:
            parts.append(f"\n  '{name}@{version}': {{}}\n")
            continue
        lines = "".join(f"      '{d}': {v}\n" for d, v in deps)
        optional = "    optional: true\n" if rng.random() < 0.05 else ""
        parts.append(f"\n  '{name}@{version}':\n    dependencies:\n{lines}{optional}")
    return "".join(parts)


def yarn_berry(megabytes: float, seed: int = 9) -> str:
    """A Yarn Berry yarn.lock (YAML) of about `megabytes` MB."""
    rng = random.Random(seed)
    names = _names(rng, 30_000)
    parts = ["__metadata:\n  version: 8\n  cacheKey: 10c0\n"]
    size, index = 0, 0
    while size < megabytes * 1e6:
        name, version = names[index % len(names)], _version(rng)
        deps = "".join(f'    "{d}": "npm:^{_version(rng)}"\n' for d in rng.sample(names, 3))
        text = (
            f'\n"{name}@npm:^{version}":\n  version: {version}\n'
            f'  resolution: "{name}@npm:{version}"\n  dependencies:\n{deps}'
            f"  checksum: 10c0/{hashlib.sha512(name.encode()).hexdigest()}\n"
            "  languageName: node\n  linkType: hard\n"
        )
        parts.append(text)
        size += len(text)
        index += 1
    return "".join(parts)


def paired_medians(
    baseline: Callable[[], object], ours: Callable[[], object], runs: int, warm_up: bool = True
) -> tuple[float, float]:
    """Median CPU seconds of each, measured alternately so machine load hits both alike.
    CPU time (not wall time): on a shared machine other processes would otherwise decide."""
    if warm_up:  # neither side pays first-call costs
        baseline()
        ours()
    base_times, our_times = [], []
    for _ in range(max(1, runs)):
        started = time.process_time()
        baseline()
        base_times.append(time.process_time() - started)
        started = time.process_time()
        ours()
        our_times.append(time.process_time() - started)
    return statistics.median(base_times), statistics.median(our_times)


def _json_loads_gc_paused(text: str) -> object:
    enabled = gc.isenabled()
    gc.disable()
    try:
        return json.loads(text)
    finally:
        if enabled:
            gc.enable()


def _yaml_load(text: str) -> object:
    return yaml.load(text, LOADER)  # the C *safe* loader, as fundbot uses


def _row(label: str, text: str, found: int, base: str, base_s: float, ours_s: float) -> str:
    ratio = f"{ours_s / base_s:6.2f}" if base_s == base_s else "     -"
    base_ms = f"{base_s * 1000:7.1f}" if base_s == base_s else "      -"
    return (
        f"{label:22} {len(text) / 1e6:6.2f} {found:7d} {base:>20} {base_ms}ms "
        f"{ours_s * 1000:8.1f}ms {ratio}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=11, help="runs for package-lock.json")
    parser.add_argument("--yaml-runs", type=int, default=2, help="runs for the YAML files")
    args = parser.parse_args()
    print(
        f"{'file':22} {'MB':>6} {'deps':>7} {'baseline':>20} {'':>9} {'fundbot':>10} {'ratio':>6}"
    )
    lock = package_lock(args.mb)
    found = len(npm.parse("package-lock.json", lock) or [])
    base, ours = paired_medians(
        lambda: json.loads(lock), lambda: npm.parse("package-lock.json", lock), args.runs
    )
    print(_row("package-lock.json v3", lock, found, "json.loads", base, ours))
    paused, _ = paired_medians(lambda: _json_loads_gc_paused(lock), lambda: None, args.runs)
    print(_row("  (same, GC paused)", lock, found, "json.loads, no GC", paused, ours))
    classic = yarn_v1(args.mb)
    found = len(npm.parse("yarn.lock", classic) or [])
    base, ours = paired_medians(classic.splitlines, lambda: npm.parse("yarn.lock", classic), 5)
    print(_row("yarn.lock v1", classic, found, "str.splitlines", base, ours))
    for label, name, text in (
        ("yarn.lock Berry", "yarn.lock", yarn_berry(args.mb)),
        ("pnpm-lock.yaml v9", "pnpm-lock.yaml", pnpm_v9(args.mb)),
    ):
        found = len(npm.parse(name, text) or [])
        base, ours = paired_medians(
            lambda t=text: _yaml_load(t),  # type: ignore[misc]
            lambda n=name, t=text: npm.parse(n, t),  # type: ignore[misc]
            args.yaml_runs,
            warm_up=False,  # seconds per run: the first-call costs are noise here
        )
        print(_row(label, text, found, "yaml C loader", base, ours))
    print("limit: package-lock.json ratio <= 1.5 against json.loads; the rest is reported only")


if __name__ == "__main__":
    main()
