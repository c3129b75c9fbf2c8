"""Scan one repository on GitHub: one tree request, then only the files that changed."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

from fundbot.config import SETTINGS_PATH, FundbotConfig
from fundbot.errors import ConfigProblem
from fundbot.github.client import GitHubClient
from fundbot.github.config_loader import FileReader, repository_config
from fundbot.github.reading import RepoInfo, Tree, TreeEntry, dependency_tree, read_blobs
from fundbot.model import ScanError
from fundbot.scan import is_ignored, scan_files
from fundbot.storage.store import StoredScan

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RepositoryScan:
    stored: StoredScan
    config: FundbotConfig
    config_problems: tuple[ConfigProblem, ...]
    reused: bool  # True when nothing changed since the last scan


def skip_reason(repo: RepoInfo, config: FundbotConfig) -> str | None:
    if repo.archived and not config.include_archived:
        return "archived"
    if repo.fork and not config.include_forks:
        return "fork"
    return None


async def scan_repository(
    gh: GitHubClient,
    repo: RepoInfo,
    *,
    read: FileReader,
    previous: StoredScan | None,
    org_config: FundbotConfig,
    max_bytes: int,
    listed: bool = False,
) -> RepositoryScan:
    """Scan a repository's default branch, reusing the last scan when its tree is unchanged.

    `listed`: `repo` comes fresh from the repository list, so an unchanged `pushed_at`
    proves that nothing was pushed since the last scan, and the tree need not be asked for.
    """
    info = asdict(repo)
    reason = skip_reason(repo, org_config)
    if reason is not None:
        stored = StoredScan.skipped_as(repo.full_name, info, reason, scanned_at=time.time())
        return RepositoryScan(stored, org_config, (), reused=False)
    if listed and previous is not None and _not_pushed_since(repo, previous):
        repo_text = info_config_text(previous)
        config, problems = await repository_config(read, repo.full_name, repo_text=repo_text)
        return RepositoryScan(previous, config, tuple(problems), reused=True)
    tree = await dependency_tree(gh, repo.full_name, repo.default_branch, ())
    unchanged = (
        previous is not None
        and previous.skipped is None
        and previous.tree_sha == tree.sha
        and previous.config_sha == tree.config_sha
    )
    repo_text = info_config_text(previous) if unchanged else None
    if tree.config_sha is not None and repo_text is None:
        repo_text = await read(repo.full_name, SETTINGS_PATH)
    config, problems = await repository_config(read, repo.full_name, repo_text=repo_text)
    if unchanged and previous is not None:
        info["config_text"] = repo_text
        if info == previous.info:
            return RepositoryScan(previous, config, tuple(problems), reused=True)
        # Same files, newer facts (pushed_at): remember them so the next rescan skips the tree.
        return RepositoryScan(replace(previous, info=info), config, tuple(problems), reused=False)
    files, errors = await _read_files(gh, repo, tree, config.ignore_paths, max_bytes)
    result = scan_files(files)
    info["config_text"] = repo_text
    stored = StoredScan(
        full_name=repo.full_name,
        info=info,
        tree_sha=tree.sha,
        config_sha=tree.config_sha,
        dependencies=result.dependencies,
        errors=tuple(
            sorted((*result.errors, *errors, *_truncation(tree)), key=lambda e: e.manifest)
        ),
        skipped=None,
        scanned_at=time.time(),
    )
    return RepositoryScan(stored, config, tuple(problems), reused=False)


def _not_pushed_since(repo: RepoInfo, previous: StoredScan) -> bool:
    if previous.skipped is not None or previous.tree_sha is None or repo.pushed_at is None:
        return False
    known = {k: v for k, v in previous.info.items() if k != "config_text"}
    return known == asdict(repo)


def info_config_text(scan: StoredScan | None) -> str | None:
    if scan is None:
        return None
    text = scan.info.get("config_text")
    return text if isinstance(text, str) else None


async def _read_files(
    gh: GitHubClient,
    repo: RepoInfo,
    tree: Tree,
    ignore_paths: Sequence[str],
    max_bytes: int,
) -> tuple[dict[str, str], list[ScanError]]:
    wanted: list[TreeEntry] = [e for e in tree.files if not is_ignored(e.path, ignore_paths)]
    return await read_blobs(gh, repo.full_name, wanted, max_bytes)


def _truncation(tree: Tree) -> list[ScanError]:
    if not tree.truncated:
        return []
    return [
        ScanError(
            "(repository tree)",
            "GitHub truncated the file list (over 100,000 entries); some files were not scanned",
        )
    ]
