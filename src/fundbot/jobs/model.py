"""Jobs as plain values: what to do, for which installation and repository, never a token."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

JobKind = Literal[
    "scan_installation",  # scan every repository of an installation, then the org plan
    "scan_repository",  # rescan one repository, then the org plan
    "forget_installation",  # the App was uninstalled: drop everything we hold about it
    "forget_repositories",  # repositories removed from the installation
    "publish_plan",  # re-render the organisation plan issue (one writer: its repository)
    "pull_request",  # comment on the fundable dependencies a PR adds
    "issue_command",  # a checkbox edit or a `/fundbot` comment
    "reconcile",  # rescan installations whose last scan is older than the interval
]


@dataclass(frozen=True, slots=True)
class Job:
    """A unit of work. Jobs may run more than once: every handler is idempotent."""

    kind: JobKind
    installation_id: int
    repository: str | None = None  # `owner/repo`
    payload: Mapping[str, Any] = field(default_factory=dict)
    delivery_id: str | None = None

    @property
    def serial_key(self) -> str:
        """Jobs with the same key never run at the same time: one repository, one writer."""
        if self.kind in ("scan_installation", "forget_installation", "reconcile"):
            return f"{self.installation_id}:*"
        return f"{self.installation_id}:{self.repository or '*'}"

    @property
    def dedupe_key(self) -> str:
        """Two queued jobs with the same key are one job: twenty pushes, one rescan."""
        body = json.dumps(self.payload, sort_keys=True, separators=(",", ":"))
        return f"{self.kind}|{self.serial_key}|{body}"

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": self.kind,
                "installation_id": self.installation_id,
                "repository": self.repository,
                "payload": dict(self.payload),
                "delivery_id": self.delivery_id,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Job:
        data = json.loads(text)
        return cls(
            kind=data["kind"],
            installation_id=int(data["installation_id"]),
            repository=data.get("repository"),
            payload=data.get("payload") or {},
            delivery_id=data.get("delivery_id"),
        )


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """A job a worker holds, with its queue bookkeeping."""

    id: int
    job: Job
    attempts: int
