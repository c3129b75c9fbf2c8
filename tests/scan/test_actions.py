"""GitHub Actions scanner: names, versions, skip reasons and the shapes of workflows."""

from __future__ import annotations

import pytest

from fundbot.errors import ManifestError
from fundbot.model import Dependency
from fundbot.scan import actions, scanner_for

WORKFLOW = ".github/workflows/ci.yml"


def _step(uses: str) -> str:
    return f"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: '{uses}'\n"


@pytest.mark.parametrize(
    ("uses", "name", "version", "skip"),
    [
        ("actions/checkout@v4", "actions/checkout", "v4", None),
        ("Actions/CheckOut@v4", "actions/checkout", "v4", None),
        ("actions/cache/restore@v4", "actions/cache", "v4", None),
        (
            "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
            "actions/checkout",
            "3d3c42e5aac5ba805825da76410c181273ba90b1",
            None,
        ),
        ("owner/repo/.github/workflows/x.yml@main", "owner/repo", "main", None),
        ("./.github/actions/setup", "./.github/actions/setup", None, "local"),
        ("docker://alpine:3.20", "alpine", "3.20", "docker"),
        ("docker://ghcr.io/o/img:1.0@sha256:ab", "ghcr.io/o/img", "1.0", "docker"),
        ("docker://localhost:5000/img", "localhost:5000/img", None, "docker"),
        ("docker://", "docker://", None, "invalid"),
        ("${{ matrix.action }}", "${{ matrix.action }}", None, "invalid"),
        ("owner/${{ inputs.repo }}@v1", "owner/${{ inputs.repo }}@v1", None, "invalid"),
        ("actions/checkout", "actions/checkout", None, "invalid"),
        ("actions/checkout@", "actions/checkout", None, "invalid"),
        ("checkout@v4", "checkout@v4", None, "invalid"),
        ("a/b c@v1", "a/b c@v1", None, "invalid"),
    ],
)
def test_uses_forms(uses: str, name: str, version: str | None, skip: str | None) -> None:
    """Each form of `uses:` gives the expected name, ref and skip reason, scope build, direct."""
    expected = Dependency("github-actions", name, version, "build", True, WORKFLOW, skip)  # type: ignore[arg-type]
    assert actions.parse(WORKFLOW, _step(uses)) == [expected]


def test_job_level_and_step_uses_in_order_deduplicated() -> None:
    """Job-level reusable workflows and step actions come in document order, once each."""
    text = (
        "on: push\njobs:\n  call:\n    uses: o/r/.github/workflows/w.yml@v1\n"
        "  b:\n    steps:\n      - uses: a/b@v1\n      - run: x\n      - uses: a/b@v1\n"
    )
    assert [(d.name, d.version) for d in actions.parse(WORKFLOW, text) or []] == [
        ("o/r", "v1"),
        ("a/b", "v1"),
    ]


def test_composite_action_steps_and_docker_image() -> None:
    """A composite action's steps and a Docker action's published image are found."""
    composite = "runs:\n  using: composite\n  steps:\n    - uses: a/b@v2\n"
    docker = "runs:\n  using: docker\n  image: docker://node:20\n"
    dockerfile = "runs:\n  using: docker\n  image: Dockerfile\n"
    assert [d.name for d in actions.parse("action.yml", composite) or []] == ["a/b"]
    assert [(d.name, d.skip_reason) for d in actions.parse("action.yaml", docker) or []] == [
        ("node", "docker")
    ]
    assert actions.parse("action.yml", dockerfile) == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "name: no jobs\non: push\n",
        "jobs: [1, 2]\n",
        "jobs:\n  a: 3\n  b:\n    steps: {uses: a/b@v1}\n",
        "jobs:\n  a:\n    steps: [1, [a], {uses: [x]}]\n",
        "runs: a string\n",
    ],
)
def test_odd_shapes_give_nothing(text: str) -> None:
    """Missing or wrongly shaped jobs and steps give no dependency and no crash."""
    assert actions.parse(WORKFLOW, text) == []


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "[{uses: a/b@v1}]\n"])
def test_non_mapping_document_is_an_error(text: str) -> None:
    """A workflow that is not a mapping is a ManifestError naming the file."""
    with pytest.raises(ManifestError) as info:
        actions.parse(WORKFLOW, text)
    assert info.value.path == WORKFLOW


@pytest.mark.parametrize(
    ("path", "claimed"),
    [
        (".github/workflows/ci.yml", True),
        ("repo/.github/workflows/release.yaml", True),
        ("action.yml", True),
        ("sub/dir/action.yaml", True),
        (".github/workflows/nested/ci.yml", False),
        (".github/fundbot.yml", False),
        ("workflows/ci.yml", False),
    ],
)
def test_file_patterns(path: str, claimed: bool) -> None:
    """Workflows directly in .github/workflows and action.yml files are claimed, nothing else."""
    assert (scanner_for(path) is actions) is claimed
