"""`setup.cfg`: setuptools' declarative `[options]`.

`install_requires` is runtime, `setup_requires` build, `tests_require` test, and each
`[options.extras_require]` key optional. `file:` references are not followed.
"""

from __future__ import annotations

import configparser
from typing import Final

from fundbot.errors import ManifestError
from fundbot.model import Dependency, Scope
from fundbot.scan.pypi._common import Collector

_OPTIONS: Final[tuple[tuple[str, Scope], ...]] = (
    ("install_requires", "runtime"),
    ("tests_require", "test"),
    ("setup_requires", "build"),
)


def parse(path: str, text: str) -> list[Dependency]:
    config = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        config.read_string(text)
    except configparser.Error as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ManifestError(path, f"invalid setup.cfg: {reason}") from None
    out = Collector(path)
    if config.has_section("options"):
        for key, scope in _OPTIONS:
            _add_value(out, config.get("options", key, fallback=""), scope)
    if config.has_section("options.extras_require"):
        for _extra, value in config.items("options.extras_require"):
            _add_value(out, value, "optional")
    return out.result()


def _add_value(out: Collector, value: str, scope: Scope) -> None:
    """One requirement per line; comments and `file:` references are skipped."""
    for line in value.splitlines():
        line = line.partition(" #")[0].strip()
        if line and not line.startswith(("#", "file:")):
            out.add_requirement(line, scope)
