"""Settings: default.yml, validation of every kind of problem, layer merging, `_extends`."""

from __future__ import annotations

import re
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fundbot.config
from fundbot.config import (
    FundbotConfig,
    default_config,
    effective_config,
    extends_target,
    load_yaml_config,
    merge_layers,
    validate,
)
from fundbot.config_schema import check
from fundbot.errors import ConfigError, ConfigProblem
from fundbot.model import PLATFORMS
from tests.time_bounds import within

CONFIG_FIXTURES = Path(__file__).parent / "fixtures" / "config"
DEFAULT_YML = Path(fundbot.config.__file__).parent / "data" / "default.yml"


def problems_of(text: str, file: str = "f.yml") -> list[tuple[str, str, str]]:
    """(key, found, expected) of every problem in a settings text; [] when it is valid."""
    try:
        validate(load_yaml_config(text, file), file)
    except ConfigError as exc:
        assert all(p.file == file for p in exc.problems)
        return [(p.key, p.found, p.expected) for p in exc.problems]
    return []


# ---------------------------------------------------------------------------------------
# default.yml


def test_default_yml_documents_every_field() -> None:
    """Each FundbotConfig field is a top-level key of default.yml, under a comment line."""
    lines = DEFAULT_YML.read_text(encoding="utf-8").splitlines()
    top = {m.group(1): i for i, line in enumerate(lines) if (m := re.match(r"^(\w+):", line))}
    names = [f.name for f in fields(FundbotConfig)]
    assert list(top) == names
    for name, index in top.items():
        assert lines[index - 1].startswith("# "), name


def test_default_yml_documents_every_scope() -> None:
    """Each scope weight carries its own comment."""
    text = DEFAULT_YML.read_text(encoding="utf-8")
    for scope in default_config().scope_weights:
        assert re.search(rf"^  {scope}: [\d.]+  # \w", text, re.MULTILINE), scope


def test_default_yml_validates_and_holds_the_documented_defaults() -> None:
    """default.yml is valid and says what DESIGN says: USD 2,000, 1.0/0.5, 0.25, 100, 0.2."""
    config = validate(load_yaml_config(DEFAULT_YML.read_text(encoding="utf-8"), "d"), "d")
    assert config == default_config()
    assert (config.developers, config.per_developer, config.budget) == (None, 2000, None)
    assert dict(config.scope_weights) == {
        "runtime": 1.0,
        "dev": 0.5,
        "test": 0.5,
        "build": 0.5,
        "optional": 0.5,
        "peer": 0.5,
    }
    assert (config.transitive_weight, config.min_amount, config.max_share) == (0.25, 100, 0.2)
    assert config.platform_order == PLATFORMS
    assert len(PLATFORMS) == 14
    assert (config.include_forks, config.include_archived) == (False, False)
    assert config.plan_repository == ".github"


def test_no_layers_give_the_defaults() -> None:
    """An empty file and no files at all both mean config/default.yml."""
    assert validate({}, "f") == default_config()
    assert effective_config([]) == (default_config(), [])


def test_default_config_is_built_on_first_use() -> None:
    """DEFAULT_CONFIG is not a module attribute until asked for, then it is the defaults."""
    assert "DEFAULT_CONFIG" not in vars(fundbot.config)
    assert fundbot.config.DEFAULT_CONFIG is default_config()
    with pytest.raises(AttributeError):
        _ = fundbot.config.NO_SUCH_NAME


# ---------------------------------------------------------------------------------------
# One kind of problem at a time

