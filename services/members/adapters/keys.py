"""The members service's keys for personal data.

Names and national ID numbers are sealed with AES-256-GCM under a **data key of
their own member** (crypto-shredding): each member's 32-byte key is made at
enrolment and kept outside the event store, in a key table of its own
(:class:`KeyTable`: ``<data dir>/members/member-keys.sqlite``, or the
``members_personal_keys`` table in PostgreSQL), wrapped (AES-GCM, the member id
as associated data) by the service's master key. Deleting a member's row makes
every sealed copy of that member's name and number unreadable, wherever the
events were copied, while the events themselves stay whole and verifiable.
The row also holds the keyed digest of the member's number (one membership per
person), which is erased with it.

The service's two keys live in one JSON file, ``BENEFITS_MEMBERS_KEY_FILE``
(default ``<data dir>/members/keys.json``), created with mode 0600 on first
start: ``data_key`` (the master key's seed: the wrapping key is derived from it
with HKDF-SHA-256; it also opens values sealed before per-member keys) and
``hmac_key`` (HMAC-SHA-256 digests of national ID numbers). A key file that
others may read, or that does not hold two 32-byte keys, stops the service from
opening its store. Losing the file makes every sealed name and number
unreadable: back it up apart from the data.

Sealed values are versioned: ``v1.`` + base64url(nonce || ciphertext || tag)
under the service's data key (enrolments recorded before per-member keys; they
still open, but deleting a key cannot erase them), ``v2.`` + the same under the
member's own key. The associated data of both is ``members/<id>/<field>``, so a
sealed value opens only where it was sealed.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from benefits_platform.config import StoreConfig
from benefits_platform.sqlstore import Database

KEY_FILE_ENV = "BENEFITS_MEMBERS_KEY_FILE"
KEY_BYTES = 32
NONCE_BYTES = 12
SEALED_PREFIX = "v1."
MEMBER_SEALED_PREFIX = "v2."
FILE_VERSION = 1
WRAP_INFO = b"benefits/members/member-key-wrapping/v1"
KEY_TABLE = "members_personal_keys"
KEY_DB_NAME = "member-keys.sqlite"
# Unwrapped member keys kept in memory (a cache: the table is the truth).
CACHE_SIZE = 20_000


class KeyFileError(Exception):
    """The key file is missing a key, malformed, or readable by others."""


class SealedValueError(Exception):
    """A sealed value does not open with this key in this context."""


class ErasedError(SealedValueError):
    """The member's data key was deleted: the member's personal data is erased."""


def _seal(aead: AESGCM, prefix: str, plaintext: str, context: str) -> str:
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = aead.encrypt(nonce, plaintext.encode(), context.encode())
    return prefix + base64.urlsafe_b64encode(nonce + sealed).decode()


def _open(aead: AESGCM, prefix: str, sealed: str, context: str) -> str:
    if not sealed.startswith(prefix):
        raise SealedValueError(f"not a sealed value ({context})")
    try:
        raw = base64.urlsafe_b64decode(sealed[len(prefix) :])
        opened = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
    except (InvalidTag, ValueError, binascii.Error):
        raise SealedValueError(f"a sealed value does not open with this key ({context})") from None
    return opened.decode()


class ServiceKeys:
    """AES-GCM sealing and HMAC digests under the service's two keys."""

    __slots__ = ("_aead", "_hmac_key", "_wrap")

    def __init__(self, data_key: bytes, hmac_key: bytes) -> None:
        if len(data_key) != KEY_BYTES or len(hmac_key) != KEY_BYTES:
            raise KeyFileError(f"the data key and the HMAC key must be {KEY_BYTES} bytes each")
        self._aead = AESGCM(data_key)
        self._hmac_key = hmac_key
        wrapping = HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=WRAP_INFO).derive(data_key)
        self._wrap = AESGCM(wrapping)

    @classmethod
    def generate(cls) -> ServiceKeys:
        return cls(secrets.token_bytes(KEY_BYTES), secrets.token_bytes(KEY_BYTES))

    def __repr__(self) -> str:
        return "ServiceKeys(<keys hidden>)"

    def encrypt(self, plaintext: str, context: str) -> str:
        """``v1.`` + base64url(nonce || ciphertext || tag); ``context`` is the
        associated data, so a sealed value opens only where it was sealed."""
        return _seal(self._aead, SEALED_PREFIX, plaintext, context)

    def decrypt(self, sealed: str, context: str) -> str:
        return _open(self._aead, SEALED_PREFIX, sealed, context)

    def wrap(self, member_key: bytes, member_id: str) -> bytes:
        """A member's data key sealed by the master key, bound to the member id."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._wrap.encrypt(nonce, member_key, _key_context(member_id))

    def unwrap(self, wrapped: bytes, member_id: str) -> bytes:
        try:
            key = self._wrap.decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _key_context(member_id)
            )
        except (InvalidTag, ValueError):
            raise SealedValueError(
                f"the data key of member {member_id} does not open with the master key"
            ) from None
        if len(key) != KEY_BYTES:
            raise SealedValueError(f"the data key of member {member_id} is malformed")
        return key

    def digest(self, value: str) -> str:
        """HMAC-SHA-256 of ``value`` under the HMAC key, in hex."""
        return hmac.new(self._hmac_key, value.encode(), hashlib.sha256).hexdigest()


def _key_context(member_id: str) -> bytes:
    return f"members/{member_id}/data-key".encode()


def _context(member_id: str, field: str) -> str:
    return f"members/{member_id}/{field}"


class KeyTable:
    """Member id -> the member's wrapped data key and national-ID digest, in a
    store of its own (never the event store). SQLite deletes overwrite the
    freed bytes (``secure_delete``) and the write-ahead log is truncated after
    a key is deleted, so a deleted key is gone from the file; PostgreSQL keeps
    a deleted row's bytes until the table is vacuumed (see README)."""

    def __init__(self, db: Database, sqlite_path: Path | None = None) -> None:
        self.db = db
        self._sqlite_path = sqlite_path
        blob = "BYTEA" if db.is_postgres else "BLOB"
        with db.transaction() as cur:
            if not db.is_postgres:
                cur.execute("PRAGMA secure_delete = ON")
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {KEY_TABLE} ("
                f" member_id TEXT PRIMARY KEY, wrapped_key {blob} NOT NULL,"
                " national_id_digest TEXT NOT NULL, created_at TEXT NOT NULL)"
            )

    @classmethod
    def open(cls, store: StoreConfig, data_dir: Path) -> KeyTable:
        """The table in PostgreSQL beside the store's tables, else in
        ``<data dir>/members/member-keys.sqlite``."""
        path = data_dir / "members" / KEY_DB_NAME
        return cls(Database(store, path), None if store.is_postgres else path)

    def get(self, member_id: str) -> tuple[bytes, str] | None:
        with self.db.transaction() as cur:
            row = cur.execute(
                f"SELECT wrapped_key, national_id_digest FROM {KEY_TABLE} WHERE member_id = ?",
                (member_id,),
            ).fetchone()
        return None if row is None else (bytes(row[0]), str(row[1]))

    def put(self, member_id: str, wrapped: bytes, digest: str, now: str) -> None:
        """Store (or replace: only for a member id not enrolled yet) a member's key."""
        with self.db.transaction() as cur:
            cur.execute(
                f"INSERT INTO {KEY_TABLE} (member_id, wrapped_key, national_id_digest,"
                " created_at) VALUES (?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET"
                " wrapped_key = excluded.wrapped_key,"
                " national_id_digest = excluded.national_id_digest,"
                " created_at = excluded.created_at",
                (member_id, wrapped, digest, now),
            )

    def delete(self, member_ids: list[str]) -> int:
        """Delete the members' keys; how many there were."""
        if not member_ids:
            return 0
        deleted = 0
        with self.db.transaction() as cur:
            for member_id in member_ids:
                found = cur.execute(
                    f"SELECT 1 FROM {KEY_TABLE} WHERE member_id = ?", (member_id,)
                ).fetchone()
                if found is not None:
                    cur.execute(f"DELETE FROM {KEY_TABLE} WHERE member_id = ?", (member_id,))
                    deleted += 1
        if deleted and self._sqlite_path is not None:
            # The deleted rows' pages may still sit in the write-ahead log.
            with contextlib.closing(sqlite3.connect(self._sqlite_path, timeout=30)) as lite:
                lite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def digests(self) -> dict[str, str]:
        """Member id -> national-ID digest of every stored key."""
        with self.db.transaction() as cur:
            rows = cur.execute(f"SELECT member_id, national_id_digest FROM {KEY_TABLE}").fetchall()
        return {str(member_id): str(digest) for member_id, digest in rows}

    def close(self) -> None:
        self.db.close()


