"""A repository's effective settings: defaults, the org's `.github` file, `_extends`, its own.

Files are read from default branches only, so a pull request can never change how the
bot behaves. An invalid file is reported and skipped; the other layers still apply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fundbot.config import (
    SETTINGS_PATH,
    FundbotConfig,
    effective_config,
    extends_target,
    load_yaml_config,
)
from fundbot.errors import ConfigError, ConfigProblem

ORG_REPOSITORY = ".github"
MAX_EXTENDS = 5

# (repository `owner/repo`, path) -> the file's text, or None when it does not exist.
FileReader = Callable[[str, str], Awaitable[str | None]]


async def load_layers(
    read: FileReader, repository: str, *, repo_text: str | None
) -> tuple[list[tuple[str, Mapping[str, Any]]], list[ConfigProblem]]:
    """The config layers for a repository, farthest first, and problems met reading them."""
    owner = repository.partition("/")[0]
    problems: list[ConfigProblem] = []
    layers: list[tuple[str, Mapping[str, Any]]] = []
    org_repo = f"{owner}/{ORG_REPOSITORY}"
    if repository.lower() != org_repo.lower():
        org_text = await read(org_repo, SETTINGS_PATH)
        if org_text is not None:
            layers += await _with_extends(read, owner, org_repo, SETTINGS_PATH, org_text, problems)
    if repo_text is not None:
        layers += await _with_extends(read, owner, repository, SETTINGS_PATH, repo_text, problems)
    return layers, problems


async def _with_extends(
    read: FileReader,
    owner: str,
    repository: str,
    path: str,
    text: str,
    problems: list[ConfigProblem],
) -> list[tuple[str, Mapping[str, Any]]]:
    """The file and, below it, the chain its `_extends` names (cycles and depth guarded)."""
    chain: list[tuple[str, Mapping[str, Any]]] = []
    seen: set[str] = set()
    current: tuple[str, str, str | None] | None = (repository, path, text)
    while current is not None and len(chain) <= MAX_EXTENDS:
        repo, file_path, content = current
        label = f"{repo}:{file_path}"
        if label.lower() in seen:
            problems.append(ConfigProblem(label, "_extends", "a cycle", "a chain that ends"))
            break
        seen.add(label.lower())
        if content is None:
            problems.append(
                ConfigProblem(label, "_extends", "no such file", "an existing settings file")
            )
            break
        try:
            raw = load_yaml_config(content, label)
            target = extends_target(raw, label)
        except ConfigError as exc:
            problems += exc.problems
            break
        chain.append((label, {k: v for k, v in raw.items() if k != "_extends"}))
        if target is None:
            break
        target_owner, target_repo, target_path = target
        next_repo = f"{target_owner or owner}/{target_repo}"
        current = (next_repo, target_path, await read(next_repo, target_path))
    chain.reverse()
    return chain


async def repository_config(
    read: FileReader, repository: str, *, repo_text: str | None
) -> tuple[FundbotConfig, list[ConfigProblem]]:
    layers, problems = await load_layers(read, repository, repo_text=repo_text)
    config, invalid = effective_config(layers)
    return config, problems + invalid
