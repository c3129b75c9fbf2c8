"""Counting nouns in sentences people read: the one pluraliser for the CLI, issues and notes."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 recipient`, `2 recipients`, `1,234 dependencies`, `3 keys`.

    Without `plural_form`, a consonant followed by `y` becomes `ies`; anything else takes `s`.
    Pass `plural_form` for any other irregular noun.
    """
    if count == 1:
        word = singular
    elif plural_form is not None:
        word = plural_form
    elif singular.endswith("y") and singular[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        word = singular[:-1] + "ies"
    else:
        word = singular + "s"
    return f"{count:,} {word}"
