"""Fake package registries on the strict FakeServer, answering with recorded documents.

Each `serve_*` declares the route(s) one registry answers one package with, from
`tests/fixtures/registry/`; keyword arguments go to `FakeServer.add` (status, times, …).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fundbot.settings import Settings
from tests.fakes.server import FakeServer, Route

FIXTURES = Path(__file__).parent.parent / "fixtures" / "registry"

# Where each registry lives on the fake: `{fake.url}{prefix}`.
PREFIXES = {
    "npm_registry_url": "/npm",
    "pypi_url": "/pypi",
    "crates_url": "/crates",
    "rubygems_url": "/rubygems",
    "packagist_url": "/packagist",
    "pubdev_url": "/pub",
    "maven_url": "/maven2",
    "nuget_url": "/nuget",
    "go_proxy_url": "/goproxy",
    "hex_url": "/hex",
}
GO_GET_PREFIX = "/goget"


def registry_settings(fake: FakeServer, data_dir: Path, **overrides: Any) -> Settings:
    """Settings pointing every registry and GitHub at the fake, retries without sleeping."""
    urls = {attr: fake.url + prefix for attr, prefix in PREFIXES.items()}
    return Settings().with_overrides(
        **urls,
        ghe_host=f"127.0.0.1:{fake.port}",
        ghe_protocol="http",
        go_get_url=fake.url + GO_GET_PREFIX + "/{path}?go-get=1",
        retry_sleep=False,
        data_dir=data_dir,
        **overrides,
    )


def go_get_url(fake: FakeServer) -> str:
    """The go-get URL template that sends vanity-path lookups to the fake."""
    return fake.url + GO_GET_PREFIX + "/{path}?go-get=1"


def fixture(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


def fixture_json(relative: str) -> Any:
    return json.loads(fixture(relative))


def _serve(fake: FakeServer, path: str, relative: str | None, kw: dict[str, Any]) -> Route:
    if relative is not None and "body" not in kw and "json" not in kw and "handler" not in kw:
        kw["body"] = fixture(relative)
        kw.setdefault("headers", {"Content-Type": _content_type(relative)})
    return fake.add("GET", path, **kw)


def _content_type(relative: str) -> str:
    if relative.endswith(".json"):
        return "application/json"
    if relative.endswith(".html"):
        return "text/html; charset=utf-8"
    return "text/xml"


def serve_npm(fake: FakeServer, name: str, file: str | None = None, **kw: Any) -> Route:
    """`GET /npm/{name}/latest` (the fake sees `@scope%2fname` decoded, as `@scope/name`)."""
    file = file or name.removeprefix("@").replace("/", "-")
    return _serve(fake, f"/npm/{name}/latest", f"npm/{file}.json", kw)


def serve_pypi(fake: FakeServer, name: str, **kw: Any) -> Route:
    return _serve(fake, f"/pypi/pypi/{name}/json", f"pypi/{name}.json", kw)


def serve_rubygems(fake: FakeServer, name: str, **kw: Any) -> Route:
    return _serve(fake, f"/rubygems/api/v1/gems/{name}.json", f"rubygems/{name}.json", kw)


def serve_packagist(fake: FakeServer, name: str, **kw: Any) -> Route:
    file = name.split("/")[-1]
    return _serve(fake, f"/packagist/p2/{name}.json", f"packagist/{file}.json", kw)


def serve_pubdev(fake: FakeServer, name: str, **kw: Any) -> Route:
    return _serve(fake, f"/pub/api/packages/{name}", f"pub/{name}.json", kw)


def serve_crates(fake: FakeServer, name: str, **kw: Any) -> Route:
    return _serve(fake, f"/crates/api/v1/crates/{name}", f"crates/{name}.json", kw)


def serve_hex(fake: FakeServer, name: str, **kw: Any) -> Route:
    return _serve(fake, f"/hex/api/packages/{name}", f"hex/{name}.json", kw)


def serve_nuget(fake: FakeServer, package_id: str, version: str, **kw: Any) -> list[Route]:
    """The flat container's version index, then that version's nuspec."""
    lower = package_id.lower()
    base = f"/nuget/v3-flatcontainer/{lower}"
    return [
        _serve(fake, f"{base}/index.json", f"nuget/{lower}.index.json", dict(kw)),
        _serve(fake, f"{base}/{version}/{lower}.nuspec", f"nuget/{lower}.nuspec", dict(kw)),
    ]


def serve_maven_metadata(fake: FakeServer, group: str, artifact: str, **kw: Any) -> Route:
    path = f"/maven2/{group.replace('.', '/')}/{artifact}/maven-metadata.xml"
    return _serve(fake, path, f"maven/{artifact}.maven-metadata.xml", kw)


def serve_maven_pom(fake: FakeServer, group: str, artifact: str, version: str, **kw: Any) -> Route:
    path = f"/maven2/{group.replace('.', '/')}/{artifact}/{version}/{artifact}-{version}.pom"
    return _serve(fake, path, f"maven/{artifact}-{version}.pom", kw)


def serve_go_get(fake: FakeServer, module: str, **kw: Any) -> Route:
    """The `?go-get=1` page of a vanity module path."""
    kw.setdefault("query", {"go-get": "1"})
    return _serve(fake, f"{GO_GET_PREFIX}/{module}", f"go/{module.replace('/', '-')}.html", kw)
