"""Repository settings: load `.github/fundbot.yml`, merge its layers, validate, and defaults."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from importlib import resources
from types import MappingProxyType
from typing import Any, Final, Literal

import yaml

try:  # libyaml's parser: the same result as the pure-Python one, much faster
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - pyyaml built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

from fundbot.config_schema import (
    EXTENDS_KEY,
    EXTENDS_RE,
    SETTINGS_KEYS,
    TOP_LEVEL,
    check,
    describe,
    extends,
    key_name,
)
from fundbot.errors import ConfigError, ConfigProblem
from fundbot.model import PLATFORMS

__all__ = [
    "DEFAULT_CONFIG",
    "PLATFORMS",
    "SETTINGS_PATH",
    "FundbotConfig",
    "as_dict",
    "default_config",
    "effective_config",
    "extends_target",
    "load_yaml_config",
    "merge_layers",
    "validate",
]

# Where a repository keeps its fundbot settings (the org-wide ones: in its `.github` repository).
SETTINGS_PATH: Final = ".github/fundbot.yml"
# GitHub's contents API serves files up to 1 MB; a settings file is a few hundred bytes.
MAX_CONFIG_BYTES: Final = 256 * 1024
_MERGE_TAG: Final = "tag:yaml.org,2002:merge"

SponsorsFrequency = Literal["monthly", "one-time"]


@dataclass(frozen=True)
class FundbotConfig:
    """The effective settings for one repository (or organisation); see config/default.yml."""

    developers: int | None
    per_developer: int
    budget: int | None
    currency: str
    scope_weights: Mapping[str, float]
    transitive_weight: float
    pass_down: float
    depth: int
    min_amount: int
    max_share: float
    max_recipients: int | None
    platform_order: tuple[str, ...]
    exclude: tuple[str, ...]
    ignore_paths: tuple[str, ...]
    include_forks: bool
    include_archived: bool
    plan_repository: str
    repository_issues: bool
    min_fundable: int
    issue_title: str
    plan_issue_title: str
    show_private_repositories: bool
    labels: tuple[str, ...]
    pull_request_comments: bool
    sponsors_frequency: SponsorsFrequency
    # The repository holding the payments ledger (`.github/fundbot/payments/*.csv`);
    # None: the plan repository.
    payments_repository: str | None = None
    # `report_url`, `last_report_date` (YYYY-MM-DD) of the Open Source Pledge report.
    pledge: Mapping[str, str | None] = field(default_factory=lambda: MappingProxyType({}))


DEFAULT_CONFIG: FundbotConfig  # built on first use by `__getattr__`, never at import


def __getattr__(name: str) -> Any:
    if name == "DEFAULT_CONFIG":
        return default_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _default_raw() -> dict[str, Any]:
    # Shared: nothing here changes a layer in place (merging copies what it touches).
    text = (resources.files("fundbot") / "data" / "default.yml").read_text(encoding="utf-8")
    return load_yaml_config(text, "config/default.yml")


@functools.cache
def default_config() -> FundbotConfig:
    """The settings when no file says otherwise."""
    raw = _default_raw()
    problems = check(raw, "config/default.yml")
    missing = [k for k in SETTINGS_KEYS if k not in raw]
    if problems or missing:  # a packaging mistake, not a user's: fail loudly
        raise ConfigError(
            problems
            + [ConfigProblem("config/default.yml", k, "nothing", "a default") for k in missing]
        )
    return _build(raw)


def load_yaml_config(text: str, file: str) -> dict[str, Any]:
    """Parse one settings file; an empty file is `{}`. Raises ConfigError, never yaml's errors."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(
            [ConfigProblem(file, TOP_LEVEL, f"{len(text)} characters", "a smaller file")]
        )
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        raise ConfigError(
            [ConfigProblem(file, TOP_LEVEL, _yaml_error(exc), "valid YAML")]
        ) from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        found = f"invalid YAML: {' '.join(str(exc).split())[:200]}"
        raise ConfigError([ConfigProblem(file, TOP_LEVEL, found, "valid YAML")]) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise ConfigError(
            [
                ConfigProblem(
                    file,
                    key_name(key),
                    f"a second `{key_name(key)}` at line {line}",
                    "each key once (YAML keeps only the last)",
                )
                for key, line in loader.duplicates
            ]
        )
    if data is None:
        return {}
    if not isinstance(data, dict):
        expected = "a mapping of settings (`key: value` lines)"
        raise ConfigError([ConfigProblem(file, TOP_LEVEL, describe(data), expected)])
    return data


