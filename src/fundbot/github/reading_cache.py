"""A file reader that asks GitHub once per job for each (repository, path)."""

from __future__ import annotations

import asyncio

from gidgethub import BadRequest

from fundbot.github.client import GitHubClient
from fundbot.github.reading import read_file


class CachedReader:
    """Callable as a config_loader.FileReader; remembers answers, including "no file"."""

    def __init__(self, gh: GitHubClient) -> None:
        self.gh = gh
        self._memo: dict[tuple[str, str], str | None] = {}
        # Concurrent scans often want the same file (the org's, an `_extends` target): one
        # request, shared, rather than one each.
        self._pending: dict[tuple[str, str], asyncio.Future[str | None]] = {}

    def seed(self, repository: str, path: str, text: str | None) -> None:
        """Take an answer known without asking (a file's text from an unchanged tree)."""
        self._memo[(repository.lower(), path)] = text

    def forget(self, repository: str, path: str) -> None:
        """Drop a remembered answer (a seed from the last scan, before the tree is seen)."""
        self._memo.pop((repository.lower(), path), None)

    async def __call__(self, repository: str, path: str) -> str | None:
        key = (repository.lower(), path)
        if key in self._memo:
            return self._memo[key]
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            text = await self._fetch(repository, path)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a waiter-less failure must not warn
            raise
        finally:
            self._pending.pop(key, None)
        self._memo[key] = text
        future.set_result(text)
        return text

    async def _fetch(self, repository: str, path: str) -> str | None:
        try:
            return await read_file(self.gh, repository, path)
        except BadRequest as exc:
            if exc.status_code not in (403, 404):
                raise
            return None
