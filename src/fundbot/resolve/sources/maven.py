"""Maven Central: the newest POM's `scm` and `url`, following parent POMs a little way."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from fundbot.resolve.base import Finding, PackageQuery
from fundbot.resolve.sources import _xml
from fundbot.resolve.sources._registry import RegistrySource, first_repository

# Most artifacts keep `scm` in a parent (gson → gson-parent); a few levels is plenty.
MAX_PARENTS = 3
_COORDINATE = re.compile(r"^[A-Za-z0-9_.-]+$")


class MavenSource(RegistrySource):
    """`{maven}/{group/path}/{artifact}/maven-metadata.xml`, then that version's `.pom`."""

    NAME = "maven"
    ECOSYSTEMS = frozenset({"maven"})

    async def find(self, query: PackageQuery) -> Finding:
        group, _, artifact = query.name.partition(":")
        if not (_COORDINATE.match(group) and _COORDINATE.match(artifact)):
            return Finding(not_found=True)
        metadata = await self.fetch(f"{self._base(group, artifact)}/maven-metadata.xml")
        version = latest_version(_xml.parse(metadata.body, "maven-metadata.xml"))
        if version is None:
            return Finding(not_found=True)
        for _ in range(MAX_PARENTS + 1):
            pom = await self._pom(group, artifact, version)
            repository = pom_repository(pom)
            if repository is not None:
                return Finding(repository=repository)
            parent = _xml.child(pom, "parent")
            coordinates = [_xml.child_text(parent, n) for n in ("groupId", "artifactId", "version")]
            if not all(c and _COORDINATE.match(c) for c in coordinates):
                break
            group, artifact, version = (c or "" for c in coordinates)
        return Finding()

    def _base(self, group: str, artifact: str) -> str:
        return f"{self.settings.maven_url}/{group.replace('.', '/')}/{artifact}"

    async def _pom(self, group: str, artifact: str, version: str) -> Element:
        url = f"{self._base(group, artifact)}/{version}/{artifact}-{version}.pom"
        return _xml.parse((await self.fetch(url)).body, f"{artifact}-{version}.pom")


def latest_version(metadata: Element) -> str | None:
    """`release`, else `latest`, else the last listed version."""
    versions = _xml.children_text(metadata, "versioning", "versions", "version")
    version = (
        _xml.child_text(metadata, "versioning", "release")
        or _xml.child_text(metadata, "versioning", "latest")
        or (versions[-1] if versions else None)
    )
    return version if version and _COORDINATE.match(version) else None


def pom_repository(pom: Element) -> str | None:
    """From `scm` (`url`, then the `scm:git:` connections), then the project `url`."""
    candidates = [
        _xml.child_text(pom, "scm", "url"),
        _xml.child_text(pom, "scm", "connection"),
        _xml.child_text(pom, "scm", "developerConnection"),
        _xml.child_text(pom, "url"),
    ]
    return first_repository(_strip_scm(c) for c in candidates if c)


def _strip_scm(value: str) -> str:
    """`scm:git:git@github.com:o/r.git` → `git@github.com:o/r.git`."""
    return re.sub(r"^scm:[a-z]+:", "", value)
