"""The platform table: classifying links, FUNDING.yml keys and GraphQL enum values."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fundbot.links import platforms
from fundbot.links.platforms import (
    PLATFORMS,
    channel_from_platform,
    channel_from_url,
    display_name,
    platform_url,
)
from fundbot.model import FundingChannel

REPO = Path(__file__).resolve().parents[2]
VIA = "test"


def test_table_lists_exactly_the_platform_ids() -> None:
    """platforms.yml holds one row per id in PLATFORMS, in the same order."""
    table = yaml.safe_load((REPO / "src/fundbot/data/platforms.yml").read_text())
    assert tuple(row["id"] for row in table["platforms"]) == PLATFORMS
    assert len(PLATFORMS) == 14


def test_config_symlink_reaches_the_same_table() -> None:
    """`config/platforms.yml` at the top of the repository is the packaged table."""
    top = REPO / "config" / "platforms.yml"
    assert top.read_text() == (REPO / "src/fundbot/data/platforms.yml").read_text()


@pytest.mark.parametrize(
    ("url", "platform", "handle", "canonical"),
    [
        (
            "https://github.com/sponsors/Hynek",
            "github",
            "hynek",
            "https://github.com/sponsors/hynek",
        ),
        ("github.com/sponsors/hynek/", "github", "hynek", "https://github.com/sponsors/hynek"),
        ("https://opencollective.com/express", "open_collective", "express", None),
        (
            "https://opencollective.com/Babel/donate?utm_source=npm",
            "open_collective",
            "babel",
            "https://opencollective.com/babel",
        ),
        ("https://thanks.dev/u/gh/hynek", "thanks_dev", "gh/hynek", None),
        ("https://thanks.dev/gh/hynek", "thanks_dev", "gh/hynek", "https://thanks.dev/u/gh/hynek"),
        ("https://polar.sh/polarsource", "polar", "polarsource", None),
        (
            "https://liberapay.com/liberapay/",
            "liberapay",
            "liberapay",
            "https://liberapay.com/liberapay",
        ),
        ("http://ko-fi.com/caraxi", "ko_fi", "caraxi", "https://ko-fi.com/caraxi"),
        ("https://www.patreon.com/zloirock", "patreon", "zloirock", "https://patreon.com/zloirock"),
        (
            "https://patreon.com/c/provenance",
            "patreon",
            "provenance",
            "https://patreon.com/provenance",
        ),
        (
            "https://www.buymeacoffee.com/frostming",
            "buy_me_a_coffee",
            "frostming",
            "https://buymeacoffee.com/frostming",
        ),
        ("https://tidelift.com/funding/github/npm/core-js", "tidelift", "npm/core-js", None),
        (
            "https://tidelift.com/subscription/pkg/pypi-requests?utm_source=pypi-requests",
            "tidelift",
            "pypi/requests",
            "https://tidelift.com/funding/github/pypi/requests",
        ),
        (
            "https://tidelift.com/lifter/search/pypi/django",
            "tidelift",
            "pypi/django",
            "https://tidelift.com/funding/github/pypi/django",
        ),
        ("https://issuehunt.io/r/ant-design", "issuehunt", "ant-design", None),
        (
            "https://crowdfunding.lfx.linuxfoundation.org/projects/cloud-foundry",
            "lfx_crowdfunding",
            "cloud-foundry",
            None,
        ),
        (
            "https://funding.communitybridge.org/projects/cloud-foundry",
            "community_bridge",
            "cloud-foundry",
            None,
        ),
    ],
)
def test_channel_from_url_known_platforms(
    url: str, platform: str, handle: str, canonical: str | None
) -> None:
    """Profile links are recognised by host and path and rebuilt as the canonical URL."""
    expected_url = canonical or url
    assert channel_from_url(url, VIA) == FundingChannel(platform, expected_url, handle, VIA)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("paypal.me/zloirock", "https://paypal.me/zloirock"),
        ("https://rubycentral.org/#/portal/signup", "https://rubycentral.org#/portal/signup"),
        ("https://github.com/psf/requests?sponsor=1", "https://github.com/psf/requests?sponsor=1"),
        ("https://github.com/hynek", "https://github.com/hynek"),
        ("https://opencollective.com/", "https://opencollective.com"),
        ("https://tidelift.com/about", "https://tidelift.com/about"),
        ("https://www.python.org/psf/sponsorship/", "https://www.python.org/psf/sponsorship"),
    ],
)
def test_channel_from_url_custom(url: str, expected: str) -> None:
    """Other links, including non-profile pages on platform hosts, stay custom without handle."""
    assert channel_from_url(url, VIA) == FundingChannel("custom", expected, None, VIA)


@pytest.mark.parametrize("url", ["", "mailto:x@example.org", "javascript:void(0)", "hello"])
def test_channel_from_url_rejects(url: str) -> None:
    """Non-links give no channel."""
    assert channel_from_url(url, VIA) is None


@pytest.mark.parametrize(
    ("key", "value", "platform", "handle", "url"),
    [
        ("github", "hynek", "github", "hynek", "https://github.com/sponsors/hynek"),
        ("github", "JoeMatt", "github", "joematt", "https://github.com/sponsors/joematt"),
        (
            "GITHUB",
            "https://github.com/hynek",
            "github",
            "hynek",
            "https://github.com/sponsors/hynek",
        ),
        (
            "GITHUB",
            "https://github.com/sponsors/hynek",
            "github",
            "hynek",
            "https://github.com/sponsors/hynek",
        ),
        ("patreon", "zloirock", "patreon", "zloirock", "https://patreon.com/zloirock"),
        (
            "PATREON",
            "https://patreon.com/zloirock",
            "patreon",
            "zloirock",
            "https://patreon.com/zloirock",
        ),
        (
            "open_collective",
            "core-js",
            "open_collective",
            "core-js",
            "https://opencollective.com/core-js",
        ),
        (
            "OPEN_COLLECTIVE",
            "https://opencollective.com/core-js",
            "open_collective",
            "core-js",
            "https://opencollective.com/core-js",
        ),
        ("ko_fi", "caraxi", "ko_fi", "caraxi", "https://ko-fi.com/caraxi"),
        ("KO_FI", "https://ko-fi.com/caraxi", "ko_fi", "caraxi", "https://ko-fi.com/caraxi"),
        (
            "tidelift",
            "npm/core-js",
            "tidelift",
            "npm/core-js",
            "https://tidelift.com/funding/github/npm/core-js",
        ),
        (
            "TIDELIFT",
            "https://tidelift.com/funding/github/npm/core-js",
            "tidelift",
            "npm/core-js",
            "https://tidelift.com/funding/github/npm/core-js",
        ),
        ("thanks_dev", "u/gh/hynek", "thanks_dev", "gh/hynek", "https://thanks.dev/u/gh/hynek"),
        (
            "THANKS_DEV",
            "https://thanks.dev/u/gh/hynek",
            "thanks_dev",
            "gh/hynek",
            "https://thanks.dev/u/gh/hynek",
        ),
        ("polar", "polarsource", "polar", "polarsource", "https://polar.sh/polarsource"),
        (
            "POLAR",
            "https://polar.sh/polarsource",
            "polar",
            "polarsource",
            "https://polar.sh/polarsource",
        ),
        (
            "buy_me_a_coffee",
            "joemattiello",
            "buy_me_a_coffee",
            "joemattiello",
            "https://buymeacoffee.com/joemattiello",
        ),
        (
            "BUY_ME_A_COFFEE",
            "https://www.buymeacoffee.com/joemattiello",
            "buy_me_a_coffee",
            "joemattiello",
            "https://buymeacoffee.com/joemattiello",
        ),
        ("liberapay", "liberapay", "liberapay", "liberapay", "https://liberapay.com/liberapay"),
        ("issuehunt", "ant-design", "issuehunt", "ant-design", "https://issuehunt.io/r/ant-design"),
        (
            "lfx_crowdfunding",
            "cloud-foundry",
            "lfx_crowdfunding",
            "cloud-foundry",
            "https://crowdfunding.lfx.linuxfoundation.org/projects/cloud-foundry",
        ),
        (
            "LFX_CROWDFUNDING",
            "https://crowdfunding.lfx.linuxfoundation.org/projects/cloud-foundry",
            "lfx_crowdfunding",
            "cloud-foundry",
            "https://crowdfunding.lfx.linuxfoundation.org/projects/cloud-foundry",
        ),
        (
            "community_bridge",
            "cloud-foundry",
            "community_bridge",
            "cloud-foundry",
            "https://funding.communitybridge.org/projects/cloud-foundry",
        ),
        ("custom", "paypal.me/zloirock", "custom", None, "https://paypal.me/zloirock"),
        ("CUSTOM", "https://hynek.me/say-thanks/", "custom", None, "https://hynek.me/say-thanks"),
        (
            "custom",
            "https://polar.sh/polarsource",
            "polar",
            "polarsource",
            "https://polar.sh/polarsource",
        ),
        (
            "some_new_platform",
            "https://example.org/give",
            "custom",
            None,
            "https://example.org/give",
        ),
        ("SOME_NEW_ENUM", "https://example.org/give", "custom", None, "https://example.org/give"),
    ],
)
def test_channel_from_platform(
    key: str, value: str, platform: str, handle: str | None, url: str
) -> None:
    """FUNDING.yml keys and GraphQL enum values map to channels; unknown ones become custom."""
    assert channel_from_platform(key, value, VIA) == FundingChannel(platform, url, handle, VIA)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("otechie", "someone"),
        ("OTECHIE", "https://otechie.com/someone"),
        ("github", ""),
        ("github", "two words"),
        ("ko_fi", "# Replace with a single Ko-fi username"),
        ("custom", "not a url"),
        ("some_new_platform", "just-a-handle"),
    ],
)
def test_channel_from_platform_rejects(key: str, value: str) -> None:
    """Deprecated keys, empty values and handles that are not handles give no channel."""
    assert channel_from_platform(key, value, VIA) is None


def test_sources_agree_on_one_channel() -> None:
    """FUNDING.yml handle, GraphQL URL and a pasted link give the very same channel (dedupe)."""
    via_yml = channel_from_platform("github", "Hynek", VIA)
    via_graphql = channel_from_platform("GITHUB", "https://github.com/hynek", VIA)
    via_link = channel_from_url("https://github.com/sponsors/hynek/", VIA)
    assert via_yml == via_graphql == via_link


@pytest.mark.parametrize(
    ("platform", "name"),
    [
        ("github", "GitHub Sponsors"),
        ("open_collective", "Open Collective"),
        ("ko_fi", "Ko-fi"),
        ("buy_me_a_coffee", "Buy Me a Coffee"),
        ("custom", "Custom link"),
        ("unheard_of", "unheard_of"),
    ],
)
def test_display_name(platform: str, name: str) -> None:
    """Platforms have human names; an unknown id is shown as is."""
    assert display_name(platform) == name


def test_every_platform_has_a_name_and_key() -> None:
    """Every row but funding_json maps to a FUNDING.yml key and a GraphQL enum value."""
    for platform_id in PLATFORMS:
        row = platforms.platform(platform_id)
        assert row is not None
        assert row.name
        if platform_id != "funding_json":
            assert row.funding_yml == platform_id
            assert row.graphql == platform_id.upper()
    assert "otechie" in platforms.funding_yml_keys()


@pytest.mark.parametrize(
    ("platform", "handle", "url"),
    [
        ("github", "hynek", "https://github.com/sponsors/hynek"),
        ("tidelift", "npm/ajv", "https://tidelift.com/funding/github/npm/ajv"),
        ("custom", "x", None),
        ("funding_json", "x", None),
        ("unheard_of", "x", None),
    ],
)
def test_platform_url(platform: str, handle: str, url: str | None) -> None:
    """Profile URLs come from the table's templates; platforms without profiles give None."""
    assert platform_url(platform, handle) == url
