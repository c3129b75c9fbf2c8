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


def direct_repository(ecosystem: str, name: str) -> str | None:
    """The one answer to "which repository does this package's name say?" for the resolver
    (before any lookup) and the plan (when nothing was looked up)."""
    if ecosystem == "github-actions":
        return repository_from_url(name, default_host="github.com")
    if ecosystem == "swift":
        return repository_from_url(name)
    if ecosystem == "go":
        return known_go_repository(name)
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
