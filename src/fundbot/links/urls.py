"""URL hygiene for funding links and repository URLs: normalise, dedupe, find the repository."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track where a click came from; they split one link into many.
TRACKING_PARAMS: Final = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref_src",
        "ref_url",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
    }
)
TRACKING_PREFIXES: Final = ("utm_",)

# A bare host such as `paypal.me` or `www.example.co.uk`: labels and an alphabetic TLD.
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_SEGMENT = re.compile(r"^[A-Za-z0-9_.~-]+$")
_GITHUB_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_GITHUB_OWNER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")

CODE_HOSTS: Final = frozenset(
    {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "git.sr.ht", "gitee.com"}
)
# npm's `repository` shorthands (`github:o/r`), as npm documents them.
_SHORTHANDS: Final = {"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}
# First path segments of github.com that are pages, never an owner.
_GITHUB_RESERVED: Final = frozenset(
    {
        "about",
        "apps",
        "collections",
        "enterprise",
        "explore",
        "features",
        "login",
        "marketplace",
        "notifications",
        "orgs",
        "pricing",
        "search",
        "settings",
        "sponsors",
        "topics",
        "trending",
        "users",
    }
)
# Where a GitLab project path ends and a page inside it begins (old URLs lack the `/-/`).
_GITLAB_PAGES: Final = frozenset({"-", "tree", "blob", "issues", "merge_requests", "wikis"})
_DEFAULT_PORTS: Final = {"https": 443, "http": 80}


def normalize_url(url: str) -> str | None:
    """A web URL as fundbot stores it (https, lower-case host, no tracking, no trailing /)."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    if not text or any(c.isspace() for c in text) or len(text) > 2048:
        return None
    if text.startswith("//"):
        text = "https:" + text
    elif "://" not in text:
        if not _looks_like_host(text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]):
            return None
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").rstrip(".")
    if not host or not (_looks_like_host(host) or host == "localhost"):
        return None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = _strip_tracking(parts.query)
    return urlunsplit(("https", netloc, path, query, parts.fragment))


def _looks_like_host(text: str) -> bool:
    host = text.lower().split(":", 1)[0]
    return bool(_HOST.match(host) or _IPV4.match(host))


def _strip_tracking(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [
        (k, v)
        for k, v in pairs
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    if len(kept) == len(pairs):
        return query  # untouched: keep the author's encoding
    return urlencode(kept)


def repository_from_url(url: str, *, default_host: str | None = None) -> str | None:
    """`https://host/owner/repo` for a URL on a known code host, in any of git's spellings."""
    if not isinstance(url, str):
        return None
    split = _host_and_path(url.strip(), default_host)
    if split is None:
        return None
    host, path = split
    segments = [s for s in path.split("/") if s]
    if host == "github.com":
        return _github(segments)
    if host == "gitlab.com":
        return _gitlab(segments)
    if host in ("git.sr.ht", "sr.ht"):
        return _two_segments("git.sr.ht", segments, owner_prefix="~")
    if host in CODE_HOSTS:
        return _two_segments(host, segments)
    return None


def _host_and_path(text: str, default_host: str | None) -> tuple[str, str] | None:
    """Split every git URL spelling into (lower-case host without www., path)."""
    if not text or any(c.isspace() for c in text):
        return None
    text = text.split("#", 1)[0].split("?", 1)[0]
    if text.startswith("git+"):
        text = text[4:]
    shorthand = re.match(r"^([a-z]+):([^/].*)$", text)
    if shorthand and shorthand.group(1) in _SHORTHANDS:
        return _SHORTHANDS[shorthand.group(1)], shorthand.group(2)
    scp = re.match(r"^(?:[\w.-]+@)?([\w.-]+\.[a-z]{2,}):(?!//)(?!\d+/)(.+)$", text, re.I)
    if scp and "://" not in text:
        return _clean_host(scp.group(1)), scp.group(2)
    if "://" in text:
        try:
            parts = urlsplit(text)
        except ValueError:
            return None
        if parts.scheme.lower() not in ("http", "https", "git", "ssh"):
            return None
        return _clean_host(parts.hostname or ""), parts.path
    first, _, rest = text.partition("/")
    if _looks_like_host(first) and "." in first:
        return _clean_host(first), rest
    if default_host and re.match(r"^[\w.-]+/[\w.-]+$", text):
        return _clean_host(default_host), text
    return None


def _clean_host(host: str) -> str:
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _strip_git(name: str) -> str:
    return name[:-4] if name.lower().endswith(".git") else name


def _github(segments: list[str]) -> str | None:
    if len(segments) < 2:
        return None
    owner, repo = segments[0].lower(), _strip_git(segments[1]).lower()
    if owner in _GITHUB_RESERVED or not _GITHUB_OWNER.match(owner):
        return None
    if not repo or repo in (".", "..") or not _GITHUB_NAME.match(repo):
        return None
    return f"https://github.com/{owner}/{repo}"


def _gitlab(segments: list[str]) -> str | None:
    project: list[str] = []
    for segment in segments:
        if segment in _GITLAB_PAGES:
            break
        project.append(segment)
    if project:
        project[-1] = _strip_git(project[-1])
    if len(project) < 2 or not all(_SEGMENT.match(s) and s not in (".", "..") for s in project):
        return None
    return "https://gitlab.com/" + "/".join(project)


def _two_segments(host: str, segments: list[str], owner_prefix: str = "") -> str | None:
    if len(segments) < 2:
        return None
    owner, repo = segments[0], _strip_git(segments[1])
    if owner_prefix and not owner.startswith(owner_prefix):
        return None
    if not _SEGMENT.match(owner) or not repo or not _SEGMENT.match(repo) or repo in (".", ".."):
        return None
    return f"https://{host}/{owner}/{repo}"


def github_repository(url: str) -> tuple[str, str] | None:
    """(owner, repo), lower-cased, when the URL names a github.com repository."""
    repository = repository_from_url(url)
    if repository is None or not repository.startswith("https://github.com/"):
        return None
    owner, repo = repository.removeprefix("https://github.com/").split("/")
    return owner, repo
