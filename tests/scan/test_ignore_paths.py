"""Default ignore_paths: test fixtures elsewhere in a repository are not the project."""

from __future__ import annotations

from pathlib import Path

from fundbot.config import default_config
from fundbot.scan import DEFAULT_IGNORE_PATHS, is_ignored, scan_tree


def test_fixture_and_testdata_directories_are_ignored_by_default() -> None:
    # The trial's case: Next.js sample apps inside a repository's integration tests.
    assert is_ignored("scripts/integration-tests/fixtures/nextjs-10/package.json")
    assert is_ignored("internal/parser/testdata/go.mod")
    assert not is_ignored("src/fixtures-like/package.json")


def test_the_settings_default_matches_the_scanner_default() -> None:
    assert default_config().ignore_paths == DEFAULT_IGNORE_PATHS


def test_scan_tree_skips_a_fixture_project(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"dependencies": {"django-ish": "1"}}')
    fixture = tmp_path / "scripts" / "integration-tests" / "fixtures" / "nextjs-10"
    fixture.mkdir(parents=True)
    (fixture / "package.json").write_text('{"dependencies": {"next": "10"}}')
    names = {dep.name for dep in scan_tree(tmp_path).dependencies}
    assert names == {"django-ish"}
