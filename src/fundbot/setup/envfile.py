"""Write the new App's credentials to `.env`: atomically, owner-only, never over old keys."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fundbot.dotenv import parse_env
from fundbot.setup.manifest import SetupError

# Probot's names, which `fundbot serve` reads (settings.py).
ENV_KEYS = ("APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET")
_CONVERSION_FIELDS = {
    "APP_ID": "id",
    "PRIVATE_KEY": "pem",
    "WEBHOOK_SECRET": "webhook_secret",
    "GITHUB_CLIENT_ID": "client_id",
    "GITHUB_CLIENT_SECRET": "client_secret",
}
_BARE = re.compile(r"[A-Za-z0-9_./:@+,=-]*")
MODE = 0o600


def env_values(conversion: Mapping[str, Any]) -> dict[str, str]:
    """The `.env` entries from GitHub's answer to the code conversion."""
    values: dict[str, str] = {}
    for key, field in _CONVERSION_FIELDS.items():
        value = conversion.get(field)
        if not isinstance(value, (str, int)) or isinstance(value, bool) or value == "":
            raise SetupError(f"GitHub's answer has no usable `{field}`; run `fundbot setup` again")
        values[key] = str(value)
    return values


def format_line(key: str, value: str) -> str:
    """`KEY=value`, quoted when needed; a PEM key keeps its newlines as `\\n` on one line."""
    if key == "PRIVATE_KEY":
        # settings.py turns a literal "\n" back into a newline; one line suits every reader.
        value = value.replace("\r\n", "\n").replace("\n", "\\n")
    if "\n" in value or "\r" in value:
        raise SetupError(f"{key} holds a line break and cannot be written to .env")
    if _BARE.fullmatch(value):
        return f"{key}={value}"
    if '"' not in value:
        return f'{key}="{value}"'
    if "'" not in value:
        return f"{key}='{value}'"
    raise SetupError(f"{key} holds both kinds of quote and cannot be written to .env")


def conflicts(path: Path, keys: Iterable[str]) -> list[str]:
    """The keys that `path` already sets to a non-empty value."""
    try:
        existing = parse_env(path.read_text())
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise SetupError(f"cannot read {path}: {exc}") from None
    return [k for k in keys if existing.get(k)]


def check_writable(path: Path, keys: Iterable[str], *, force: bool) -> None:
    """Fail before the App exists rather than after: old keys, or a directory we cannot write."""
    taken = conflicts(path, keys)
    if taken and not force:
        raise SetupError(
            f"{path} already sets {', '.join(taken)}; pass --force to replace them "
            "(the App they belong to stays registered on GitHub), or use --env-file"
        )
    directory = path.parent if str(path.parent) else Path(".")
    if not os.access(directory, os.W_OK):
        raise SetupError(f"cannot write to {directory}: choose another --env-file")


def write_env(path: Path, values: Mapping[str, str], *, force: bool = False) -> None:
    """Add `values` to `path` (mode 0600), keeping its other lines; old keys need `force`."""
    check_writable(path, values, force=force)
    try:
        old = path.read_text()
    except FileNotFoundError:
        old = ""
    kept = [block for key, block in _blocks(old) if key not in values]
    text = "".join(kept)
    if text and not text.endswith("\n"):
        text += "\n"
    text += "".join(format_line(k, v) + "\n" for k, v in values.items())
    _atomic_write(path, text)


def _atomic_write(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never half; the file is never world-readable."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)  # created 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _blocks(text: str) -> list[tuple[str | None, str]]:
    """Split into (key or None, raw lines), a quoted value spanning lines as one block."""
    blocks: list[tuple[str | None, str]] = []
    lines = iter(text.splitlines(keepends=True))
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            blocks.append((None, raw))
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        block = raw
        if value[:1] in ("'", '"'):
            # The same rule as dotenv.parse_env: read on until the closing quote.
            while not (len(value) > 1 and value.endswith(value[0])):
                nxt = next(lines, None)
                if nxt is None:
                    break
                block += nxt
                value += "\n" + nxt.rstrip("\r\n")
        blocks.append((key.strip(), block))
    return blocks
