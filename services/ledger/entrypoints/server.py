"""The ledger's server factory and process entrypoint.

``create_server(config)`` builds everything and starts nothing; ``start()``
listens at once (health NOT_SERVING), opens the event store and rebuilds the
book, connects to NATS, makes sure the stream exists, starts the relay and the
writer, and only then reports SERVING.

With ``config.fronts`` > 0 this process is the ledger's *core*: it starts that
many front processes (``ledger.entrypoints.front``), which serve the gRPC port
together and forward every authenticated call over a Unix socket
(benefits_platform.forwarding); the core's own gRPC server (health, for
operators) listens on a Unix socket beside it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from benefits_platform import logs
from benefits_platform.aio import cancel_and_wait, in_thread
from benefits_platform.config import ServiceConfig
from benefits_platform.config import load as load_config
from benefits_platform.domain_errors import Unavailable
from benefits_platform.eventstore import eventsourcing_env
from benefits_platform.forwarding import (
    CoreEndpoint,
    FrontProcesses,
    ServicerDispatch,
    frame_limit,
    front_env,
    socket_path,
)
from benefits_platform.protos.benefits.v1 import ledger_pb2, ledger_pb2_grpc
from benefits_platform.server import StoreAndBusServer, serve
from ledger.adapters.event_codec import encode
from ledger.adapters.members_feed import MembersFeed
from ledger.application import CommandWriter, LedgerApplication
from ledger.entrypoints import access
from ledger.entrypoints.grpc_servicer import LedgerServicer

log = logs.get("ledger.server")
T = TypeVar("T")

SERVICE = ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"]
SERVICE_NAME = SERVICE.full_name
FRONT_MODULE = "ledger.entrypoints.front"


class LedgerServer(StoreAndBusServer[LedgerApplication]):
    # How long a payout carrying members_position waits for the members view.
    members_wait_seconds = 5.0

    def __init__(self, config: ServiceConfig) -> None:
        env = eventsourcing_env(config.store)
        core = None
        if config.fronts:
            if not config.port:
                raise ValueError("a ledger with fronts needs a fixed port (BENEFITS_LEDGER_PORT)")
            core = config.core_socket or socket_path(config.data_dir, config.service, config.port)
        super().__init__(
            config,
            lambda: LedgerApplication(env),
            [SERVICE_NAME],
            codec=encode,
            policies=[access.POLICY],
            host_address=None if core is None else f"unix:{core.with_suffix('.grpc')}",
        )
        servicer = LedgerServicer(self)
        ledger_pb2_grpc.add_LedgerServiceServicer_to_server(servicer, self.host.server)
        self.endpoint: CoreEndpoint | None = None
        self.fronts: FrontProcesses | None = None
        if core is not None:
            messages = {
                name: getattr(ledger_pb2, name)
                for name in ledger_pb2.DESCRIPTOR.message_types_by_name
            }
            self.endpoint = CoreEndpoint(
                core,
                ServicerDispatch(
                    servicer,
                    SERVICE,
                    messages,
                    prepared={"PostPayouts": servicer.post_prepared_payouts},
                ),
                frame_limit(config),
            )
            self.host.serving_listeners.append(self.endpoint.set_serving)
            self.fronts = FrontProcesses(
                FRONT_MODULE, config.fronts, front_env(config, core), config.shutdown_grace_seconds
            )
        self.writer: CommandWriter | None = None
        self.members_feed: MembersFeed | None = None
        self._wake_task: asyncio.Task[None] | None = None

    @property
    def address(self) -> str:
        """Where clients call: the shared port of the fronts, or this process's."""
        return self.config.address if self.fronts is not None else self.host.address

    async def start(self) -> None:
        if self.endpoint is not None and self.fronts is not None:
            await self.endpoint.start()
            self.fronts.start()
        await super().start()

    async def wait_ready(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Wait until the core is SERVING and every front has connected to it."""
        await super().wait_ready(timeout)
        if self.endpoint is not None:
            await self.endpoint.wait_fronts(self.config.fronts, timeout)

    async def stop(self) -> None:
        if self.fronts is not None:
            await self.fronts.stop()  # they finish the calls in flight first
        if self.endpoint is not None:
            await self.endpoint.stop()
        await super().stop()

    async def on_ready(self) -> None:
        assert self.app is not None and self.js is not None
        log.info("ledger.book_loaded", position=self.app.book.position)
        self.members_feed = MembersFeed(self.js, self.app.members, self.config.stream_replicas)
        await self.members_feed.start()
        self.writer = CommandWriter(self.app, self.config.max_group_size * 4)
        self.writer.start()
        self._wake_task = asyncio.create_task(self._wake_relay(), name="ledger-relay-wake")

    async def _wake_relay(self) -> None:
        assert self.writer is not None
        while True:
            await self.writer.committed.wait()
            self.writer.committed.clear()
            if self.relay is not None:
                self.relay.wake()

    async def wait_for_members(self, position: int) -> None:
        """Read-your-writes: wait (bounded) until the members view reached ``position``."""
        if position <= 0 or self.members_feed is None:
            return
        if not await self.members_feed.wait_for(position, self.members_wait_seconds):
            raise Unavailable(
                f"members_position: the ledger's view of members is at position "
                f"{self.members_feed.view.position}, not yet {position}; retry with the same "
                "request id"
            )

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a store read off the event loop."""
        return await in_thread(fn, *args)

    async def on_stopping(self) -> None:
        await cancel_and_wait(self._wake_task)
        if self.writer is not None:
            await self.writer.stop()
        if self.members_feed is not None:
            await self.members_feed.stop()


def create_server(config: ServiceConfig) -> LedgerServer:
    return LedgerServer(config)


def main() -> None:
    logs.configure()
    serve(lambda: create_server(load_config("ledger")))


if __name__ == "__main__":
    main()
