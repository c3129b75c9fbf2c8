"""What a local checkout's git history says: its GitHub name and its recent human authors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from fundbot.links.urls import github_repository

BOT_MARKERS = ("[bot]", "dependabot", "renovate", "github-actions", "noreply@github.com")


def _git(path: Path, *args: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        # A fixed argv without a shell: `path` and `args` are arguments, never a command line.
        done = subprocess.run(  # noqa: S603
            [git, "-C", str(path), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def repository_name(path: Path) -> str | None:
    """`owner/repo` from the `origin` remote when it points at GitHub."""
    url = _git(path, "remote", "get-url", "origin")
    if not url:
        return None
    found = github_repository(url.strip())
    return f"{found[0]}/{found[1]}" if found else None


def estimate_developers(path: Path, days: int = 90) -> tuple[int, str] | None:
    """Distinct human commit authors (by e-mail) in the last `days` days, or None."""
    out = _git(path, "log", f"--since={days}.days", "--format=%ae%x09%an")
    if out is None:
        return None
    authors = set()
    for line in out.splitlines():
        email, _, name = line.partition("\t")
        lowered = f"{email} {name}".lower()
        if email and not any(marker in lowered for marker in BOT_MARKERS):
            authors.add(email.lower())
    if not authors:
        return None
    return len(authors), f"distinct human commit authors in the last {days} days of git history"