class _Loader(_SafeLoader):
    """YAML's safe loader (no Python objects) that also notes keys given twice."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            # `<<: *defaults` merges are meant to be overridden; they are not duplicates.
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
                if key_node.value in seen:
                    self.duplicates.append((key_node.value, key_node.start_mark.line + 1))
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def _yaml_error(exc: yaml.MarkedYAMLError) -> str:
    """`invalid YAML at line L, column C: problem (while … at line L2, column C2)`."""

    def at(mark: Any) -> str:
        return f"line {mark.line + 1}, column {mark.column + 1}"

    problem = " ".join(str(exc.problem or "unreadable").split())
    found = f"invalid YAML at {at(exc.problem_mark)}: {problem}" if exc.problem_mark else problem
    if exc.context and exc.context_mark:
        found += f" ({' '.join(exc.context.split())} at {at(exc.context_mark)})"
    return found


def merge_layers(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Merge farthest to nearest: mappings deeply, everything else (lists too) replaced."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = _merge(merged, layer)
    return merged


def _merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    # Only keys present in both are walked, so the cost is that of the nearer file's keys
    # (a YAML alias bomb is never expanded).
    out = dict(base)
    for key, value in top.items():
        below = out.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            out[key] = _merge(below, value)
        else:
            out[key] = value
    return out


def validate(raw: Mapping[str, Any], file: str) -> FundbotConfig:
    """The settings of one file over the defaults; every problem at once as a ConfigError."""
    problems = check(raw, file)
    if problems:
        raise ConfigError(problems)
    return _build(merge_layers(_default_raw(), raw))


def extends_target(raw: Mapping[str, Any], file: str) -> tuple[str | None, str, str] | None:
    """Where `_extends` points: (owner or None for the same owner, repo, path), or None."""
    value = raw.get(EXTENDS_KEY)
    if value is None:
        return None
    problems = extends(file, EXTENDS_KEY, value)
    match = None if problems else EXTENDS_RE.match(value)
    if match is None:
        raise ConfigError(problems)
    owner, repo, path = match.groups()
    return owner, repo, path or SETTINGS_PATH


def effective_config(
    layers: Sequence[tuple[str, Mapping[str, Any]]],
) -> tuple[FundbotConfig, list[ConfigProblem]]:
    """Defaults under every layer (farthest first). A bad key spoils only itself: an invalid
    value falls back to what the layers below say (in the end the default), and every valid
    key of the same file still applies; each problem names its key."""
    merged = _default_raw()
    problems: list[ConfigProblem] = []
    for file, raw in layers:
        if not isinstance(raw, Mapping):
            problems += check(raw, file)
            continue
        valid: dict[str, Any] = {}
        for key, value in raw.items():
            found = check({key: value}, file)
            if found:
                problems += found
            else:
                valid[key] = value
        merged = merge_layers(merged, valid)
    return _build(merged), problems


def _build(merged: Mapping[str, Any]) -> FundbotConfig:
    values: dict[str, Any] = {}
    for f in fields(FundbotConfig):
        value = merged[f.name]
        if f.name == "scope_weights":
            value = MappingProxyType({k: float(v) for k, v in value.items()})
        elif isinstance(value, list):
            value = tuple(value)
        elif f.name in ("transitive_weight", "pass_down", "max_share"):
            value = float(value)
        elif f.name == "pledge":
            # YAML reads an unquoted 2025-10-08 as a date: kept as the text it was.
            value = MappingProxyType(
                {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in value.items()}
            )
        values[f.name] = value
    return FundbotConfig(**values)


def as_dict(config: FundbotConfig) -> dict[str, Any]:
    """Plain values in default.yml's order, ready for YAML or JSON."""
    out: dict[str, Any] = {}
    for f in fields(config):
        value = getattr(config, f.name)
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        out[f.name] = value
    return out
