"""NuGet: MSBuild project files, central package versions, packages.config and lockfiles.

Scopes: a `PackageReference` with `PrivateAssets="all"` never flows to consumers (analyzers,
Source Link), so it is "build"; everything in a test project is "test". In
`Directory.Packages.props`, `PackageVersion` items pin the versions of packages the projects
use: they are recorded as direct runtime dependencies, since the projects that reference them
cannot be seen from this one file, and `GlobalPackageReference` items (added to every project,
usually analyzers) as "build". A versioned project SDK (`Sdk="Name/1.0"`) is a NuGet package
too, recorded as "build"; an unversioned one comes with the .NET toolchain (skip "sdk").
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, Final
from xml.etree.ElementTree import Element

from fundbot.errors import ManifestError
from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan._formats import expect_mapping, load_json, load_xml, local_name, type_name

ECOSYSTEM = "nuget"
FILE_PATTERNS: tuple[str, ...] = (
    "*.csproj",
    "*.fsproj",
    "*.vbproj",
    "Directory.Build.props",
    "Directory.Build.targets",
    "Directory.Packages.props",
    "packages.config",
    "packages.lock.json",
)
# No lockfile here takes its scopes from a manifest beside it.
LOCKFILE_MANIFESTS: Final[dict[str, str]] = {}
# No lockfile format here records which entries are direct.
LOCKFILES_KNOW_DIRECT: Final[frozenset[str]] = frozenset()
# Lockfiles whose entries carry their own scope per locked version: no walk re-scopes them.
LOCKFILES_KNOW_SCOPE: Final[frozenset[str]] = frozenset()

_PROPERTY: Final = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
# Property references inside properties: expanded a few levels deep, never forever.
_MAX_EXPANSIONS: Final = 8
# `Foo.Tests`, `FooTest`, `foo-tests`; not `Latest` or `Contest`.
_TEST_NAME: Final = re.compile(r"Test|(?i:(?:^|[._-])tests?(?:$|[._-]))")
_ITEMS: Final[dict[str, Scope]] = {
    "PackageReference": "runtime",
    "PackageVersion": "runtime",
    "GlobalPackageReference": "build",
}


def parse(path: str, text: str) -> list[Dependency] | None:
    """Dependencies of one NuGet file, chosen by its name."""
    name = posixpath.basename(path)
    if name == "packages.lock.json":
        return list(dict.fromkeys(_lockfile(path, text)))
    root = load_xml(path, text)
    if name == "packages.config":
        if local_name(root.tag) != "packages":
            return None
        return list(dict.fromkeys(_packages_config(path, root)))
    if local_name(root.tag) != "Project":
        return None
    return list(dict.fromkeys(_project(path, root)))


def _project(path: str, root: Element) -> Iterator[Dependency]:
    """PackageReference, PackageVersion and GlobalPackageReference items, and project SDKs."""
    props = _properties(root)
    test = _is_test_project(path, props)
    yield from _sdks(path, root)
    for item in root.iter():
        if not isinstance(item.tag, str):
            continue
        scope = _ITEMS.get(local_name(item.tag))
        # `Update=`/`Remove=` change an item declared elsewhere; only `Include=` declares one.
        include = item.get("Include")
        if scope is None or not include:
            continue
        private = item.get("PrivateAssets") or _child_text(item, "PrivateAssets") or ""
        if private.strip().lower() == "all":
            scope = "build"
        if test:
            scope = "test"
        version = item.get("VersionOverride") or item.get("Version") or _child_text(item, "Version")
        if version is not None:
            version = _expand(version.strip(), props) or None
        for package in include.split(";"):
            package = _expand(package.strip(), props)
            if package:
                invalid: SkipReason | None = "invalid" if "$(" in package else None
                yield _dep(path, package, version, scope, True, invalid)


def _sdks(path: str, root: Element) -> Iterator[Dependency]:
    """`<Project Sdk="A/1.0;B">` and `<Sdk Name="A" Version="1.0"/>`."""
    specs = [s for s in (root.get("Sdk") or "").split(";") if s.strip()]
    for child in root:
        if isinstance(child.tag, str) and local_name(child.tag) == "Sdk" and child.get("Name"):
            specs.append(f"{child.get('Name')}/{child.get('Version') or ''}")
    for spec in specs:
        name, _, version = spec.strip().partition("/")
        if name.strip():
            skip: SkipReason | None = None if version.strip() else "sdk"
            yield _dep(path, name.strip(), version.strip() or None, "build", True, skip)


def _properties(root: Element) -> dict[str, str]:
    """Properties set in the file's PropertyGroups; a later definition wins, as in MSBuild."""
    props: dict[str, str] = {}
    for group in root.iter():
        if isinstance(group.tag, str) and local_name(group.tag) == "PropertyGroup":
            for prop in group:
                if isinstance(prop.tag, str):
                    props[local_name(prop.tag)] = (prop.text or "").strip()
    return props


