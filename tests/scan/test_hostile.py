"""Truncated, garbled and hostile variants of every fixture: a ManifestError or a result,
never another exception, never a hang, never memory out of proportion to the input."""

from __future__ import annotations

import random
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from fundbot.errors import ManifestError
from fundbot.scan import scan_file, scanner_for
from tests.scan.golden import MANIFESTS, scenario_dirs, scenario_files
from tests.time_bounds import within

YAML_ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9)
)
XML_ENTITY_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<Project><ItemGroup><PackageReference Include="&lol9;" Version="1"/>'
    "</ItemGroup></Project>"
)
XML_EXTERNAL = (
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
    "<project><dependencies><dependency><groupId>&e;</groupId><artifactId>a</artifactId>"
    "</dependency></dependencies></project>"
)
HOSTILE = {
    "binary": bytes(range(256)).decode("latin-1") * 64,
    "nul": "\x00" * 4096,
    "deep-json": "[" * 200_000 + "]" * 200_000,
    "deep-json-object": '{"dependencies":' * 50_000 + "1" + "}" * 50_000,
    "deep-yaml-flow": "a: " + "[" * 100_000,
    "deep-yaml-block": "".join(" " * i + f"k{i}:\n" for i in range(3_000)),
    "deep-toml": "a = " + "[" * 100_000 + "]" * 100_000,
    "deep-xml": "<a>" * 100_000 + "</a>" * 100_000,
    "yaml-alias-bomb": YAML_ALIAS_BOMB,
    "xml-entity-bomb": XML_ENTITY_BOMB,
    "xml-external-entity": XML_EXTERNAL,
    "long-line": "x" * 2_000_000,
    "many-lines": "a\n" * 500_000,
}


def _fixture_files() -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for scenario in scenario_dirs():
        for rel, text in scenario_files(scenario).items():
            if scanner_for(rel) is not None and rel not in seen:
                seen.add(rel)
                yield f"{scenario.relative_to(MANIFESTS).as_posix()}/{rel}", text


FIXTURE_FILES = dict(_fixture_files())


def _variants(text: str) -> Iterator[tuple[str, str]]:
    rng = random.Random(20261128)
    for fraction in (0.1, 0.5, 0.9):
        yield f"truncated-{fraction}", text[: int(len(text) * fraction)]
    chars = list(text)
    for _ in range(max(1, len(chars) // 50)):
        chars[rng.randrange(len(chars))] = rng.choice("{}[]<>:\"'\n\t-=&*!#\x00")
    yield "garbled", "".join(chars)
    lines = text.splitlines(keepends=True)
    rng.shuffle(lines)
    yield "shuffled-lines", "".join(lines)


def _check(path: str, text: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        found = scan_file(path, text)
    except ManifestError as exc:
        assert exc.path == path
        assert "\n" not in exc.detail
    else:
        assert isinstance(found, list)
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    # Generous bounds: they catch a hang or a blow-up, not a slow machine.
    assert elapsed < within(10), f"{path} took {elapsed:.1f}s"
    assert peak < 200 * len(text) + 64 * 1024 * 1024, f"{path} peaked at {peak} bytes"


@pytest.mark.parametrize("fixture", sorted(FIXTURE_FILES))
def test_damaged_fixture(fixture: str) -> None:
    """Truncated, garbled and shuffled copies of a real file parse or fail cleanly."""
    path = fixture.split("/", 2)[-1]
    for _name, text in _variants(FIXTURE_FILES[fixture]):
        _check(path, text)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize(
    "path",
    sorted(
        {Path(f).relative_to(Path(f).parts[0], Path(f).parts[1]).as_posix() for f in FIXTURE_FILES}
    ),
)
def test_hostile_content(path: str, kind: str) -> None:
    """Bombs, deep nesting and binary junk under every real file name fail cleanly."""
    _check(path, HOSTILE[kind])
