"""Issue 13, items 5 and 6: other repositories' data stays where it belongs.

`_extends` reads only the same owner's repositories, and an issue never quotes another
repository's file; a public plan repository names no private repository, and no package
only private repositories use.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from fundbot.render.data_block import parse_data_block
from tests.app.harness import acme, app_under_test, serve_registry_fixtures
from tests.fakes.github import FakeGitHub, Repo
from tests.fakes.server import FakeServer

SHOP, PLAN = "acme/shop", "acme/.github"
SHOP_FILE = "acme/shop:.github/fundbot.yml"
SECRET = "Sekrit-42"


def organisation(shop_config: str, *extra: Repo) -> FakeGitHub:
    github = FakeGitHub()
    repos = acme()
    repos[0].files[".github/fundbot.yml"] = shop_config
    github.add_installation(7, "acme", [*repos, *extra])
    return github


def problem_rows(github: FakeGitHub, repository: str) -> list[list[str]]:
    """The configuration problems of fundbot's issue in `repository`: file, key, found,
    expected, as people read them."""
    (issue,) = github.bot_issues(repository)
    rows = []
    for line in issue.body.splitlines():
        text = html.unescape(line).replace("\\", "")
        cells = [cell.strip() for cell in text.strip().strip("|").split("|")]
        if len(cells) == 4 and (":.github/" in cells[0] or ":fundbot/" in cells[0]):
            rows.append(cells)
    return rows


# -- 5. `_extends` within the owner, and no other repository's text in an issue ---------------
async def test_5_extends_to_another_owner_is_refused_unread(
    fake: FakeServer, tmp_path: Path
) -> None:
    """`_extends: evil/settings` is never fetched: the shop's issue names its own file and
    the key, says the repository is another owner's, and the shop's own settings apply."""
    github = organisation("_extends: evil/settings\nissue_title: Ours\n")
    github.add_installation(8, "evil", [Repo("evil/settings", files={".github/fundbot.yml": ""})])
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
    assert github.count(contains="/repos/evil/") == 0
    assert problem_rows(github, SHOP) == [
        [
            SHOP_FILE,
            "_extends",
            "a repository of another owner",
            "a repository of acme (settings come only from the same owner)",
        ]
    ]
    assert github.bot_issues(SHOP)[0].title == "Ours"


POLICIES = "acme/policies:fundbot/base.yml"


@pytest.mark.parametrize(
    ("text", "key", "found"),
    [
        (f"developers: {SECRET}\n", "developers", "a value not shown here"),
        (f"labels: [ok, {SECRET}, {SECRET}]\n", "labels.2", "a value not shown here"),
        (f"{SECRET}: 1\n", "(a key not shown)", "an unknown key"),
        (f"developers: [{SECRET}\n", "(top level)", "invalid YAML (not quoted here"),
        (f"developers: 1\ndevelopers: {SECRET}\n", "developers", "a value not shown here"),
        (f"_extends: {SECRET}\n", "_extends", "no settings file fundbot can read there"),
    ],
    ids=["value", "list-item", "unknown-key", "yaml", "duplicate", "extends-chain"],
)
async def test_5_a_problem_in_an_extended_file_names_file_and_key_never_a_value(
    fake: FakeServer, tmp_path: Path, text: str, key: str, found: str
) -> None:
    """The shop extends a file of acme/policies: a problem there is shown in the shop's
    issue with the file and the key, and nothing of the file's text (its values, unknown
    keys, YAML's quote of it, the repository its own `_extends` names)."""
    policies = Repo("acme/policies", files={"fundbot/base.yml": text})
    github = organisation("_extends: policies:fundbot/base.yml\n", policies)
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
    (issue,) = github.bot_issues(SHOP)
    assert SECRET.lower() not in issue.body.lower()
    (row,) = problem_rows(github, SHOP)
    named = POLICIES if key != "_extends" else f"the file named by _extends in {POLICIES}"
    assert row[0] == named
    assert row[1] == key
    assert row[2].startswith(found)


