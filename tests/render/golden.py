"""Golden-file comparison for rendered texts in tests/fixtures/render.

Regenerate after a deliberate change with `FUNDBOT_UPDATE_GOLDEN=1 pytest tests/render`,
then read the diff before committing it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent.parent / "fixtures" / "render"


def assert_golden(name: str, actual: str | dict[str, Any]) -> None:
    """`actual` equals the stored file `name` (JSON for dicts), rewritten on request."""
    text = actual if isinstance(actual, str) else json.dumps(actual, indent=1, sort_keys=True)
    path = GOLDEN / name
    if os.environ.get("FUNDBOT_UPDATE_GOLDEN"):
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert expected.rstrip("\n") == text.rstrip("\n")


_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(?<!\\)(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_LINK = re.compile(r"\[(?:[^\]\\]|\\.)*\]\([^)\s]*\)")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def outside_code_and_links(body: str) -> str:
    """The text GitHub would scan for mentions: no code, no links, no hidden comments."""
    for pattern in (_COMMENT, _FENCE, _CODE_SPAN, _LINK):
        body = pattern.sub(" ", body)
    return body


def assert_harmless(body: str) -> None:
    """No mention, no raw HTML tag, no javascript link, no comment closed early."""
    visible = outside_code_and_links(body)
    assert re.search(r"@\w", visible) is None
    assert re.search(r"<(?!/?details|/?summary)[a-zA-Z/!]", visible) is None
    # Outside fundbot's own comments and code (where it is literal text), no `-->` that
    # could close a comment and no link to a script.
    text = _CODE_SPAN.sub(" ", _FENCE.sub(" ", _COMMENT.sub(" ", body)))
    assert re.search(r"(?<!\\)\]\(\s*javascript:", text, re.IGNORECASE) is None
    assert "-->" not in text


def assert_no_inline_math(body: str) -> None:
    """Every unescaped `$` outside code follows a space: none can close `$…$` inline math."""
    text = _LINK.sub(" ", _CODE_SPAN.sub(" ", _FENCE.sub(" ", _COMMENT.sub(" ", body))))
    assert re.search(r"(?<![\s\\])\$", text) is None, "a `$` could close inline math"
