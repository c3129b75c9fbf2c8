"""A fake GitHub GraphQL endpoint over the strict fake server, answering from in-memory repos.

It parses the query (aliases, arguments, inline fragments, named fragments), resolves it
against `FakeRepo` values and answers the way GitHub does: `data` with null for a missing
repository plus an `errors` entry of type NOT_FOUND with its `path`, `rateLimit` that counts
down, `RATE_LIMITED` once it is spent, and injectable HTTP failures. The GitHub App's
stateful fake reuses it by sharing `repos` and mounting `handler`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply

PATH = "/api/graphql"


@dataclass
class FakeRepo:
    """One repository as the fake knows it."""

    owner: str  # the login, as GitHub spells it
    name: str
    owner_type: str = "User"  # or "Organization"
    has_sponsors_listing: bool = False
    funding_links: list[tuple[str, str]] = field(default_factory=list)  # (PLATFORM, url)
    files: dict[str, str] = field(default_factory=dict)  # path at HEAD -> text
    archived: bool = False
    fork: bool = False

    @property
    def name_with_owner(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class _Field:
    alias: str
    name: str
    args: dict[str, Any]
    selections: list[_Field]
    on: str | None = None  # set for inline fragments: the type condition
    line: int = 1
    column: int = 1


class _GraphQLError(Exception):
    """A field-level error: the field becomes null and `errors` gets an entry with its path."""

    def __init__(self, type_: str, message: str) -> None:
        self.type = type_
        self.message = message


_TOKEN = re.compile(r'\s+|#[^\n]*|,|(\.\.\.|[{}():!$@=\[\]])|("(?:\\.|[^"\\])*")|(-?\d+)|(\w+)')


def _tokens(text: str) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    pos = 0
    # Line and column kept as we go: counting from the start per token made a 100-repository
    # query take 0.2 s to parse, which the benchmark then measured instead of the client.
    line, line_start = 1, 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ValueError(f"unexpected character at {pos}")
        token = match.group(1) or match.group(2) or match.group(3) or match.group(4)
        if token:
            out.append((token, line, pos - line_start + 1))
        newlines = text.count("\n", pos, match.end())
        if newlines:
            line += newlines
            line_start = text.rfind("\n", pos, match.end()) + 1
        pos = match.end()
    return out


class _Parser:
    """Just enough GraphQL: one anonymous or named query, fragments, literal arguments."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0
        self.fragments: dict[str, tuple[str, list[_Field]]] = {}

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.tokens[self.i][0]
        if expected is not None and token != expected:
            raise ValueError(f"expected {expected}, found {token}")
        self.i += 1
        return token

    def document(self) -> list[_Field]:
        operation: list[_Field] | None = None
        while self.peek() is not None:
            if self.peek() == "fragment":
                self.take()
                name = self.take()
                self.take("on")
                self.fragments[name] = (self.take(), self.selection_set())
            else:
                if self.peek() in ("query",):
                    self.take()
                    if self.peek() != "{":
                        self.take()
                operation = self.selection_set()
        if operation is None:
            raise ValueError("no operation")
        return self._expand(operation)

    def selection_set(self) -> list[_Field]:
        self.take("{")
        fields = []
        while self.peek() != "}":
            fields.append(self.selection())
        self.take("}")
        return fields

    def selection(self) -> _Field:
        _, line, column = self.tokens[self.i]
        if self.peek() == "...":
            self.take()
            if self.peek() == "on":
                self.take()
                on = self.take()
                return _Field("", "", {}, self.selection_set(), on=on)
            return _Field("", "...", {"fragment": self.take()}, [])
        alias = name = self.take()
        if self.peek() == ":":
            self.take()
            name = self.take()
        args: dict[str, Any] = {}
        if self.peek() == "(":
            self.take()
            while self.peek() != ")":
                key = self.take()
                self.take(":")
                args[key] = self.value()
            self.take(")")
        selections = self.selection_set() if self.peek() == "{" else []
        return _Field(alias, name, args, selections, line=line, column=column)

    def value(self) -> Any:
        token = self.take()
        if token.startswith('"'):
            return json.loads(token)
        if token.lstrip("-").isdigit():
            return int(token)
        return {"true": True, "false": False, "null": None}.get(token, token)

    def _expand(self, fields: list[_Field]) -> list[_Field]:
        out = []
        for f in fields:
            if f.name == "...":
                on, selections = self.fragments[f.args["fragment"]]
                out.append(_Field("", "", {}, self._expand(selections), on=on))
            else:
                out.append(
                    _Field(
                        f.alias, f.name, f.args, self._expand(f.selections), f.on, f.line, f.column
                    )
                )
        return out


