"""The one pluraliser every message uses."""

from __future__ import annotations

import pytest

from fundbot.words import plural


@pytest.mark.parametrize(
    ("count", "singular", "plural_form", "expected"),
    [
        (1, "recipient", None, "1 recipient"),
        (0, "recipient", None, "0 recipients"),
        (2, "dependency", None, "2 dependencies"),
        (3, "repository", None, "3 repositories"),
        (4, "key", None, "4 keys"),  # a vowel before the y: plain s
        (1234, "developer", None, "1,234 developers"),
        (2, "more dependency", "more dependencies", "2 more dependencies"),
        (1, "more dependency", "more dependencies", "1 more dependency"),
    ],
)
def test_plural(count: int, singular: str, plural_form: str | None, expected: str) -> None:
    """Counts read as sentences: irregular forms when given, -ies after a consonant."""
    assert plural(count, singular, plural_form) == expected
