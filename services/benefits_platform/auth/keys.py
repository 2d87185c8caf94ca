"""The keys file: API keys and certificate identities, with roles and scopes.

An API key looks like ``bk_<key id>_<secret>``: the key id (12 hex digits)
names the key in logs, events and listings; the secret (256 random bits) is
shown once, when the key is created, and only its SHA-256 digest is stored.
A high-entropy secret needs no slow password hash: its digest cannot be
searched. Digests are compared in constant time.

The file (JSON, mode 0600 in a 0700 directory) holds::

    {"version": 1,
     "keys": [{"id": "3f9c0a1b2c3d", "label": "aid desk", "roles": ["POSTER"],
               "unit_scope": "GD-SZ", "secret_sha256": "<hex>",
               "created_at": "2026-11-23T08:00:00Z", "revoked_at": ""}],
     "certificates": [{"common_name": "reporting-office", "label": "",
                       "roles": ["AUDITOR"], "unit_scope": "*",
                       "created_at": "...", "revoked_at": ""}]}

``unit_scope`` is ``*`` for every unit, or a unit code: that unit and every
unit below it. It must be present: an entry without a valid scope or with an
unknown role is ignored (and logged), so a mistake never grants more.
Certificate identities map the common name of a mutual-TLS client
certificate to roles and a scope.

Services read the file on the first call and again whenever it changes
(size, modification time or inode), so a revocation takes effect on the next
call, without a restart. Changes (create, revoke) take a lock file beside it
and replace the file atomically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benefits_platform import logs
from benefits_platform.auth.policy import ROLES
from benefits_platform.domain_errors import InvalidArgument, NotFound, Unauthenticated
from benefits_platform.identity import ALL_UNITS, Caller

log = logs.get("benefits.auth")

FILE_VERSION = 1
TOKEN_PREFIX = "bk"  # noqa: S105 (the public prefix of every key, not a secret)
KEY_ID_RE = re.compile(r"^[0-9a-f]{12}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
UNIT_SCOPE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
COMMON_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,127}$")
MAX_LABEL = 200
KEY, CERTIFICATE = "key", "certificate"


def default_keys_path(data_dir: Path) -> Path:
    return data_dir / "keys" / "api-keys.json"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_token(token: str) -> tuple[str, str]:
    """(key id, secret) of an API key; UNAUTHENTICATED when it is not one."""
    parts = token.split("_", 2)
    if (
        len(parts) != 3
        or parts[0] != TOKEN_PREFIX
        or not KEY_ID_RE.match(parts[1])
        or not SECRET_RE.match(parts[2])
    ):
        raise Unauthenticated(
            "authorization: not an API key (expected `Bearer bk_<key id>_<secret>`)"
        )
    return parts[1], parts[2]


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    wanted = {r.strip().upper() for r in roles if r.strip()}
    unknown = sorted(wanted - set(ROLES))
    if unknown or not wanted:
        raise InvalidArgument(
            "roles",
            f"must be one or more of {', '.join(ROLES)}; got {', '.join(unknown) or 'none'}",
        )
    return tuple(r for r in ROLES if r in wanted)


def check_scope(unit_scope: str) -> str:
    """``*`` for every unit, or a unit code (that unit's subtree)."""
    scope = unit_scope.strip()
    if scope == ALL_UNITS or UNIT_SCOPE_RE.match(scope):
        return scope
    raise InvalidArgument(
        "unit_scope", f"must be {ALL_UNITS} (every unit) or a unit code, got {unit_scope!r}"
    )


@dataclass(frozen=True)
class StoredIdentity:
    """One entry of the keys file: an API key (``id`` is the key id) or a
    certificate identity (``id`` is the certificate's common name)."""

    kind: str
    id: str
    label: str
    roles: tuple[str, ...]
    unit_scope: str
    created_at: str
    revoked_at: str = ""
    secret_sha256: str = ""

    @property
    def revoked(self) -> bool:
        return bool(self.revoked_at)

    def caller(self) -> Caller:
        return Caller(id=self.id, roles=frozenset(self.roles), unit_scope=self.unit_scope)

    def document(self) -> dict[str, Any]:
        """The entry as the file stores it."""
        found: dict[str, Any] = {
            "label": self.label,
            "roles": list(self.roles),
            "unit_scope": self.unit_scope,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }
        if self.kind == KEY:
            return {"id": self.id, **found, "secret_sha256": self.secret_sha256}
        return {"common_name": self.id, **found}

    def public(self) -> dict[str, Any]:
        """The entry without its digest, for listings."""
        found = self.document()
        found.pop("secret_sha256", None)
        return {"kind": self.kind, **found}


def _entry(kind: str, raw: Any) -> StoredIdentity:
    if not isinstance(raw, dict):
        raise ValueError("not an object")
    ident = str(raw.get("id" if kind == KEY else "common_name", ""))
    if kind == KEY and not KEY_ID_RE.match(ident):
        raise ValueError("id must be 12 hex digits")
    if kind == CERTIFICATE and not COMMON_NAME_RE.match(ident):
        raise ValueError("common_name is missing or malformed")
    roles = raw.get("roles")
    if not isinstance(roles, list) or not roles or not set(roles) <= set(ROLES):
        raise ValueError(f"roles must be a list of {', '.join(ROLES)}")
    scope = raw.get("unit_scope")
    if not isinstance(scope, str) or not (scope == ALL_UNITS or UNIT_SCOPE_RE.match(scope)):
        raise ValueError(f"unit_scope must be {ALL_UNITS} or a unit code")
    digest = str(raw.get("secret_sha256", ""))
    if kind == KEY and not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError("secret_sha256 must be 64 hex digits")
    return StoredIdentity(
        kind=kind,
        id=ident,
        label=str(raw.get("label", "")),
        roles=tuple(r for r in ROLES if r in roles),
        unit_scope=scope,
        created_at=str(raw.get("created_at", "")),
        revoked_at=str(raw.get("revoked_at", "") or ""),
        secret_sha256=digest,
    )


class KeysUnavailable(Unauthenticated):
    """The keys file is missing or unreadable: every call is refused."""


@dataclass(frozen=True)
class _Loaded:
    stamp: tuple[int, int, int, int]
    keys: dict[str, StoredIdentity]
    certificates: dict[str, StoredIdentity]
    # Keys already verified against this version of the file -> their caller.
    verified: dict[str, Caller] = field(default_factory=dict)


MAX_VERIFIED = 4096


def parse(text: str, where: str = "keys file") -> tuple[list[StoredIdentity], list[str]]:
    """Every valid entry of a keys file's text, and a note for each invalid one."""
    document = json.loads(text)
    if not isinstance(document, dict) or document.get("version") != FILE_VERSION:
        raise ValueError(f"{where}: expected an object with version {FILE_VERSION}")
    found: list[StoredIdentity] = []
    problems: list[str] = []
    for kind, section in ((KEY, "keys"), (CERTIFICATE, "certificates")):
        entries = document.get(section, [])
        if not isinstance(entries, list):
            raise ValueError(f"{where}: {section} must be a list")
        for index, raw in enumerate(entries):
            try:
                found.append(_entry(kind, raw))
            except ValueError as error:
                problems.append(f"{section}[{index}]: {error}")
    return found, problems


class KeysFile:
    """The keys file at ``path``: read when it changes, changed atomically.
    ``announce``: log each (re)load and the entries ignored (services do; the
    CLI, whose output is the listing, does not)."""

    def __init__(self, path: Path, announce: bool = True) -> None:
        self.path = path
        self._path = os.fspath(path)  # os.stat on a str: a third of Path.stat's cost
        self.announce = announce
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()

    # -- reading ----------------------------------------------------------------------

    def _stamp(self) -> tuple[int, int, int, int] | None:
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev)

    def _current(self) -> _Loaded:
        stamp = self._stamp()
        if stamp is None:
            if self._loaded is not None and self.announce:
                log.error("auth.keys_file_missing")
            self._loaded = None
            raise KeysUnavailable(
                "this server has no API keys configured (see its log); no call is accepted"
            )
        loaded = self._loaded
        if loaded is not None and loaded.stamp == stamp:
            return loaded
        with self._lock:
            try:
                entries, problems = parse(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                self._loaded = None
                if self.announce:
                    log.error("auth.keys_file_unreadable", error=type(error).__name__)
                raise KeysUnavailable(
                    "this server cannot read its API keys (see its log); no call is accepted"
                ) from None
            self._loaded = _Loaded(
                stamp,
                {e.id: e for e in entries if e.kind == KEY},
                {e.id: e for e in entries if e.kind == CERTIFICATE},
            )
            if self.announce:
                for problem in problems:
                    log.warning("auth.keys_entry_ignored", problem=problem)
                mode = self.path.stat().st_mode & 0o777
                if mode & 0o077:
                    log.warning("auth.keys_file_readable_by_others", mode=oct(mode))
                log.info(
                    "auth.keys_loaded",
                    keys=len(self._loaded.keys),
                    certificates=len(self._loaded.certificates),
                )
            return self._loaded

    def authenticate(self, token: str) -> Caller:
        """The caller an API key names; UNAUTHENTICATED unless it is a known,
        unrevoked key whose secret matches."""
        loaded = self._current()
        known = loaded.verified.get(token)
        if known is not None:
            return known
        key_id, secret = parse_token(token)
        found = loaded.keys.get(key_id)
        if found is None:
            raise Unauthenticated(f"authorization: API key {key_id} is unknown")
        if not hmac.compare_digest(secret_digest(secret), found.secret_sha256):
            raise Unauthenticated(f"authorization: API key {key_id}: wrong secret")
        if found.revoked:
            raise Unauthenticated(
                f"authorization: API key {key_id} was revoked at {found.revoked_at}"
            )
        caller = found.caller()
        if len(loaded.verified) < MAX_VERIFIED:
            loaded.verified[token] = caller
        return caller

    def certificate(self, common_name: str) -> Caller:
        """The caller a verified client certificate's common name names."""
        found = self._current().certificates.get(common_name)
        if found is None:
            raise Unauthenticated(
                f"client certificate {common_name!r} has no identity in the keys file; "
                "send an API key or map the certificate (`benefits keys create --cn`)"
            )
        if found.revoked:
            raise Unauthenticated(
                f"client certificate {common_name!r} was revoked at {found.revoked_at}"
            )
        return found.caller()

    def entries(self) -> list[StoredIdentity]:
        """Every entry (keys, then certificates), revoked ones included."""
        try:
            loaded = self._current()
        except KeysUnavailable:
            if self._stamp() is None:
                return []
            raise
        return [*loaded.keys.values(), *loaded.certificates.values()]

    # -- changing ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _changing(self) -> Iterator[list[StoredIdentity]]:
        """Lock the file, hand out its entries to change, write them back."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            entries: list[StoredIdentity] = []
            if self.path.exists():
                entries, problems = parse(self.path.read_text(encoding="utf-8"))
                if problems:
                    raise ValueError(
                        f"{self.path}: fix or remove the malformed entries first: "
                        + "; ".join(problems)
                    )
            yield entries
            self._write(entries)
        finally:
            os.close(fd)

    def _write(self, entries: list[StoredIdentity]) -> None:
        document = {
            "version": FILE_VERSION,
            "keys": [e.document() for e in entries if e.kind == KEY],
            "certificates": [e.document() for e in entries if e.kind == CERTIFICATE],
        }
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(document, out, indent=2, ensure_ascii=False)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    def create_key(
        self, roles: Iterable[str], unit_scope: str = ALL_UNITS, label: str = ""
    ) -> tuple[StoredIdentity, str]:
        """A new API key: its entry and the key itself (shown once, never stored)."""
        return self.create_keys([(roles, unit_scope, label)])[0]

    def create_keys(
        self, specs: Iterable[tuple[Iterable[str], str, str]]
    ) -> list[tuple[StoredIdentity, str]]:
        """New API keys, one per (roles, unit scope, label), in one change of the file."""
        checked = []
        for roles, unit_scope, label in specs:
            if len(label) > MAX_LABEL:
                raise InvalidArgument("label", f"must be at most {MAX_LABEL} characters")
            checked.append((check_roles(roles), check_scope(unit_scope), label))
        created: list[tuple[StoredIdentity, str]] = []
        with self._changing() as entries:
            taken = {e.id for e in entries}
            for roles, scope, label in checked:
                key_id = secrets.token_hex(6)
                while key_id in taken:
                    key_id = secrets.token_hex(6)
                taken.add(key_id)
                secret = secrets.token_urlsafe(32)
                entry = StoredIdentity(
                    kind=KEY,
                    id=key_id,
                    label=label,
                    roles=roles,
                    unit_scope=scope,
                    created_at=_now(),
                    secret_sha256=secret_digest(secret),
                )
                entries.append(entry)
                created.append((entry, f"{TOKEN_PREFIX}_{key_id}_{secret}"))
        return created

    def add_certificate(
        self, common_name: str, roles: Iterable[str], unit_scope: str = ALL_UNITS, label: str = ""
    ) -> StoredIdentity:
        """Map a client certificate's common name to roles and a scope."""
        if not COMMON_NAME_RE.match(common_name):
            raise InvalidArgument(
                "common_name", "must be 1-128 of letters, digits, space and . _ @ -"
            )
        checked_roles, scope = check_roles(roles), check_scope(unit_scope)
        with self._changing() as entries:
            for e in entries:
                if e.kind == CERTIFICATE and e.id == common_name and not e.revoked:
                    raise InvalidArgument(
                        "common_name", f"{common_name!r} is already mapped; revoke it first"
                    )
            entries[:] = [e for e in entries if not (e.kind == CERTIFICATE and e.id == common_name)]
            entry = StoredIdentity(
                kind=CERTIFICATE,
                id=common_name,
                label=label,
                roles=checked_roles,
                unit_scope=scope,
                created_at=_now(),
            )
            entries.append(entry)
        return entry

    def revoke(self, ident: str) -> StoredIdentity:
        """Revoke a key (by key id) or a certificate identity (by common name)."""
        with self._changing() as entries:
            for index, e in enumerate(entries):
                if e.id == ident:
                    if e.revoked:
                        return e
                    entries[index] = revoked = StoredIdentity(
                        **{**e.__dict__, "revoked_at": _now()}
                    )
                    return revoked
            raise NotFound(f"id: no key or certificate identity {ident!r} in {self.path}")
