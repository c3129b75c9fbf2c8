"""Where fundbot may connect for a URL that other people's data named (issue 13, item 8).

Go vanity import paths and redirect targets are hosts from dependency files and registry
answers: left unchecked, a `go.mod` line could make the App fetch its own metadata service or
a database on the organisation's network. So a host that is not one of the configured base
URLs (`FUNDBOT_*_URL`, `GHE_HOST`) is fetched only over https, on port 80 or 443, and only
when every address its name resolves to is public. The check happens in the connector's
resolver, so the connection goes to the very addresses that were checked: a name that answers
a public address first and a private one later (DNS rebinding) is resolved once, not twice.

Every refusal is decided before any connection is tried, from the URL and DNS alone, so its
text never depends on whether a port is open (no port scanning through fundbot).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address
from typing import Final
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from fundbot.errors import FundbotError
from fundbot.settings import DEFAULT_REGISTRY_URLS, Settings

IPAddress = IPv4Address | IPv6Address
# (scheme, host, port): what makes a URL one of the configured base URLs.
Origin = tuple[str, str, int]

ALLOWED_PORTS: Final = frozenset({80, 443})
DEFAULT_PORTS: Final = {"http": 80, "https": 443}
# RFC 6052's well-known NAT64 prefix: the last 32 bits are an IPv4 address.
_NAT64: Final = IPv6Network("64:ff9b::/96")


class AddressRefused(FundbotError, OSError):
    """A host fundbot will not connect to. An OSError, so that aiohttp's connector hands it
    on from the resolver (as the `os_error` of a ClientConnectorDNSError)."""

    def __init__(self, host: str, why: str) -> None:
        self.host = host
        self.why = why
        super().__init__(f"address refused: {host} {why}")

    @property
    def reason(self) -> str:
        return str(self.args[0])


def is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet: not loopback, private, link-local,
    CGNAT, multicast, unspecified or reserved; an IPv6 address that carries an IPv4 one
    (IPv4-mapped, NAT64, 6to4) is judged by the IPv4 address inside."""
    if isinstance(address, IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
        if address.is_site_local:
            return False
    # is_global alone lets multicast and reserved blocks through on some Python versions.
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def parse_address(text: str) -> IPAddress | None:
    """An IP literal (`[::1]` and `fe80::1%eth0` too), or None for a name."""
    try:
        return ip_address(text.strip("[]"))
    except ValueError:
        return None


def url_origin(url: str) -> Origin | None:
    """(scheme, host, port) of a URL, the port filled in from the scheme; None if unusable."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if not host or scheme not in DEFAULT_PORTS:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def configured_origins(settings: Settings) -> frozenset[Origin]:
    """The base URLs an operator configured: the only hosts exempt from the address check."""
    urls = [getattr(settings, attr) for attr in DEFAULT_REGISTRY_URLS]
    urls += [settings.github_api_url, settings.github_graphql_url, settings.github_web_url]
    go_get = settings.go_get_url
    # `https://{path}?go-get=1` names no host of its own: the module path (third-party
    # data) is the host. A mirror written in full (`https://goproxy.corp/{path}`) is one.
    if "{" not in go_get.split("//", 1)[-1].split("/", 1)[0]:
        urls.append(go_get.replace("{path}", "x"))
    return frozenset(o for url in urls if (o := url_origin(url)) is not None)


def url_refusal(url: str, configured: frozenset[Origin]) -> AddressRefused | None:
    """What refuses a URL before any lookup: not https, a port other than 80/443, an IP
    literal that is not public. Names are checked by `GuardedResolver` when connecting."""
    origin = url_origin(url)
    if origin is None:
        return AddressRefused(urlsplit(url).netloc or url[:100], "is not an http(s) URL")
    if origin in configured:
        return None
    scheme, host, port = origin
    if scheme != "https":
        return AddressRefused(host, "is named by dependency data: fetched over https only")
    if port not in ALLOWED_PORTS:
        return AddressRefused(
            f"{host}:{port}", "is named by dependency data: fetched on ports 80 and 443 only"
        )
    address = parse_address(host)
    if address is not None and not is_public(address):
        return AddressRefused(host, "is not a public address")
    return None


class GuardedResolver(AbstractResolver):
    """The connector's resolver: configured hosts resolve as usual; any other name is
    resolved once, refused if any of its addresses is not public, and otherwise its checked
    addresses are what the connector connects to (no second lookup, no rebinding)."""

    def __init__(
        self,
        configured: Iterable[Origin],
        *,
        resolver: AbstractResolver | None = None,
        public: Callable[[IPAddress], bool] = is_public,
    ) -> None:
        self._configured = frozenset((host, port) for _, host, port in configured)
        self._inner = resolver
        self._public = public

    def _resolver(self) -> AbstractResolver:
        # aiohttp's resolvers bind the running loop when built: build on first use.
        if self._inner is None:
            self._inner = DefaultResolver()
        return self._inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        name = host.rstrip(".").lower()
        if (name, port) in self._configured:
            return await self._resolver().resolve(host, port, family)
        if port not in ALLOWED_PORTS:
            raise AddressRefused(
                f"{host}:{port}", "is named by dependency data: fetched on ports 80 and 443 only"
            )
        answers = await self._resolver().resolve(host, port, family)
        for answer in answers:
            address = parse_address(answer["host"])
            # One private address is enough: which one a connection uses is not ours to pick.
            if address is None or not self._public(address):
                raise AddressRefused(host, "is not a public address")
        if not answers:
            raise AddressRefused(host, "is not a public address")
        return answers

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()
