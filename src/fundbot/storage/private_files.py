"""The data directory and its databases are readable by the App's user only, whatever the
umask: they hold which repositories an organisation has, private ones included."""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
# SQLite's companions of a database file (it copies the database's mode onto them, but an
# older file created under a loose umask keeps its mode until we set it).
_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create `path` (and parents) 0700 if missing. An existing directory keeps its mode:
    an operator may point FUNDBOT_DATA_DIR at a directory they share on purpose."""
    if path.is_dir():
        return
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    os.chmod(path, DIR_MODE)  # mkdir's mode is filtered by the umask


def private_file(path: Path) -> None:
    """Create `path` empty if missing, with mode 0600 from the first byte on."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    for suffix in _COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.chmod(companion, FILE_MODE)


def prepare_database(path: Path) -> Path:
    """Before `sqlite3.connect`: the file exists 0600 in a directory created 0700."""
    private_dir(path.parent)
    private_file(path)
    return path
