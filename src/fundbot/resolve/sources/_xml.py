"""Untrusted registry XML (POMs, nuspecs), parsed through defusedxml only, namespaces ignored."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from fundbot.resolve.sources._registry import SourceFailed


def parse(body: bytes, what: str) -> Element:
    """The document's root; a broken or hostile document raises SourceFailed naming it."""
    try:
        return fromstring(body)
    except (ParseError, DefusedXmlException, ValueError):
        raise SourceFailed(f"invalid XML in {what}", "unreadable") from None


def child(element: Element | None, *path: str) -> Element | None:
    """The first descendant along path, by local name (POM and nuspec namespaces vary)."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name), None)
    return element


def child_text(element: Element | None, *path: str) -> str | None:
    found = child(element, *path)
    value = found.text.strip() if found is not None and found.text else ""
    return value or None


def children_text(element: Element | None, *path: str) -> list[str]:
    """The text of every element matching the last name of path under the rest."""
    parent = child(element, *path[:-1])
    if parent is None:
        return []
    return [
        c.text.strip() for c in parent if _local(c.tag) == path[-1] and c.text and c.text.strip()
    ]


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
