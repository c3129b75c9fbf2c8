"""Rules of the Hex scanner: mix.lock tuples, mix.exs dependency options, the literal reader."""

from __future__ import annotations

import pytest

from fundbot.errors import ManifestError
from fundbot.scan import hex as hex_scanner
from fundbot.scan.hex._elixir import Atom, Pair, Reader, tokenize

Row = tuple[str, str | None, str, str | None]


def _mix_exs(deps: str) -> list[Row]:
    text = f"defmodule A.MixProject do\n  defp deps do\n    [\n{deps}\n    ]\n  end\nend\n"
    found = hex_scanner.parse("mix.exs", text) or []
    return [(d.name, d.version, d.scope, d.skip_reason) for d in found]


@pytest.mark.parametrize(
    ("tuple_text", "expected"),
    [
        ('{:jason, "~> 1.4"}', ("jason", "~> 1.4", "runtime", None)),
        ('{:mox, "~> 1.0", only: :test}', ("mox", "~> 1.0", "test", None)),
        ('{:credo, "~> 1.7", only: [:dev, :test]}', ("credo", "~> 1.7", "dev", None)),
        ('{:ex_doc, "~> 0.3", only: :dev, runtime: false}', ("ex_doc", "~> 0.3", "dev", None)),
        ('{:doc, "~> 1.0", only: :docs}', ("doc", "~> 1.0", "dev", None)),
        ('{:tel, "~> 1.0", only: [:prod, :test]}', ("tel", "~> 1.0", "runtime", None)),
        ('{:plug, "~> 1.14", optional: true}', ("plug", "~> 1.14", "optional", None)),
        ('{:tool, "~> 1.0", runtime: false}', ("tool", "~> 1.0", "runtime", None)),
        ('{:app, "~> 2.0", hex: :real_pkg}', ("real_pkg", "~> 2.0", "runtime", None)),
        ('{:g, git: "https://x/g.git", tag: "v1"}', ("g", None, "runtime", "git")),
        ('{:g, github: "x/g"}', ("g", None, "runtime", "git")),
        ('{:p, path: "../p"}', ("p", None, "runtime", "path")),
        ("{:u, in_umbrella: true}", ("u", None, "runtime", "workspace")),
        ("{:v, @version}", ("v", None, "runtime", None)),
    ],
)
def test_mix_exs_forms(tuple_text: str, expected: Row) -> None:
    """Each dependency tuple form gives its package name, requirement, scope and skip."""
    assert _mix_exs(tuple_text) == [expected]


def test_mix_exs_reads_only_deps() -> None:
    """Tuples outside the deps function (aliases, strings, comments) are not dependencies."""
    text = (
        'defmodule A do\n  def project, do: [app: :a, deps: deps(), d: "{:s, \\"1\\"}"]\n'
        '  # {:commented, "1.0"}\n  defp deps, do: [{:a, "1.0"}]\n'
        '  defp aliases, do: [test: [{:not_dep, "x"}]]\nend\n'
    )
    assert [d.name for d in hex_scanner.parse("mix.exs", text) or []] == ["a"]


def test_mix_exs_inline_deps_keyword() -> None:
    """`deps: [...]` written inline in `project` is read too."""
    text = 'def project do\n  [app: :a, deps: [{:b, "~> 1.0"}]]\nend\n'
    assert [d.name for d in hex_scanner.parse("mix.exs", text) or []] == ["b"]


LOCK = """%{
  "a": {:hex, :a, "1.0.0", "h", [:mix],
    [{:b, "~> 2.0", [hex: :b, repo: "hexpm", optional: false]}], "hexpm", "h2"},
  "b": {:hex, :b, "2.0.1", "h", [:mix, :rebar3], [], "hexpm", "h2"},
  "alias": {:hex, :real, "3.0.0", "h", [:mix], [], "hexpm:org", "h2"},
  "g": {:git, "https://github.com/x/g.git", "abc123", [branch: "main"]},
  "odd": {:unknown, "x"},
}
"""


def test_lock_entries() -> None:
    """Hex tuples give (package, version); git tuples are skipped; what nothing needs is direct."""
    found = hex_scanner.parse("mix.lock", LOCK) or []
    assert [(d.name, d.version, d.direct, d.skip_reason) for d in found] == [
        ("a", "1.0.0", True, None),
        ("b", "2.0.1", False, None),
        ("real", "3.0.0", True, None),
        ("g", "abc123", True, "git"),
        ("odd", None, True, "invalid"),
    ]


def test_lock_edges_name_hex_packages_and_skip_optional_ones() -> None:
    """Edges follow `hex:` (or the lock's own entry for the app), optional ones are left
    out, and entries without a deps list are leaves."""
    text = """%{
  "a": {:hex, :a, "1.0.0", "h", [:mix], [
    {:b, "~> 2.0", [hex: :b, repo: "hexpm", optional: false]},
    {:alias, "~> 3.0", [repo: "hexpm:org", optional: false]},
    {:renamed, "~> 1.0", [hex: :real_name, optional: false]},
    {:c, "~> 1.0", [hex: :c, optional: true]},
    {:a, "~> 1.0", []}, :odd]},
  "b": {:hex, :b, "2.0.1", "h", [:mix], [], "hexpm", "h2"},
  "alias": {:hex, :real, "3.0.0", "h", [:mix], [], "hexpm:org", "h2"},
  "g": {:git, "https://github.com/x/g.git", "abc123", [branch: "main"]},
}
"""
    found = hex_scanner.parse("mix.lock", text) or []
    assert {d.name: d.requires for d in found} == {
        "a": ("b", "real", "real_name"),
        "b": (),
        "real": (),
        "g": (),
    }


@pytest.mark.parametrize("text", ['["a"]', "{:hex, :a}", "%{" + "[" * 500])
def test_lock_bad_input(text: str) -> None:
    """A lockfile that is not a map, or is nested absurdly deep, is a ManifestError."""
    with pytest.raises(ManifestError):
        hex_scanner.parse("mix.lock", text)


def test_reader_values() -> None:
    """The literal reader turns atoms, strings, tuples, keyword lists and maps into values."""
    reader = Reader("f", tokenize('%{"k": {:a, "s", [x: true, y: nil]}, "m" => [1]} rest'))
    value = reader.value()
    assert reader.peek() == ("word", "rest")
    assert value == [
        Pair("k", (Atom("a"), "s", [Pair("x", Atom("true")), Pair("y", Atom("nil"))])),
        Pair("m", [None]),
    ]
