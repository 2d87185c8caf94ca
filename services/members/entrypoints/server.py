"""The members service's server factory and process entrypoint.

``create_server(config)`` builds everything and starts nothing. ``start()``
listens at once with health NOT_SERVING; then, in the background, it loads (or
on first start creates) the service's keys, opens the members' key table and
the event store, folds the registry from the members log, connects to NATS,
makes sure the BENEFITS_MEMBERS stream exists, starts the outbox relay, and
only then reports SERVING. Events reach the stream only through the relay, as
``benefits.members.v1.<EventType>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from benefits_platform import logs
from benefits_platform.config import ServiceConfig
from benefits_platform.config import load as load_config
from benefits_platform.domain_errors import Unavailable
from benefits_platform.eventstore import eventsourcing_env
from benefits_platform.protos.benefits.v1 import members_pb2, members_pb2_grpc
from benefits_platform.server import StoreAndBusServer, serve
from members.adapters import keys
from members.adapters.event_codec import encode
from members.application import MembersApplication, OneAtATime
from members.entrypoints import access
from members.entrypoints.grpc_servicer import MembersServicer

log = logs.get("members.server")
T = TypeVar("T")

SERVICE_NAME = members_pb2.DESCRIPTOR.services_by_name["MembersService"].full_name


class MembersServer(StoreAndBusServer[MembersApplication]):
    """The MembersService, ready once the keys are loaded, the store open and
    NATS connected."""

    def __init__(
        self,
        config: ServiceConfig,
        key_file: Path | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.key_file = key_file or keys.key_file_path(config.data_dir)
        self.today = today
        super().__init__(
            config, self._open_app, [SERVICE_NAME], codec=encode, policies=[access.POLICY]
        )
        members_pb2_grpc.add_MembersServiceServicer_to_server(
            MembersServicer(self), self.host.server
        )
        self.runner: OneAtATime | None = None

    def _open_app(self) -> MembersApplication:
        service_keys = keys.load_or_create(self.key_file)
        table = keys.KeyTable.open(self.config.store, self.config.data_dir)
        personal = keys.MemberKeys(service_keys, table)
        try:
            return MembersApplication(personal, eventsourcing_env(self.config.store), self.today)
        except BaseException:
            personal.close()
            raise

    async def on_ready(self) -> None:
        assert self.app is not None
        log.info(
            "members.registry_loaded",
            position=self.app.registry.position,
            units=len(self.app.registry.tree),
            members=len(self.app.registry.positions),
        )
        self.runner = OneAtATime(self.app)

    def application(self) -> MembersApplication:
        if self.app is None or self.runner is None or not self.ready:
            raise Unavailable("the members service is starting; retry shortly")
        return self.app

    def _runner(self) -> OneAtATime:
        self.application()
        assert self.runner is not None
        return self.runner

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a command (one at a time, off the event loop), then wake the relay."""
        try:
            return await self._runner().run(fn, *args)
        finally:
            if self.relay is not None:
                self.relay.wake()

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a read, one at a time with the commands, off the event loop."""
        return await self._runner().run(fn, *args)


def create_server(config: ServiceConfig) -> MembersServer:
    return MembersServer(config)


def main() -> None:
    logs.configure()
    serve(lambda: create_server(load_config("members")))


if __name__ == "__main__":
    main()
