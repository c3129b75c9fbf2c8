"""A repository's effective settings: defaults, the org's `.github` file, `_extends`, its own.

Files are read from default branches only, so a pull request can never change how the
bot behaves. An invalid file is reported and skipped; the other layers still apply.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from gidgethub import HTTPException

from fundbot.config import (
    SETTINGS_PATH,
    FundbotConfig,
    effective_config,
    extends_target,
    load_yaml_config,
)
from fundbot.config_schema import EXTENDS_OTHER_OWNER, EXTENDS_UNREADABLE, hide_values
from fundbot.errors import ConfigError, ConfigProblem

log = logging.getLogger(__name__)

ORG_REPOSITORY = ".github"
MAX_EXTENDS = 5
READABLE = "an existing settings file in a repository of the same owner that the App can read"

# (repository `owner/repo`, path) -> the file's text, or None when it does not exist.
FileReader = Callable[[str, str], Awaitable[str | None]]


async def load_layers(
    read: FileReader, repository: str, *, repo_text: str | None
) -> tuple[list[tuple[str, Mapping[str, Any]]], list[ConfigProblem]]:
    """The config layers for a repository, farthest first, and problems met reading them.

    Each layer is named as the repository's issue may name it: a file reached through
    another repository's `_extends` is named by that key, not by the value it holds."""
    owner = repository.partition("/")[0]
    problems: list[ConfigProblem] = []
    layers: list[tuple[str, Mapping[str, Any]]] = []
    org_repo = f"{owner}/{ORG_REPOSITORY}"
    if repository.lower() != org_repo.lower():
        org_text = await read(org_repo, SETTINGS_PATH)
        if org_text is not None:
            layers += await _with_extends(
                read, owner, repository, (org_repo, SETTINGS_PATH, org_text), problems
            )
    if repo_text is not None:
        layers += await _with_extends(
            read, owner, repository, (repository, SETTINGS_PATH, repo_text), problems
        )
    return layers, problems


async def _with_extends(
    read: FileReader,
    owner: str,
    home: str,
    first: tuple[str, str, str | None],
    problems: list[ConfigProblem],
) -> list[tuple[str, Mapping[str, Any]]]:
    """The file and, below it, the chain its `_extends` names (cycles and depth guarded;
    only repositories of `owner`). `home`: the repository whose issue shows the problems."""
    chain: list[tuple[str, Mapping[str, Any]]] = []
    seen: set[str] = set()
    current: tuple[str, str, str | None] | None = first
    shown = f"{first[0]}:{first[1]}"
    while current is not None and len(chain) <= MAX_EXTENDS:
        repo, file_path, content = current
        label = f"{repo}:{file_path}"
        if label.lower() in seen:
            problems.append(ConfigProblem(shown, "_extends", "a cycle", "a chain that ends"))
            break
        seen.add(label.lower())
        if content is None:
            problems.append(ConfigProblem(shown, "_extends", EXTENDS_UNREADABLE, READABLE))
            break
        try:
            raw = load_yaml_config(content, shown)
            target = extends_target(raw, shown)
        except ConfigError as exc:
            problems += exc.problems
            break
        chain.append((shown, {k: v for k, v in raw.items() if k != "_extends"}))
        if target is None:
            break
        target_owner, target_repo, target_path = target
        if target_owner is not None and target_owner.lower() != owner.lower():
            # Never fetched: the installation's token may read another owner's public
            # repositories, and their text has no business in this owner's issues.
            expected = f"a repository of {owner} (settings come only from the same owner)"
            problems.append(ConfigProblem(shown, "_extends", EXTENDS_OTHER_OWNER, expected))
            break
        next_repo = f"{owner}/{target_repo}"
        next_label = f"{next_repo}:{target_path}"
        # A value of this file names the next one: shown only when this file is home's.
        shown = next_label if _in(home, label) else f"the file named by _extends in {shown}"
        current = (next_repo, target_path, await _read_extended(read, next_repo, target_path))
    chain.reverse()
    return chain


async def _read_extended(read: FileReader, repository: str, path: str) -> str | None:
    """An extended file's text; None, whatever the reason it could not be had."""
    try:
        return await read(repository, path)
    except HTTPException as exc:  # 5xx after the client's retries, or any other refusal
        log.warning(
            "extended settings file unreadable",
            extra={"repository": repository, "path": path, "status": exc.status_code},
        )
        return None


def _in(repository: str, file_label: str) -> bool:
    """Whether a layer's label names a file of `repository` (`owner/repo:path`)."""
    return file_label.lower().startswith(repository.lower() + ":")


async def repository_config(
    read: FileReader, repository: str, *, repo_text: str | None
) -> tuple[FundbotConfig, list[ConfigProblem]]:
    """The repository's settings, and the problems its issue shows: in full for its own
    file, the file and the key only (never a value) for any other repository's."""
    layers, problems = await load_layers(read, repository, repo_text=repo_text)
    config, invalid = effective_config(layers)
    return config, [p if _in(repository, p.file) else hide_values(p) for p in problems + invalid]
