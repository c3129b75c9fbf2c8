"""Reading what an installation holds: repositories, dependency files, config, commits."""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gidgethub import BadRequest, HTTPException

from fundbot.config import SETTINGS_PATH
from fundbot.errors import FundbotError
from fundbot.github.client import GitHubClient
from fundbot.model import ScanError
from fundbot.scan import is_ignored, scanner_for, too_big

BLOB_CONCURRENCY = 8


@dataclass(frozen=True, slots=True)
class RepoInfo:
    """What fundbot needs to know of a repository before scanning it."""

    full_name: str
    default_branch: str
    archived: bool = False
    fork: bool = False
    has_issues: bool = True
    private: bool = False
    pushed_at: str | None = None  # moves on every push to any branch

    @property
    def owner(self) -> str:
        return self.full_name.partition("/")[0]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> RepoInfo:
        return cls(
            full_name=str(data["full_name"]),
            default_branch=str(data.get("default_branch") or "main"),
            archived=bool(data.get("archived")),
            fork=bool(data.get("fork")),
            has_issues=bool(data.get("has_issues", True)),
            private=bool(data.get("private")),
            pushed_at=str(data["pushed_at"]) if data.get("pushed_at") else None,
        )


@dataclass(frozen=True, slots=True)
class TreeEntry:
    path: str
    sha: str
    size: int


@dataclass(frozen=True, slots=True)
class Tree:
    """The dependency files of a branch, as paths and blob shas (no content yet)."""

    sha: str
    files: tuple[TreeEntry, ...]
    config_sha: str | None
    truncated: bool


async def list_repositories(gh: GitHubClient) -> list[RepoInfo]:
    """Every repository the installation can see (paginated through `Link`)."""
    # 100 a page (GitHub's most): an organisation of 100 repositories is one request, a 304
    # when nothing was pushed anywhere.
    repos = [
        RepoInfo.from_api(item)
        async for item in gh.getiter(
            "/installation/repositories{?per_page}",
            {"per_page": "100"},
            iterable_key="repositories",
        )
    ]
    return sorted(repos, key=lambda r: r.full_name.lower())


async def get_repository(gh: GitHubClient, full_name: str) -> RepoInfo:
    data = await gh.getitem(f"/repos/{full_name}")
    return RepoInfo.from_api(data)


async def dependency_tree(
    gh: GitHubClient, full_name: str, ref: str, ignore_paths: Sequence[str]
) -> Tree:
    """One recursive tree request; ETag-cached, so an unchanged branch costs a 304."""
    data = await gh.getitem(
        "/repos/{+repo}/git/trees/{ref}{?recursive}",
        {"repo": full_name, "ref": ref, "recursive": "1"},
    )
    files: list[TreeEntry] = []
    config_sha = None
    for item in data.get("tree", []):
        if item.get("type") != "blob":
            continue
        path = str(item["path"])
        if path == SETTINGS_PATH:
            config_sha = str(item["sha"])
        # A symlink (mode 120000) would point outside what the scanner may read.
        if item.get("mode") == "120000":
            continue
        if scanner_for(path) is not None and not is_ignored(path, ignore_paths):
            files.append(TreeEntry(path, str(item["sha"]), int(item.get("size") or 0)))
    return Tree(str(data.get("sha", "")), tuple(files), config_sha, bool(data.get("truncated")))


async def read_blobs(
    gh: GitHubClient, full_name: str, entries: Sequence[TreeEntry], max_bytes: int
) -> tuple[dict[str, str], list[ScanError]]:
    """Fetch the dependency files' contents; a file too big or unreadable becomes an error."""
    texts: dict[str, str] = {}
    errors: list[ScanError] = []
    limit = asyncio.Semaphore(BLOB_CONCURRENCY)

    async def fetch(entry: TreeEntry) -> None:
        if entry.size > max_bytes:
            errors.append(ScanError(entry.path, too_big(entry.size, max_bytes)))
            return
        async with limit:
            try:
                blob = await gh.getitem(
                    "/repos/{+repo}/git/blobs/{sha}", {"repo": full_name, "sha": entry.sha}
                )
            except HTTPException as exc:
                if transient(exc):
                    raise  # the job retries; a stored scan must not remember a passing outage
                if exc.status_code == 404:
                    # Blobs never vanish: the tree just listed this one, so the branch moved
                    # under the scan (a push racing it). The job retries against the new
                    # tree; stored with this tree's sha, the error would be trusted by any
                    # later scan that meets the same tree again.
                    raise TreeMoved(full_name, entry.path) from exc
                errors.append(ScanError(entry.path, f"could not be read from GitHub ({exc})"))
                return
        text = decode_blob(blob)
        if text is None:
            errors.append(ScanError(entry.path, "could not be decoded"))
        else:
            texts[entry.path] = text

    await asyncio.gather(*(fetch(e) for e in entries))
    return texts, sorted(errors, key=lambda e: e.manifest)


class TreeMoved(FundbotError):
    """A file the tree listed could not be found: the job retries with a fresh tree."""

    def __init__(self, full_name: str, path: str) -> None:
        super().__init__(f"{full_name}: {path} changed while it was being read; scanning again")


def transient(exc: HTTPException) -> bool:
    """A failure that the next attempt may not meet: 5xx, 429, a rate-limit 403."""
    if exc.status_code >= 500 or exc.status_code == 429:
        return True
    return exc.status_code == 403 and "rate limit" in str(exc).lower()


def decode_blob(blob: Any) -> str | None:
    if not isinstance(blob, dict) or not isinstance(blob.get("content"), str):
        return None
    try:
        raw = base64.b64decode(blob["content"]) if blob.get("encoding") == "base64" else None
    except (binascii.Error, ValueError):
        return None
    if raw is None:
        raw = blob["content"].encode()
    return raw.decode("utf-8-sig", errors="replace")


async def read_file(
    gh: GitHubClient, full_name: str, path: str, ref: str | None = None
) -> str | None:
    """A file's text through the contents API, or None when it does not exist."""
    url = "/repos/{+repo}/contents/{+path}{?ref}"
    variables = {"repo": full_name, "path": path}
    if ref:
        variables["ref"] = ref
    try:
        data = await gh.getitem(url, variables)
    except BadRequest as exc:
        if exc.status_code == 404:
            return None
        raise
    return decode_blob(data)


async def commit_authors(gh: GitHubClient, full_name: str, days: int = 90) -> set[str]:
    """Distinct human authors of the default branch's commits in the last `days` days."""
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=days)
    authors: set[str] = set()
    try:
        async for commit in gh.getiter(
            "/repos/{+repo}/commits{?since,per_page}",
            {"repo": full_name, "since": since.strftime("%Y-%m-%dT%H:%M:%SZ"), "per_page": "100"},
        ):
            identity = _author_identity(commit)
            if identity:
                authors.add(identity)
    except BadRequest as exc:
        if exc.status_code in (404, 409):  # 409: an empty repository
            return set()
        raise
    return authors


def _author_identity(commit: Any) -> str | None:
    if not isinstance(commit, dict):
        return None
    author = commit.get("author")
    if isinstance(author, dict) and author.get("login"):
        login = str(author["login"])
        if author.get("type") == "Bot" or login.endswith("[bot]"):
            return None
        return f"login:{login.lower()}"
    detail = (commit.get("commit") or {}).get("author") or {}
    email = str(detail.get("email") or "").lower()
    name = str(detail.get("name") or "")
    if not email or email.endswith("[bot]@users.noreply.github.com") or "[bot]" in name:
        return None
    return f"email:{email}"
