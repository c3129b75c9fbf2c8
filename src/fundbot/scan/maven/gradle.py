"""Gradle build scripts (Groovy `*.gradle` and Kotlin `*.gradle.kts`), read, never executed.

Best effort, line by line: declarations inside a `dependencies { }` block
(`implementation 'g:a:v'`, `api("g:a:v")`, `implementation(platform("g:a:v"))`,
`implementation group: 'g', name: 'a', version: 'v'`) and plugins inside `plugins { }`
(`id("org.x") version "1.0"`, named `org.x:org.x.gradle.plugin` after Gradle's marker
artifact). The configuration gives the scope: test configurations (and any block whose name
says test, e.g. a Kotlin Multiplatform `commonTest` source set) are "test"; compileOnly,
annotation processors (kapt, ksp), `classpath` and code-quality tools are "build";
`developmentOnly` is "dev"; everything else is "runtime". `$x`/`${x}` is resolved from simple
string assignments in the same file. Skipped without a trace: the project's own modules
(`project(":x")`, `projects.x`) and version-catalog references (`libs.x`), which cannot be
named without the catalog; the catalog itself is scanned on its own. Kept with a skip reason:
`files(...)` (path), Gradle's core plugins (`java`: sdk) and versionless convention plugins
from the repository's own build logic (`*conventions*`: local).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from fundbot.model import Dependency, Scope, SkipReason
from fundbot.scan.maven._common import dependency
from fundbot.scan.maven._gradle_text import (
    STRING,
    join_continued,
    mask_lines,
    read_variables,
    substitute,
    unquote,
)

# `implementation(…)`, `implementation '…'`, and Kotlin's `"implementation"(…)`.
_CALL: Final = re.compile(r"""\s*"?([A-Za-z_]\w*)"?\s*(?:\(\s*|\s+)(.*)""", re.DOTALL)
_WRAPPER: Final = re.compile(r"(?:platform|enforcedPlatform|testFixtures)\s*\(\s*")
_LITERAL: Final = re.compile(STRING)
_NAMED: Final = {
    key: re.compile(rf"\b{key}\s*[:=]\s*{STRING}") for key in ("group", "name", "version")
}
_KOTLIN_MODULE: Final = re.compile(rf"kotlin\s*\(\s*{STRING}(?:\s*,\s*{STRING})?")
_FILES: Final = re.compile(rf"(?:files|fileTree)\s*\(\s*(?:dir\s*[:=]\s*)?{STRING}")
_PLUGIN: Final = re.compile(rf"\s*(id|kotlin)\s*\(?\s*{STRING}\s*\)?(.*)", re.DOTALL)
_PLUGIN_VERSION: Final = re.compile(rf"\bversion\s*\(?\s*{STRING}")
_CORE_PLUGIN: Final = re.compile(r"\s*`?([A-Za-z][\w-]*)`?\s*$")
_COORDINATE_PART: Final = re.compile(r"[^\s:/'\"]+")
_TEST: Final = re.compile(r"test", re.IGNORECASE)
_DEPENDENCIES: Final = re.compile(r"\bdependencies\s*$")
_BUILD_CONFIGURATIONS: Final = frozenset(
    {
        "classpath",
        "checkstyle",
        "pmd",
        "errorprone",
        "lintchecks",
        "detektplugins",
        "ktlint",
        "corelibrarydesugaring",
        "jacocoagent",
        "jacocoant",
        "spotbugs",
        "spotbugsplugins",
    }
)
_NOT_CONFIGURATIONS: Final = frozenset(
    {
        "id",
        "alias",
        "apply",
        "exclude",
        "include",
        "because",
        "version",
        "url",
        "from",
        "into",
        "println",
        "print",
        "if",
        "for",
        "while",
        "return",
        "constraints",
        "components",
        "add",
    }
)
_MAX_DEPTH: Final = 256
_BRACE: Final = re.compile(r"[{}]")


@dataclass(frozen=True, slots=True)
class _Block:
    """What an open `{ }` block means for the declarations inside it."""

    plugins: bool = False  # directly inside `plugins { }`
    dependencies: bool = False  # somewhere inside `dependencies { }`
    test: bool = False  # inside a block whose name says test (`commonTest`, `integrationTest`)
    constraints: bool = False  # inside `constraints { }`: versions only, not dependencies

    @property
    def reads(self) -> bool:
        """Whether statements in this block can declare anything."""
        return self.plugins or (self.dependencies and not self.constraints)

    def enter(self, label: str) -> _Block:
        return _Block(
            plugins=label == "plugins",
            dependencies=self.dependencies or bool(_DEPENDENCIES.search(label)),
            test=self.test or (label != "dependencies" and bool(_TEST.search(label))),
            constraints=self.constraints or label == "constraints",
        )


_TOP: Final = _Block()


def parse(path: str, text: str) -> list[Dependency] | None:
    clean, masked = join_continued(*mask_lines(text))
    variables = read_variables(clean)
    found: list[Dependency] = []
    stack: list[_Block] = []
    block = _TOP
    for line, mask in zip(clean, masked, strict=True):
        if "{" not in mask and "}" not in mask:
            if block.reads:
                found.extend(_statement(path, line, block, variables))
            continue
        start = 0
        for brace in _BRACE.finditer(mask):
            if block.reads:
                found.extend(_statement(path, line[start : brace.start()], block, variables))
            if brace.group() == "{":
                stack.append(block)
                # Past a sane depth a block means nothing new: stop paying for labels.
                if len(stack) < _MAX_DEPTH:
                    block = block.enter(line[start : brace.start()].strip())
            elif stack:
                block = stack.pop()
            start = brace.end()
        if block.reads:
            found.extend(_statement(path, line[start:], block, variables))
    return found


def _statement(
    path: str, text: str, block: _Block, variables: dict[str, str]
) -> Iterator[Dependency]:
    if not text or text.isspace():
        return
    if block.plugins:
        yield from _plugin(path, text, variables)
    elif block.dependencies and not block.constraints:
        yield from _declaration(path, text, block.test, variables)


def _declaration(
    path: str, text: str, test_block: bool, variables: dict[str, str]
) -> Iterator[Dependency]:
    call = _CALL.match(text)
    if call is None or call.group(1) in _NOT_CONFIGURATIONS:
        return
    scope = _scope(call.group(1), test_block)
    rest = call.group(2)
    wrapper = _WRAPPER.match(rest)
    if wrapper is not None:
        rest = rest[wrapper.end() :]
    if rest.startswith(("project(", "project ", "projects.", "libs.")):
        return  # the repository's own module, or a catalog entry named elsewhere
    if (files := _FILES.match(rest)) is not None:
        yield dependency(path, unquote(files.group(1)), None, scope, "path")
    elif (kotlin := _KOTLIN_MODULE.match(rest)) is not None:
        version = substitute(unquote(kotlin.group(2)), variables) if kotlin.group(2) else None
        module = unquote(kotlin.group(1))
        yield dependency(path, f"org.jetbrains.kotlin:kotlin-{module}", version, scope)
    elif (literal := _LITERAL.match(rest)) is not None:
        dep = _coordinates(path, substitute(unquote(literal.group(1)), variables), scope)
        if dep is not None:
            yield dep
    elif (group := _NAMED["group"].search(rest)) and (name := _NAMED["name"].search(rest)):
        named = _NAMED["version"].search(rest)
        value = substitute(unquote(named.group(1)), variables) if named else None
        group_id = substitute(unquote(group.group(1)), variables)
        coordinates = f"{group_id}:{substitute(unquote(name.group(1)), variables)}"
        yield dependency(path, coordinates, value, scope)


def _coordinates(path: str, value: str, scope: Scope) -> Dependency | None:
    """`group:artifact[:version[:classifier]][@extension]`; anything else is not a dependency."""
    parts = value.partition("@")[0].split(":")
    if not 2 <= len(parts) <= 4 or not all(_COORDINATE_PART.fullmatch(p) for p in parts[:2]):
        return None
    version = parts[2] if len(parts) > 2 else None
    return dependency(path, f"{parts[0]}:{parts[1]}", version, scope)


def _scope(configuration: str, test_block: bool) -> Scope:
    lower = configuration.lower()
    if test_block or "test" in lower:
        return "test"
    if lower == "developmentonly":
        return "dev"
    if (
        lower.endswith(("compileonly", "compileonlyapi", "annotationprocessor"))
        or lower.startswith(("kapt", "ksp"))
        or lower in _BUILD_CONFIGURATIONS
    ):
        return "build"
    return "runtime"


def _plugin(path: str, text: str, variables: dict[str, str]) -> Iterator[Dependency]:
    match = _PLUGIN.match(text)
    if match is None:
        core = _CORE_PLUGIN.match(text)
        if core is not None and core.group(1) not in ("alias", "apply", "id"):
            yield dependency(path, core.group(1), None, "build", "sdk")
        return
    plugin_id = unquote(match.group(2)).strip()
    if match.group(1) == "kotlin":
        plugin_id = f"org.jetbrains.kotlin.{plugin_id}"
    version_match = _PLUGIN_VERSION.search(match.group(3))
    version = substitute(unquote(version_match.group(1)), variables) if version_match else None
    skip: SkipReason | None = None
    if "." not in plugin_id:
        skip = "sdk"  # Gradle's own plugins (`java`, `checkstyle`) come with Gradle.
    elif version is None and "convention" in plugin_id:
        skip = "local"
    name = plugin_id if skip else f"{plugin_id}:{plugin_id}.gradle.plugin"
    yield dependency(path, name, version, "build", skip)