KNOWN = "a known key (one of " + ", ".join(sorted(f.name for f in fields(FundbotConfig))) + ")"
WHOLE_1 = "a whole number ≥ 1 (null: estimate from commit authors), or null"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("developers: 25", []),
        ("developers: null", []),
        ("developers: true", [("developers", "true (a boolean)", WHOLE_1)]),
        ("developers: 0", [("developers", "0 (a whole number)", WHOLE_1)]),
        ("developers: 2.5", [("developers", "2.5 (a number)", WHOLE_1)]),
        ('developers: "25"', [("developers", '"25" (a string)', WHOLE_1)]),
        ("developers: 2024-01-01", [("developers", "2024-01-01 (a date)", WHOLE_1)]),
        ("per_developer: -1", [("per_developer", "-1 (a whole number)", "a whole number ≥ 0")]),
        ("per_developer: 0", []),
        ("budget: 0", []),
        (
            "budget: [1]",
            [
                (
                    "budget",
                    "a list of 1 item",
                    "a whole number ≥ 0 (null: developers x per_developer), or null",
                )
            ],
        ),
        (
            "currency: usd",
            [("currency", '"usd" (a string)', "a three-letter currency code such as USD")],
        ),
        ("max_share: 1", []),
        ("max_share: 0", [("max_share", "0 (a whole number)", "a number > 0 and ≤ 1")]),
        ("max_share: 1.5", [("max_share", "1.5 (a number)", "a number > 0 and ≤ 1")]),
        ("max_share: .nan", [("max_share", "nan (a number)", "a number > 0 and ≤ 1")]),
        ("transitive_weight: 0", []),
        ("transitive_weight: .inf", [("transitive_weight", "inf (a number)", "a number ≥ 0")]),
        ("transitive_weight: -0.1", [("transitive_weight", "-0.1 (a number)", "a number ≥ 0")]),
        ("min_amount: 0", []),
        ("min_amount: 1.0", [("min_amount", "1.0 (a number)", "a whole number ≥ 0")]),
        (
            "max_recipients: 0",
            [("max_recipients", "0 (a whole number)", "a whole number ≥ 1, or null")],
        ),
        ("scope_weights: {dev: 0}", []),
        (
            "scope_weights: {dev: -1}",
            [("scope_weights.dev", "-1 (a whole number)", "a number ≥ 0")],
        ),
        (
            "scope_weights: {dev: false}",
            [("scope_weights.dev", "false (a boolean)", "a number ≥ 0")],
        ),
        (
            "scope_weights: {tests: 1}",
            [("scope_weights.tests", "an unknown key", "a known key; did you mean `test`?")],
        ),
        (
            "scope_weights: 1",
            [
                (
                    "scope_weights",
                    "1 (a whole number)",
                    "a mapping with keys among runtime, dev, test, build, optional, peer",
                )
            ],
        ),
        ("platform_order: [github]", []),
        (
            "platform_order: github",
            [("platform_order", '"github" (a string)', "a list of platform ids")],
        ),
        (
            "platform_order: [Github]",
            [
                (
                    "platform_order.0",
                    '"Github" (a string)',
                    "one of " + ", ".join(f"`{p}`" for p in PLATFORMS),
                )
            ],
        ),
        (
            "platform_order: [github, github]",
            [("platform_order.1", '"github" (a string)', "no repeated entries")],
        ),
        ("exclude: [1]", [("exclude.0", "1 (a whole number)", "a non-empty string")]),
        ("ignore_paths: []", []),
        ("include_forks: yes", []),
        ("include_forks: 1", [("include_forks", "1 (a whole number)", "true or false")]),
        (
            "plan_repository: a/b",
            [
                (
                    "plan_repository",
                    '"a/b" (a string)',
                    "a repository name in the organisation, like .github",
                )
            ],
        ),
        ("sponsors_frequency: one-time", []),
        (
            "sponsors_frequency: yearly",
            [("sponsors_frequency", '"yearly" (a string)', "one of `monthly`, `one-time`")],
        ),
        ("labels: [a, a]", [("labels.1", '"a" (a string)', "no repeated entries")]),
        (
            "issue_title: ' '",
            [("issue_title", '" " (a string)', "a non-empty title of at most 256 characters")],
        ),
        ("min_fundable: 0", [("min_fundable", "0 (a whole number)", "a whole number ≥ 1")]),
        (
            "developpers: 3",
            [("developpers", "an unknown key", "a known key; did you mean `developers`?")],
        ),
        ("zzz: 3", [("zzz", "an unknown key", KNOWN)]),
        ("1: 3", [("1 (a whole number)", "an unknown key", KNOWN)]),
        ("_extends: .github", []),
        ('"a\\nb`<x>": 1', [('"a\\nb`<x>"', "an unknown key", KNOWN)]),
        (
            "scope_weights: {'a b': 1}",
            [
                (
                    'scope_weights."a b"',
                    "an unknown key",
                    "a known key (one of build, dev, optional, peer, runtime, test)",
                )
            ],
        ),
        (
            "_extends: [a]",
            [
                (
                    "_extends",
                    "a list of 1 item",
                    "`repo`, `owner/repo` or `owner/repo:path/to/file.yml` (Probot's `_extends`)",
                )
            ],
        ),
    ],
)
def test_each_kind_of_problem(text: str, expected: list[tuple[str, str, str]]) -> None:
    """Each key's type and range is checked, bool is not a number, with found and expected."""
    assert problems_of(text) == expected


