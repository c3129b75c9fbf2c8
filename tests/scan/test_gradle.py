"""Gradle scanner: build-script declaration forms, scopes, interpolation, plugins, catalogs."""

from __future__ import annotations

import pytest

from fundbot.errors import ManifestError
from fundbot.scan import maven

Row = tuple[str, str | None, str, str | None]


def _rows(text: str, path: str = "build.gradle") -> list[Row]:
    return [(d.name, d.version, d.scope, d.skip_reason) for d in maven.parse(path, text) or []]


def _deps(line: str, path: str = "build.gradle", head: str = "") -> list[Row]:
    return _rows(f"{head}\ndependencies {{\n    {line}\n}}\n", path)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("implementation 'g:a:1.0'", [("g:a", "1.0", "runtime", None)]),
        ('implementation("g:a:1.0")', [("g:a", "1.0", "runtime", None)]),
        ("implementation 'g:a'", [("g:a", None, "runtime", None)]),
        ("implementation 'g:a:1.0:linux@zip'", [("g:a", "1.0", "runtime", None)]),
        ("implementation 'g:a:1.0@aar'", [("g:a", "1.0", "runtime", None)]),
        ("implementation group: 'g', name: 'a', version: '2'", [("g:a", "2", "runtime", None)]),
        ('implementation(group = "g", name = "a")', [("g:a", None, "runtime", None)]),
        ("implementation platform('g:bom:3')", [("g:bom", "3", "runtime", None)]),
        ('implementation(enforcedPlatform("g:bom:3"))', [("g:bom", "3", "runtime", None)]),
        (
            'implementation(kotlin("reflect"))',
            [("org.jetbrains.kotlin:kotlin-reflect", None, "runtime", None)],
        ),
        ('"implementation"("g:a:1")', [("g:a", "1", "runtime", None)]),
        ("implementation files('libs/x.jar')", [("libs/x.jar", None, "runtime", "path")]),
        ("implementation project(':core')", []),
        ("implementation(projects.core)", []),
        ("implementation(libs.okhttp)", []),
        ("implementation(libs.bundles.network)", []),
        ("implementation 'not-a-coordinate'", []),
        ("implementation 'https://example.com/x'", []),
        ("implementation someVariable", []),
        ("exclude group: 'g', module: 'a'", []),
        ("implementation 'g:a:1' // 'h:b:2' in a comment", [("g:a", "1", "runtime", None)]),
    ],
)
def test_declaration_forms(line: str, expected: list[Row]) -> None:
    """Each way of writing a dependency gives group:artifact and version, or nothing."""
    assert _deps(line) == expected


@pytest.mark.parametrize(
    ("configuration", "scope"),
    [
        ("implementation", "runtime"),
        ("api", "runtime"),
        ("runtimeOnly", "runtime"),
        ("debugImplementation", "runtime"),
        ("compileOnly", "build"),
        ("compileOnlyApi", "build"),
        ("annotationProcessor", "build"),
        ("kapt", "build"),
        ("ksp", "build"),
        ("classpath", "build"),
        ("checkstyle", "build"),
        ("detektPlugins", "build"),
        ("developmentOnly", "dev"),
        ("testImplementation", "test"),
        ("testRuntimeOnly", "test"),
        ("androidTestImplementation", "test"),
        ("kaptTest", "test"),
        ("testFixturesApi", "test"),
        ("someCustomConfiguration", "runtime"),
    ],
)
def test_configuration_scopes(configuration: str, scope: str) -> None:
    """The configuration name decides the scope."""
    assert _deps(f"{configuration} 'g:a:1'") == [("g:a", "1", scope, None)]


