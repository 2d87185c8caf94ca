"""The service's keys for personal data: AES-256-GCM for names and national ID
numbers in the event store, and HMAC-SHA-256 for the keyed digest of national
ID numbers (one membership per person; ``national_id_digest`` on the wire).

Both 32-byte keys live in one JSON file, ``BENEFITS_MEMBERS_KEY_FILE`` (default
``<data dir>/members/keys.json``), created with mode 0600 on first start. A key
file that others may read, or that does not hold two 32-byte keys, stops the
service from opening its store. Losing the file makes every sealed name and
number unreadable: back it up apart from the data.

:class:`ServiceKeys` is what the domain sees through its ``PersonalData``
protocol (encrypt, decrypt, digest); per-member keys can replace it there.
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
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE_ENV = "BENEFITS_MEMBERS_KEY_FILE"
KEY_BYTES = 32
NONCE_BYTES = 12
SEALED_PREFIX = "v1."
FILE_VERSION = 1


class KeyFileError(Exception):
    """The key file is missing a key, malformed, or readable by others."""


class SealedValueError(Exception):
    """A sealed value does not open with this key in this context."""


class ServiceKeys:
    """AES-GCM sealing and HMAC digests under the service's two keys."""

    __slots__ = ("_aead", "_hmac_key")

    def __init__(self, data_key: bytes, hmac_key: bytes) -> None:
        if len(data_key) != KEY_BYTES or len(hmac_key) != KEY_BYTES:
            raise KeyFileError(f"the data key and the HMAC key must be {KEY_BYTES} bytes each")
        self._aead = AESGCM(data_key)
        self._hmac_key = hmac_key

    @classmethod
    def generate(cls) -> ServiceKeys:
        return cls(secrets.token_bytes(KEY_BYTES), secrets.token_bytes(KEY_BYTES))

    def __repr__(self) -> str:
        return "ServiceKeys(<keys hidden>)"

    def encrypt(self, plaintext: str, context: str) -> str:
        """``v1.`` + base64url(nonce || ciphertext || tag); ``context`` is the
        associated data, so a sealed value opens only where it was sealed."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, sealed: str, context: str) -> str:
        if not sealed.startswith(SEALED_PREFIX):
            raise SealedValueError(f"not a sealed value ({context})")
        try:
            raw = base64.urlsafe_b64decode(sealed[len(SEALED_PREFIX) :])
            opened = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError, binascii.Error):
            raise SealedValueError(
                f"a sealed value does not open with this key ({context})"
            ) from None
        return opened.decode()

    def digest(self, value: str) -> str:
        """HMAC-SHA-256 of ``value`` under the HMAC key, in hex."""
        return hmac.new(self._hmac_key, value.encode(), hashlib.sha256).hexdigest()


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
