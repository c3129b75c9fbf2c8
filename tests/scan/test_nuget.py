"""NuGet scanner: MSBuild items, properties, scopes, packages.config and lockfiles."""

from __future__ import annotations

import pytest

from fundbot.errors import ManifestError
from fundbot.scan import nuget, scanner_for

Row = tuple[str, str | None, str, bool, str | None]


def _rows(path: str, text: str) -> list[Row]:
    return [
        (d.name, d.version, d.scope, d.direct, d.skip_reason) for d in nuget.parse(path, text) or []
    ]


def _project(items: str, props: str = "", sdk: str = "") -> str:
    attr = f' Sdk="{sdk}"' if sdk else ""
    group = f"<PropertyGroup>{props}</PropertyGroup>"
    return f"<Project{attr}>{group}<ItemGroup>{items}</ItemGroup></Project>"


@pytest.mark.parametrize(
    ("items", "props", "expected"),
    [
        ('<PackageReference Include="Serilog" Version="4.0.0"/>', "", [("serilog", "4.0.0")]),
        (
            '<PackageReference Include="A"><Version> 1.2 </Version></PackageReference>',
            "",
            [("a", "1.2")],
        ),
        ('<PackageReference Include="A"/>', "", [("a", None)]),
        ('<PackageReference Include="A" Version="$(V)"/>', "<V>2.0</V>", [("a", "2.0")]),
        ('<PackageReference Include="A" Version="$(V)"/>', "<V>1</V><V>3</V>", [("a", "3")]),
        (
            '<PackageReference Include="A" Version="$(M).1"/>',
            "<M>$(N).0</M><N>5</N>",
            [("a", "5.0.1")],
        ),
        ('<PackageReference Include="A" Version="$(Nope)"/>', "", [("a", "$(Nope)")]),
        ('<PackageReference Include="A" Version="$(P)"/>', "<P>$(P)x</P>", [("a", "$(P)")]),
        (
            '<PackageReference Include="A" Version="$(P)"/>',
            "<P>$(Q)</P><Q>$(P)</Q>",
            [("a", "$(P)")],
        ),
        ('<PackageReference Include="A" VersionOverride="9" Version="1"/>', "", [("a", "9")]),
        ('<PackageReference Include="A;B" Version="1"/>', "", [("a", "1"), ("b", "1")]),
        ('<PackageReference Update="A" Version="1"/>', "", []),
        ('<PackageReference Remove="A"/>', "", []),
        ('<PackageReference Include="" Version="1"/>', "", []),
        (
            '<PackageReference Include="A" Version="1"/>' * 2,
            "",
            [("a", "1")],
        ),
        ('<ProjectReference Include="../Lib/Lib.csproj"/>', "", []),
    ],
)
def test_package_reference_versions(
    items: str, props: str, expected: list[tuple[str, str | None]]
) -> None:
    """Versions come from the attribute, the child element or the file's own properties."""
    found = nuget.parse("src/App.csproj", _project(items, props)) or []
    assert [(d.name, d.version) for d in found] == expected


@pytest.mark.parametrize(
    ("path", "items", "props", "scope"),
    [
        ("App.csproj", '<PackageReference Include="A" Version="1"/>', "", "runtime"),
        (
            "App.csproj",
            '<PackageReference Include="A" Version="1" PrivateAssets="All"/>',
            "",
            "build",
        ),
        (
            "App.csproj",
            '<PackageReference Include="A" Version="1"><PrivateAssets>all</PrivateAssets>'
            "</PackageReference>",
            "",
            "build",
        ),
        (
            "App.csproj",
            '<PackageReference Include="A" Version="1" PrivateAssets="compile"/>',
            "",
            "runtime",
        ),
        ("App.Tests.csproj", '<PackageReference Include="A" Version="1"/>', "", "test"),
        (
            "AppTest.vbproj",
            '<PackageReference Include="A" Version="1" PrivateAssets="all"/>',
            "",
            "test",
        ),
        ("app-tests.fsproj", '<PackageReference Include="A" Version="1"/>', "", "test"),
        ("Latest.csproj", '<PackageReference Include="A" Version="1"/>', "", "runtime"),
        (
            "Specs.csproj",
            '<PackageReference Include="A" Version="1"/>',
            "<IsTestProject>true</IsTestProject>",
            "test",
        ),
        ("Directory.Packages.props", '<PackageVersion Include="A" Version="1"/>', "", "runtime"),
        (
            "Directory.Packages.props",
            '<GlobalPackageReference Include="A" Version="1"/>',
            "",
            "build",
        ),
        ("Directory.Build.props", '<PackageReference Include="A" Version="1"/>', "", "runtime"),
    ],
)
def test_scopes(path: str, items: str, props: str, scope: str) -> None:
    """PrivateAssets=all is build, test projects are test, central versions are runtime."""
    assert [d.scope for d in nuget.parse(path, _project(items, props)) or []] == [scope]