@pytest.mark.parametrize(
    ("head", "version", "expected"),
    [
        ("def v = '1.2'", "$v", "1.2"),
        ("ext.v = '1.2'", "${v}", "1.2"),
        ("ext {\n  v = '1.2'\n}", "$v", "1.2"),
        ('val v = "1.2"', "$v", "1.2"),
        ('val v: String = "1.2"', "${v}", "1.2"),
        ('extra["v"] = "1.2"', '${property("v")}', "1.2"),
        ('project.ext.set("v", "1.2")', "${project.v}", "1.2"),
        ("def v = '1.2'", "${rootProject.ext.v}", "1.2"),
        ("def v = '1'\ndef w = '2'", "$v.$w", "1.2"),
        ("", "$unknown", "$unknown"),
        ("", "${Versions.okhttp}", "${Versions.okhttp}"),
    ],
)
def test_interpolation(head: str, version: str, expected: str) -> None:
    """`$v` and `${v}` resolve from simple assignments in the same file, else stay as written."""
    assert _deps(f'implementation "g:a:{version}"', head=head) == [
        ("g:a", expected, "runtime", None)
    ]


def test_unresolved_group_is_invalid() -> None:
    """A coordinate whose group stays an unresolved variable cannot be looked up."""
    assert _deps('implementation "$group:a:1"') == [("$group:a", "1", "runtime", "invalid")]


def test_blocks_decide_context() -> None:
    """Only dependencies blocks declare; test source sets are test; constraints are skipped."""
    text = """
    implementation 'outside:any-block:1'
    task x { implementation 'in:a-task:1' }
    kotlin {
        sourceSets {
            val jvmTest by getting {
                dependencies { implementation("t:in-test-source-set:1") }
            }
            commonMain { dependencies { api("m:in-main-source-set:1") } }
        }
    }
    dependencies {
        constraints { implementation 'c:only-a-constraint:1' }
        implementation('k:kept:1') { exclude group: 'x' }
    }
    buildscript { dependencies { classpath 'b:plugin:1' } }
    """
    assert _rows(text, "build.gradle.kts") == [
        ("t:in-test-source-set", "1", "test", None),
        ("m:in-main-source-set", "1", "runtime", None),
        ("k:kept", "1", "runtime", None),
        ("b:plugin", "1", "build", None),
    ]


def test_comments_and_strings_do_not_confuse_braces() -> None:
    """Braces and declarations inside comments and strings are ignored."""
    text = """
    /* dependencies { implementation 'in:block-comment:1' } */
    def s = "}}}{{{"
    dependencies {
        // implementation 'in:line-comment:1'
        implementation 'g:real:1' /* } */
        testImplementation "g:after:${'$'}{s}"
    }
    implementation 'after:the-block:1'
    """
    assert [r[0] for r in _rows(text)] == ["g:real", "g:after"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("id 'org.x' version '1.0'", [("org.x:org.x.gradle.plugin", "1.0", "build", None)]),
        (
            'id("org.x") version "1.0" apply false',
            [("org.x:org.x.gradle.plugin", "1.0", "build", None)],
        ),
        ('id("org.x").version("1.0")', [("org.x:org.x.gradle.plugin", "1.0", "build", None)]),
        ("id 'org.x'", [("org.x:org.x.gradle.plugin", None, "build", None)]),
        (
            'kotlin("jvm") version "2.0.0"',
            [
                (
                    "org.jetbrains.kotlin.jvm:org.jetbrains.kotlin.jvm.gradle.plugin",
                    "2.0.0",
                    "build",
                    None,
                )
            ],
        ),
        ("id 'java'", [("java", None, "build", "sdk")]),
        ("`java-library`", [("java-library", None, "build", "sdk")]),
        ("application", [("application", None, "build", "sdk")]),
        ('id("acme.java-conventions")', [("acme.java-conventions", None, "build", "local")]),
        ("alias(libs.plugins.spotless)", []),
        ("alias(libs.plugins.spotless) apply false", []),
    ],
)
def test_plugins_block(line: str, expected: list[Row]) -> None:
    """Plugins are build dependencies named by their marker artifact; core ones are sdk."""
    assert _rows(f"plugins {{\n    {line}\n}}\n", "build.gradle.kts") == expected


