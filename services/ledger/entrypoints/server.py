"""The ledger's server factory and process entrypoint.

``create_server(config)`` builds everything and starts nothing; ``start()``
listens at once (health NOT_SERVING), opens the event store and rebuilds the
book, connects to NATS, makes sure the stream exists, starts the relay and the
writer, and only then reports SERVING.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from nats.aio.client import Client

from benefits_platform import bus, logs
from benefits_platform.aio import in_thread
from benefits_platform.config import ServiceConfig
from benefits_platform.config import load as load_config
from benefits_platform.eventstore import eventsourcing_env
from benefits_platform.protos.benefits.v1 import ledger_pb2, ledger_pb2_grpc
from benefits_platform.relay import OutboxRelay
from benefits_platform.server import GrpcHost, run_until_signalled
from benefits_platform.sqlstore import Database, RelayCheckpoints
from ledger.adapters.event_codec import encode
from ledger.application import CommandWriter, LedgerApplication
from ledger.entrypoints.grpc_servicer import LedgerServicer

log = logs.get("ledger.server")
T = TypeVar("T")

SERVICE_NAME = ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"].full_name


class LedgerServer:
    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.host = GrpcHost(config, [SERVICE_NAME])
        ledger_pb2_grpc.add_LedgerServiceServicer_to_server(LedgerServicer(self), self.host.server)
        self.app: LedgerApplication | None = None
        self.writer: CommandWriter = None  # type: ignore[assignment]
        self.relay: OutboxRelay | None = None
        self.nc: Client | None = None
        self.db: Database | None = None
        self.ready = False
        self._startup: asyncio.Task[None] | None = None
        self._wake_task: asyncio.Task[None] | None = None

    @property
    def address(self) -> str:
        return self.host.address

    async def start(self) -> None:
        await self.host.start()
        log.info("ledger.listening", address=self.address)
        self._startup = asyncio.create_task(self._bring_up(), name="ledger-startup")

    async def wait_ready(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        assert self._startup is not None
        await asyncio.wait_for(asyncio.shield(self._startup), timeout)

    async def _bring_up(self) -> None:
        env = eventsourcing_env(self.config.store)
        self.db = Database(self.config.store, self.config.data_dir / "ledger" / "relay.sqlite")
        self.app = await in_thread(LedgerApplication, env)
        log.info("ledger.book_loaded", position=self.app.book.position)
        self.writer = CommandWriter(self.app, self.config.max_group_size * 4)
        while True:
            try:
                self.nc = await bus.connect(self.config.nats_url, "ledger")
                js = self.nc.jetstream()
                await bus.ensure_stream(js, "ledger", self.config.stream_replicas)
                break
            except Exception as error:
                log.warning("ledger.nats_unavailable", error=repr(error)[:200])
                if self.nc is not None:
                    await self.nc.close()
                    self.nc = None
                await asyncio.sleep(1.0)
        self.relay = OutboxRelay(
            source="ledger",
            recorder=self.app.recorder,
            mapper=self.app.mapper,
            codec=encode,
            js=js,
            checkpoints=RelayCheckpoints(self.db),
            batch_size=self.config.relay_batch_size,
        )
        self.relay.start()
        self.writer.start()
        self._wake_task = asyncio.create_task(self._wake_relay(), name="ledger-relay-wake")
        self.ready = True
        await self.host.set_serving(True)
        log.info("ledger.serving", address=self.address)

    async def _wake_relay(self) -> None:
        while True:
            await self.writer.committed.wait()
            self.writer.committed.clear()
            if self.relay is not None:
                self.relay.wake()

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a store read off the event loop."""
        return await in_thread(fn, *args)

    async def stop(self) -> None:
        self.ready = False
        await self.host.stop()
        for task in (self._startup, self._wake_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self.writer is not None:
            await self.writer.stop()
        if self.relay is not None:
            await self.relay.stop()
        if self.nc is not None:
            await self.nc.close()
        if self.app is not None:
            self.app.close()
        if self.db is not None:
            self.db.close()


def create_server(config: ServiceConfig) -> LedgerServer:
    return LedgerServer(config)


async def serve(config: ServiceConfig) -> None:
    # The grpc.aio server must be built inside the running event loop.
    await run_until_signalled(create_server(config))


def main() -> None:
    logs.configure()
    asyncio.run(serve(load_config("ledger")))


if __name__ == "__main__":
    main()
