"""Rules shared by every npm file kind: version-spec classification, scopes, deduplication."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final
from urllib.parse import unquote

from fundbot.model import Dependency, Scope, SkipReason

ECOSYSTEM: Final = "npm"

# When one (name, version) is reached several ways, the strongest claim wins: a runtime
# dependency that is also a dev dependency is still shipped to users.
SCOPE_RANK: Final[dict[str, int]] = {"runtime": 0, "optional": 1, "peer": 2, "dev": 3}

# package.json sections in the order a name's scope is decided (first one wins on a tie).
SECTIONS: Final[tuple[tuple[str, Scope], ...]] = (
    ("dependencies", "runtime"),
    ("optionalDependencies", "optional"),
    ("peerDependencies", "peer"),
    ("devDependencies", "dev"),
)

_GIT_PREFIXES: Final = ("git+", "git://", "git@", "github:", "gitlab:", "bitbucket:", "gist:")
_PATH_PREFIXES: Final = ("file:", "link:", "portal:", "exec:", "./", "../", "/", "~/", ".\\")
_GIT_HOSTS: Final = ("github.com/", "gitlab.com/", "bitbucket.org/")
_TARBALL_MARKERS: Final = (".tgz", ".tar.gz", ".tar", "/tarball/", "/archive/", "/-/")

# (name, version) -> [scope, direct, skip_reason, required names or None]; mutable values
# so merging is in place. None: the format records no edges for the entry.
Found = dict[tuple[str, str | None], list[Any]]

new_object = object.__new__
# Member descriptors write a slot directly: a frozen dataclass's __init__ goes through
# object.__setattr__ per field, which is half the cost of a big lockfile. Only objects not
# yet handed to anyone are ever written this way.
SLOT_SETTERS = tuple(
    getattr(Dependency, f).__set__
    for f in ("ecosystem", "name", "version", "scope", "direct", "manifest", "skip_reason")
)
SET_SCOPE, SET_DIRECT = SLOT_SETTERS[3], SLOT_SETTERS[4]
SET_REQUIRES = getattr(Dependency, "requires").__set__  # noqa: B009 (a slot descriptor)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Decoding a big lockfile allocates hundreds of thousands of acyclic objects, and the
    cyclic GC would walk the growing document again and again; none of it is garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def spec_skip_reason(spec: str) -> SkipReason | None:
    """Why a version spec (as in package.json or a lockfile) is not a registry lookup."""
    if spec.startswith("workspace:"):
        return "workspace"
    if spec.startswith("patch:"):  # Yarn: a package with a local patch applied; judge the base
        base = split_descriptor(decode_protocol(spec[6:].split("#", 1)[0]))[1]
        return spec_skip_reason(base) if base and not base.startswith("patch:") else None
    if spec.startswith(_PATH_PREFIXES):
        return "path"
    if spec.startswith(_GIT_PREFIXES):
        return "git"
    if spec.startswith(("http://", "https://")):
        return url_skip_reason(spec)
    repo = spec.split("#", 1)[0]
    if "/" in repo and ":" not in repo and not repo.startswith("@") and " " not in repo:
        return "git"  # `user/repo` or `user/repo#ref`: GitHub shorthand
    return None


def url_skip_reason(url: str) -> SkipReason:
    """An http(s) URL is a git repository on a git host unless it names a tarball."""
    rest = url.split("://", 1)[-1]
    if rest.startswith(_GIT_HOSTS) and not any(m in rest for m in _TARBALL_MARKERS):
        return "git"
    if ".git#" in rest or rest.endswith(".git") or rest.startswith("codeload.github.com/"):
        return "git"
    return "url"


def resolved_skip_reason(resolved: str) -> SkipReason | None:
    """Skip reason from a lockfile's `resolved` field; registry tarballs have none."""
    if resolved.startswith(("http://", "https://")):
        # Registries (npmjs, Artifactory, Verdaccio, GitHub Packages) serve `/-/` tarballs.
        if "/-/" in resolved or "/download/" in resolved:
            return None
        return url_skip_reason(resolved)
    if resolved.startswith((*_GIT_PREFIXES, "ssh://")):
        return "git"
    # Anything else without a scheme (`file:../x`, `packages/x`) is on disk.
    return "path" if "://" not in resolved else "url"


def split_alias(spec: str) -> tuple[str, str] | None:
    """`npm:@scope/real@^1.0.0` -> (`@scope/real`, `^1.0.0`); None when not an alias."""
    if not spec.startswith("npm:"):
        return None
    target = spec[4:]
    at = target.find("@", 1)
    if at < 0:
        return (target, "*") if target else None
    return target[:at], target[at + 1 :]


def split_descriptor(descriptor: str) -> tuple[str, str]:
    """`@babel/core@^7.0.0` -> (`@babel/core`, `^7.0.0`); the range may be empty."""
    at = descriptor.find("@", 1)
    if at < 0:
        return descriptor, ""
    return descriptor[:at], descriptor[at + 1 :]


def decode_protocol(reference: str) -> str:
    """Yarn Berry escapes `:` in nested references (`npm%3A1.0.0`); undo it."""
    return unquote(reference) if "%" in reference else reference


def add(
    found: Found,
    name: str,
    version: str | None,
    scope: str,
    direct: bool,
    skip: SkipReason | None,
    requires: set[str] | None = None,
) -> None:
    """Record one occurrence, merging with an earlier one of the same (name, version): the
    same version installed twice requires the union of what each install requires."""
    key = (name, version)
    seen = found.get(key)
    if seen is None:
        found[key] = [scope, direct, skip, requires]
        return
    merge(seen, scope, direct)
    if requires is not None:
        if seen[3] is None:
            seen[3] = requires
        else:
            seen[3] |= requires


def merge(seen: list[object], scope: str, direct: bool) -> None:
    """Direct beats transitive, and the stronger scope wins."""
    if direct and not seen[1]:
        seen[0], seen[1] = scope, True
    elif direct == seen[1] and SCOPE_RANK[scope] < SCOPE_RANK[str(seen[0])]:
        seen[0] = scope


def build(path: str, found: Found) -> list[Dependency]:
    """Turn the deduplicated occurrences into Dependency values, in first-seen order."""
    set_eco, set_name, set_version, set_scope, set_direct, set_manifest, set_skip = SLOT_SETTERS
    out: list[Dependency] = []
    append = out.append
    for (name, version), (scope, direct, skip, requires) in found.items():
        dep = new_object(Dependency)
        set_eco(dep, ECOSYSTEM)
        set_name(dep, name)
        set_version(dep, version)
        set_scope(dep, scope)
        set_direct(dep, direct)
        set_manifest(dep, path)
        set_skip(dep, skip)
        SET_REQUIRES(dep, None if requires is None else names_tuple(requires, name))
        append(dep)
    return out


def names_tuple(names: set[str], own: str) -> tuple[str, ...]:
    """Sorted required names, the entry itself left out (a package may list itself)."""
    names.discard(own)
    return tuple(sorted(names))
