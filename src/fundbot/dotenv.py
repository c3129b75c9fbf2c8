"""Read a `.env` file (KEY=VALUE lines), as Probot does; the real environment wins."""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path


def parse_env(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if value[:1] in ("'", '"'):
            quote = value[0]
            # A quoted value may span lines (a PEM key written as-is).
            while not (len(value) > 1 and value.endswith(quote)):
                try:
                    value += "\n" + next(lines)
                except StopIteration:
                    break
            value = value[1:-1] if len(value) > 1 and value.endswith(quote) else value[1:]
        values[key] = value
    return values


def load_dotenv(path: Path, env: MutableMapping[str, str] | None = None) -> Mapping[str, str]:
    """Merge `path` into env (default os.environ) without overriding what is set."""
    target = os.environ if env is None else env
    if not path.is_file():
        return target
    for key, value in parse_env(path.read_text()).items():
        target.setdefault(key, value)
    return target
