"""A stateful fake GitHub (REST under /api/v3, GraphQL under /api/graphql), GHES-style.

Served by the shared strict FakeServer on 127.0.0.1, it holds installations, repositories
with files and commits, issues, comments and labels; it mints installation tokens for a
real App JWT (checked with the App's public key), pages lists with `Link`, answers
conditional GETs with 304, sends `x-ratelimit-*` headers, and fails on demand (403/429
with `retry-after`, 5xx). Every request that is not a GitHub endpoint it knows, or that
carries the wrong credentials, fails the test.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.github_graphql import FakeGitHubGraphQL, FakeRepo
from tests.fakes.server import FakeServer, Recorded, Reply

API = "/api/v3"
# The contents API leaves out the content of files over 1 MB (the blob API has it).
CONTENTS_LIMIT = 1024 * 1024


def _private_key() -> tuple[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, key.public_key()


_KEY_CACHE: list[tuple[str, Any]] = []


def app_key() -> tuple[str, Any]:
    """One RSA key per test session: generating one costs ~50 ms."""
    if not _KEY_CACHE:
        _KEY_CACHE.append(_private_key())
    return _KEY_CACHE[0]


def blob_sha(text: str) -> str:
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Issue:
    number: int
    title: str
    body: str
    user: str
    state: str = "open"
    labels: list[str] = field(default_factory=list)
    closed_by: str | None = None
    pull_request: bool = False
    comments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PullRequest:
    """A pull request; its commits live in the base repository, as GitHub keeps them."""

    number: int
    base_sha: str
    head_sha: str
    head_repo: str  # `owner/repo`: the base repository itself, or a fork
    user: str = "alice"
    state: str = "open"


@dataclass
class Repo:
    full_name: str
    files: dict[str, str] = field(default_factory=dict)
    default_branch: str = "main"
    archived: bool = False
    fork: bool = False
    has_issues: bool = True
    private: bool = False
    authors: list[tuple[str, str]] = field(default_factory=list)  # (login, type)
    issues: dict[int, Issue] = field(default_factory=dict)
    labels: set[str] = field(default_factory=set)
    permissions: dict[str, str] = field(default_factory=dict)  # login -> admin/write/read
    id: int = 0
    pulls: dict[int, PullRequest] = field(default_factory=dict)
    commits: dict[str, dict[str, str]] = field(default_factory=dict)  # sha -> files at it

    @property
    def owner(self) -> str:
        return self.full_name.split("/")[0]

    def pushed_at(self) -> str:
        """A timestamp that moves whenever the files do (tests edit `files` in place)."""
        moment = 1_700_000_000 + int(self.tree_sha()[:7], 16)
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))

    def tree_sha(self) -> str:
        listing = "".join(f"{p}\0{blob_sha(t)}" for p, t in sorted(self.files.items()))
        return hashlib.sha1(listing.encode()).hexdigest()


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    headers: dict[str, str]
    times: int


@dataclass
class Hold:
    """A request caught and kept waiting, to interrupt a job while it talks to GitHub."""

    method: str
    pattern: re.Pattern[str]
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    used: bool = False

    def catches(self, method: str, path: str) -> bool:
        if self.used or method != self.method or not self.pattern.search(path):
            return False
        self.used = True
        return True

    def wait(self) -> None:
        self.arrived.set()
        self.released.wait(10)  # never hang the fake for good

    def release(self) -> None:
        self.released.set()


class FakeGitHub:
    """The fake's state; `install(server)` mounts it on a FakeServer."""

    def __init__(self, app_id: int = 4242, slug: str = "fundbot") -> None:
        self.app_id = app_id
        self.slug = slug
        self.private_key, self._public_key = app_key()
        self.installations: dict[int, list[str]] = {}
        self.accounts: dict[int, str] = {}
        self.repos: dict[str, Repo] = {}
        self.tokens: dict[str, int] = {}
        self.failures: list[Failure] = []
        # App manifest flow: code -> (owner, manifest) until the code is converted once.
        self.manifest_codes: dict[str, tuple[dict[str, str], dict[str, Any]]] = {}
        self.graphql = FakeGitHubGraphQL(token="unused")
        self.rate_remaining = 5000
        self.per_page_default = 30
        self.per_page_max = 100  # GitHub's cap on `per_page`
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        self.bodies: list[tuple[str, str, dict[str, str], Any]] = []  # for OpenAPI checks
        self._lock = threading.RLock()
        self._numbers = itertools.count(1)
        self.base_url = ""
        self._ids = itertools.count(1000)
        self.holds: list[Hold] = []
        # Conditional requests that carried an ETag given to another installation.
        self.foreign_etags: list[tuple[int, str]] = []
        self._mounted: set[int] = set()
        # (repository, "issue" | "comment", number or id) -> {(login, content)}
        self.reactions: dict[tuple[str, str, int], set[tuple[str, str]]] = {}

    # -- arranging ---------------------------------------------------------------------------
    def install(self, server: FakeServer) -> FakeGitHub:
        self.base_url = server.url
        if id(server) not in self._mounted:  # a restarted App reuses the same fake
            self._mounted.add(id(server))
            server.mount(API, self.handle)
            server.mount("/api/graphql", self._graphql)
        return self

    def hold(self, method: str, path_regex: str) -> Hold:
        """The next matching request waits until `release()` (a job caught mid-flight)."""
        held = Hold(method, re.compile(path_regex))
        self.holds.append(held)
        return held

    def add_installation(self, installation_id: int, account: str, repos: list[Repo]) -> None:
        with self._lock:
            self.installations[installation_id] = [r.full_name for r in repos]
            self.accounts[installation_id] = account
            for repo in repos:
                repo.id = next(self._ids)
                self.repos[repo.full_name.lower()] = repo
                owner, name = repo.full_name.split("/")
                self.graphql.add(FakeRepo(owner=owner, name=name, files=repo.files))

    def grant(self, installation_id: int, repo: Repo) -> None:
        """A repository added to an existing installation (GitHub then sends `added`)."""
        with self._lock:
            self.installations[installation_id] = [
                *self.installations.get(installation_id, []),
                repo.full_name,
            ]
            repo.id = next(self._ids)
            self.repos[repo.full_name.lower()] = repo
            owner, name = repo.full_name.split("/")
            self.graphql.add(FakeRepo(owner=owner, name=name, files=repo.files))

    def revoke(self, installation_id: int, full_name: str) -> None:
        """A repository removed from an installation: its token no longer reaches it."""
        with self._lock:
            self.installations[installation_id] = [
                n for n in self.installations[installation_id] if n.lower() != full_name.lower()
            ]

    def fail(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` matching requests get `status` (403/429 rate limits, 5xx)."""
        self.failures.append(
            Failure(method, re.compile(path_regex), status, dict(headers or {}), times)
        )

    def repo(self, full_name: str) -> Repo:
        return self.repos[full_name.lower()]

    def count(self, method: str | None = None, contains: str = "") -> int:
        return sum(
            1 for m, p, _ in self.requests if (method is None or m == method) and contains in p
        )

    def commit(self, full_name: str, files: dict[str, str]) -> str:
        """Keep a snapshot of files as a commit of the repository; returns its sha."""
        repo = self.repo(full_name)
        listing = json.dumps([full_name, len(repo.commits), sorted(files.items())])
        sha = hashlib.sha1(listing.encode()).hexdigest()
        repo.commits[sha] = dict(files)
        return sha

    def open_pull(
        self,
        full_name: str,
        head_files: dict[str, str],
        *,
        head_repo: str | None = None,
        user: str = "alice",
    ) -> PullRequest:
        """A pull request into the default branch from a branch (or a fork) with head_files."""
        with self._lock:
            repo = self.repo(full_name)
            base = self.commit(full_name, repo.files)
            head = self.commit(full_name, head_files)
            number = next(self._numbers)
            pull = PullRequest(number, base, head, head_repo or repo.full_name, user)
            repo.pulls[number] = pull
            repo.issues[number] = Issue(number, f"PR {number}", "", user, pull_request=True)
            return pull

    def push_pull(self, full_name: str, number: int, head_files: dict[str, str]) -> str:
        """A new head commit for the pull request; returns its sha."""
        with self._lock:
            pull = self.repo(full_name).pulls[number]
            pull.head_sha = self.commit(full_name, head_files)
            return pull.head_sha

    def add_comment(self, full_name: str, number: int, body: str, user: str) -> dict[str, Any]:
        """A comment on an issue or pull request, as if `user` wrote it."""
        with self._lock:
            comment = {
                "id": next(self._ids),
                "body": body,
                "user": {"login": user, "type": "Bot" if "[bot]" in user else "User"},
                "html_url": f"https://github.com/{full_name}/issues/{number}",
                "created_at": _now(),
                "updated_at": _now(),
            }
            self.repo(full_name).issues[number].comments.append(comment)
            return comment

    def bot_comments(self, full_name: str, number: int) -> list[dict[str, Any]]:
        login = f"{self.slug}[bot]"
        comments = self.repo(full_name).issues[number].comments
        return [c for c in comments if c["user"]["login"] == login]

    def bot_issues(self, full_name: str) -> list[Issue]:
        login = f"{self.slug}[bot]"
        return [i for i in self.repo(full_name).issues.values() if i.user == login]

    # -- serving -----------------------------------------------------------------------------
    def _graphql(self, request: Recorded) -> Reply | None:
        installation = self._installation_for(request)
        if installation is None:
            return _error(401, "Bad credentials")
        self.graphql.token = request.headers.get("Authorization", "").split(" ", 1)[-1]
        with self._lock:
            self.requests.append((request.method, request.path, 200))
        return self.graphql.handler(request)

    def handle(self, request: Recorded) -> Reply | None:
        path = request.path[len(API) :]
        for held in self.holds:
            if held.catches(request.method, path):
                held.wait()
        installation = self._installation_for(request)
        self._own_etag(request, installation)
        with self._lock:
            for failure in self.failures:
                if (
                    failure.times > 0
                    and failure.method == request.method
                    and (failure.pattern.search(path))
                ):
                    failure.times -= 1
                    self.requests.append((request.method, path, failure.status))
                    return _error(failure.status, "injected failure", failure.headers)
            reply = self._route(request, path)
            if reply is None:
                return None
            self.requests.append((request.method, path, reply.status))
            body = json.loads(request.body) if request.body else None
            self.bodies.append((request.method, path, dict(request.query), body))
            self.rate_remaining = max(0, self.rate_remaining - (reply.status != 304))
            etag = reply.headers.get("ETag")
            if etag is not None and installation is not None:
                reply.headers["ETag"] = f'"{installation}-{etag.strip(chr(34))}"'
            reply.headers.update(
                {
                    "x-ratelimit-limit": "5000",
                    "x-ratelimit-remaining": str(self.rate_remaining),
                    "x-ratelimit-reset": str(int(time.time()) + 3600),
                    "x-ratelimit-used": str(5000 - self.rate_remaining),
                }
            )
            return reply

    def _own_etag(self, request: Recorded, installation: int | None) -> None:
        """ETags name the installation they were given to; another's never matches."""
        for key in [k for k in request.headers if k.lower() == "if-none-match"]:
            value = request.headers[key].strip('"')
            owner, _, etag = value.partition("-")
            if owner.isdigit() and int(owner) == installation:
                request.headers[key] = f'"{etag}"'
            else:
                self.foreign_etags.append((installation or 0, value))
                del request.headers[key]

    def _route(self, request: Recorded, path: str) -> Reply | None:
        for method, pattern, handler in self._routes():
            if method != request.method:
                continue
            match = re.fullmatch(pattern, path)
            if match:
                return handler(request, *match.groups())
        return None

    def _routes(self) -> list[tuple[str, str, Callable[..., Reply | None]]]:
        repo = r"/repos/([^/]+/[^/]+)"
        return [
            ("POST", r"/app/installations/(\d+)/access_tokens", self._access_token),
            ("GET", r"/app", self._app),
            ("GET", r"/app/installations", self._app_installations),
            ("POST", r"/app-manifests/([^/]+)/conversions", self._manifest_conversion),
            ("GET", r"/installation/repositories", self._installation_repos),
            ("GET", repo, self._repo),
            ("GET", repo + r"/git/trees/([^/]+)", self._tree),
            ("GET", repo + r"/git/blobs/([0-9a-f]{40})", self._blob),
            ("GET", repo + r"/contents/(.+)", self._contents),
            ("GET", repo + r"/commits", self._commits),
            ("GET", repo + r"/issues", self._list_issues),
            ("POST", repo + r"/issues", self._create_issue),
            ("GET", repo + r"/issues/(\d+)", self._get_issue),
            ("PATCH", repo + r"/issues/(\d+)", self._edit_issue),
            ("GET", repo + r"/labels/([^/]+)", self._get_label),
            ("POST", repo + r"/labels", self._create_label),
            ("GET", repo + r"/pulls/(\d+)", self._get_pull),
            ("GET", repo + r"/pulls/(\d+)/files", self._pull_files),
            ("GET", repo + r"/issues/(\d+)/comments", self._list_comments),
            ("POST", repo + r"/issues/(\d+)/comments", self._create_comment),
            ("PATCH", repo + r"/issues/comments/(\d+)", self._edit_comment),
            ("GET", repo + r"/collaborators/([^/]+)/permission", self._permission),
            ("POST", repo + r"/issues/comments/(\d+)/reactions", self._comment_reaction),
            ("POST", repo + r"/issues/(\d+)/reactions", self._issue_reaction),
        ]

    # -- auth ---------------------------------------------------------------------------------
    def _check_jwt(self, request: Recorded) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token in self.tokens:
            return False
        try:
            claims = jwt.decode(token, self._public_key, algorithms=["RS256"])
        except jwt.PyJWTError:
            return False
        return str(claims.get("iss")) == str(self.app_id)

    def _installation_for(self, request: Recorded) -> int | None:
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        return self.tokens.get(token)

    def _authorised(self, request: Recorded, full_name: str) -> Repo | Reply:
        installation = self._installation_for(request)
        if installation is None:
            return _error(401, "Bad credentials")
        names = {n.lower() for n in self.installations.get(installation, [])}
        repo = self.repos.get(full_name.lower())
        if repo is None or full_name.lower() not in names:
            return _error(404, "Not Found")
        return repo

    def _access_token(self, request: Recorded, installation: str) -> Reply:
        if not self._check_jwt(request):
            return _error(401, "A JSON web token could not be decoded")
        if int(installation) not in self.installations:
            return _error(404, "Not Found")
        token = f"ghs_{installation}_{len(self.tokens)}"
        self.tokens[token] = int(installation)
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        return Reply.of_json({"token": token, "expires_at": expires}, 201)

    def _app_installations(self, request: Recorded) -> Reply:
        """`GET /app/installations`: the App's installations, paged, for its JWT only."""
        if not self._check_jwt(request):
            return _error(401, "A JSON web token could not be decoded")
        listed = [
            {"id": i, "account": {"login": self.accounts[i], "type": "Organization"}}
            for i in sorted(self.installations)
        ]
        page, headers = self._page(request, listed)
        return Reply.of_json(page, headers=headers)

    def _app(self, request: Recorded) -> Reply:
        if not self._check_jwt(request):
            return _error(401, "A JSON web token could not be decoded")
        return Reply.of_json({"id": self.app_id, "slug": self.slug, "name": "fundbot"})

    # -- App manifest flow --------------------------------------------------------------------
    def install_web(self, server: FakeServer, user: str = "octocat") -> None:
        """Serve the web side of the manifest flow: the form GitHub shows, as if submitted."""
        server.mount("/settings/apps/new", lambda request: self._web_new_app(request, user))
        server.mount("/organizations/", lambda request: self._web_new_app(request, user))

    def _web_new_app(self, request: Recorded, user: str) -> Reply | None:
        """POST manifest=JSON; GitHub answers by redirecting to redirect_url?code&state."""
        match = re.fullmatch(r"(?:/organizations/([^/]+))?/settings/apps/new", request.path)
        if request.method != "POST" or match is None:
            return None
        form = parse_qs(request.body.decode())
        try:
            manifest = json.loads(form["manifest"][0])
        except (KeyError, ValueError):
            return Reply(422, b"manifest is missing or not JSON")
        hook = manifest.get("hook_attributes") or {}
        if not manifest.get("url") or not hook.get("url") or not manifest.get("redirect_url"):
            return Reply(422, b"url, hook_attributes.url and redirect_url are required")
        code = secrets.token_hex(10)
        org = match.group(1)
        owner = {"login": org, "type": "Organization"} if org else {"login": user, "type": "User"}
        self.manifest_codes[code] = (owner, manifest)
        query = {"code": code}
        if "state" in request.query:
            query["state"] = request.query["state"]
        location = f"{manifest['redirect_url']}?{urlencode(query)}"
        return Reply(302, b"", {"Location": location})

    def _manifest_conversion(self, request: Recorded, code: str) -> Reply:
        """A code converts once (GitHub: within the hour); unknown or used codes are 404."""
        found = self.manifest_codes.pop(code, None)
        if found is None:
            return _error(404, "Not Found")
        owner, manifest = found
        app_id = next(self._ids)
        slug = re.sub(r"[^a-z0-9]+", "-", str(manifest.get("name") or "app").lower()).strip("-")
        data = {
            "id": app_id,
            "slug": slug,
            "node_id": f"A_{app_id}",
            "name": manifest.get("name") or slug,
            "owner": owner,
            "html_url": f"{self.base_url}/apps/{slug}",
            "permissions": manifest.get("default_permissions") or {},
            "events": manifest.get("default_events") or [],
            "pem": self.private_key,
            "webhook_secret": secrets.token_hex(20),
            "client_id": f"Iv1.{secrets.token_hex(8)}",
            "client_secret": secrets.token_hex(20),
        }
        return Reply.of_json(data, 201)

    # -- repositories and files ------------------------------------------------------------------
    def _repo_json(self, repo: Repo) -> dict[str, Any]:
        owner, name = repo.full_name.split("/")
        return {
            "id": repo.id,
            "name": name,
            "full_name": repo.full_name,
            "owner": {"login": owner, "type": "Organization"},
            "private": repo.private,
            "fork": repo.fork,
            "archived": repo.archived,
            "has_issues": repo.has_issues,
            "default_branch": repo.default_branch,
            "pushed_at": repo.pushed_at(),
        }

    def _installation_repos(self, request: Recorded) -> Reply:
        installation = self._installation_for(request)
        if installation is None:
            return _error(401, "Bad credentials")
        repos = [self._repo_json(self.repos[n.lower()]) for n in self.installations[installation]]
        page, headers = self._page(request, repos)
        return _cached(request, {"total_count": len(repos), "repositories": page}, headers)

    def _repo(self, request: Recorded, full_name: str) -> Reply:
        repo = self._authorised(request, full_name)
        return repo if isinstance(repo, Reply) else _cached(request, self._repo_json(repo))

    def _tree(self, request: Recorded, full_name: str, ref: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        if ref not in (repo.default_branch, "HEAD"):
            return _error(404, "Not Found")
        entries: list[dict[str, Any]] = []
        dirs: set[str] = set()
        for file_path, text in sorted(repo.files.items()):
            parts = file_path.split("/")
            for depth in range(1, len(parts)):
                dirs.add("/".join(parts[:depth]))
            entries.append(
                {
                    "path": file_path,
                    "mode": "100644",
                    "type": "blob",
                    "sha": blob_sha(text),
                    "size": len(text.encode()),
                }
            )
        entries += [{"path": d, "mode": "040000", "type": "tree", "sha": "0" * 40} for d in dirs]
        entries.sort(key=lambda e: e["path"])
        return _cached(request, {"sha": repo.tree_sha(), "tree": entries, "truncated": False})

    def _blob(self, request: Recorded, full_name: str, sha: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        texts = [*repo.files.values(), *(t for c in repo.commits.values() for t in c.values())]
        for text in texts:
            if blob_sha(text) == sha:
                content = base64.b64encode(text.encode()).decode()
                data = {
                    "sha": sha,
                    "size": len(text.encode()),
                    "content": content,
                    "encoding": "base64",
                }
                return _cached(request, data)
        return _error(404, "Not Found")

    def _contents(self, request: Recorded, full_name: str, file_path: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        ref = request.query.get("ref")
        files = repo.files if ref in (None, repo.default_branch) else repo.commits.get(ref or "")
        if files is None:
            return _error(404, f"No commit found for the ref {ref}")
        text = files.get(file_path)
        if text is None:
            listing = _directory(files, file_path, full_name)
            return _cached(request, listing) if listing else _error(404, "Not Found")
        big = len(text.encode()) > CONTENTS_LIMIT  # GitHub then leaves the content out
        data = {
            "type": "file",
            "path": file_path,
            "sha": blob_sha(text),
            "encoding": "none" if big else "base64",
            "content": "" if big else base64.b64encode(text.encode()).decode(),
            "size": len(text),
        }
        return _cached(request, data)

    def _commits(self, request: Recorded, full_name: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        commits = [
            {
                "sha": f"{n:040x}",
                "author": {"login": login, "type": kind},
                "commit": {"author": {"name": login, "email": f"{login}@example.com"}},
            }
            for n, (login, kind) in enumerate(repo.authors)
        ]
        page, headers = self._page(request, commits)
        return _cached(request, page, headers)

    # -- issues ----------------------------------------------------------------------------------
    def _issue_json(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        data: dict[str, Any] = {
            "number": issue.number,
            "title": issue.title,
            "body": issue.body,
            "state": issue.state,
            "user": {"login": issue.user, "type": "Bot" if "[bot]" in issue.user else "User"},
            "labels": [{"name": n} for n in issue.labels],
            "html_url": f"https://github.com/{repo.full_name}/issues/{issue.number}",
        }
        if issue.pull_request:
            data["pull_request"] = {"url": "https://example.invalid"}
        return data

    def _list_issues(self, request: Recorded, full_name: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        state = request.query.get("state", "open")
        creator = request.query.get("creator")
        issues = [
            self._issue_json(repo, i)
            for i in sorted(repo.issues.values(), key=lambda i: -i.number)
            if (state == "all" or i.state == state) and (creator is None or i.user == creator)
        ]
        page, headers = self._page(request, issues)
        return _cached(request, page, headers)

    def _create_issue(self, request: Recorded, full_name: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        if not repo.has_issues:
            return _error(410, "Issues are disabled for this repo")
        data = request.json()
        issue = Issue(
            next(self._numbers),
            data["title"],
            data.get("body") or "",
            f"{self.slug}[bot]",
            labels=list(data.get("labels") or []),
        )
        repo.labels.update(issue.labels)
        repo.issues[issue.number] = issue
        return Reply.of_json(self._issue_json(repo, issue), 201)

    def _get_issue(self, request: Recorded, full_name: str, number: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        issue = repo.issues.get(int(number))
        if issue is None:
            return _error(404, "Not Found")
        return _cached(request, self._issue_json(repo, issue))

    def _edit_issue(self, request: Recorded, full_name: str, number: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        issue = repo.issues.get(int(number))
        if issue is None:
            return _error(404, "Not Found")
        data = request.json()
        issue.body = data.get("body", issue.body)
        issue.title = data.get("title", issue.title)
        if data.get("state") in ("open", "closed"):
            issue.state = data["state"]
        return Reply.of_json(self._issue_json(repo, issue))

    def _get_label(self, request: Recorded, full_name: str, name: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        if name not in repo.labels:
            return _error(404, "Not Found")
        return _cached(request, {"name": name, "color": "2da44e"})

    def _create_label(self, request: Recorded, full_name: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        name = request.json()["name"]
        if name in repo.labels:
            return _error(422, "Validation Failed")
        repo.labels.add(name)
        return Reply.of_json({"name": name, "color": "2da44e"}, 201)

    # -- pull requests and comments ----------------------------------------------------------
    def _get_pull(self, request: Recorded, full_name: str, number: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        pull = repo.pulls.get(int(number))
        if pull is None:
            return _error(404, "Not Found")
        head_owner = pull.head_repo.split("/")[0]
        head_repo = {
            "full_name": pull.head_repo,
            "owner": {"login": head_owner, "type": "User"},
            "fork": pull.head_repo.lower() != repo.full_name.lower(),
        }
        data = {
            "number": pull.number,
            "state": pull.state,
            "user": {"login": pull.user, "type": "User"},
            "head": {"sha": pull.head_sha, "ref": "change", "repo": head_repo},
            "base": {
                "sha": pull.base_sha,
                "ref": repo.default_branch,
                "repo": self._repo_json(repo),
            },
        }
        return _cached(request, data)

    def _pull_files(self, request: Recorded, full_name: str, number: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        pull = repo.pulls.get(int(number))
        if pull is None:
            return _error(404, "Not Found")
        page, headers = self._page(
            request, _diff(repo.commits[pull.base_sha], repo.commits[pull.head_sha])
        )
        return _cached(request, page, headers)

    def _list_comments(self, request: Recorded, full_name: str, number: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        issue = repo.issues.get(int(number))
        if issue is None:
            return _error(404, "Not Found")
        since = request.query.get("since", "")
        listed = [c for c in issue.comments if str(c.get("updated_at", "")) >= since]
        page, headers = self._page(request, listed)
        return _cached(request, page, headers)

    def _create_comment(self, request: Recorded, full_name: str, number: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        if int(number) not in repo.issues:
            return _error(404, "Not Found")
        comment = self.add_comment(
            repo.full_name, int(number), request.json()["body"], f"{self.slug}[bot]"
        )
        return Reply.of_json(comment, 201)

    def _edit_comment(self, request: Recorded, full_name: str, comment_id: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        for issue in repo.issues.values():
            for comment in issue.comments:
                if comment["id"] == int(comment_id):
                    comment["body"] = request.json()["body"]
                    return Reply.of_json(comment)
        return _error(404, "Not Found")

    # -- permissions and reactions -----------------------------------------------------------
    def reactions_on(self, full_name: str, kind: str, number: int) -> set[tuple[str, str]]:
        """(login, content) of the reactions on an issue (`kind` "issue") or a comment."""
        return set(self.reactions.get((full_name.lower(), kind, number), set()))

    def _permission(self, request: Recorded, full_name: str, login: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        role = repo.permissions.get(login, "none")
        # GitHub's legacy `permission` folds maintain into write and triage into read.
        legacy = {"maintain": "write", "triage": "read"}.get(role, role)
        user = {"login": login, "type": "User"}
        return _cached(request, {"permission": legacy, "role_name": role, "user": user})

    def _comment_reaction(self, request: Recorded, full_name: str, comment_id: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        found = any(c["id"] == int(comment_id) for i in repo.issues.values() for c in i.comments)
        if not found:
            return _error(404, "Not Found")
        return self._react(request, repo, "comment", int(comment_id))

    def _issue_reaction(self, request: Recorded, full_name: str, number: str) -> Reply:
        repo = self._authorised(request, full_name)
        if isinstance(repo, Reply):
            return repo
        if int(number) not in repo.issues:
            return _error(404, "Not Found")
        return self._react(request, repo, "issue", int(number))

    def _react(self, request: Recorded, repo: Repo, kind: str, target: int) -> Reply:
        content = request.json().get("content")
        if content not in REACTIONS:
            return _error(422, "Validation Failed")
        given = self.reactions.setdefault((repo.full_name.lower(), kind, target), set())
        entry = (f"{self.slug}[bot]", str(content))
        data = {"id": next(self._ids), "content": content, "user": {"login": entry[0]}}
        # GitHub answers 200 for a reaction the user already gave, 201 for a new one.
        status = 200 if entry in given else 201
        given.add(entry)
        return Reply.of_json(data, status)

    # -- helpers -----------------------------------------------------------------------------
    def _page(self, request: Recorded, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
        per_page = min(int(request.query.get("per_page", self.per_page_default)), self.per_page_max)
        page = int(request.query.get("page", "1"))
        start = (page - 1) * per_page
        headers: dict[str, str] = {}
        if start + per_page < len(items):
            query = {**request.query, "page": str(page + 1), "per_page": str(per_page)}
            url = f"{self.base_url}{request.path}?{urlencode(query)}"
            headers["Link"] = f'<{url}>; rel="next"'
        return items[start : start + per_page], headers


def _diff(base: dict[str, str], head: dict[str, str]) -> list[dict[str, Any]]:
    """A pull request's files as GitHub lists them; an unchanged text moved is a rename."""
    removed = {p: t for p, t in base.items() if p not in head}
    entries: list[dict[str, Any]] = []
    for path in sorted(head):
        entry: dict[str, Any] = {"sha": blob_sha(head[path]), "filename": path}
        if path not in base:
            source = next((p for p, t in sorted(removed.items()) if t == head[path]), None)
            if source is not None:
                del removed[source]
                entry |= {"status": "renamed", "previous_filename": source}
            else:
                entry["status"] = "added"
        elif base[path] != head[path]:
            entry["status"] = "modified"
        else:
            continue
        entries.append(entry)
    entries += [{"sha": "0" * 40, "filename": p, "status": "removed"} for p in sorted(removed)]
    return sorted(entries, key=lambda e: e["filename"])


REACTIONS = frozenset({"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"})


def _directory(files: dict[str, str], path: str, full_name: str) -> list[dict[str, Any]]:
    """The contents API's answer for a directory: its direct entries, files and folders."""
    prefix = path.strip("/") + "/"
    entries: dict[str, dict[str, Any]] = {}
    for name, text in sorted(files.items()):
        if not name.startswith(prefix):
            continue
        first, sep, _ = name[len(prefix) :].partition("/")
        kind = "dir" if sep else "file"
        entries.setdefault(
            first,
            {
                "type": kind,
                "name": first,
                "path": prefix + first,
                "sha": blob_sha(text) if kind == "file" else "",
                "size": len(text) if kind == "file" else 0,
                "url": f"/repos/{full_name}/contents/{prefix}{first}",
            },
        )
    return list(entries.values())


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _cached(request: Recorded, data: Any, headers: dict[str, str] | None = None) -> Reply:
    """A 200 with an ETag, or a 304 when the client already holds this exact answer."""
    body = json.dumps(data).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        return Reply(304, b"", {"ETag": etag, **(headers or {})})
    return Reply(
        200,
        body,
        {"Content-Type": "application/json; charset=utf-8", "ETag": etag, **(headers or {})},
    )


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply.of_json(
        {"message": message, "documentation_url": "https://docs.github.com/rest"},
        status,
        headers,
    )
