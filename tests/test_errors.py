"""Every error fundbot defines is a FundbotError, so one `except` at a layer's edge holds."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import fundbot
from fundbot.errors import FundbotError


def _exception_classes() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(fundbot.__path__, "fundbot."):
        if info.name == "fundbot.__main__":
            continue
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == info.name:
                found.append(value)
    return found


def test_every_fundbot_exception_derives_from_fundbot_error() -> None:
    """No module defines an exception outside the FundbotError family."""
    classes = _exception_classes()
    assert len(classes) > 5  # the walk did find the package's exceptions
    strays = [
        f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, FundbotError)
    ]
    assert strays == []
