"""Issue 13 item 8: hosts named by dependency data never reach non-public addresses.

Hermetic: the fake registries on 127.0.0.1 are configured base URLs (exempt); derived host
names resolve through an injected resolver to whatever address a test needs."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable, Sequence
from ipaddress import IPv4Address, ip_address
from pathlib import Path

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from fundbot.model import UnfundedPackage
from fundbot.resolve.address_guard import (
    GuardedResolver,
    IPAddress,
    configured_origins,
    is_public,
    url_refusal,
)
from fundbot.resolve.base import PackageQuery
from fundbot.resolve.http import FetchError, HttpClient
from fundbot.resolve.resolver import Resolver, new_session
from fundbot.resolve.sources.golang import GoSource
from fundbot.settings import Settings
from fundbot.storage.funding_cache import FundingCache
from tests.fakes.registries import registry_settings
from tests.fakes.server import FakeServer, RefusingPort
from tests.resolve.conftest import lookup_one


class FakeDNS(AbstractResolver):
    """Answers each name from a table; a list of answers per name is used in turn (the
    second answer of a rebinding name), and every question is recorded."""

    def __init__(self, table: dict[str, Sequence[Sequence[tuple[str, int]]]]) -> None:
        self.table = table
        self.asked: list[tuple[str, int]] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append((host, port))
        answers = self.table[host]
        turn = min(sum(1 for h, _ in self.asked if h == host) - 1, len(answers) - 1)
        return [
            {
                "hostname": host,
                "host": address,
                "port": real_port or port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address, real_port in answers[turn]
        ]

    async def close(self) -> None:
        return None


def _one(*addresses: str, port: int = 0) -> list[list[tuple[str, int]]]:
    return [[(a, port) for a in addresses]]


@pytest.fixture
def settings(fake: FakeServer, tmp_path: Path) -> Settings:
    return registry_settings(fake, tmp_path)


def _session(
    settings: Settings, dns: FakeDNS, public: Callable[[IPAddress], bool] = is_public
) -> aiohttp.ClientSession:
    resolver = GuardedResolver(configured_origins(settings), resolver=dns, public=public)
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver))


@pytest.fixture
async def guarded(settings: Settings) -> AsyncIterator[tuple[HttpClient, FakeDNS]]:
    dns = FakeDNS(
        {
            "loopback.test": _one("127.0.0.1"),
            "private.test": _one("10.1.2.3"),
            "six.test": _one("::1"),
            "metadata.test": _one("169.254.169.254"),
            "mapped.test": _one("::ffff:10.0.0.1"),
            "mixed.test": _one("140.82.112.3", "10.0.0.7"),
        }
    )
    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)

    async with _session(settings, dns) as session:
        yield HttpClient(session, settings, sleep=sleep), dns
    assert slept == []  # a refusal is final: never retried


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",  # CGNAT
        "0.0.0.0",
        "224.0.0.251",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "ff02::1",
        "ff0e::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b:1::1",
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "::10.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    """Loopback, private, link-local, CGNAT, multicast, reserved, and IPv6 forms of them."""
    assert is_public(ip_address(address)) is False


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "140.82.112.3", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_public_addresses_pass(address: str) -> None:
    """Public IPv4 and IPv6, IPv4-mapped and NAT64 forms of a public IPv4 address."""
    assert is_public(ip_address(address)) is True


def test_configured_origins_exempt_base_urls_not_the_go_get_template() -> None:
    """Registries and GitHub are configured; `https://{path}` names no host of its own."""
    origins = configured_origins(Settings())
    assert ("https", "registry.npmjs.org", 443) in origins
    assert ("https", "api.github.com", 443) in origins
    assert not any("{" in host or host == "x" for _, host, _ in origins)
    mirror = Settings().with_overrides(go_get_url="http://goproxy.corp:8080/{path}?go-get=1")
    assert ("http", "goproxy.corp", 8080) in configured_origins(mirror)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.com/x", "example.com is named by dependency data: fetched over https"),
        ("https://example.com:22/", "example.com:22 is named by dependency data: fetched on"),
        ("https://10.0.0.1/", "10.0.0.1 is not a public address"),
        ("https://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is not a public address"),
        ("ftp://example.com/", "example.com is not an http(s) URL"),
    ],
)
def test_url_refusals_need_no_lookup(url: str, reason: str) -> None:
    """Scheme, port and IP literals are refused from the URL alone."""
    refused = url_refusal(url, configured_origins(Settings()))
    assert refused is not None
    assert refused.reason.startswith(f"address refused: {reason}")


def test_configured_urls_are_exempt(fake: FakeServer, tmp_path: Path) -> None:
    """The fake registry on loopback over http is configured, so it is not refused."""
    origins = configured_origins(registry_settings(fake, tmp_path))
    assert url_refusal(fake.url + "/npm/x", origins) is None
    assert url_refusal("https://pypi.org/simple", configured_origins(Settings())) is None


@pytest.mark.parametrize(
    "host", ["loopback.test", "private.test", "six.test", "metadata.test", "mapped.test"]
)
async def test_derived_names_resolving_to_private_addresses_are_refused(
    guarded: tuple[HttpClient, FakeDNS], host: str
) -> None:
    """127.0.0.1, 10.x, ::1, 169.254.x and ::ffff:10.x answers: refused, once, no retry."""
    client, dns = guarded
    with pytest.raises(FetchError) as caught:
        await client.get(f"https://{host}/doc")
    assert caught.value.kind == "address_refused"
    assert caught.value.reason == f"address refused: {host} is not a public address"
    with pytest.raises(FetchError, match="address refused"):
        await client.get(f"https://{host}/other")
    assert dns.asked == [(host, 443)]  # the second request fails without asking again


async def test_an_answer_mixing_public_and_private_addresses_is_refused(
    guarded: tuple[HttpClient, FakeDNS],
) -> None:
    """One private address among public ones is enough to refuse the host."""
    client, _ = guarded
    with pytest.raises(FetchError, match=r"address refused: mixed\.test is not a public"):
        await client.get("https://mixed.test/")


async def test_http_and_odd_ports_are_refused_before_any_lookup(
    guarded: tuple[HttpClient, FakeDNS],
) -> None:
    """A derived host over http, or on a port other than 80/443, is never even resolved."""
    client, dns = guarded
    for url in ("http://loopback.test/", "https://loopback.test:8443/", "https://[::1]/"):
        with pytest.raises(FetchError) as caught:
            await client.get(url)
        assert caught.value.kind == "address_refused"
    assert dns.asked == []


async def test_the_reason_does_not_depend_on_the_port_state(
    settings: Settings, fake: FakeServer
) -> None:
    """A private host answering on its port and one refusing it read the same: nothing is
    connected to, so fundbot cannot be used to scan a private network's ports."""
    with RefusingPort() as closed:
        dns = FakeDNS({"open.test": _one("127.0.0.1", port=fake.port)})
        dns.table["closed.test"] = _one("127.0.0.1", port=closed.port)
        async with _session(settings, dns) as session:
            client = HttpClient(session, settings)
            reasons = []
            for host in ("open.test", "closed.test"):
                with pytest.raises(FetchError) as caught:
                    await client.get(f"https://{host}/")
                reasons.append(caught.value.reason.replace(host, "HOST"))
    assert reasons[0] == reasons[1] == "address refused: HOST is not a public address"
    assert fake.requests == []