class MemberKeys:
    """Personal data under per-member data keys (the domain's ``PersonalData``).

    ``seal`` uses the member's key, made by :meth:`create_key` at enrolment;
    ``open`` reads both versions of sealed values and raises
    :class:`ErasedError` for a member whose key was deleted (:meth:`forget`).
    """

    def __init__(self, service: ServiceKeys, table: KeyTable) -> None:
        self.service = service
        self.table = table
        self._cache: dict[str, AESGCM] = {}

    def __repr__(self) -> str:
        return "MemberKeys(<keys hidden>)"

    def digest(self, value: str) -> str:
        return self.service.digest(value)

    def create_key(self, member_id: str, national_id_digest: str, now: str) -> None:
        """A new data key for a member about to be enrolled (replacing any key
        left by an enrolment that was never recorded)."""
        key = secrets.token_bytes(KEY_BYTES)
        self.table.put(member_id, self.service.wrap(key, member_id), national_id_digest, now)
        self._remember(member_id, AESGCM(key))

    def _remember(self, member_id: str, aead: AESGCM) -> None:
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[member_id] = aead

    def _member_aead(self, member_id: str) -> AESGCM:
        aead = self._cache.get(member_id)
        if aead is None:
            found = self.table.get(member_id)
            if found is None:
                raise ErasedError(f"member {member_id} has no data key: personal data erased")
            aead = AESGCM(self.service.unwrap(found[0], member_id))
            self._remember(member_id, aead)
        return aead

    def seal(self, member_id: str, field: str, plaintext: str) -> str:
        context = _context(member_id, field)
        return _seal(self._member_aead(member_id), MEMBER_SEALED_PREFIX, plaintext, context)

    def open(self, member_id: str, field: str, sealed: str) -> str:
        context = _context(member_id, field)
        if sealed.startswith(SEALED_PREFIX):
            return self.service.decrypt(sealed, context)
        return _open(self._member_aead(member_id), MEMBER_SEALED_PREFIX, sealed, context)

    def forget(self, member_ids: list[str]) -> int:
        """Delete the members' data keys; how many were still there."""
        for member_id in member_ids:
            self._cache.pop(member_id, None)
        return self.table.delete(member_ids)

    def known_digests(self) -> dict[str, str]:
        return self.table.digests()

    def close(self) -> None:
        self.table.close()


