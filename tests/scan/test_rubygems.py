"""Rules of the Ruby scanner: Gemfile forms and groups, lockfile sections, gemspec calls."""

from __future__ import annotations

import pytest

from fundbot.model import Dependency
from fundbot.scan import rubygems, scan_files
from fundbot.scan.rubygems.gemfile import scope_of

Row = tuple[str, str | None, str, str | None]


def _rows(path: str, text: str) -> list[Row]:
    found = rubygems.parse(path, text) or []
    return [(d.name, d.version, d.scope, d.skip_reason) for d in found]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('gem "a"', ("a", None, "runtime", None)),
        ("gem 'a', '~> 1.0', '>= 1.0.1'", ("a", "~> 1.0, >= 1.0.1", "runtime", None)),
        ('gem("a", "1.0")', ("a", "1.0", "runtime", None)),
        ('gem "a", require: false, group: :test', ("a", None, "test", None)),
        ('gem "a", groups: [:development, :test]', ("a", None, "dev", None)),
        ('gem "a", :group => "development"', ("a", None, "dev", None)),
        ('gem "a", git: "https://x/a.git"', ("a", None, "runtime", "git")),
        ('gem "a", "1.0", github: "x/a"', ("a", "1.0", "runtime", "git")),
        ('gem "a", path: "../a"', ("a", None, "runtime", "path")),
        ('gem "a", a_version', ("a", None, "runtime", None)),
        ('gem "a", "~> #{v}"', ("a", None, "runtime", None)),
        ('gem "a", "1.0" if RUBY_VERSION > "3"', ("a", "1.0", "runtime", None)),
        ('gem "a" # "b", "2"', ("a", None, "runtime", None)),
        ('gem "RedCloth"', ("RedCloth", None, "runtime", None)),
    ],
)
def test_gem_line_forms(line: str, expected: Row) -> None:
    """One `gem` line: name as written, requirements joined, group scope and skip reason."""
    assert _rows("Gemfile", line) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("group :development, :test do\n gem 'a'\nend\ngem 'b'", [("a", "dev"), ("b", "runtime")]),
        (
            "group :test do\n platforms :mri do\n  gem 'a'\n end\n gem 'b'\nend",
            [("a", "test"), ("b", "test")],
        ),
        (
            "if x\n gem 'a'\nelse\n gem 'b'\nend\ngem 'c', group: :test",
            [("a", "runtime"), ("b", "runtime"), ("c", "test")],
        ),
        ("source 'https://g' do\n gem 'a'\nend", [("a", "runtime")]),
        ("install_if -> { true } do\n gem 'a'\nend", [("a", "runtime")]),
        ("group :test do # why\n gem 'a'\nend\ngem 'b'", [("a", "test"), ("b", "runtime")]),
        (
            "group :test do\n %w[x y].each do |n|\n  gem n\n end\n gem 'a'\nend\ngem 'b'",
            [("a", "test"), ("b", "runtime")],
        ),
    ],
)
def test_blocks(text: str, expected: list[tuple[str, str]]) -> None:
    """Groups apply inside their block and stop at its `end`; other blocks keep their gems."""
    assert [(r[0], r[2]) for r in _rows("Gemfile", text)] == expected


def test_git_and_path_blocks_and_gemspec_line() -> None:
    """Gems inside `git … do` and `path … do` are skipped as such; `gemspec` is the project."""
    text = "gemspec\ngit 'https://x/m.git' do\n gem 'a'\nend\npath 'c' do\n gem 'b'\nend\ngem 'd'"
    assert _rows("gems.rb", text) == [
        ("a", None, "runtime", "git"),
        ("b", None, "runtime", "path"),
        ("d", None, "runtime", None),
    ]


@pytest.mark.parametrize(
    ("groups", "scope"),
    [
        ([], "runtime"),
        (["development"], "dev"),
        (["test"], "test"),
        (["development", "test"], "dev"),
        (["test", "ci"], "test"),
        (["doc"], "runtime"),
    ],
)
def test_scope_of_groups(groups: list[str], scope: str) -> None:
    """Bundler groups map to scopes; unknown groups are installed by default, so runtime."""
    assert scope_of(groups) == scope


LOCK = """GIT
  remote: https://x/g.git
  revision: abc
  specs:
    g (0.1.0)
      dep-of-g (>= 1)

PATH
  remote: .
  specs:
    me (1.0.0)

GEM
  remote: https://rubygems.org/
  specs:
    a (1.2.3)
      b (~> 2.0)
    b (2.0.1-x86_64-linux)
    b (2.0.1)

PLATFORMS
  ruby

DEPENDENCIES
  a (~> 1.2)
  g!
  me!

CHECKSUMS
  a (1.2.3) sha256=00

BUNDLED WITH
   2.5.0
"""


def test_lockfile_sections() -> None:
    """GIT/PATH specs are skipped as such, GEM specs keep platform versions, DEPENDENCIES
    marks direct gems, and indented requirements are the locked gem's edges, not gems."""
    found = rubygems.parse("Gemfile.lock", LOCK)
    lock = "Gemfile.lock"
    assert found == [
        Dependency("rubygems", "g", "0.1.0", "runtime", True, lock, "git", ("dep-of-g",)),
        Dependency("rubygems", "me", "1.0.0", "runtime", True, lock, "path", ()),
        Dependency("rubygems", "a", "1.2.3", "runtime", True, lock, None, ("b",)),
        Dependency("rubygems", "b", "2.0.1-x86_64-linux", "runtime", False, lock, None, ()),
        Dependency("rubygems", "b", "2.0.1", "runtime", False, lock, None, ()),
    ]


def test_lockfile_scopes_come_from_gemfile_groups_through_the_graph() -> None:
    """A gem reached only through a `:test` group gem is test; through a runtime one, runtime."""
    extra = "    b (2.0.1)\n    t (1.0)\n      u (>= 0)\n    u (1.0)\n"
    lock = LOCK.replace("    b (2.0.1)\n", extra).replace("  me!\n", "  me!\n  t\n")
    gemfile = "gem 'a'\ngroup :test do\n  gem 't'\nend\n"
    deps = scan_files({"Gemfile": gemfile, "Gemfile.lock": lock}).dependencies
    rows = {(d.name, d.version): (d.direct, d.scope) for d in deps if d.manifest == "Gemfile.lock"}
    assert rows["a", "1.2.3"] == (True, "runtime")
    assert rows["b", "2.0.1"] == (False, "runtime")
    assert rows["t", "1.0"] == (True, "test")
    assert rows["u", "1.0"] == (False, "test")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('s.add_dependency "a", "~> 1"', ("a", "~> 1", "runtime", None)),
        ("s.add_runtime_dependency('a', '>= 1', '< 2')", ("a", ">= 1, < 2", "runtime", None)),
        ('s.add_runtime_dependency(%q<a>.freeze, [">= 0"])', ("a", ">= 0", "runtime", None)),
        ('spec.add_development_dependency "a"', ("a", None, "dev", None)),
        ("s.add_dependency 'a', version", ("a", None, "runtime", None)),
        ("s.add_dependency 'a', Foo::VERSION", ("a", None, "runtime", None)),
    ],
)
def test_gemspec_calls(line: str, expected: Row) -> None:
    """add_dependency forms, with and without parentheses; a variable version is None."""
    assert _rows("x/a.gemspec", f"Gem::Specification.new do |s|\n  {line}\nend\n") == [expected]
