"""Pull requests on GitHub: the files they change, and those files at a commit (reading only).

Everything is read from the base repository, also for a pull request from a fork: GitHub
keeps every pull request's commits there (`refs/pull/N/head`), so the installation token of
the base repository reads them and nothing is ever asked of the fork.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from gidgethub import BadRequest

from fundbot.errors import FundbotError
from fundbot.github.client import GitHubClient
from fundbot.github.reading import decode_blob
from fundbot.scan import is_ignored, partner_manifest, scanner_for, too_big

log = logging.getLogger(__name__)

# GitHub lists at most 3,000 files of a pull request, 100 a page.
FILES_PER_PAGE = "100"
# Set when a file is too big for the contents API (over 1 MB): its blob has the text.
TOO_BIG_ENCODING = "none"


@dataclass(frozen=True, slots=True)
class PullFile:
    """One file a pull request changes; `previous` is the old name of a renamed file."""

    path: str
    status: str  # added, removed, modified, renamed, copied, changed, unchanged
    previous: str | None = None

    @property
    def base_path(self) -> str | None:
        """Where the file was at the base commit; None when it did not exist there."""
        if self.status in ("added", "copied"):
            return None
        return self.previous if self.status == "renamed" and self.previous else self.path

    @property
    def head_path(self) -> str | None:
        """Where the file is at the head commit; None when the pull request removes it."""
        return None if self.status == "removed" else self.path


@dataclass(frozen=True, slots=True)
class PullHead:
    """What a job needs of a pull request it was not told: its commits and state."""

    head_sha: str
    base_sha: str
    open: bool


async def get_pull(gh: GitHubClient, repository: str, number: int) -> PullHead:
    data = await gh.getitem("/repos/{+repo}/pulls/{number}", {"repo": repository, "number": number})
    return PullHead(
        head_sha=str(data["head"]["sha"]),
        base_sha=str(data["base"]["sha"]),
        open=data.get("state") == "open",
    )


async def list_pull_files(gh: GitHubClient, repository: str, number: int) -> list[PullFile]:
    """Every file the pull request changes (paginated through `Link`)."""
    files: list[PullFile] = []
    async for item in gh.getiter(
        "/repos/{+repo}/pulls/{number}/files{?per_page}",
        {"repo": repository, "number": number, "per_page": FILES_PER_PAGE},
    ):
        if not isinstance(item, dict) or not isinstance(item.get("filename"), str):
            continue
        previous = item.get("previous_filename")
        files.append(
            PullFile(
                str(item["filename"]),
                str(item.get("status") or "modified"),
                previous if isinstance(previous, str) else None,
            )
        )
    return files


class Unreadable(FundbotError):
    """A file exists at the commit but cannot be read (too big, undecodable)."""


async def read_at(
    gh: GitHubClient, repository: str, path: str, ref: str, max_bytes: int
) -> str | None:
    """A file's text at a commit, None when it does not exist there; raises Unreadable."""
    try:
        data = await gh.getitem(
            "/repos/{+repo}/contents/{+path}{?ref}", {"repo": repository, "path": path, "ref": ref}
        )
    except BadRequest as exc:
        if exc.status_code == 404:
            return None
        if exc.status_code == 403:  # over 100 MB, or a path the token may not read
            raise Unreadable(f"refused by GitHub ({exc.status_code})") from exc
        raise
    if not isinstance(data, dict) or data.get("type", "file") != "file":
        return None  # a directory or a submodule where a dependency file used to be
    size = data.get("size")
    if isinstance(size, int) and size > max_bytes:
        raise Unreadable(too_big(size, max_bytes))
    if data.get("encoding") == TOO_BIG_ENCODING and isinstance(data.get("sha"), str):
        # Files over 1 MB come without content; the git blob API serves up to 100 MB.
        try:
            data = await gh.getitem(
                "/repos/{+repo}/git/blobs/{sha}", {"repo": repository, "sha": data["sha"]}
            )
        except BadRequest as exc:
            if exc.status_code not in (403, 404):
                raise
            raise Unreadable(f"its blob could not be read ({exc.status_code})") from exc
    text = decode_blob(data)
    if text is None:
        raise Unreadable("could not be decoded")
    return text


async def read_sides(
    gh: GitHubClient,
    repository: str,
    files: Sequence[PullFile],
    shas: tuple[str, str],
    *,
    ignore_paths: Sequence[str],
    max_bytes: int,
) -> tuple[dict[str, str], dict[str, str]]:
    """The changed dependency files at the base and head shas, and the manifest beside a
    changed lockfile (its directness and scopes come from there).

    A manifest the pull request does not change is the same on both sides: read once.
    A file unreadable on either side is left out of both, or all of it would look added.
    """
    wanted = [
        (side, path)
        for f in files
        for side, path in ((0, f.base_path), (1, f.head_path))
        if path is not None and scanner_for(path) is not None and not is_ignored(path, ignore_paths)
    ]
    changed = {p for f in files for p in (f.path, f.previous) if p}
    partners = {m for _, p in wanted if (m := partner_manifest(p)) and m not in changed}
    fetches = [*wanted, *((1, m) for m in sorted(partners))]

    async def fetch(side: int, path: str) -> str | Unreadable | None:
        try:
            return await read_at(gh, repository, path, shas[side], max_bytes)
        except Unreadable as exc:
            return exc

    texts = await asyncio.gather(*(fetch(side, path) for side, path in fetches))
    sides: tuple[dict[str, str], dict[str, str]] = ({}, {})
    bad: set[str] = set()
    for (side, path), text in zip(fetches, texts, strict=True):
        if isinstance(text, Unreadable):
            log.info("unreadable in pull request", extra={"path": path, "why": str(text)})
            bad.add(path)
        elif text is not None:
            sides[side][path] = text
            if path in partners:
                sides[0][path] = text
    base, head = ({p: t for p, t in side.items() if p not in bad} for side in sides)
    return base, head


# -- our comment ---------------------------------------------------------------------------
