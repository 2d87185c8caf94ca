"""The whole stack for fuzzing: a real nats-server and the ledger, members and
reporting services on SQLite, in-process, on loopback gRPC, with a keys file of
callers for every role. The services run in an event loop of their own thread;
the fuzzer calls them through plain (synchronous) gRPC channels, so every call
crosses the real wire: serialisation, interceptors, status codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import grpc
import nats

from benefits_platform.aio import in_thread
from benefits_platform.auth.keys import KeysFile
from benefits_platform.auth.policy import ADMIN, AUDITOR, POSTER, REVIEWER, ROLES, Policy
from benefits_platform.config import ServiceConfig, StoreConfig
from ledger.entrypoints import access as ledger_access
from ledger.entrypoints.server import create_server as create_ledger
from members.entrypoints import access as members_access
from members.entrypoints.server import MembersServer
from reporting.entrypoints import access as reporting_access
from reporting.entrypoints.server import create_server as create_reporting
from tests.support import NatsServer

T = TypeVar("T")

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
STREAMS = {"ledger": "BENEFITS_LEDGER", "members": "BENEFITS_MEMBERS"}
POLICIES: list[Policy] = [ledger_access.POLICY, members_access.POLICY, reporting_access.POLICY]


@dataclass(frozen=True)
class Caller:
    """Who a fuzzed call runs as: a key of some roles and scope, or bad credentials."""

    name: str
    metadata: tuple[tuple[str, str], ...]
    roles: frozenset[str] = frozenset()
    all_units: bool = True
    # None: a valid key; else the status every call must get (bad credentials).
    expected: grpc.StatusCode | None = None


@dataclass
class Stack:
    root: Path
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    servers: dict[str, Any] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)
    callers: list[Caller] = field(default_factory=list)
    admin: Caller | None = None
    nats_server: NatsServer | None = None
    _thread: threading.Thread | None = None

    # -- running things in the stack's loop ------------------------------------------

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> Stack:
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.nats_server = NatsServer(self.root / "nats").start()
        self._make_callers()
        self.run(self._start())
        return self

    def _config(self, service: str) -> ServiceConfig:
        assert self.nats_server is not None
        return ServiceConfig(
            service=service,
            port=0,
            data_dir=self.root,
            nats_url=self.nats_server.url,
            store=StoreConfig(kind="sqlite", sqlite_path=self.root / service / "events.sqlite"),
            shutdown_grace_seconds=0.5,
            grpc_max_message_bytes=MAX_MESSAGE_BYTES,
        )

    async def _start(self) -> None:
        self.servers["ledger"] = create_ledger(self._config("ledger"))
        # A payout ahead of the members log waits this long, then UNAVAILABLE.
        self.servers["ledger"].members_wait_seconds = 0.5
        self.servers["members"] = MembersServer(self._config("members"))
        self.servers["reporting"] = create_reporting(self._config("reporting"))
        for server in self.servers.values():
            await server.start()
        for name, server in self.servers.items():
            await server.wait_ready()
            self.addresses[name] = server.address

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.run(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        if self.nats_server is not None:
            self.nats_server.stop()

    async def _stop(self) -> None:
        for name in ("reporting", "members", "ledger"):
            server = self.servers.get(name)
            if server is None:
                continue
            relay = getattr(server, "relay", None)
            app = getattr(server, "app", None)
            if relay is not None and app is not None:
                with contextlib.suppress(Exception):
                    await relay.wait_caught_up(app.recorder.max_notification_id() or 0, 10)
            await server.stop()

    # -- callers ---------------------------------------------------------------------

    def _make_callers(self) -> None:
        keys = KeysFile(self.root / "keys" / "api-keys.json")
        specs = [
            ("admin-all-roles", ROLES, "*"),
            ("poster", (POSTER,), "*"),
            ("reviewer", (REVIEWER,), "*"),
            ("auditor", (AUDITOR,), "*"),
            ("admin", (ADMIN,), "*"),
            ("poster-nanshan", (POSTER,), "GD-SZ-NS"),
            ("auditor-guangzhou", (AUDITOR,), "GD-GZ"),
            ("revoked", ROLES, "*"),
        ]
        made = keys.create_keys([(roles, scope, label) for label, roles, scope in specs])
        revoked_id = made[-1][0].id
        for (label, roles, scope), (_entry, secret) in zip(specs, made, strict=True):
            if label == "revoked":
                continue
            caller = Caller(
                label,
                (("authorization", f"Bearer {secret}"),),
                frozenset(roles),
                scope == "*",
            )
            self.callers.append(caller)
            if label == "admin-all-roles":
                self.admin = caller
        keys.revoke(revoked_id)
        revoked_secret = made[-1][1]
        bad = grpc.StatusCode.UNAUTHENTICATED
        self.callers += [
            Caller("no-key", (), expected=bad),
            Caller("not-bearer", (("authorization", "Basic dXNlcjpwdw=="),), expected=bad),
            Caller("malformed-key", (("authorization", "Bearer not-a-key"),), expected=bad),
            Caller(
                "unknown-key",
                (("authorization", "Bearer bk_000000000000_" + "A" * 43),),
                expected=bad,
            ),
            Caller("revoked-key", (("authorization", f"Bearer {revoked_secret}"),), expected=bad),
        ]

    # -- what the invariants read ----------------------------------------------------

    def positions(self) -> dict[str, int]:
        """The position of each service's event store (its last notification id)."""
        return self.run(self._positions())

    async def _positions(self) -> dict[str, int]:
        found = {}
        for name, server in self.servers.items():
            app = server.app
            found[name] = int(await in_thread(app.recorder.max_notification_id) or 0)
        return found

    def streams(self) -> dict[str, tuple[int, int]]:
        """(store position, stream length) of each publishing service, once its
        relay has published everything recorded."""
        return self.run(self._streams())

    async def _streams(self) -> dict[str, tuple[int, int]]:
        found = {}
        assert self.nats_server is not None
        nc = await nats.connect(self.nats_server.url)
        try:
            js = nc.jetstream()
            for name, stream in STREAMS.items():
                server = self.servers[name]
                position = int(await in_thread(server.app.recorder.max_notification_id) or 0)
                await server.relay.wait_caught_up(position, 60)
                info = await js.stream_info(stream)
                found[name] = (position, int(info.state.messages))
        finally:
            await nc.close()
        return found

    def stream_messages(self, name: str) -> list[bytes]:
        return self.run(self._stream_messages(STREAMS[name]))

    async def _stream_messages(self, stream: str) -> list[bytes]:
        assert self.nats_server is not None
        nc = await nats.connect(self.nats_server.url)
        try:
            js = nc.jetstream()
            info = await js.stream_info(stream)
            if not info.state.messages:
                return []
            return [
                (await js.get_msg(stream, seq=seq)).data or b""
                for seq in range(info.state.first_seq, info.state.last_seq + 1)
            ]
        finally:
            await nc.close()

    def rule(self, service: str, method: str) -> Any:
        for policy in POLICIES:
            if policy.service == service:
                return policy.rule(method)
        return None