def test_every_problem_at_once() -> None:
    """A file with 16 mistakes reports all 16, in the file's order, each naming the file."""
    file = "tests/fixtures/config/all-problems.yml"
    text = (CONFIG_FIXTURES / "all-problems.yml").read_text(encoding="utf-8")
    found = problems_of(text, file)
    assert [key for key, _, _ in found] == [
        "developers",
        "per_developer",
        "budgte",
        "currency",
        "scope_weights.runtime",
        "scope_weights.devv",
        "transitive_weight",
        "max_share",
        "max_recipients",
        "platform_order.1",
        "platform_order.2",
        "exclude",
        "include_forks",
        "labels.0",
        "sponsors_frequency",
        "_extends",
    ]
    assert found[2] == ("budgte", "an unknown key", "a known key; did you mean `budget`?")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("a: [1\n", "invalid YAML at line 2, column 1: did not find expected ',' or ']'"),
        ("a: b\n  c: d\n", "invalid YAML at line 2, column 4: mapping values are not allowed"),
        ("x: 1\n\t- y\n", "invalid YAML at line 2, column 1: found a tab character"),
        ("a: !!python/object:os.system x\n", "could not determine a constructor"),
    ],
)
def test_invalid_yaml_names_the_line(text: str, found: str) -> None:
    """Unparseable YAML is one problem with the line and column, never a yaml exception."""
    with pytest.raises(ConfigError) as caught:
        load_yaml_config(text, "f.yml")
    (problem,) = caught.value.problems
    assert (problem.file, problem.key, problem.expected) == ("f.yml", "(top level)", "valid YAML")
    assert found in problem.found


def test_unclosed_quote_points_at_where_it_started() -> None:
    """An unclosed quote is reported at the end of the file and at the line it opened."""
    text = (CONFIG_FIXTURES / "invalid-yaml.yml").read_text(encoding="utf-8")
    assert problems_of(text) == [
        (
            "(top level)",
            "invalid YAML at line 5, column 1: found unexpected end of stream"
            " (while scanning a quoted scalar at line 3, column 5)",
            "valid YAML",
        )
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "developers: 1\nexclude: []\ndevelopers: 2\n",
            [("developers", "a second `developers` at line 3")],
        ),
        ("scope_weights:\n  dev: 1\n  dev: 2\n", [("dev", "a second `dev` at line 3")]),
        ("labels: &l [a]\nexclude: *l\n", []),
        # A `<<` merge is meant to be overridden: not a duplicate.
        ("scope_weights:\n  <<: {dev: 1, test: 1}\n  dev: 2\n", []),
    ],
)
def test_keys_given_twice(text: str, expected: list[tuple[str, str]]) -> None:
    """YAML silently keeps the last of two equal keys; fundbot reports the second instead."""
    expect = "each key once (YAML keeps only the last)"
    assert problems_of(text) == [(key, found, expect) for key, found in expected]