async def test_a_redirect_from_a_configured_registry_is_checked_like_derived_data(
    guarded: tuple[HttpClient, FakeDNS], fake: FakeServer
) -> None:
    """A configured registry may redirect within itself; not to loopback or over http."""
    client, _ = guarded
    fake.add("GET", "/npm/moved", status=301, headers={"Location": "/npm/here"})
    fake.add("GET", "/npm/here", json={"ok": True})
    fake.add("GET", "/npm/to-loopback", status=302, headers={"Location": "https://loopback.test/"})
    fake.add("GET", "/npm/to-http", status=307, headers={"Location": "http://127.0.0.2:9/"})
    assert (await client.get(fake.url + "/npm/moved")).json() == {"ok": True}
    with pytest.raises(FetchError) as caught:
        await client.get(fake.url + "/npm/to-loopback")
    assert (caught.value.kind, caught.value.url) == (
        "address_refused",
        fake.url + "/npm/to-loopback",
    )
    assert caught.value.reason == "address refused: loopback.test is not a public address"
    with pytest.raises(FetchError, match="fetched over https only"):
        await client.get(fake.url + "/npm/to-http")


async def test_credentials_are_not_sent_on_to_another_host(
    fake: FakeServer, tmp_path: Path
) -> None:
    """A redirect to another (configured) host goes without the Authorization header."""
    other = FakeServer().start()
    try:
        settings = registry_settings(fake, tmp_path).with_overrides(pypi_url=other.url)
        fake.add("POST", "/graphql", status=307, headers={"Location": other.url + "/graphql"})
        other.add("POST", "/graphql", json={"data": {}})
        async with aiohttp.ClientSession() as session:
            client = HttpClient(session, settings)
            answer = await client.post_json(
                fake.url + "/graphql", {"query": "{}"}, headers={"Authorization": "bearer t"}
            )
        assert answer.json() == {"data": {}}
        assert "Authorization" not in other.requests[0].headers
        assert fake.requests[0].headers["Authorization"] == "bearer t"
        other.check()
    finally:
        other.stop()


async def test_too_many_redirects_fail(
    guarded: tuple[HttpClient, FakeDNS], fake: FakeServer
) -> None:
    """A redirect loop ends after five hops with a reason."""
    client, _ = guarded
    fake.add("GET", "/npm/loop", status=302, headers={"Location": "/npm/loop"}, times=None)
    with pytest.raises(FetchError, match="more than 5 redirects"):
        await client.get(fake.url + "/npm/loop")


