"""GitHub Actions: the actions and reusable workflows that workflows and composite actions use.

Every action is CI tooling: it builds, tests and releases the software but never ships inside
it, so every dependency found here has scope "build". Each `uses:` is written by the repository
itself, so all are direct.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

from fundbot.model import Dependency, SkipReason
from fundbot.scan._formats import expect_mapping, load_yaml

ECOSYSTEM = "github-actions"
FILE_PATTERNS: tuple[str, ...] = (
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    "action.yml",
    "action.yaml",
)
# No lockfile here takes its scopes from a manifest beside it.
LOCKFILE_MANIFESTS: Final[dict[str, str]] = {}
# No lockfile format here records which entries are direct.
LOCKFILES_KNOW_DIRECT: Final[frozenset[str]] = frozenset()
# Lockfiles whose entries carry their own scope per locked version: no walk re-scopes them.
LOCKFILES_KNOW_SCOPE: Final[frozenset[str]] = frozenset()

# GitHub owner and repository names: letters, digits, `-`, `_`, `.`.
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


def parse(path: str, text: str) -> list[Dependency] | None:
    """Every `uses:` of a workflow's jobs and steps, or of a composite action's steps."""
    data = load_yaml(path, text)
    if data is None:
        return []
    data = expect_mapping(path, data)
    # dict.fromkeys keeps the first of identical entries, in document order.
    return list(dict.fromkeys(_dependency(path, ref) for ref in _uses(data)))


def _uses(data: dict[Any, Any]) -> Iterator[str]:
    """The `uses:` strings in document order; entries of the wrong shape are passed over."""
    jobs = data.get("jobs")
    if isinstance(jobs, dict):
        for job in jobs.values():
            if not isinstance(job, dict):
                continue
            # A job-level `uses:` calls a reusable workflow.
            if isinstance(job.get("uses"), str):
                yield job["uses"]
            yield from _step_uses(job.get("steps"))
    runs = data.get("runs")
    if isinstance(runs, dict):
        yield from _step_uses(runs.get("steps"))
        # A Docker container action may run a published image rather than its Dockerfile.
        image = runs.get("image")
        if isinstance(image, str) and image.startswith("docker://"):
            yield image


def _step_uses(steps: Any) -> Iterator[str]:
    if not isinstance(steps, list):
        return
    for step in steps:
        if isinstance(step, dict) and isinstance(step.get("uses"), str):
            yield step["uses"]


def _dependency(path: str, ref: str) -> Dependency:
    ref = ref.strip()
    if ref.startswith(("./", "../")):
        return _dep(path, ref, None, "local")
    if ref.startswith("docker://"):
        name, version = _docker_image(ref.removeprefix("docker://"))
        return _dep(path, name or ref, version, "docker" if name else "invalid")
    if "${{" in ref:
        # An expression is only known when the workflow runs.
        return _dep(path, ref, None, "invalid")
    target, at, version = ref.partition("@")
    match = _REPO.match(target)
    if match is None or (len(target) > match.end() and target[match.end()] != "/"):
        return _dep(path, ref, None, "invalid")
    # GitHub names are case-insensitive; `owner/repo/sub/path` is an action of `owner/repo`.
    name = match.group(0).lower()
    if not at or not version:
        return _dep(path, name, None, "invalid")
    return _dep(path, name, version, None)


def _docker_image(image: str) -> tuple[str, str | None]:
    """`rhysd/actionlint:1.7.12@sha256:…` -> (`rhysd/actionlint`, `1.7.12`)."""
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    return name, tag or digest or None


def _dep(path: str, name: str, version: str | None, skip: SkipReason | None) -> Dependency:
    return Dependency(
        ecosystem=ECOSYSTEM,
        name=name,
        version=version,
        scope="build",
        direct=True,
        manifest=path,
        skip_reason=skip,
    )
