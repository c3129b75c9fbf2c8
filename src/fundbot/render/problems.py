"""What went wrong, and how to fix it: unreadable files, invalid config, skipped repositories."""

from __future__ import annotations

import re
from collections.abc import Sequence

from fundbot.errors import ConfigProblem
from fundbot.model import ScanError
from fundbot.render.markdown import bullet_list, details, escape, escape_with_code, table
from fundbot.render.text import CONFIG_FIX, UNREADABLE_FIX
from fundbot.words import plural

ERROR_ROWS = 50
# Organisation-wide scans name a file `owner/repo: path`.
_REPOSITORY_PREFIX = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+: ")


def repository_errors(errors: Sequence[ScanError], repository: str) -> tuple[ScanError, ...]:
    """The errors of one repository, its `owner/repo: ` prefix removed; unprefixed ones kept."""
    prefix = f"{repository}: "
    return tuple(
        ScanError(e.manifest.removeprefix(prefix), e.error)
        for e in errors
        if e.manifest.startswith(prefix) or not _REPOSITORY_PREFIX.match(e.manifest)
    )


def unreadable_files(errors: Sequence[ScanError]) -> str:
    """A table of the files fundbot could not read, each with the reason, and the fix."""
    if not errors:
        return ""
    rows = [[escape(e.manifest), escape(e.error, limit=300)] for e in errors[:ERROR_ROWS]]
    more = len(errors) - ERROR_ROWS
    tail = f"\n\n…and {plural(more, 'more file')}." if more > 0 else ""
    title = f"**fundbot could not read {plural(len(errors), 'file')}.** {UNREADABLE_FIX}"
    return title + "\n\n" + table(["File", "Problem"], rows) + tail


def config_problems(problems: Sequence[ConfigProblem]) -> str:
    """Each configuration problem with its file, key, what was found and what is expected."""
    if not problems:
        return ""
    rows = [
        [escape(p.file), escape(p.key), escape(p.found), escape_with_code(p.expected, limit=300)]
        for p in problems[:ERROR_ROWS]
    ]
    more = len(problems) - ERROR_ROWS
    tail = f"\n\n…and {plural(more, 'more problem')}." if more > 0 else ""
    title = f"**The configuration has {plural(len(problems), 'problem')}.** {CONFIG_FIX}"
    return title + "\n\n" + table(["File", "Key", "Found", "Expected"], rows) + tail


def skipped_repositories(skipped: Sequence[tuple[str, str]]) -> str:
    """The repositories left out of the scan and why (archived, fork, issues disabled…)."""
    if not skipped:
        return ""
    items = [f"{escape(repo)} — {escape(reason)}" for repo, reason in skipped]
    summary = f"{plural(len(skipped), 'repository', 'repositories')} not scanned"
    hint = (
        "Forks and archived repositories are skipped unless `include_forks` or "
        "`include_archived` is set.\n\n"
    )
    return details(summary, hint + bullet_list(items))
