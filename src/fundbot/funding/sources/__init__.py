"""The registry sources, one module each, in one explicit alphabetical registry.

The GitHub GraphQL source (`sources.github`) is stage 2 and is not listed here: it answers
for any package whose repository is on GitHub, whatever its ecosystem.
"""

from __future__ import annotations

from fundbot.funding.sources.crates import CratesSource
from fundbot.funding.sources.golang import GoSource
from fundbot.funding.sources.hex import HexSource
from fundbot.funding.sources.maven import MavenSource
from fundbot.funding.sources.npm import NpmSource
from fundbot.funding.sources.nuget import NuGetSource
from fundbot.funding.sources.packagist import PackagistSource
from fundbot.funding.sources.pubdev import PubDevSource
from fundbot.funding.sources.pypi import PyPISource
from fundbot.funding.sources.rubygems import RubyGemsSource

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
