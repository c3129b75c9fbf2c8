"""URL normalisation and repository detection (fundbot.links.urls)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fundbot.links.urls import github_repository, normalize_url, repository_from_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://opencollective.com/express", "https://opencollective.com/express"),
        ("  https://opencollective.com/express/  ", "https://opencollective.com/express"),
        ("http://ko-fi.com/hynek", "https://ko-fi.com/hynek"),
        ("HTTPS://WWW.Patreon.COM/Zloirock", "https://www.patreon.com/Zloirock"),
        ("paypal.me/zloirock", "https://paypal.me/zloirock"),
        ("www.buymeacoffee.com/frostming", "https://www.buymeacoffee.com/frostming"),
        ("//example.org/give", "https://example.org/give"),
        ("https://rubycentral.org/#/portal/signup", "https://rubycentral.org#/portal/signup"),
        (
            "https://example.org/donate?utm_source=github&utm_medium=x&amount=10",
            "https://example.org/donate?amount=10",
        ),
        ("https://example.org/?fbclid=abc&gclid=def&mc_cid=1&mc_eid=2", "https://example.org"),
        ("https://example.org/a?ref_src=twsrc&b=2", "https://example.org/a?b=2"),
        ("https://example.org/a?b=%20x", "https://example.org/a?b=%20x"),
        ("https://github.com/psf/requests?sponsor=1", "https://github.com/psf/requests?sponsor=1"),
        ("https://example.org:443/x", "https://example.org/x"),
        ("https://example.org:8443/x", "https://example.org:8443/x"),
        ("https://example.org.", "https://example.org"),
        (
            "https://tidelift.com/funding/github/npm/core-js/",
            "https://tidelift.com/funding/github/npm/core-js",
        ),
    ],
)
def test_normalize_url(raw: str, expected: str) -> None:
    """Links are stored with https, a lower-case host, no tracking and no trailing slash."""
    assert normalize_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "javascript:alert(1)",
        "mailto:someone@example.org",
        "ftp://example.org/x",
        "data:text/html,hi",
        "Replace with up to 4 custom sponsorship URLs",
        "not a url",
        "hynek",
        "npm/core-js",
        "https://",
        "https://exa mple.org",
        "https://example.org:99999/x",
        "file:///etc/passwd",
    ],
)
def test_normalize_url_rejects(raw: str) -> None:
    """Anything that is not a web link normalises to None instead of a bogus URL."""
    assert normalize_url(raw) is None


def test_normalize_url_is_idempotent() -> None:
    """Normalising twice changes nothing (dedupe relies on it)."""
    once = normalize_url("HTTP://Example.org/a/?utm_campaign=x&y=1#frag")
    assert once == "https://example.org/a?y=1#frag"
    assert normalize_url(once) == once


@pytest.mark.parametrize(
    ("raw", "default_host", "expected"),
    [
        ("https://github.com/expressjs/express", None, "https://github.com/expressjs/express"),
        (
            "git+https://github.com/Expressjs/Express.git",
            None,
            "https://github.com/expressjs/express",
        ),
        ("git://github.com/isaacs/node-glob.git", None, "https://github.com/isaacs/node-glob"),
        ("ssh://git@github.com/a/b.git", None, "https://github.com/a/b"),
        ("git+ssh://git@github.com/a/b.git", None, "https://github.com/a/b"),
        ("ssh://git@github.com:22/a/b", None, "https://github.com/a/b"),
        ("git@github.com:tokio-rs/tokio.git", None, "https://github.com/tokio-rs/tokio"),
        ("github:sindresorhus/got", None, "https://github.com/sindresorhus/got"),
        ("gitlab:group/sub/project", None, "https://gitlab.com/group/sub/project"),
        (
            "bitbucket:atlassian/python-bitbucket",
            None,
            "https://bitbucket.org/atlassian/python-bitbucket",
        ),
        ("sindresorhus/got", "github.com", "https://github.com/sindresorhus/got"),
        ("https://github.com/psf/requests/tree/main/docs", None, "https://github.com/psf/requests"),
        ("https://github.com/psf/requests#readme", None, "https://github.com/psf/requests"),
        ("https://www.github.com/psf/requests/", None, "https://github.com/psf/requests"),
        ("http://github.com/psf/requests.git", None, "https://github.com/psf/requests"),
        ("github.com/spf13/cobra", None, "https://github.com/spf13/cobra"),
        ("github.com/jackc/pgx/v5", None, "https://github.com/jackc/pgx"),
        ("https://gitlab.com/gitlab-org/cli", None, "https://gitlab.com/gitlab-org/cli"),
        (
            "https://gitlab.com/group/sub/project/-/tree/main/src",
            None,
            "https://gitlab.com/group/sub/project",
        ),
        ("https://gitlab.com/group/project.git", None, "https://gitlab.com/group/project"),
        ("https://bitbucket.org/owner/repo/src/master/", None, "https://bitbucket.org/owner/repo"),
        ("https://codeberg.org/forgejo/forgejo", None, "https://codeberg.org/forgejo/forgejo"),
        ("https://git.sr.ht/~sircmpwn/scdoc", None, "https://git.sr.ht/~sircmpwn/scdoc"),
        ("https://sr.ht/~sircmpwn/scdoc/", None, "https://git.sr.ht/~sircmpwn/scdoc"),
        (
            "https://gitee.com/mindspore/mindspore.git",
            None,
            "https://gitee.com/mindspore/mindspore",
        ),
    ],
)
def test_repository_from_url(raw: str, default_host: str | None, expected: str) -> None:
    """Every spelling of a repository URL becomes `https://host/owner/repo`."""
    assert repository_from_url(raw, default_host=default_host) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "sindresorhus/got",  # shorthand without a default host
        "https://example.org/owner/repo",
        "https://github.com/sponsors/hynek",
        "https://github.com/orgs/psf",
        "https://github.com/psf",
        "https://gitlab.com/group",
        "https://git.sr.ht/sircmpwn/scdoc",  # sourcehut owners start with ~
        "git@example.org:a/b.git",
        "javascript:alert(1)",
        "https://github.com/a b/c",
        "https://github.com/../x",
    ],
)
def test_repository_from_url_rejects(raw: str) -> None:
    """URLs that do not name a repository on a known code host give None."""
    assert repository_from_url(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://github.com/PSF/Requests", ("psf", "requests")),
        ("git@github.com:tokio-rs/tokio.git", ("tokio-rs", "tokio")),
        ("https://gitlab.com/a/b", None),
        ("not a url", None),
    ],
)
def test_github_repository(raw: str, expected: tuple[str, str] | None) -> None:
    """github_repository gives (owner, repo) only for github.com."""
    assert github_repository(raw) == expected


@given(st.text(max_size=200))
def test_normalize_url_never_raises_and_is_idempotent(text: str) -> None:
    """Any text normalises to None or to a fixed point of normalisation."""
    once = normalize_url(text)
    assert once is None or normalize_url(once) == once


@given(
    st.from_regex(
        r"\A(https?://|git\+https://|git@|github:|)[a-zA-Z0-9./:@~#?=_-]{0,60}\Z", fullmatch=True
    ),
    st.sampled_from([None, "github.com"]),
)
def test_repository_from_url_never_raises(text: str, default_host: str | None) -> None:
    """Any spelling gives None or a normalised `https://host/owner/repo` that maps to itself."""
    repository = repository_from_url(text, default_host=default_host)
    assert repository is None or repository_from_url(repository) == repository
