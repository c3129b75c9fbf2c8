"""Maven pom.xml scanner: scopes, property resolution, management sections, skips."""

from __future__ import annotations

import pytest

from fundbot.errors import ManifestError
from fundbot.scan import maven, scanner_for

Row = tuple[str, str | None, str, str | None]


def _rows(text: str, path: str = "pom.xml") -> list[Row]:
    return [(d.name, d.version, d.scope, d.skip_reason) for d in maven.parse(path, text) or []]


def _pom(body: str, head: str = "<groupId>g</groupId><version>1.0</version>") -> str:
    return f'<project xmlns="http://maven.apache.org/POM/4.0.0">{head}{body}</project>'


def _dep(inner: str) -> str:
    return f"<dependencies><dependency>{inner}</dependency></dependencies>"


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        (
            "<groupId>a</groupId><artifactId>b</artifactId><version>1</version>",
            ("a:b", "1", "runtime", None),
        ),
        (
            "<groupId>a</groupId><artifactId>b</artifactId><scope>compile</scope>",
            ("a:b", None, "runtime", None),
        ),
        (
            "<groupId>a</groupId><artifactId>b</artifactId><scope>runtime</scope>",
            ("a:b", None, "runtime", None),
        ),
        (
            "<groupId>a</groupId><artifactId>b</artifactId><scope>provided</scope>",
            ("a:b", None, "build", None),
        ),
        (
            "<groupId>a</groupId><artifactId>b</artifactId><scope>test</scope>",
            ("a:b", None, "test", None),
        ),
        (
            "<groupId>a</groupId><artifactId>b</artifactId><scope> TEST </scope>",
            ("a:b", None, "test", None),
        ),
        (
            "<groupId>a</groupId><artifactId>b</artifactId><optional>true</optional>",
            ("a:b", None, "optional", None),
        ),
        (
            "<groupId>a</groupId><artifactId>b</artifactId><scope>test</scope><optional>true</optional>",
            ("a:b", None, "test", None),
        ),
        (
            "<groupId>a</groupId><artifactId>b</artifactId><scope>system</scope>",
            ("a:b", None, "runtime", "path"),
        ),
        (
            "<groupId>a</groupId><artifactId>b</artifactId><scope>import</scope>",
            ("a:b", None, "build", "invalid"),
        ),
        ("<artifactId>b</artifactId><version>1</version>", (":b", "1", "runtime", "invalid")),
        (
            "<groupId>${nope}</groupId><artifactId>b</artifactId>",
            ("${nope}:b", None, "runtime", "invalid"),
        ),
        (
            "<groupId>g</groupId><artifactId>sib</artifactId><version>${project.version}</version>",
            ("g:sib", "1.0", "runtime", "workspace"),
        ),
        (
            "<groupId>g</groupId><artifactId>sib</artifactId><version>1.0</version>",
            ("g:sib", "1.0", "runtime", None),
        ),
    ],
)
def test_dependency_forms(inner: str, expected: Row) -> None:
    """Each scope maps to fundbot's scope; system, import, missing groups and siblings skip."""
    assert _rows(_pom(_dep(inner))) == [expected]


@pytest.mark.parametrize(
    ("properties", "version", "expected"),
    [
        ("<v>2.1</v>", "${v}", "2.1"),
        ("<v>${w}</v><w>3</w>", "${v}", "3"),
        ("<v>2</v>", "${v}.${v}-x", "2.2-x"),
        ("", "${project.version}", "1.0"),
        ("", "${pom.version}", "1.0"),
        ("", "${project.parent.version}", "9"),
        ("", "${undefined}", "${undefined}"),
        ("<v>${v}</v>", "${v}", "${v}"),
        ("<a>${b}</a><b>${a}</b>", "${a}", "${a}"),
        ("<a>${a}${a}</a>", "${a}", "${a}"),
        ("", "", None),
    ],
)
def test_property_resolution(properties: str, version: str, expected: str | None) -> None:
    """`${…}` resolves from properties and the POM's own and parent coordinates, never loops."""
    head = (
        "<parent><groupId>p</groupId><artifactId>parent</artifactId><version>9</version>"
        "<relativePath/></parent><groupId>g</groupId><version>1.0</version>"
        f"<properties>{properties}</properties>"
    )
    inner = f"<groupId>x</groupId><artifactId>y</artifactId><version>{version}</version>"
    assert [d.version for d in maven.parse("pom.xml", _pom(_dep(inner), head)) or []][
        -1
    ] == expected


def test_inherited_group_and_version_from_parent() -> None:
    """A module without groupId/version takes them from its parent; that parent is workspace."""
    head = (
        "<parent><groupId>org.acme</groupId><artifactId>acme</artifactId>"
        "<version>2</version></parent>"
    )
    inner = (
        "<groupId>${project.groupId}</groupId><artifactId>core</artifactId>"
        "<version>${project.version}</version>"
    )
    assert _rows(_pom(_dep(inner), head)) == [
        ("org.acme:acme", "2", "build", "workspace"),
        ("org.acme:core", "2", "runtime", "workspace"),
    ]


