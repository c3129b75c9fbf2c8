"""The App sets the plan against what was paid: ledger files in a private payments
repository, and GitHub Sponsors payments rebuilt when it may read the sponsorships."""

from __future__ import annotations

import datetime
from pathlib import Path

from tests.app.harness import acme, app_under_test, push_payload, serve_acme_registries
from tests.app.test_commands import bot_issue, deliver, installed
from tests.fakes.github import FakeGitHub, Repo
from tests.fakes.server import FakeServer

PLAN_REPO = "acme/.github"
YEAR = datetime.date.today().year
LEDGER = (
    "date,recipient,amount,currency,platform,reference,note\n"
    f"{YEAR}-01-15,https://palletsprojects.com/donate,300,USD,custom,INV-1,by hand\n"
    f"{YEAR}-02-01,https://www.python.org/psf/donations/,1000,USD,custom,PSF-1,outside the plan\n"
    f"{YEAR}-02-30,github:sindresorhus,5,USD,github,INV-BAD,no such day\n"
    f"{YEAR - 1}-12-01,github:sindresorhus,999,USD,github,INV-OLD,last year\n"
)


def organisation(*, sponsorships: bool) -> FakeGitHub:
    """acme, its ledger in the private `acme/finance`, named by `payments_repository`."""
    github = FakeGitHub()
    repos = acme()
    for repo in repos:
        if repo.full_name == PLAN_REPO:
            repo.files[".github/fundbot.yml"] = (
                "developers: 5\npayments_repository: finance\n"
                f"pledge:\n  last_report_date: {YEAR - 1}-10-08\n"
            )
    finance = Repo(
        "acme/finance", files={".github/fundbot/payments/ledger.csv": LEDGER}, private=True
    )
    github.add_installation(7, "acme", [*repos, finance])
    if sponsorships:
        github.graphql.sponsors_activities["acme"] = [
            {
                "action": "NEW_SPONSORSHIP",
                "timestamp": f"{YEAR}-03-05T09:00:00Z",
                "sponsorable": {"__typename": "User", "login": "sindresorhus"},
                "sponsorsTier": {"monthlyPriceInCents": 5000, "isOneTime": False},
            }
        ]
    return github


async def test_the_plan_issue_counts_the_private_ledger(fake: FakeServer, tmp_path: Path) -> None:
    github = organisation(sponsorships=False)
    serve_acme_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
    body = bot_issue(github, PLAN_REPO).body
    # $300 to a plan line and $1,000 outside it; last year's and the bad row left out.
    assert f"**Paid in {YEAR}:**" in body
    assert "$1,300 of $10,000 paid, 13%, of which $1,000 went to recipients outside" in body
    assert "| Planned | Paid | Remaining |" in body
    pallets = "| [palletsprojects.com/donate](https://palletsprojects.com/donate) | Custom link |"
    assert f"{pallets} $5,000 | $300 | $4,700 |" in body
    assert "ledger.csv:4: date '" in body
    assert "is not a real day (left out)" in body
    # GitHub refused the sponsorships query: no App permission to grant, so how to import.
    assert "GitHub does not let fundbot read this organisation's sponsorships" in body
    assert "has no GitHub App permission that would" in body
    assert "fundbot payments import FILE --from github-sponsors" in body
    assert "osp-github-reporter" in body
    # `pledge.last_report_date` is set: the plan issue says when the next report is due.
    due = f"{YEAR}-10-08 (12 months after the last one, {YEAR - 1}-10-08)"
    assert f"Pledge report is due by {due}" in body or f"report was due by {due}" in body
    assert github.count("GET", "/repos/acme/finance/contents/.github/fundbot/payments") >= 1


async def test_sponsorships_are_reconstructed_when_the_app_may_read_them(
    fake: FakeServer, tmp_path: Path
) -> None:
    github = organisation(sponsorships=True)
    serve_acme_registries(fake)
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
    body = bot_issue(github, PLAN_REPO).body
    assert "GitHub does not let fundbot read" not in body
    months = datetime.date.today().month - 3 + (1 if datetime.date.today().day >= 5 else 0)
    rebuilt = 50 * max(0, months)
    assert f"${1300 + rebuilt:,} of $10,000 paid" in body
    assert any("sponsorsActivities" in q for q in github.graphql.queries)


async def test_the_ledger_is_read_once_and_again_only_when_its_repository_changed(
    fake: FakeServer, tmp_path: Path
) -> None:
    """A rescan with nothing changed costs one request (the repository list) and none for
    the ledger or the sponsorships; a push elsewhere republishes without reading the ledger;
    a push to it reads the listing and the one changed file, once."""
    github = organisation(sponsorships=False)
    serve_acme_registries(fake)
    path = ".github/fundbot/payments/ledger.csv"
    listing = "/repos/acme/finance/contents/.github/fundbot/payments"
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        assert github.count("GET", listing) == 2  # the listing and the one file
        assert sum("sponsorsActivities" in q for q in github.graphql.queries) == 1
        before = github.count()
        await installed(app)  # a full rescan, nothing changed
        assert github.count() - before == 1  # the repository list: within the budget
        assert github.count("GET", listing) == 2
        assert sum("sponsorsActivities" in q for q in github.graphql.queries) == 1
        await deliver(app, "push", push_payload("acme/shop", modified=("package.json",)))
        assert github.count("GET", listing) == 2  # the plan republished, the ledger not read
        github.repo("acme/finance").files[path] = (
            LEDGER + f"{YEAR}-06-01,https://palletsprojects.com/donate,700,USD,custom,INV-2,\n"
        )
        await deliver(app, "push", push_payload("acme/finance", modified=(path,)))
        assert github.count("GET", listing) == 4
    body = bot_issue(github, PLAN_REPO).body
    assert "$2,000 of $10,000 paid, 20%" in body


async def test_a_second_file_is_read_alone(fake: FakeServer, tmp_path: Path) -> None:
    """Adding a ledger file fetches the listing and that file; the first is not read again."""
    github = organisation(sponsorships=False)
    serve_acme_registries(fake)
    added = ".github/fundbot/payments/2026-h2.csv"
    async with app_under_test(fake, tmp_path, github) as app:
        await installed(app)
        github.repo("acme/finance").files[added] = (
            "date,recipient,amount,reference\n"
            f"{YEAR}-07-01,https://palletsprojects.com/donate,200,INV-3\n"
        )
        await deliver(app, "push", push_payload("acme/finance", added=(added,)))
    assert (
        github.count("GET", "/repos/acme/finance/contents/.github/fundbot/payments/ledger.csv") == 1
    )
    assert github.count("GET", f"/repos/acme/finance/contents/{added}") == 1
    assert "$1,500 of $10,000 paid, 15%" in bot_issue(github, PLAN_REPO).body