class FakeGitHubGraphQL:
    """Answers GraphQL queries from `repos`; counts queries; can run out of rate limit."""

    def __init__(self, token: str = "test-token", *, remaining: int = 5000, cost: int = 1) -> None:
        self.token = token
        self.repos: dict[str, FakeRepo] = {}
        self.renames: dict[str, str] = {}  # old "owner/name" (lower) -> new key
        self.remaining = remaining
        self.cost = cost
        self.reset_at = "2026-11-28T05:00:00Z"
        self.queries: list[str] = []
        self.failures: list[int] = []  # HTTP statuses to answer with, in order, first
        self.listed_owners: set[str] = set()  # logins with a GitHub Sponsors listing
        self.forbidden: set[str] = set()  # "owner/name" (lower) answering FORBIDDEN (SAML)
        # Organisation login (lower) -> its `sponsorsActivities` nodes as a sponsor, oldest
        # first. An organisation not listed answers FORBIDDEN, as GitHub does for a token
        # without the permission to read its sponsorships.
        self.sponsors_activities: dict[str, list[dict[str, Any]]] = {}

    # -- declaring ---------------------------------------------------------------------
    def add(self, *repos: FakeRepo) -> FakeGitHubGraphQL:
        for repo in repos:
            self.repos[repo.name_with_owner.lower()] = repo
        return self

    def rename(self, old: str, new: str) -> None:
        self.renames[old.lower()] = new.lower()

    def install(self, server: FakeServer) -> FakeGitHubGraphQL:
        """Mount on the strict fake: every POST to /api/graphql is answered here."""
        server.mount(PATH, self.handler)
        return self

    @property
    def calls(self) -> int:
        return len(self.queries)

    # -- answering ---------------------------------------------------------------------
    def handler(self, request: Recorded) -> Reply | None:
        if request.method != "POST" or request.path != PATH:
            return None
        # GitHub takes either scheme on GraphQL too (gidgethub's `graphql()` sends `token`).
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "token") or token != self.token:
            return Reply.of_json({"message": "Bad credentials"}, 401)
        query = request.json()["query"]
        self.queries.append(query)
        if self.failures:
            return Reply.of_json({"message": "Server Error"}, self.failures.pop(0))
        if self.remaining < self.cost:
            return Reply.of_json(
                {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]},
                headers={"x-ratelimit-remaining": "0"},
            )
        self.remaining -= self.cost
        try:
            fields = _Parser(query).document()
        except (ValueError, IndexError, KeyError) as exc:
            return Reply.of_json({"errors": [{"message": f"Parse error: {exc}"}]})
        errors: list[dict[str, Any]] = []
        data = self._resolve(fields, self._root(), errors, [])
        body: dict[str, Any] = {"data": data}
        if errors:
            body["errors"] = errors
        return Reply.of_json(body, headers={"x-ratelimit-remaining": str(self.remaining)})

    def _root(self) -> dict[str, Any]:
        return {
            "__typename": "Query",
            "repository": self._repository,
            "organization": self._organization,
            "rateLimit": {
                "cost": self.cost,
                "remaining": self.remaining,
                "resetAt": self.reset_at,
                "limit": 5000,
            },
        }

    def _repository(self, owner: str, name: str) -> dict[str, Any]:
        key = f"{owner}/{name}".lower()
        key = self.renames.get(key, key)
        if key in self.forbidden:
            raise _GraphQLError(
                "FORBIDDEN",
                "Resource protected by organization SAML enforcement. "
                "You must grant your Personal Access token access to this organization.",
            )
        repo = self.repos.get(key)
        if repo is None:
            raise _GraphQLError(
                "NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'."
            )
        return _repo_object(repo, self._owner_listed(repo))

    def _organization(self, login: str) -> dict[str, Any]:
        nodes = self.sponsors_activities.get(login.lower())

        def activities(
            first: int = 100,
            after: str | None = None,
            period: str = "MONTH",
            includeAsSponsor: bool = False,
        ) -> dict[str, Any]:
            if nodes is None or not includeAsSponsor:
                raise _GraphQLError("FORBIDDEN", "Resource not accessible by integration")
            if period != "ALL":
                raise _GraphQLError("INVALID", "fundbot asks for every period")
            start = int(after) if after else 0
            page = nodes[start : start + first]
            more = start + first < len(nodes)
            return {
                "nodes": page,
                "pageInfo": {
                    "hasNextPage": more,
                    "endCursor": str(start + first) if more else None,
                },
            }

        return {"__typename": "Organization", "login": login, "sponsorsActivities": activities}

    def _owner_listed(self, repo: FakeRepo) -> bool:
        return repo.has_sponsors_listing or repo.owner.lower() in self.listed_owners

    def _resolve(
        self,
        fields: list[_Field],
        obj: dict[str, Any],
        errors: list[dict[str, Any]],
        path: list[Any],
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields:
            if f.on is not None:
                if obj.get("__typename") == f.on:
                    out.update(self._resolve(f.selections, obj, errors, path))
                continue
            value: Any = obj.get(f.name)
            if callable(value):
                try:
                    value = value(**f.args)
                except _GraphQLError as exc:
                    errors.append(
                        {
                            "type": exc.type,
                            "path": [*path, f.alias],
                            "locations": [{"line": f.line, "column": f.column}],
                            "message": exc.message,
                        }
                    )
                    value = None
            out[f.alias] = self._complete(value, f, errors, [*path, f.alias])
        return out

    def _complete(
        self, value: Any, f: _Field, errors: list[dict[str, Any]], path: list[Any]
    ) -> Any:
        if value is None or not f.selections:
            return value
        if isinstance(value, list):
            return [self._resolve(f.selections, v, errors, [*path, i]) for i, v in enumerate(value)]
        return self._resolve(f.selections, value, errors, path)


def _repo_object(repo: FakeRepo, listed: bool) -> dict[str, Any]:
    def blob(expression: str) -> dict[str, Any] | None:
        _, _, file_path = expression.partition(":")
        text = repo.files.get(file_path)
        if text is None:
            return None
        return {"__typename": "Blob", "text": text, "byteSize": len(text.encode())}

    funding_links = [
        {"__typename": "FundingLink", "platform": p, "url": u} for p, u in repo.funding_links
    ]
    object_: Callable[..., dict[str, Any] | None] = blob
    return {
        "__typename": "Repository",
        "name": repo.name,
        "nameWithOwner": repo.name_with_owner,
        "isArchived": repo.archived,
        "isFork": repo.fork,
        "fundingLinks": funding_links,
        "owner": {
            "__typename": repo.owner_type,
            "login": repo.owner,
            "hasSponsorsListing": listed,
        },
        "object": object_,
    }
