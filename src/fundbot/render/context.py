"""What an issue renderer needs to know besides the plan: where it is and what went wrong."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from fundbot.config import SETTINGS_PATH
from fundbot.errors import ConfigProblem
from fundbot.render.private import Privacy

Frequency = Literal["monthly", "one-time"]


@dataclass(frozen=True)
class IssueContext:
    """The organisation, the repository (None for the plan issue) and the state around it."""

    owner: str
    repository: str | None  # `owner/repo`
    plan_issue_url: str | None
    config_file: str = SETTINGS_PATH
    config_problems: Sequence[ConfigProblem] = ()
    # (repository, reason): archived, fork, issues disabled, …
    skipped_repositories: Sequence[tuple[str, str]] = ()
    # What people set through the issue: `excluded` and `funded_elsewhere` (recipient ids),
    # `rescan` (bool).
    state: Mapping[str, Any] = field(default_factory=dict)
    frequency: Frequency = "monthly"
    # False for text read outside GitHub (`fundbot scan --format markdown`): no tick boxes
    # that nobody will act on.
    interactive: bool = True
    # Set for a plan issue in a public repository: what it may not name (None: everything).
    privacy: Privacy | None = None


def state_ids(state: Mapping[str, Any], key: str) -> frozenset[str]:
    """The recipient ids listed under `key` in a state mapping, ignoring anything malformed."""
    value = state.get(key)
    if not isinstance(value, list | tuple | set | frozenset):
        return frozenset()
    return frozenset(item for item in value if isinstance(item, str))