def _expand(value: str, props: dict[str, str]) -> str:
    """Replace `$(Name)` with the file's own property; unknown ones stay as written.

    A property that refers to itself (`<P>$(P)x</P>`) never settles: the text stays as written.
    """
    written = value
    for _ in range(_MAX_EXPANSIONS):
        expanded = _PROPERTY.sub(lambda m: props.get(m.group(1), m.group(0)), value)
        if expanded == value:
            return value
        if len(expanded) > 1000:
            break
        value = expanded
    return written


def _is_test_project(path: str, props: dict[str, str]) -> bool:
    if props.get("IsTestProject", "").lower() == "true":
        return True
    stem = posixpath.basename(path).rsplit(".", 1)[0]
    return posixpath.basename(path).endswith("proj") and bool(_TEST_NAME.search(stem))


def _child_text(item: Element, name: str, default: str | None = None) -> str | None:
    for child in item:
        if isinstance(child.tag, str) and local_name(child.tag) == name:
            return child.text or ""
    return default


def _packages_config(path: str, root: Element) -> Iterator[Dependency]:
    """`<package id="X" version="1.0" developmentDependency="true"/>` (the pre-2017 format)."""
    for item in root:
        if not isinstance(item.tag, str) or local_name(item.tag) != "package":
            continue
        package = (item.get("id") or "").strip()
        if not package:
            continue
        dev = (item.get("developmentDependency") or "").strip().lower() == "true"
        version = (item.get("version") or "").strip() or None
        yield _dep(path, package, version, "dev" if dev else "runtime", True, None)


def _lockfile(path: str, text: str) -> Iterator[Dependency]:
    """`packages.lock.json`: per target framework, Direct, Transitive and Project entries,
    each with the packages its `dependencies` name (joined over the frameworks).

    A Project entry is another project of the same repository: kept with skip reason
    workspace, so what it requires is reached through it and it is never looked up.
    """
    data = expect_mapping(path, load_json(path, text))
    frameworks = data.get("dependencies")
    if frameworks is None:
        return
    if not isinstance(frameworks, dict):
        found = type_name(frameworks)
        raise ManifestError(path, f"expected `dependencies` to be a mapping, found {found}")
    entries: dict[Dependency, set[str]] = {}
    for packages in frameworks.values():
        if isinstance(packages, dict):
            for package, entry in packages.items():
                dep = _lock_entry(path, package, entry)
                if dep is not None:
                    requires = entries.setdefault(dep, set())
                    needs = entry.get("dependencies")
                    if isinstance(needs, dict):
                        requires.update(n.strip().lower() for n in needs if isinstance(n, str))
    for dep, requires in entries.items():
        yield replace(dep, requires=tuple(sorted(requires - {dep.name, ""})))


def _lock_entry(path: str, package: Any, entry: Any) -> Dependency | None:
    if not isinstance(entry, dict) or not isinstance(package, str) or not package.strip():
        return None
    kind = entry.get("type")
    if kind == "Project":
        return _dep(path, package.strip(), None, "runtime", True, "workspace")
    resolved = entry.get("resolved")
    version = (resolved.strip() or None) if isinstance(resolved, str) else None
    return _dep(path, package.strip(), version, "runtime", kind == "Direct", None)


def _dep(
    path: str, name: str, version: str | None, scope: Scope, direct: bool, skip: SkipReason | None
) -> Dependency:
    # NuGet package ids are case-insensitive; nuget.org serves them lower-cased.
    return Dependency(ECOSYSTEM, name.lower(), version, scope, direct, path, skip)