def in_memory(service: ServiceKeys | None = None) -> MemberKeys:
    """Member keys in an in-memory SQLite table (tests of the domain)."""
    db = Database(StoreConfig(kind="sqlite"), Path(":memory:"))
    return MemberKeys(service or ServiceKeys.generate(), KeyTable(db))


def key_file_path(data_dir: Path) -> Path:
    """``BENEFITS_MEMBERS_KEY_FILE``, or ``<data dir>/members/keys.json``."""
    configured = os.environ.get(KEY_FILE_ENV, "").strip()
    return Path(configured) if configured else data_dir / "members" / "keys.json"


def _decode(document: dict[str, object], name: str) -> bytes:
    value = document.get(name)
    if not isinstance(value, str):
        raise KeyFileError(f"the key file has no {name}")
    try:
        key = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise KeyFileError(f"{name} in the key file is not base64") from None
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{name} in the key file must be {KEY_BYTES} bytes, got {len(key)}")
    return key


def load(path: Path) -> ServiceKeys:
    mode = path.stat().st_mode
    if mode & 0o077:
        raise KeyFileError(
            f"{path} may be read or written by other users (mode {mode & 0o777:o}); "
            f"chmod 600 {path}"
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise KeyFileError(f"{path} is not a JSON key file") from None
    if not isinstance(document, dict):
        raise KeyFileError(f"{path} is not a JSON key file")
    return ServiceKeys(_decode(document, "data_key"), _decode(document, "hmac_key"))


def create(path: Path) -> bool:
    """Write a new key file with mode 0600 unless one exists; True if written.
    The file appears whole or not at all, and an existing one is never replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "version": FILE_VERSION,
        "data_key": base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode(),
        "hmac_key": base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode(),
    }
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def load_or_create(path: Path) -> ServiceKeys:
    """The keys in ``path``, made on first start."""
    if not path.exists():
        create(path)
    return load(path)
