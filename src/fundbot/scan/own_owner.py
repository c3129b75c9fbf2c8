"""The organisation's own GitHub owner, read off the root manifests' repository fields, for a
checkout without a git remote (a tarball, a CI checkout) — pure, over file contents."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fundbot.errors import ManifestError
from fundbot.links.urls import github_repository, repository_from_url

# The scanners' own loaders, so their guards (YAML alias bombs, nesting) apply here too.
from fundbot.scan._formats import load_json, load_toml, load_yaml

Reader = Callable[[str], list[str]]


def _get(value: Any, *path: str) -> Any:
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _package_json(text: str) -> list[str]:
    value = _get(load_json("package.json", text), "repository")
    value = _get(value, "url") if isinstance(value, dict) else value
    return [value] if isinstance(value, str) else []


def _cargo(text: str) -> list[str]:
    value = _get(load_toml("Cargo.toml", text), "package", "repository")
    return [value] if isinstance(value, str) else []


def _pyproject(text: str) -> list[str]:
    urls = _get(load_toml("pyproject.toml", text), "project", "urls")
    return [v for v in urls.values() if isinstance(v, str)] if isinstance(urls, dict) else []


def _composer(text: str) -> list[str]:
    value = _get(load_json("composer.json", text), "support", "source")
    return [value] if isinstance(value, str) else []


def _pubspec(text: str) -> list[str]:
    value = _get(load_yaml("pubspec.yaml", text), "repository")
    return [value] if isinstance(value, str) else []


# File at the root → (the field, as the note names it; how to read its URLs).
FIELDS: Mapping[str, tuple[str, Reader]] = {
    "package.json": ("package.json repository", _package_json),
    "Cargo.toml": ("Cargo.toml package.repository", _cargo),
    "pyproject.toml": ("pyproject.toml project.urls", _pyproject),
    "composer.json": ("composer.json support.source", _composer),
    "pubspec.yaml": ("pubspec.yaml repository", _pubspec),
}


def owner_from_manifests(files: Mapping[str, str]) -> tuple[str, tuple[str, ...]] | None:
    """(owner, the fields that named it) when every GitHub repository the root manifests
    name has one owner; None when none names one or they disagree (then nobody is guessed)."""
    owners: dict[str, str] = {}  # casefolded → as first written
    said: list[str] = []
    for name, (field, read) in FIELDS.items():
        text = files.get(name)
        if text is None:
            continue
        try:
            urls = read(text)
        except (ManifestError, TypeError):
            continue  # a broken manifest is the scan's to report, not this guess's
        found = {
            repo[0]
            for url in urls
            if (
                repo := github_repository(repository_from_url(url, default_host="github.com") or "")
            )
        }
        if found:
            said.append(field)
            for owner in found:
                owners.setdefault(owner.casefold(), owner)
    if len(owners) != 1:
        return None
    return next(iter(owners.values())), tuple(said)