async def test_the_connection_goes_to_the_address_that_was_checked(
    settings: Settings, fake: FakeServer
) -> None:
    """DNS rebinding: the name is resolved once; its second (private) answer is never used,
    because the connector connects to the addresses the guard checked."""
    internal = FakeServer().start()
    try:
        dns = FakeDNS({"rebind.test": [[("127.0.0.1", fake.port)], [("127.0.0.1", internal.port)]]})

        # For this test only, the fake's loopback address stands for a public one.
        def public(address: IPAddress) -> bool:
            return address == IPv4Address("127.0.0.1") and not dns.asked[1:]

        fake.add("GET", "/doc", body=b"checked")
        async with (
            _session(settings, dns, public) as session,
            session.get("http://rebind.test/doc") as resp,
        ):
            assert await resp.read() == b"checked"
        assert dns.asked == [("rebind.test", 80)]
        assert internal.requests == []
    finally:
        internal.stop()


async def test_the_application_session_guards_real_lookups(settings: Settings) -> None:
    """`new_session` (the CLI's and the App's) refuses `localhost` from the system resolver."""
    async with new_session(settings) as session:
        client = HttpClient(session, settings)
        with pytest.raises(FetchError, match="address refused: localhost is not a public"):
            await client.get("https://localhost/")


async def test_a_go_vanity_host_on_a_private_network_is_refused(
    fake: FakeServer, tmp_path: Path
) -> None:
    """A go.mod naming `internal.corp/x` (private DNS) or a host with a port: the Go source
    reports the package unchecked, address refused; nothing is fetched."""
    settings = registry_settings(fake, tmp_path).with_overrides(
        go_get_url="https://{path}?go-get=1"
    )
    dns = FakeDNS({"internal.corp": _one("10.20.30.40")})
    async with _session(settings, dns) as session:
        source = GoSource(HttpClient(session, settings), settings)
        internal = await lookup_one(source, "go", "internal.corp/tools/x")
        ported = await lookup_one(source, "go", "evil.example:6379/x")
    assert internal.error == "go: address refused: internal.corp is not a public address"
    assert ported.error is not None
    assert ported.error.startswith("go: address refused: evil.example:6379 is named by")
    assert dns.asked == [("internal.corp", 443)]


def test_a_url_with_an_impossible_port_is_refused() -> None:
    """A port no URL can have is refused as an unusable URL, not passed on."""
    refused = url_refusal("https://example.com:99999/", configured_origins(Settings()))
    assert refused is not None
    assert refused.reason == "address refused: example.com:99999 is not an http(s) URL"


async def test_the_resolver_alone_guards_any_user_of_the_session() -> None:
    """Requests that bypass HttpClient's checks (a GitHub client's own redirects) still
    meet the resolver: configured names pass unchecked, others need 80/443 and public
    answers; an empty answer is refused too."""
    dns = FakeDNS({"mirror.corp": _one("10.0.0.9"), "empty.test": [[]], "odd.test": _one("x")})
    resolver = GuardedResolver({("https", "mirror.corp", 443)}, resolver=dns)
    assert [a["host"] for a in await resolver.resolve("mirror.corp", 443)] == ["10.0.0.9"]
    for host, port, why in [
        ("mirror.corp", 8443, "mirror.corp:8443 is named by dependency data: fetched on"),
        ("empty.test", 443, "empty.test is not a public address"),
        ("odd.test", 443, "odd.test is not a public address"),
    ]:
        with pytest.raises(OSError, match=f"^address refused: {why}"):
            await resolver.resolve(host, port)
    await resolver.close()
    await GuardedResolver(()).close()  # never used: nothing to close


async def test_a_see_other_redirect_turns_a_post_into_a_get(
    guarded: tuple[HttpClient, FakeDNS], fake: FakeServer
) -> None:
    """303 (and 301/302 after a POST) are followed with a GET and no body, as browsers do."""
    client, _ = guarded
    fake.add("POST", "/graphql", status=303, headers={"Location": "/npm/answer"})
    fake.add("GET", "/npm/answer", json={"ok": 1})
    assert (await client.post_json(fake.url + "/graphql", {"q": 1})).json() == {"ok": 1}
    assert fake.requests[1].body == b""


async def test_a_refused_vanity_host_reaches_the_plan_as_address_refused(
    fake: FakeServer, tmp_path: Path
) -> None:
    """Through the resolver: the refusal's kind is carried to the package, whose unchecked
    label is `go address refused`."""
    settings = registry_settings(fake, tmp_path).with_overrides(
        go_get_url="https://{path}?go-get=1"
    )
    dns = FakeDNS({"internal.corp": _one("10.20.30.40")})
    cache = await FundingCache.own(settings)
    try:
        async with _session(settings, dns) as session:
            resolver = Resolver(settings, HttpClient(session, settings), cache, sources=[GoSource])
            found = await resolver.resolve([PackageQuery("go", "internal.corp/tools/x")])
    finally:
        await cache.close()
    funding = found[("go", "internal.corp/tools/x")]
    assert funding.unchecked_kind == "address_refused"
    entry = UnfundedPackage(
        "go:internal.corp/tools/x", 1.0, None, (), funding.unknown_reason, funding.unchecked_kind
    )
    assert entry.label == "go address refused"
