"""Safe Markdown building blocks: escaping, links, tables, folded sections, the size limit."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Final
from urllib.parse import quote, urlsplit

from fundbot.render.text import TRUNCATED_NOTE
from fundbot.words import plural

# GitHub rejects issue and comment bodies longer than this many characters.
MAX_BODY: Final = 65536
# A single name or value never takes more than this in a body (a hostile 1 MB package name).
MAX_INLINE: Final = 200

# Markdown punctuation that can start emphasis, links, code, tables or math.
# Only characters that act inline: the renderers never put escaped text at a line start.
_MARKDOWN_SPECIAL: Final = frozenset("\\`*_[]|~$")
# GitHub turns `@word` into a mention and `#123` / `GH-123` into cross-references even after
# Markdown has removed a backslash, so a zero-width space is put between (as Renovate does).
_ZWSP: Final = "&#8203;"
_MENTION: Final = re.compile(r"([@#])(?=\w)|\b(GH)(?=-\d)", re.IGNORECASE)
_SPACES: Final = re.compile(r"\s+")
_GITHUB_HANDLE: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_SAFE_URL_CHARS: Final = "/:?&=#%+,;~!*'.-_@$"


def _clean(text: str, limit: int) -> str:
    """One line of printable text: controls and bidi overrides gone, shortened to `limit`."""
    chars = [
        " " if ch.isspace() else ch
        for ch in str(text)
        if ch.isspace() or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"}
    ]
    flat = _SPACES.sub(" ", "".join(chars)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def escape(text: str, *, limit: int = MAX_INLINE) -> str:
    """Inline text (a name, a version) that renders literally: no Markdown, HTML or mention."""
    out: list[str] = []
    for ch in _clean(text, limit):
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == '"':
            out.append("&quot;")
        elif ch in _MARKDOWN_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return _MENTION.sub(lambda m: (m.group(1) or m.group(2)) + _ZWSP, "".join(out))


def escape_with_code(text: str, *, limit: int = 500) -> str:
    """Like escape(), but balanced `backtick` spans stay code spans (for sentences we wrote)."""
    pieces = _clean(text, limit).split("`")
    if len(pieces) % 2 == 0:  # an unbalanced backtick: treat it all as text
        return escape(text, limit=limit)
    return "".join(
        code(piece) if index % 2 else _padded(piece, escape(piece, limit=limit))
        for index, piece in enumerate(pieces)
    )


def _padded(raw: str, escaped: str) -> str:
    """`escaped` with the single spaces `raw` had around it, which escape() strips."""
    if not escaped:
        return " " if raw.strip() == "" and raw else ""
    return (" " if raw[:1].isspace() else "") + escaped + (" " if raw[-1:].isspace() else "")


def safe_url(url: str) -> str | None:
    """The URL percent-encoded so it cannot break out of `(...)`, or None unless http(s)."""
    url = str(url).strip()
    if len(url) > 2000 or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return quote(url, safe=_SAFE_URL_CHARS)


def link(text: str, url: str | None) -> str:
    """`[text](url)` with the text escaped; plain escaped text when the URL is not safe."""
    href = safe_url(url) if url else None
    label = escape(text)
    return f"[{label}]({href})" if href else label


def github_handle(handle: str | None) -> str | None:
    """The handle if it is a valid GitHub login, else None."""
    if handle and _GITHUB_HANDLE.fullmatch(handle) and "--" not in handle:
        return handle
    return None


def user_link(platform: str, handle: str | None, url: str | None) -> str:
    """Where to pay someone, named by their handle without `@` (so nobody is pinged)."""
    if platform == "github" and github_handle(handle):
        # Always the Sponsors page: a profile or repository URL would not say where to pay.
        url = f"https://github.com/sponsors/{handle}"
    label = handle or display_url(url or "")
    return link(label, url)


def display_url(url: str) -> str:
    """A URL without its scheme, for a link label."""
    return re.sub(r"^https?://", "", url).rstrip("/") or "(no address)"


def code(text: str, *, limit: int = MAX_INLINE) -> str:
    """A code span that no backtick in `text` can close early; `|` kept out for tables."""
    flat = _clean(text, limit).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub table; cells must already be escaped (escape() keeps `|` out)."""
    lines = [_row(header), "|" + "|".join(" --- " for _ in header) + "|"]
    lines.extend(_row(row) for row in rows)
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("\n", " ") for cell in cells) + " |"


def details(summary: str, body: str, *, open_: bool = False) -> str:
    """A folded section; blank lines around the body so Markdown renders inside it."""
    attr = " open" if open_ else ""
    return f"<details{attr}><summary>{summary}</summary>\n\n{body}\n\n</details>"


def first_few(items: Sequence[str], count: int = 3) -> str:
    """The first `count` items (already escaped) and "and N more"."""
    shown = ", ".join(items[:count])
    rest = len(items) - count
    return f"{shown} and {rest:,} more" if rest > 0 else shown


def bullet_list(items: Sequence[str], *, limit: int = 200, more: str = "") -> str:
    """A bullet list of already escaped items, at most `limit`, then an "and N more" line."""
    lines = [f"- {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"- …and {len(items) - limit:,} more{more}")
    return "\n".join(lines)


def body_length(text: str) -> int:
    """Length as GitHub may count it: UTF-16 code units, never fewer than characters."""
    return len(text.encode("utf-16-le")) // 2


def fit_body(parts: Sequence[str], *, limit: int = MAX_BODY, tail: str = "") -> str:
    """Join parts with blank lines, cutting with a visible note so the result fits `limit`.

    The tail (the data block) is always kept whole; parts are kept whole while they fit,
    the first one that does not is cut at a line and any `<details>` or code fence it
    leaves open is closed, and later parts are left out.
    """
    sep = "\n\n"
    joined = sep.join(p for p in parts if p)
    full = joined + (sep + tail if tail else "")
    if body_length(full) <= limit:
        return full
    note_room = 400
    room = limit - body_length(tail) - len(sep) * 2 - note_room
    kept: list[str] = []
    used = 0
    present = [p for p in parts if p]
    for index, part in enumerate(present):
        size = body_length(part) + len(sep)
        if used + size <= room:
            kept.append(part)
            used += size
            continue
        cut = _cut_part(part, room - used)
        if cut:
            kept.append(cut)
        omitted = len(present) - index - (1 if cut else 0)
        label = plural(omitted, "section") if omitted else "the end of a section"
        kept.append(TRUNCATED_NOTE.format(limit=limit, omitted=label))
        break
    text = sep.join(kept) + (sep + tail if tail else "")
    # A tail that alone exceeds the limit is the caller's bug; never return an oversized body.
    return text if body_length(text) <= limit else text[: max(0, limit - 1)] + "…"


def _cut_part(part: str, room: int) -> str:
    """The longest run of whole lines within `room`, with open blocks closed."""
    if room <= 0:
        return ""
    lines: list[str] = []
    used = 0
    closing_room = 200
    for line in part.split("\n"):
        size = body_length(line) + 1
        if used + size > room - closing_room:
            break
        lines.append(line)
        used += size
    text = "\n".join(lines).rstrip()
    if not text:
        return ""
    if sum(1 for line in lines if line.lstrip().startswith("```")) % 2:
        text += "\n```"
    opened = text.count("<details")
    closed = text.count("</details>")
    text += "\n\n</details>" * max(0, opened - closed)
    return text