def test_external_parent_is_a_build_dependency() -> None:
    """A parent POM from elsewhere (own groupId set) is a build dependency with its version."""
    head = (
        "<parent><groupId>org.springframework.boot</groupId>"
        "<artifactId>spring-boot-starter-parent</artifactId><version>3.3.0</version></parent>"
        "<groupId>com.example</groupId>"
    )
    assert _rows(_pom("", head)) == [
        ("org.springframework.boot:spring-boot-starter-parent", "3.3.0", "build", None)
    ]


def test_management_supplies_versions_but_is_not_a_dependency() -> None:
    """dependencyManagement and pluginManagement pin versions; alone they add nothing."""
    body = (
        "<dependencyManagement><dependencies>"
        "<dependency><groupId>a</groupId><artifactId>b</artifactId><version>4</version></dependency>"
        "<dependency><groupId>a</groupId><artifactId>unused</artifactId><version>5</version></dependency>"
        "</dependencies></dependencyManagement>"
        + _dep("<groupId>a</groupId><artifactId>b</artifactId>")
        + "<build><pluginManagement><plugins><plugin><artifactId>maven-jar-plugin</artifactId>"
        "<version>3.4</version></plugin><plugin><artifactId>managed-only</artifactId>"
        "<version>1</version></plugin></plugins></pluginManagement>"
        "<plugins><plugin><artifactId>maven-jar-plugin</artifactId></plugin></plugins></build>"
    )
    assert _rows(_pom(body)) == [
        ("a:b", "4", "runtime", None),
        ("org.apache.maven.plugins:maven-jar-plugin", "3.4", "build", None),
    ]


def test_plugins_extensions_reporting_and_profiles() -> None:
    """Plugins, their dependencies, extensions and reporting plugins are build; profiles count."""
    plugin_dep = "<groupId>x</groupId><artifactId>y</artifactId><version>1</version>"
    body = (
        "<build><plugins><plugin><groupId>org.jacoco</groupId>"
        "<artifactId>jacoco-maven-plugin</artifactId><version>0.8</version>"
        f"<dependencies><dependency>{plugin_dep}<scope>test</scope></dependency></dependencies>"
        "</plugin></plugins>"
        "<extensions><extension><groupId>kr.motd.maven</groupId>"
        "<artifactId>os-maven-plugin</artifactId><version>1.7</version></extension></extensions>"
        "</build><reporting><plugins><plugin><artifactId>maven-site-plugin</artifactId>"
        "</plugin></plugins></reporting><profiles><profile><id>p</id>"
        + _dep("<groupId>q</groupId><artifactId>r</artifactId><version>2</version>")
        + "<build><plugins><plugin><artifactId>maven-jar-plugin</artifactId></plugin>"
        "</plugins></build></profile></profiles>"
    )
    assert _rows(_pom(body)) == [
        ("q:r", "2", "runtime", None),
        ("org.jacoco:jacoco-maven-plugin", "0.8", "build", None),
        ("x:y", "1", "build", None),
        ("kr.motd.maven:os-maven-plugin", "1.7", "build", None),
        ("org.apache.maven.plugins:maven-site-plugin", None, "build", None),
        ("org.apache.maven.plugins:maven-jar-plugin", None, "build", None),
    ]


def test_duplicates_collapse() -> None:
    """The same dependency declared twice in one POM is listed once."""
    inner = "<groupId>a</groupId><artifactId>b</artifactId><version>1</version>"
    entry = f"<dependency>{inner}</dependency>"
    body = f"<dependencies>{entry}{entry}</dependencies>"
    assert _rows(_pom(body)) == [("a:b", "1", "runtime", None)]


@pytest.mark.parametrize("text", ["<settings/>", "<html><body/></html>"])
def test_other_xml_gives_nothing(text: str) -> None:
    """An XML file named pom.xml that is not a Maven project gives no dependency."""
    assert not maven.parse("pom.xml", text)


@pytest.mark.parametrize(
    "text",
    [
        "<project><dependencies>",
        '<!DOCTYPE p [<!ENTITY e "x">]><project/>',
        "not xml at all",
    ],
)
def test_broken_pom_is_a_manifest_error(text: str) -> None:
    """Broken XML and DTDs are ManifestErrors naming the file."""
    with pytest.raises(ManifestError) as info:
        maven.parse("sub/pom.xml", text)
    assert info.value.path == "sub/pom.xml"


@pytest.mark.parametrize(
    ("path", "claimed"),
    [
        ("pom.xml", True),
        ("module/pom.xml", True),
        ("build.gradle", True),
        ("app/build.gradle.kts", True),
        ("settings.gradle.kts", True),
        ("gradle/libs.versions.toml", True),
        ("repo/gradle/deps.versions.toml", True),
        ("libs.versions.toml", False),
        ("pyproject.toml", False),
        ("gradle.properties", False),
    ],
)
def test_file_patterns(path: str, claimed: bool) -> None:
    """POMs, Gradle scripts and catalogs under gradle/ are claimed; nothing else."""
    assert (scanner_for(path) is maven) is claimed
