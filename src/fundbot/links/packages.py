"""A package's repository as its name already says it, without asking anyone (pure).

GitHub Actions are `owner/repo[/path]`, Swift packages are URLs, and Go module paths on a
code host (or gopkg.in) name their repository; every other ecosystem needs its registry.
"""

from __future__ import annotations

import re

from fundbot.links.urls import repository_from_url

# Hosts whose module paths start `host/owner/repo`.
DIRECT_HOSTS = ("github.com/", "bitbucket.org/")
# gopkg.in/yaml.v3 → go-yaml/yaml; gopkg.in/user/pkg.v1 → user/pkg.
_GOPKG = re.compile(r"^gopkg\.in/(?:(?P<user>[\w-]+)/)?(?P<pkg>[\w-]+)\.v\d+(?:/|$)")


def direct_repository(ecosystem: str, name: str, *, guess: bool = False) -> str | None:
    """The one answer to "which repository does this package's name say?" for the resolver
    (before any lookup) and the plan (when nothing was looked up).

    `guess`: also read a Go path on any other code host as `host/owner/repo...` (GitLab's
    subgroups make the repository itself uncertain, so the resolver asks the `go-import` tag
    instead; the plan only needs the owner, to recognise the organisation's own modules).
    """
    if ecosystem == "github-actions":
        return repository_from_url(name, default_host="github.com")
    if ecosystem == "swift":
        return repository_from_url(name)
    if ecosystem == "go":
        known = known_go_repository(name)
        return known if known is not None or not guess else repository_from_url(name)
    return None


def known_go_repository(path: str) -> str | None:
    """The repository of a Go module path on a code host or gopkg.in."""
    if path.startswith(DIRECT_HOSTS):
        return repository_from_url("https://" + "/".join(path.split("/")[:3]))
    match = _GOPKG.match(path)
    if match:
        owner = match.group("user") or "go-" + match.group("pkg")
        return repository_from_url(f"https://github.com/{owner}/{match.group('pkg')}")
    return None
