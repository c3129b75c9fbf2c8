"""package-lock v2/v3 entries are digested while decoding; the odd ones still read right."""

from __future__ import annotations

import json

from fundbot.scan.npm import package_lock

ODD_LOCK = {
    "lockfileVersion": 3,
    "packages": {
        # The root declares a package literally named "integrity": its map must stay a map.
        "": {"dependencies": {"a": "1", "b": "2", "integrity": "^1"}},
        "node_modules/a": {"version": "1.0.0", "dev": "yes", "integrity": "sha512-x"},
        "node_modules/b": {"version": "2.0.0", "resolved": "git+ssh://x", "integrity": "sha1-y"},
        "node_modules/b2": {
            "name": "b",
            "version": "2.0.0",
            "optional": True,
            "integrity": "sha512-z",
        },
        "node_modules/c": {"link": True, "resolved": "packages/c"},
        "node_modules/d": {"version": None, "integrity": "sha512-q"},
        "node_modules/e": 5,
        "node_modules/f": {"name": 7, "version": "1", "integrity": "sha512-w"},
        "node_modules/g": {"version": 3},
        "packages/c": {"dependencies": {"zz": "1"}},
        "node_modules/integrity": {"version": "1", "resolved": None, "integrity": "sha512-k"},
        "node_modules/x/node_modules/a": {
            "version": "1.0.0",
            "peer": True,
            "integrity": "sha512-u",
        },
    },
}


def test_odd_entries_read_as_the_one_by_one_walk_reads_them() -> None:
    """Aliases, links, junk, missing versions and truthy non-boolean flags, all digested."""
    found = [
        (d.name, d.version, d.scope, d.direct, d.skip_reason)
        for d in package_lock.parse("package-lock.json", json.dumps(ODD_LOCK))
    ]
    assert found == [
        ("a", "1.0.0", "runtime", True, None),
        ("b", "2.0.0", "runtime", True, "git"),
        ("d", None, "runtime", False, None),
        ("integrity", "1", "runtime", True, None),
        ("c", None, "runtime", False, "path"),
    ]


def test_a_v1_lockfile_is_not_digested() -> None:
    """lockfileVersion 1 keeps its nested tree (its entries carry `integrity` too)."""
    lock = {
        "lockfileVersion": 1,
        "dependencies": {
            "a": {
                "version": "1.0.0",
                "integrity": "sha512-x",
                "dependencies": {"b": {"version": "2.0.0", "integrity": "sha512-y", "dev": True}},
            }
        },
    }
    found = [
        (d.name, d.version, d.scope)
        for d in package_lock.parse("package-lock.json", json.dumps(lock))
    ]
    assert found == [("a", "1.0.0", "runtime"), ("b", "2.0.0", "dev")]