async def test_5_the_extending_repository_sees_its_own_values(
    fake: FakeServer, tmp_path: Path
) -> None:
    """The shop's own file is the shop's: its issue quotes what was found there."""
    github = organisation(f"developers: {SECRET}\n")
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
    (row,) = problem_rows(github, SHOP)
    assert row[:3] == [SHOP_FILE, "developers", f'"{SECRET}" (a string)']


@pytest.mark.parametrize("status", [None, 403, 404, 500])
async def test_5_cannot_read_and_does_not_exist_look_the_same(
    fake: FakeServer, tmp_path: Path, status: int | None
) -> None:
    """The extended file missing from the repository (None), or GitHub answering 403, 404
    or 500 for it: the shop's issue says the very same thing each time."""
    files = {} if status is None else {"fundbot/base.yml": f"developers: {SECRET}\n"}
    github = organisation(
        "_extends: policies:fundbot/base.yml\n", Repo("acme/policies", files=files)
    )
    if status is not None:
        github.fail("GET", r"^/repos/acme/policies/contents/fundbot/base\.yml", status, times=50)
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
    assert problem_rows(github, SHOP) == [
        [
            POLICIES,
            "_extends",
            "no settings file fundbot can read there",
            "an existing settings file in a repository of the same owner that the App can read",
        ]
    ]


# -- 6. a public plan repository does not reveal private ones -----------------------------------
VAULT = "acme/vault"


def with_private_repository(org_config: str) -> FakeGitHub:
    """acme with a public `.github` and shop, and a private repository using django (which
    nothing public uses) and flask (which the shop uses too)."""
    github = FakeGitHub()
    repos = acme()
    repos[1].files = {".github/fundbot.yml": org_config}
    vault = Repo(
        VAULT,
        files={"requirements.txt": "django==5.0\nflask==3.0.0\n", "broken/package.json": "{"},
        private=True,
    )
    github.add_installation(7, "acme", [*repos, vault])
    return github


async def plan_issue(
    fake: FakeServer, data_dir: Path, github: FakeGitHub, org_config: str
) -> tuple[str, str]:
    """The plan issue's body, and the vault's own issue body, under this org config."""
    github.repo(PLAN).files[".github/fundbot.yml"] = org_config
    async with app_under_test(fake, data_dir, github) as app:
        await app.install()
    (plan,) = github.bot_issues(PLAN)
    (vault,) = github.bot_issues(VAULT)
    return plan.body, vault.body


def amounts(body: str) -> list[tuple[str, int]]:
    found = parse_data_block(body)
    assert found is not None
    return [(line["recipient"], line["amount_usd_per_year"]) for line in found["lines"]]


async def test_6_a_public_plan_issue_names_no_private_repository_or_its_packages(
    fake: FakeServer, tmp_path: Path
) -> None:
    """The plan issue in the public `.github` says "private repositories (1)" where the
    vault and django would be (tables, reasons, files, data block), with every amount as
    the opt-in (`show_private_repositories: true`) plan gives it."""
    serve_registry_fixtures(fake)
    github = with_private_repository("developers: 5\n")
    shown, _ = await plan_issue(
        fake, tmp_path / "shown", github, "developers: 5\nshow_private_repositories: true\n"
    )
    hidden, vault_issue = await plan_issue(fake, tmp_path / "hidden", github, "developers: 5\n")
    # The recipient (django's fundraising page) stays, as every recipient line does.
    for secret in (VAULT, "pypi:django", "broken/package.json"):
        assert secret in shown
        assert secret not in hidden
    assert "private repositories (1)" in hidden
    assert "pypi:flask" in hidden  # the shop uses it too: not only private repositories'
    assert amounts(hidden) == amounts(shown)
    assert amounts(hidden)  # a plan with recipients, django's among them
    assert "pypi:django" in vault_issue  # the vault's own (private) issue shows it all


async def test_6_a_private_plan_repository_names_everything(
    fake: FakeServer, tmp_path: Path
) -> None:
    github = with_private_repository("developers: 5\n")
    github.repo(PLAN).private = True
    serve_registry_fixtures(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await app.install()
    (plan,) = github.bot_issues(PLAN)
    assert VAULT in plan.body
    assert "pypi:django" in plan.body
    assert "private repositories (" not in plan.body
