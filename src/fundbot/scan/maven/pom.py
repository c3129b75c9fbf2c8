"""Maven `pom.xml`: dependencies, build plugins and the parent POM.

Scopes: compile and runtime are "runtime"; provided (supplied by the container or JDK at run
time, so only compiled against) is "build"; test is "test"; `<optional>true</optional>` is
"optional". Plugins, their own dependencies, build extensions and the parent POM are "build":
they build the project and never ship in it. `<dependencyManagement>` and `<pluginManagement>`
only pin versions: they supply versions to the same file's entries but are not dependencies.
A system-scoped dependency is a jar on disk (skip "path"). A dependency on a sibling module
(same groupId, version `${project.version}`) and a parent the POM inherits its groupId from
are members of the same multi-module build (skip "workspace").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from xml.etree.ElementTree import Element

from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan._formats import load_xml, local_name
from fundbot.scan.maven._common import dependency, expand

_PROPERTY: Final = re.compile(r"\$\{([^${}]{1,200})\}")
_SCOPES: Final[dict[str, Scope]] = {
    "": "runtime",
    "compile": "runtime",
    "runtime": "runtime",
    "provided": "build",
    "test": "test",
    "system": "runtime",
    "import": "build",
}
_PLUGIN_GROUP: Final = "org.apache.maven.plugins"
_OWN_VERSION: Final = frozenset({"${project.version}", "${pom.version}", "${version}"})


@dataclass(frozen=True, slots=True)
class _Pom:
    """What entries need from the rest of the file to be named and versioned."""

    path: str
    props: dict[str, str]
    managed: dict[str, str]  # `group:artifact` -> version, from dependencyManagement
    managed_plugins: dict[str, str]
    group: str | None

    def resolve(self, value: str | None) -> str | None:
        if value is None:
            return None
        return expand(value.strip(), _PROPERTY, self.props.get) or None


def parse(path: str, text: str) -> list[Dependency] | None:
    root = load_xml(path, text)
    if local_name(str(root.tag)) != "project":
        return None
    pom = _context(path, root)
    found = list(_parent(pom, root))
    sections = [root, *_all(root, "profiles", "profile")]
    for section in sections:
        found.extend(_dependencies(pom, _child(section, "dependencies"), "dependency"))
    for section in sections:
        build = _child(section, "build")
        found.extend(_plugins(pom, _child(build, "plugins")))
        found.extend(_extensions(pom, _child(build, "extensions")))
        found.extend(_plugins(pom, _child(_child(section, "reporting"), "plugins")))
    return found


def _context(path: str, root: Element) -> _Pom:
    parent = _child(root, "parent")
    props = {f"project.{k}": v for k, v in _coordinates(root).items()}
    props.update({f"project.parent.{k}": v for k, v in _coordinates(parent).items()})
    for key in ("groupId", "version"):
        # A module inherits its groupId and version from the parent unless it sets its own.
        props.setdefault(f"project.{key}", props.get(f"project.parent.{key}", ""))
        if not props[f"project.{key}"]:
            del props[f"project.{key}"]
    for key in list(props):
        # `${pom.version}` and bare `${version}` are Maven 2 spellings of `${project.version}`.
        short = key.removeprefix("project.")
        props.setdefault(f"pom.{short}", props[key])
        props.setdefault(short, props[key])
    for element in _children(_child(root, "properties")):
        props[local_name(str(element.tag))] = (element.text or "").strip()
    pom = _Pom(path, props, {}, {}, props.get("project.groupId"))
    for section in [root, *_all(root, "profiles", "profile")]:
        management = _child(_child(section, "dependencyManagement"), "dependencies")
        for entry in _all(management, "dependency"):
            _remember(pom, pom.managed, entry, None)
        build = _child(section, "build")
        # A profile's plugin merges with the main build's: both can supply its version.
        for plugins in (
            _child(_child(build, "pluginManagement"), "plugins"),
            _child(build, "plugins"),
        ):
            for entry in _all(plugins, "plugin"):
                _remember(pom, pom.managed_plugins, entry, _PLUGIN_GROUP)
    return pom


def _remember(pom: _Pom, table: dict[str, str], entry: Element, default_group: str | None) -> None:
    group = pom.resolve(_text(entry, "groupId") or default_group)
    artifact = pom.resolve(_text(entry, "artifactId"))
    version = pom.resolve(_text(entry, "version"))
    if group and artifact and version:
        table.setdefault(f"{group}:{artifact}", version)


def _parent(pom: _Pom, root: Element) -> Iterator[Dependency]:
    parent = _child(root, "parent")
    group = pom.resolve(_text(parent, "groupId"))
    artifact = pom.resolve(_text(parent, "artifactId"))
    if parent is None or not group or not artifact:
        return
    # Inheriting the groupId means the parent is the same project's aggregator POM.
    inherits = not _text(root, "groupId") and _child(parent, "relativePath") is None
    skip: SkipReason | None = "workspace" if inherits else None
    yield dependency(
        pom.path, f"{group}:{artifact}", pom.resolve(_text(parent, "version")), "build", skip
    )


def _dependencies(pom: _Pom, container: Element | None, tag: str) -> Iterator[Dependency]:
    for entry in _all(container, tag):
        dep = _dependency(pom, entry)
        if dep is not None:
            yield dep


def _dependency(pom: _Pom, entry: Element) -> Dependency | None:
    group = pom.resolve(_text(entry, "groupId"))
    artifact = pom.resolve(_text(entry, "artifactId"))
    if not artifact:
        return None
    name = f"{group or ''}:{artifact}"
    written_version = (_text(entry, "version") or "").strip()
    version = pom.resolve(written_version) or pom.managed.get(name)
    raw_scope = (pom.resolve(_text(entry, "scope")) or "").lower()
    scope: Scope = _SCOPES.get(raw_scope, "runtime")
    if scope != "test" and (pom.resolve(_text(entry, "optional")) or "").lower() == "true":
        scope = "optional"
    skip: SkipReason | None = None
    if not group:
        skip = "invalid"
    elif raw_scope == "system":
        skip = "path"
    elif raw_scope == "import":
        skip = "invalid"  # `import` only means something inside dependencyManagement.
    elif group == pom.group and written_version in _OWN_VERSION:
        skip = "workspace"
    return dependency(pom.path, name, version, scope, skip)


def _plugins(pom: _Pom, container: Element | None) -> Iterator[Dependency]:
    for entry in _all(container, "plugin"):
        group = pom.resolve(_text(entry, "groupId")) or _PLUGIN_GROUP
        artifact = pom.resolve(_text(entry, "artifactId"))
        if artifact:
            name = f"{group}:{artifact}"
            version = pom.resolve(_text(entry, "version")) or pom.managed_plugins.get(name)
            yield dependency(pom.path, name, version, "build")
        for dep in _dependencies(pom, _child(entry, "dependencies"), "dependency"):
            # What a plugin needs to run is part of the build, whatever scope it says.
            yield dependency(dep.manifest, dep.name, dep.version, "build", dep.skip_reason)


def _extensions(pom: _Pom, container: Element | None) -> Iterator[Dependency]:
    for entry in _all(container, "extension"):
        group = pom.resolve(_text(entry, "groupId"))
        artifact = pom.resolve(_text(entry, "artifactId"))
        if group and artifact:
            yield dependency(
                pom.path, f"{group}:{artifact}", pom.resolve(_text(entry, "version")), "build"
            )


def _coordinates(element: Element | None) -> dict[str, str]:
    found = {}
    for key in ("groupId", "artifactId", "version"):
        value = (_text(element, key) or "").strip()
        if value:
            found[key] = value
    return found


def _children(element: Element | None) -> Iterator[Element]:
    if element is not None:
        for child in element:
            if isinstance(child.tag, str):
                yield child


def _child(element: Element | None, name: str) -> Element | None:
    for child in _children(element):
        if local_name(child.tag) == name:
            return child
    return None


def _all(element: Element | None, *names: str) -> list[Element]:
    """Children along a path of element names: `_all(root, "profiles", "profile")`."""
    level = [element] if element is not None else []
    for name in names:
        level = [c for e in level for c in _children(e) if local_name(c.tag) == name]
    return level


def _text(element: Element | None, name: str) -> str | None:
    child = _child(element, name)
    return None if child is None else (child.text or "")
