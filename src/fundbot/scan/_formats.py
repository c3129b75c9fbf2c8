"""Safe loaders for the file formats manifests come in; every failure is a ManifestError."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
import yaml
from defusedxml import DefusedXmlException

from fundbot.errors import ManifestError

try:  # The C loader is an order of magnitude faster on big lockfiles.
    _YamlLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _YamlLoader = yaml.SafeLoader

# An anchor (`&name`) is the only way a YAML file can make its data bigger than itself.
_YAML_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s]", re.MULTILINE)


def load_json(
    path: str, text: str, object_hook: Callable[[dict[str, Any]], Any] | None = None
) -> Any:
    try:
        return json.loads(text, object_hook=object_hook)
    except json.JSONDecodeError as exc:
        raise ManifestError(path, f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise ManifestError(path, "JSON nested too deeply") from None


def load_toml(path: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(path, f"invalid TOML: {exc}") from None
    except RecursionError:
        raise ManifestError(path, "TOML nested too deeply") from None


def load_yaml(path: str, text: str) -> Any:
    """Load one YAML document with the safe loader, refusing alias bombs."""
    try:
        data = yaml.load(text, Loader=_YamlLoader)  # noqa: S506  (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ManifestError(path, f"invalid YAML{where}: {problem}") from None
    except RecursionError:
        raise ManifestError(path, "YAML nested too deeply") from None
    if _YAML_ANCHOR.search(text):
        _check_expansion(path, data, budget=50 * len(text) + 10_000)
    return data


def _check_expansion(path: str, data: Any, budget: int) -> None:
    """Aliases share objects; walking them as parsers do must stay proportional to the file."""
    stack = [data]
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > budget:
            raise ManifestError(path, "YAML aliases expand far beyond the file's size")
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def load_xml(path: str, text: str) -> Element:
    """Parse untrusted XML: no DTDs, no entities, no external references."""
    try:
        return SafeET.fromstring(text.lstrip("\ufeff"), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ManifestError(path, f"refused XML: {type(exc).__name__}") from None
    except SafeET.ParseError as exc:
        raise ManifestError(path, f"invalid XML: {exc}") from None


def local_name(tag: str) -> str:
    """`{http://maven.apache.org/POM/4.0.0}artifactId` -> `artifactId`."""
    return tag.rpartition("}")[2]


def optional_mapping(path: str, data: dict[str, Any], key: str) -> dict[str, Any] | None:
    """`data[key]` when present: a mapping, or a ManifestError naming the key."""
    section = data.get(key)
    return None if section is None else expect_mapping(path, section, f"`{key}`")


def expect_mapping(path: str, data: Any, what: str = "the file") -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ManifestError(path, f"expected {what} to be a mapping, found {type_name(data)}")
    return data


def type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)