def test_byte_order_mark_is_fine() -> None:
    """A file saved with a UTF-8 byte order mark reads like any other."""
    assert load_yaml_config("\ufeffdevelopers: 3\n", "f.yml") == {"developers": 3}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("- developers: 10", "a list of 1 item"),
        ("just words", '"just words" (a string)'),
        ("42", "42 (a whole number)"),
    ],
)
def test_top_level_must_be_a_mapping(text: str, found: str) -> None:
    """A file that is not `key: value` lines says what it is instead."""
    assert problems_of(text) == [
        ("(top level)", found, "a mapping of settings (`key: value` lines)")
    ]


@pytest.mark.parametrize(
    "text",
    [
        # A billion laughs: aliases are shared by the loader and never walked or printed.
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        )
        + "exclude: *h\nscope_weights: {runtime: *h}\nzz: *h\n",
        "exclude: " + "[" * 5000 + "]" * 5000,
        "developers: " + "9" * 100_000,
        "exclude: [" + ", ".join(["x"] * 50_000) + "]",
        "issue_title: " + "<img src=x onerror=alert(1)>" * 20,
    ],
)
def test_hostile_files_are_reported_quickly(text: str) -> None:
    """Alias bombs, deep nesting and huge values become short problems, fast."""
    start = time.perf_counter()
    found = problems_of(text)
    assert found
    assert all(len(f) < 300 and len(k) < 100 for k, f, _ in found[:5])
    # About 0.3 s idle; the bound leaves room for load.
    assert time.perf_counter() - start < within(3)


def test_oversized_file() -> None:
    """A settings file over 256 KiB is refused as a whole."""
    assert problems_of("# " + "x" * 300_000) == [
        ("(top level)", "300002 characters", "a smaller file")
    ]


def test_valid_fixture_over_defaults() -> None:
    """A partial mapping merges into the defaults key by key; lists replace; tuples come out."""
    raw = load_yaml_config((CONFIG_FIXTURES / "valid.yml").read_text(encoding="utf-8"), "v")
    config = validate(raw, "v")
    assert config.developers == 40
    assert config.max_share == 0.1
    assert dict(config.scope_weights) == {**default_config().scope_weights, "dev": 0.25}
    assert config.exclude == ("npm:@acme/*", "https://github.com/acme-labs/*")
    assert config.labels == ("funding", "open-source-pledge")
    assert config.sponsors_frequency == "one-time"
    assert config.min_amount == 100


# ---------------------------------------------------------------------------------------
# Layers and `_extends`


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ([], {}),
        ([{"a": 1}, {"a": 2}], {"a": 2}),
        ([{"a": 1}, {"b": 2}], {"a": 1, "b": 2}),
        ([{"m": {"x": 1, "y": 2}}, {"m": {"y": 3}}], {"m": {"x": 1, "y": 3}}),
        ([{"m": {"n": {"x": 1}}}, {"m": {"n": {"y": 2}}}], {"m": {"n": {"x": 1, "y": 2}}}),
        ([{"l": [1, 2]}, {"l": [3]}], {"l": [3]}),
        ([{"l": [1, 2]}, {"l": []}], {"l": []}),
        ([{"a": 5}, {"a": None}], {"a": None}),
        ([{"m": {"x": 1}}, {"m": 7}], {"m": 7}),
        ([{"m": 7}, {"m": {"x": 1}}], {"m": {"x": 1}}),
        ([{"a": 1}, {"a": 2}, {"a": 3}], {"a": 3}),
    ],
)
def test_merge_layers(layers: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    """Mappings merge deeply, lists and scalars are replaced, the nearer (later) layer wins."""
    assert merge_layers(*layers) == expected


def test_merge_layers_leaves_its_inputs_alone() -> None:
    """Merging never changes the layers it was given."""
    far, near = {"m": {"x": 1}, "l": [1]}, {"m": {"y": 2}, "l": [2]}
    merge_layers(far, near)
    assert (far, near) == ({"m": {"x": 1}, "l": [1]}, {"m": {"y": 2}, "l": [2]})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (".github", (None, ".github", ".github/fundbot.yml")),
        ("acme/.github", ("acme", ".github", ".github/fundbot.yml")),
        ("settings:fundbot.yml", (None, "settings", "fundbot.yml")),
        ("Acme-Corp/cfg:teams/web/fundbot.yaml", ("Acme-Corp", "cfg", "teams/web/fundbot.yaml")),
        (None, None),
    ],
)
def test_extends_target(value: str | None, expected: Any) -> None:
    """Probot's `_extends` forms: repo, owner/repo, and either with `:path.yml`."""
    raw = {} if value is None else {"_extends": value}
    assert extends_target(raw, "f.yml") == expected


