"""`_extends` and the layers' problems (issue 13, item 5): the same owner only, and another
repository's file is named with its key but never quoted."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from gidgethub import BadRequest, GitHubBroken

from fundbot.config_schema import NOT_SHOWN, NOT_SHOWN_KEY, hide_values
from fundbot.errors import ConfigProblem
from fundbot.github.config_loader import FileReader, repository_config

SECRET = "Sekrit-42"


def reader(files: dict[tuple[str, str], str], asked: list[str] | None = None) -> FileReader:
    async def read(repository: str, path: str) -> str | None:
        if asked is not None:
            asked.append(f"{repository}:{path}")
        return files.get((repository, path))

    return read


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        (
            ConfigProblem("f", "developers", f'"{SECRET}" (a string)', "a whole number ≥ 1"),
            ConfigProblem("f", "developers", NOT_SHOWN, "a whole number ≥ 1"),
        ),
        (
            ConfigProblem("f", "scope_weights.runtime", "-1 (a whole number)", "a number ≥ 0"),
            ConfigProblem("f", "scope_weights.runtime", NOT_SHOWN, "a number ≥ 0"),
        ),
        (
            ConfigProblem("f", "pledge.report_url", "x", "an http(s) URL, or null"),
            ConfigProblem("f", "pledge.report_url", NOT_SHOWN, "an http(s) URL, or null"),
        ),
        (
            ConfigProblem("f", f"scope_weights.{SECRET}", "an unknown key", "a known key; …"),
            ConfigProblem("f", NOT_SHOWN_KEY, "an unknown key", "a known key"),
        ),
        (
            ConfigProblem("f", "(top level)", f"invalid YAML at line 1: {SECRET}", "valid YAML"),
            ConfigProblem(
                "f",
                "(top level)",
                "invalid YAML (not quoted here: the file is in another repository)",
                "valid YAML",
            ),
        ),
        (
            ConfigProblem("f", "_extends", "a cycle", "a chain that ends"),
            ConfigProblem("f", "_extends", "a cycle", "a chain that ends"),
        ),
    ],
    ids=["value", "scope", "pledge", "unknown-key", "yaml", "own-words"],
)
def test_hide_values(problem: ConfigProblem, expected: ConfigProblem) -> None:
    assert hide_values(problem) == expected


async def test_org_file_problems_are_quoted_only_in_the_org_repository() -> None:
    """The org's file is `.github`'s own: quoted in its issue, named only in the shop's."""
    files = {("acme/.github", ".github/fundbot.yml"): f"developers: {SECRET}\n"}
    _, at_home = await repository_config(
        reader(files), "acme/.github", repo_text=files["acme/.github", ".github/fundbot.yml"]
    )
    _, elsewhere = await repository_config(reader(files), "acme/shop", repo_text=None)
    assert [p.found for p in at_home] == [f'"{SECRET}" (a string)']
    assert [(p.file, p.key, p.found) for p in elsewhere] == [
        ("acme/.github:.github/fundbot.yml", "developers", NOT_SHOWN)
    ]


async def test_extends_to_another_owner_is_never_read() -> None:
    asked: list[str] = []
    config, problems = await repository_config(
        reader({}, asked), "acme/shop", repo_text="_extends: Evil/x\ndevelopers: 3\n"
    )
    assert asked == ["acme/.github:.github/fundbot.yml"]
    assert config.developers == 3
    assert [(p.file, p.key, p.found) for p in problems] == [
        ("acme/shop:.github/fundbot.yml", "_extends", "a repository of another owner")
    ]


async def test_extends_to_the_same_owner_in_another_case_is_read() -> None:
    files = {("acme/base", ".github/fundbot.yml"): "developers: 9\n"}
    config, problems = await repository_config(
        reader(files), "acme/shop", repo_text="_extends: ACME/base\n"
    )
    assert (config.developers, problems) == (9, [])


@pytest.mark.parametrize(
    "failure",
    [
        None,
        BadRequest(HTTPStatus(403)),
        BadRequest(HTTPStatus(404)),
        GitHubBroken(HTTPStatus(500)),
        GitHubBroken(HTTPStatus(502)),
    ],
)
async def test_an_unreadable_extended_file_is_one_answer(failure: Exception | None) -> None:
    async def read(repository: str, path: str) -> str | None:
        if repository == "acme/base" and failure is not None:
            raise failure
        return None

    _, problems = await repository_config(read, "acme/shop", repo_text="_extends: base\n")
    assert [str(p) for p in problems] == [
        "acme/base:.github/fundbot.yml: `_extends`: found no settings file fundbot can read "
        "there; expected an existing settings file in a repository of the same owner that "
        "the App can read"
    ]


async def test_a_file_named_by_another_repositorys_extends_is_named_by_the_key() -> None:
    """acme/base extends a repository whose name is base's text: the shop's issue names
    that file as "the file named by _extends in acme/base:…", never by the value."""
    files = {("acme/base", ".github/fundbot.yml"): f"_extends: {SECRET}\n"}
    _, problems = await repository_config(reader(files), "acme/shop", repo_text="_extends: base")
    assert SECRET not in str(problems)
    assert [p.file for p in problems] == [
        "the file named by _extends in acme/base:.github/fundbot.yml"
    ]
