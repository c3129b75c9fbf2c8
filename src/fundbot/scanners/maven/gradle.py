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
from fundbot.scanners.maven._common import dependency, expand

# One character of a double-quoted string: a template `${…}` may hold quotes of its own. Each
# character can be read one way only, so a failed match never backtracks exponentially.
_DOUBLE: Final = r"""(?:[^"\\\n$]|\\.|\$(?!\{)|\$\{[^}\n]{0,200}\})"""
# One token per match, every match consuming what it scanned: linear on any input.
_TOKEN: Final = re.compile(
    rf'"""[\s\S]*?(?:"""|\Z)|"{_DOUBLE}*(?:"|$)|\'(?:\\.|[^\'\\\n])*(?:\'|$)'
    r"|//[^\n]*|/\*[\s\S]*?(?:\*/|\Z)",
    re.MULTILINE,
)
# A quoted string, quotes included, as exactly one group (see `_unquote`).
_STRING: Final = rf"""("{_DOUBLE}*"|'(?:[^'\\\n]|\\.)*')"""
# `implementation(…)`, `implementation '…'`, and Kotlin's `"implementation"(…)`.
_CALL: Final = re.compile(r"""\s*"?([A-Za-z_]\w*)"?\s*(?:\(\s*|\s+)(.*)""", re.DOTALL)
_WRAPPER: Final = re.compile(r"(?:platform|enforcedPlatform|testFixtures)\s*\(\s*")
_LITERAL: Final = re.compile(_STRING)
_NAMED: Final = {
    key: re.compile(rf"\b{key}\s*[:=]\s*{_STRING}") for key in ("group", "name", "version")
}
_KOTLIN_MODULE: Final = re.compile(rf"kotlin\s*\(\s*{_STRING}(?:\s*,\s*{_STRING})?")
_FILES: Final = re.compile(rf"(?:files|fileTree)\s*\(\s*(?:dir\s*[:=]\s*)?{_STRING}")
_PLUGIN: Final = re.compile(rf"\s*(id|kotlin)\s*\(?\s*{_STRING}\s*\)?(.*)", re.DOTALL)
_PLUGIN_VERSION: Final = re.compile(rf"\bversion\s*\(?\s*{_STRING}")
_CORE_PLUGIN: Final = re.compile(r"\s*`?([A-Za-z][\w-]*)`?\s*$")
_ASSIGNMENTS: Final = (
    re.compile(
        rf"(?:^|\s)(?:(?:def|val|var|const\s+val)\s+)?([\w.]+)\s*(?::\s*String\s*)?=\s*{_STRING}"
    ),
    re.compile(rf"\bext(?:ra)?\s*\[\s*{_STRING}\s*\]\s*=\s*{_STRING}"),
    re.compile(rf"\bset\s*\(\s*{_STRING}\s*,\s*{_STRING}\s*\)"),
)
# `$v`, `${v}`, `${project.v}`, `${property("v")}`: the name is the last group that matched.
_REFERENCE: Final = re.compile(
    r"""\$(?:\{\s*(?:(?:project\.)?(?:property|findProperty)\(\s*"(\w+)"\s*\)|([\w.]+))\s*\}|(\w+))"""
)
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
_MAX_JOINS: Final = 8
_BRACE: Final = re.compile(r"[{}]")
_NOT_NEWLINE: Final = re.compile(r"[^\n]")


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
    clean, masked = _joined(*_lines(text))
    variables = _variables(clean)
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


def _lines(text: str) -> tuple[list[str], list[str]]:
    """The script's lines without comments; a second copy with string contents blanked."""
    clean: list[str] = []
    masked: list[str] = []
    last = 0
    for token in _TOKEN.finditer(text):
        between = text[last : token.start()]
        clean.append(between)
        masked.append(between)
        value = token.group()
        if value.startswith("/"):
            blank = "\n" * value.count("\n")
            clean.append(blank)
            masked.append(blank)
        else:
            clean.append(value)
            multiline = "\n" in value
            masked.append(_NOT_NEWLINE.sub("_", value) if multiline else "_" * len(value))
        last = token.end()
    clean.append(text[last:])
    masked.append(text[last:])
    return "".join(clean).split("\n"), "".join(masked).split("\n")


def _joined(clean: list[str], masked: list[str]) -> tuple[list[str], list[str]]:
    """A declaration continued on the next lines (after `(` or `,`) becomes one line."""
    out_clean: list[str] = []
    out_masked: list[str] = []
    joins = 0
    for line, mask in zip(clean, masked, strict=True):
        if joins:
            out_clean[-1] += " " + line
            out_masked[-1] += " " + mask
        else:
            out_clean.append(line)
            out_masked.append(mask)
        # Bounded, so one odd line cannot glue the whole file together.
        continued = mask.rstrip().endswith(("(", ",")) and joins < _MAX_JOINS
        joins = joins + 1 if continued else 0
    return out_clean, out_masked


def _variables(lines: list[str]) -> dict[str, str]:
    """`def v = '1'`, `val v = "1"`, `ext.v = '1'`, `v = '1'` in `ext { }`, `extra["v"] = "1"`."""
    found: dict[str, str] = {}
    for line in lines:
        if "=" not in line and "set" not in line:
            continue
        for pattern in _ASSIGNMENTS:
            for match in pattern.finditer(line):
                name, value = match.group(1, 2)
                name = name if pattern is _ASSIGNMENTS[0] else _unquote(name)
                value = _unquote(value)
                if "$" not in value:
                    found.setdefault(name.rpartition(".")[2], value)
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
        yield dependency(path, _unquote(files.group(1)), None, scope, "path")
    elif (kotlin := _KOTLIN_MODULE.match(rest)) is not None:
        version = _expand(_unquote(kotlin.group(2)), variables) if kotlin.group(2) else None
        module = _unquote(kotlin.group(1))
        yield dependency(path, f"org.jetbrains.kotlin:kotlin-{module}", version, scope)
    elif (literal := _LITERAL.match(rest)) is not None:
        dep = _coordinates(path, _expand(_unquote(literal.group(1)), variables), scope)
        if dep is not None:
            yield dep
    elif (group := _NAMED["group"].search(rest)) and (name := _NAMED["name"].search(rest)):
        named = _NAMED["version"].search(rest)
        value = _expand(_unquote(named.group(1)), variables) if named else None
        group_id = _expand(_unquote(group.group(1)), variables)
        coordinates = f"{group_id}:{_expand(_unquote(name.group(1)), variables)}"
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
    plugin_id = _unquote(match.group(2)).strip()
    if match.group(1) == "kotlin":
        plugin_id = f"org.jetbrains.kotlin.{plugin_id}"
    version_match = _PLUGIN_VERSION.search(match.group(3))
    version = _expand(_unquote(version_match.group(1)), variables) if version_match else None
    skip: SkipReason | None = None
    if "." not in plugin_id:
        skip = "sdk"  # Gradle's own plugins (`java`, `checkstyle`) come with Gradle.
    elif version is None and "convention" in plugin_id:
        skip = "local"
    name = plugin_id if skip else f"{plugin_id}:{plugin_id}.gradle.plugin"
    yield dependency(path, name, version, "build", skip)


def _unquote(string: str) -> str:
    return string[1:-1]


def _expand(value: str, variables: dict[str, str]) -> str:
    return expand(value.strip(), _REFERENCE, lambda name: _lookup(name, variables))


def _lookup(name: str, variables: dict[str, str]) -> str | None:
    for prefix in ("rootProject.", "project.", "ext.", "extra."):
        name = name.removeprefix(prefix)
    return variables.get(name)