@pytest.mark.parametrize(
    ("sdk", "expected"),
    [
        ("Microsoft.NET.Sdk", [("microsoft.net.sdk", None, "build", True, "sdk")]),
        ("Dalamud.NET.Sdk/14.0.1", [("dalamud.net.sdk", "14.0.1", "build", True, None)]),
        ("A/1;B", [("a", "1", "build", True, None), ("b", None, "build", True, "sdk")]),
    ],
)
def test_project_sdks(sdk: str, expected: list[Row]) -> None:
    """A versioned project SDK is a build dependency; the toolchain's own is skipped as sdk."""
    assert _rows("App.csproj", _project("", sdk=sdk)) == expected


def test_namespaced_old_style_project() -> None:
    """The MSBuild 2003 namespace is ignored when matching element names."""
    text = (
        '<Project xmlns="http://schemas.microsoft.com/developer/msbuild/2003">'
        '<ItemGroup><PackageReference Include="A"><Version>1</Version></PackageReference>'
        "</ItemGroup></Project>"
    )
    assert _rows("App.csproj", text) == [("a", "1", "runtime", True, None)]


def test_packages_config() -> None:
    """packages.config: id and version, developmentDependency is dev, id-less entries skipped."""
    text = (
        '<packages><package id="EntityFramework" version="6.4.4" targetFramework="net472"/>'
        '<package id="X" version="1" developmentDependency="true"/>'
        '<package version="2"/></packages>'
    )
    assert _rows("packages.config", text) == [
        ("entityframework", "6.4.4", "runtime", True, None),
        ("x", "1", "dev", True, None),
    ]


def test_lockfile_direct_transitive_project_and_dedupe() -> None:
    """Direct and Transitive set `direct`; Project entries are kept as workspace; frameworks
    deduplicated, with the edges of each framework joined."""
    text = """{"version": 1, "dependencies": {
      "net8.0": {"A": {"type": "Direct", "resolved": "1.0", "dependencies": {"B": "2.0"}},
                 "B": {"type": "Transitive", "resolved": "2.0"},
                 "lib": {"type": "Project", "dependencies": {"A": "[1.0, )"}}, "C": ["odd"]},
      "net48": {"A": {"type": "Direct", "resolved": "1.0", "dependencies": {"D": "1", "a": "1"}},
                "B": {"type": "Transitive", "resolved": "2.1"}}, "bad": 3}}"""
    assert _rows("packages.lock.json", text) == [
        ("a", "1.0", "runtime", True, None),
        ("b", "2.0", "runtime", False, None),
        ("lib", None, "runtime", True, "workspace"),
        ("b", "2.1", "runtime", False, None),
    ]
    found = nuget.parse("packages.lock.json", text) or []
    assert [d.requires for d in found] == [("b", "d"), (), ("a",), ()]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("packages.lock.json", "[1, 2]"),
        ("packages.lock.json", '{"dependencies": [1]}'),
        ("App.csproj", "<Project><ItemGroup>"),
        ("App.csproj", '<!DOCTYPE x [<!ENTITY e "a">]><Project/>'),
    ],
)
def test_broken_files_are_manifest_errors(path: str, text: str) -> None:
    """Wrong shapes, broken XML and DTDs are ManifestErrors naming the file."""
    with pytest.raises(ManifestError) as info:
        nuget.parse(path, text)
    assert info.value.path == path


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("App.csproj", "<html><body/></html>"),
        ("packages.config", "<configuration/>"),
        ("packages.lock.json", '{"version": 1}'),
    ],
)
def test_foreign_files_give_nothing(path: str, text: str) -> None:
    """A file of another kind under a NuGet file name gives no dependency."""
    assert not nuget.parse(path, text)


@pytest.mark.parametrize(
    ("path", "claimed"),
    [
        ("src/App/App.csproj", True),
        ("App.fsproj", True),
        ("App.vbproj", True),
        ("Directory.Packages.props", True),
        ("Directory.Build.props", True),
        ("packages.config", True),
        ("packages.lock.json", True),
        ("package-lock.json", False),
        ("App.sln", False),
    ],
)
def test_file_patterns(path: str, claimed: bool) -> None:
    """Project files, central versions, packages.config and the NuGet lockfile are claimed."""
    assert (scanner_for(path) is nuget) is claimed
