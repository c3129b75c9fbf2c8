"""The registry sources, one module each, in one explicit alphabetical registry.

The GitHub GraphQL source (`sources.github`) is stage 2 and is not listed here: it answers
for any package whose repository is on GitHub, whatever its ecosystem.
"""

from __future__ import annotations

from fundbot.resolve.sources.crates import CratesSource
from fundbot.resolve.sources.golang import GoSource
from fundbot.resolve.sources.hex import HexSource
from fundbot.resolve.sources.maven import MavenSource
from fundbot.resolve.sources.npm import NpmSource
from fundbot.resolve.sources.nuget import NuGetSource
from fundbot.resolve.sources.packagist import PackagistSource
from fundbot.resolve.sources.pubdev import PubDevSource
from fundbot.resolve.sources.pypi import PyPISource
from fundbot.resolve.sources.rubygems import RubyGemsSource

REGISTRY_SOURCES = (
    CratesSource,
    GoSource,
    HexSource,
    MavenSource,
    NpmSource,
    NuGetSource,
    PackagistSource,
    PubDevSource,
    PyPISource,
    RubyGemsSource,
)

__all__ = ["REGISTRY_SOURCES"]