@pytest.mark.parametrize(
    "value",
    ["a/b/c", "-acme/x", "acme/x:file.txt", "x:../../secrets.yml", "", "a b", 3, ["a"]],
)
def test_extends_target_refuses_other_forms(value: object) -> None:
    """Anything else is a ConfigError on `_extends`, never a fetch of a surprising path."""
    with pytest.raises(ConfigError) as caught:
        extends_target({"_extends": value}, "f.yml")
    assert [p.key for p in caught.value.problems] == ["_extends"]


def test_effective_config_nearer_wins() -> None:
    """Defaults, then the org file, then an extended file, then the repository file."""
    config, problems = effective_config(
        [
            ("acme/.github:.github/fundbot.yml", {"developers": 50, "labels": ["pledge"]}),
            ("acme/base:fundbot.yml", {"scope_weights": {"dev": 0.1}, "developers": 60}),
            ("acme/web:.github/fundbot.yml", {"scope_weights": {"test": 0.2}}),
        ]
    )
    assert problems == []
    assert config.developers == 60
    assert config.labels == ("pledge",)
    assert (config.scope_weights["dev"], config.scope_weights["test"]) == (0.1, 0.2)
    assert config.scope_weights["runtime"] == 1.0


def test_effective_config_skips_only_the_invalid_keys() -> None:
    """A bad key spoils only itself: it falls back to the layer below, the file's valid keys
    still apply, and a layer that is not a mapping is left out whole."""
    config, problems = effective_config(
        [
            ("org.yml", {"developers": 50}),
            ("repo.yml", {"developers": 70, "max_share": 2}),
            ("bad.yml", ["not", "a", "mapping"]),  # type: ignore[list-item]
        ]
    )
    assert config.developers == 70
    assert config.max_share == 0.2
    assert problems == [
        ConfigProblem("repo.yml", "max_share", "2 (a whole number)", "a number > 0 and ≤ 1"),
        ConfigProblem(
            "bad.yml",
            "(top level)",
            "a list of 3 items",
            "a mapping of settings (`key: value` lines)",
        ),
    ]


def test_effective_config_of_nothing_is_the_defaults() -> None:
    """No files at all: the defaults, no problems."""
    assert effective_config([]) == (default_config(), [])


VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from([f.name for f in fields(FundbotConfig)] + ["_extends"]) | st.text(max_size=8)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(raw=st.dictionaries(KEYS, VALUES, max_size=6))
def test_any_mapping_validates_or_says_why(raw: dict[str, Any]) -> None:
    """Whatever a file holds, validation returns settings or ConfigProblems, nothing else."""
    try:
        config = validate(raw, "f.yml")
    except ConfigError as exc:
        assert exc.problems
        assert all(p.file == "f.yml" and "\n" not in str(p) for p in exc.problems)
        effective, problems = effective_config([("f.yml", raw)])
        assert problems == list(exc.problems)
        # Each valid key still applies; each invalid one keeps its default.
        valid = {k: v for k, v in raw.items() if not check({k: v}, "f.yml")}
        assert effective == validate(valid, "f.yml")
    else:
        assert effective_config([("f.yml", raw)]) == (config, [])
