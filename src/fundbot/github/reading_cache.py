"""A file reader that asks GitHub once per job for each (repository, path)."""

from __future__ import annotations

from gidgethub import BadRequest

from fundbot.github.client import GitHubClient
from fundbot.github.reading import read_file


class CachedReader:
    """Callable as a config_loader.FileReader; remembers answers, including "no file"."""

    def __init__(self, gh: GitHubClient) -> None:
        self.gh = gh
        self._memo: dict[tuple[str, str], str | None] = {}

    def seed(self, repository: str, path: str, text: str | None) -> None:
        """Take an answer known without asking (a file's text from an unchanged tree)."""
        self._memo[(repository.lower(), path)] = text

    async def __call__(self, repository: str, path: str) -> str | None:
        key = (repository.lower(), path)
        if key not in self._memo:
            try:
                self._memo[key] = await read_file(self.gh, repository, path)
            except BadRequest as exc:
                if exc.status_code not in (403, 404):
                    raise
                self._memo[key] = None
        return self._memo[key]