def test_settings_plugin_management() -> None:
    """Plugins with versions in settings.gradle's pluginManagement are found too."""
    text = "pluginManagement {\n  plugins {\n    id 'org.x' version '1'\n  }\n}\ninclude ':app'\n"
    assert _rows(text, "settings.gradle") == [("org.x:org.x.gradle.plugin", "1", "build", None)]


CATALOG = """
[versions]
okhttp = "4.12.0"
rich = { strictly = "[1.0, 2.0[", prefer = "1.5" }
kotlin = "2.0.0"

[libraries]
okhttp = { module = "com.squareup.okhttp3:okhttp", version.ref = "okhttp" }
okio = "com.squareup.okio:okio:3.9.0"
retrofit = { group = "com.squareup.retrofit2", name = "retrofit", version = "2.11.0" }
moshi = { module = "com.squareup.moshi:moshi" }
rich = { module = "org.example:rich", version.ref = "rich" }
inline = { module = "org.example:inline", version = { require = "3.0" } }
dangling = { module = "org.example:dangling", version.ref = "nope" }
broken = "not-a-coordinate"
odd = 42

[bundles]
network = ["okhttp", "okio"]

[plugins]
kotlin-jvm = { id = "org.jetbrains.kotlin.jvm", version.ref = "kotlin" }
versions = "com.github.ben-manes.versions:0.51.0"
bare = { id = "org.bare" }
"""


def test_version_catalog() -> None:
    """Every library and plugin form in a catalog, versions resolved through [versions]."""
    assert _rows(CATALOG, "gradle/libs.versions.toml") == [
        ("com.squareup.okhttp3:okhttp", "4.12.0", "runtime", None),
        ("com.squareup.okio:okio", "3.9.0", "runtime", None),
        ("com.squareup.retrofit2:retrofit", "2.11.0", "runtime", None),
        ("com.squareup.moshi:moshi", None, "runtime", None),
        ("org.example:rich", "[1.0, 2.0[", "runtime", None),
        ("org.example:inline", "3.0", "runtime", None),
        ("org.example:dangling", None, "runtime", None),
        ("not-a-coordinate", None, "runtime", "invalid"),
        (
            "org.jetbrains.kotlin.jvm:org.jetbrains.kotlin.jvm.gradle.plugin",
            "2.0.0",
            "build",
            None,
        ),
        (
            "com.github.ben-manes.versions:com.github.ben-manes.versions.gradle.plugin",
            "0.51.0",
            "build",
            None,
        ),
        ("org.bare:org.bare.gradle.plugin", None, "build", None),
    ]


@pytest.mark.parametrize("text", ["libraries = 3\n", "[versions\n", "plugins = [1]\n"])
def test_broken_catalog_is_a_manifest_error(text: str) -> None:
    """Invalid TOML or a section of the wrong type is a ManifestError naming the file."""
    with pytest.raises(ManifestError) as info:
        maven.parse("gradle/libs.versions.toml", text)
    assert info.value.path == "gradle/libs.versions.toml"


@pytest.mark.parametrize(
    "text",
    [
        "dependencies {\n" * 5_000,
        "}" * 10_000,
        'dependencies {\n implementation "' + "${" * 20_000 + "\n}\n",
        "/*" * 10_000,
        '"""' + "x" * 10_000,
        "dependencies { implementation '" + "a:" * 10_000 + "' }",
    ],
)
def test_hostile_scripts_end_quietly(text: str) -> None:
    """Unbalanced braces, unterminated strings and comments give a list, not a hang."""
    assert isinstance(maven.parse("build.gradle", text), list)


@pytest.mark.parametrize(
    "declaration",
    [
        'implementation(\n        "g:a:1"\n    )',
        "implementation group: 'g',\n        name: 'a',\n        version: '1'",
        'implementation(\n        group = "g",\n        name = "a",\n        version = "1",\n    )',
    ],
)
def test_declaration_over_several_lines(declaration: str) -> None:
    """A declaration continued after `(` or `,` is read as one."""
    assert _deps(declaration) == [("g:a", "1", "runtime", None)]
