"""`setup.py`, read statically: the file is parsed with `ast`, never executed or imported.

From the `setup(...)` call: `install_requires` runtime, `tests_require` test,
`setup_requires` build, `extras_require` values optional. Literal lists, tuples, strings
and dicts are read, as are module-level names assigned a literal (`requires = [...]` then
`install_requires=requires`) and `a + b` of those; anything computed is ignored.
"""

from __future__ import annotations

import ast
from typing import Final

from fundbot.errors import ManifestError
from fundbot.model import Dependency, Scope
from fundbot.scan.pypi._common import Collector

MAX_BYTES: Final = 2 * 1024 * 1024
# Real setup.py files have hundreds of lines; a syntax tree of 500,000 costs seconds.
MAX_LINES: Final = 20_000
# Bounds how far `a = b`, `b = c + d` chains are followed.
_MAX_DEPTH: Final = 8
_KEYWORDS: Final[dict[str, Scope]] = {
    "install_requires": "runtime",
    "tests_require": "test",
    "setup_requires": "build",
}


def parse(path: str, text: str) -> list[Dependency]:
    if "setup" not in text:
        return []  # no `setup(...)` call to read: not worth building a syntax tree
    tree = _parse_ast(path, text)
    names = _module_assignments(tree)
    out = Collector(path)
    for call in _setup_calls(tree):
        for keyword in call.keywords:
            if keyword.arg in _KEYWORDS:
                for req in _strings(keyword.value, names, 0):
                    out.add_requirement(req, _KEYWORDS[keyword.arg])
            elif keyword.arg == "extras_require":
                for req in _extras(keyword.value, names):
                    out.add_requirement(req, "optional")
    return out.result()


def _parse_ast(path: str, text: str) -> ast.Module:
    if len(text) > MAX_BYTES:
        raise ManifestError(path, f"{len(text) / 1e6:.1f} MB is too large for static reading")
    lines = text.count("\n")
    if lines > MAX_LINES:
        raise ManifestError(path, f"{lines} lines is too long for static reading")
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise ManifestError(path, f"invalid Python at line {exc.lineno}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ManifestError(path, "Python nested too deeply to read") from None
    except ValueError as exc:  # null bytes
        raise ManifestError(path, f"invalid Python: {exc}") from None


def _module_assignments(tree: ast.Module) -> dict[str, ast.expr]:
    """`name = <expr>` at module level; the last assignment wins, as at run time."""
    names: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node.value
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            names[node.target.id] = node.value
    return names


def _setup_calls(tree: ast.Module) -> list[ast.Call]:
    """Calls to `setup(...)` or `setuptools.setup(...)` anywhere in the file."""
    calls: list[ast.Call] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "setup") or (
                isinstance(func, ast.Attribute) and func.attr == "setup"
            ):
                calls.append(node)
    return calls


def _strings(node: ast.expr, names: dict[str, ast.expr], depth: int) -> list[str]:
    """The requirement strings a literal expression holds; [] for anything dynamic."""
    if depth > _MAX_DEPTH:
        return []
    if isinstance(node, ast.Name) and node.id in names:
        return _strings(names[node.id], names, depth + 1)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [line for line in node.value.splitlines() if line.strip()]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        found: list[str] = []
        for element in node.elts:
            found.extend(_strings(element, names, depth + 1))
        return found
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _strings(node.left, names, depth + 1) + _strings(node.right, names, depth + 1)
    return []


def _extras(node: ast.expr, names: dict[str, ast.expr]) -> list[str]:
    if isinstance(node, ast.Name) and node.id in names:
        node = names[node.id]
    if not isinstance(node, ast.Dict):
        return []
    found: list[str] = []
    for value in node.values:
        found.extend(_strings(value, names, 1))
    return found
