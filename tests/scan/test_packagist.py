"""Rules of the Composer scanner: platform packages, names, scopes, lockfile sections."""

from __future__ import annotations

import json

import pytest

from fundbot.errors import ManifestError
from fundbot.model import Dependency
from fundbot.scan import packagist


@pytest.mark.parametrize(
    ("name", "platform"),
    [
        ("php", True),
        ("PHP", True),
        ("php-64bit", True),
        ("hhvm", True),
        ("ext-json", True),
        ("lib-icu", True),
        ("composer-plugin-api", True),
        ("composer-runtime-api", True),
        ("composer", True),
        ("composer/composer", False),
        ("phpunit/php-timer", False),
        ("php-http/client", False),
    ],
)
def test_platform_packages(name: str, platform: bool) -> None:
    """The runtime, its extensions and Composer's APIs are not packages to fund."""
    assert packagist.is_platform(name) is platform


def test_manifest_scopes_names_and_suggest() -> None:
    """require is runtime, require-dev is dev, names are lower-cased, suggest is ignored."""
    text = json.dumps(
        {
            "require": {"php": "^8.1", "ext-json": "*", "Acme/Lib": "^1.0"},
            "require-dev": {"phpunit/phpunit": "^10"},
            "suggest": {"predis/predis": "for caching"},
        }
    )
    assert packagist.parse("composer.json", text) == [
        Dependency("packagist", "acme/lib", "^1.0", "runtime", True, "composer.json"),
        Dependency("packagist", "phpunit/phpunit", "^10", "dev", True, "composer.json"),
    ]


@pytest.mark.parametrize(
    ("require", "expected"),
    [
        ({"noslash": "1.0"}, ("noslash", "1.0", "invalid")),
        ({"a/b": 1}, ("a/b", None, "invalid")),
        ({"a/b": "dev-main as 1.0"}, ("a/b", "dev-main as 1.0", None)),
    ],
)
def test_manifest_invalid_entries(
    require: dict[str, object], expected: tuple[str, str | None, str | None]
) -> None:
    """An entry that cannot be looked up is kept and marked invalid."""
    (dep,) = packagist.parse("composer.json", json.dumps({"require": require})) or []
    assert (dep.name, dep.version, dep.skip_reason) == expected


def test_lock_sections_path_and_roots() -> None:
    """packages-dev is dev; a path dist is skipped; what nothing requires is direct."""
    lock = {
        "packages": [
            {"name": "a/app-dep", "version": "1.0.0", "require": {"b/inner": "^2"}},
            {"name": "b/inner", "version": "2.1.0"},
            {"name": "c/local", "version": "dev-main", "dist": {"type": "path"}},
        ],
        "packages-dev": [{"name": "D/Tool", "version": "3.0.0"}],
    }
    found = packagist.parse("x/composer.lock", json.dumps(lock)) or []
    assert [(d.name, d.version, d.scope, d.direct, d.skip_reason) for d in found] == [
        ("a/app-dep", "1.0.0", "runtime", True, None),
        ("b/inner", "2.1.0", "runtime", False, None),
        ("c/local", "dev-main", "runtime", True, "path"),
        ("d/tool", "3.0.0", "dev", True, None),
    ]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("composer.json", "[]"),
        ("composer.json", '{"require": ["a/b"]}'),
        ("composer.lock", '{"packages": {"a/b": "1"}}'),
        ("composer.lock", "{"),
    ],
)
def test_wrong_shapes_are_errors(path: str, text: str) -> None:
    """A file of the wrong shape is a ManifestError naming the file."""
    with pytest.raises(ManifestError) as info:
        packagist.parse(path, text)
    assert info.value.path == path
