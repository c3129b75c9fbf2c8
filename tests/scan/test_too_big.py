"""A dependency file over the size limit is reported in one words, scanned locally or on GitHub."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from fundbot.github.client import GitHubClient
from fundbot.github.reading import TreeEntry, read_blobs
from fundbot.scan import scan_tree, too_big

LIMIT = 1_000_000


def test_the_message_names_the_size_and_the_limit() -> None:
    assert too_big(2_500_000, LIMIT) == ("skipped: 2.5 MB is over the 1 MB limit for one file")


async def test_a_checkout_and_a_github_tree_say_the_same(tmp_path: Path) -> None:
    text = '{"dependencies": {"left-pad": "1.0.0"}}' + " " * LIMIT
    (tmp_path / "package.json").write_text(text)
    local = scan_tree(tmp_path, max_bytes=LIMIT)
    # Over the limit: refused before any request, so no client is needed.
    entry = TreeEntry("package.json", "0" * 40, len(text))
    texts, remote = await read_blobs(cast(GitHubClient, None), "acme/app", [entry], LIMIT)
    assert texts == {}
    assert [(e.manifest, e.error) for e in local.errors] == [
        ("package.json", too_big(len(text), LIMIT))
    ]
    assert [(e.manifest, e.error) for e in remote] == [(e.manifest, e.error) for e in local.errors]
