"""gRPC server bootstrap shared by every service.

:class:`GrpcHost` owns a grpc.aio server with health (``grpc.health.v1``,
NOT_SERVING until the service says it is ready) and reflection. Services build
one in their ``create_server(config)`` factory; :func:`run_until_signalled`
runs a started service until SIGINT/SIGTERM and stops it gracefully.
Nothing here runs at import time.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from benefits_platform import logs
from benefits_platform.config import ServiceConfig

log = logs.get("benefits.server")

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class GrpcHost:
    """A grpc.aio server with health and reflection, bound but not started."""

    def __init__(self, config: ServiceConfig, service_names: Iterable[str]) -> None:
        limit = config.grpc_max_message_bytes
        self.config = config
        self.service_names = list(service_names)
        self.server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", limit),
                ("grpc.max_send_message_length", limit),
                ("grpc.so_reuseport", 0),
            ],
        )
        self.health = HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            [*self.service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
             reflection.SERVICE_NAME],
            self.server,
        )
        self.port = self.server.add_insecure_port(config.address)
        if self.port == 0:
            raise OSError(f"cannot listen on {config.address}")

    @property
    def address(self) -> str:
        return f"{self.config.host}:{self.port}"

    async def start(self) -> None:
        await self.set_serving(False)
        await self.server.start()

    async def set_serving(self, serving: bool) -> None:
        status = SERVING if serving else NOT_SERVING
        for name in ("", *self.service_names):
            await self.health.set(name, status)

    async def stop(self, grace: float | None = None) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(self.config.shutdown_grace_seconds if grace is None else grace)


class Service(Protocol):
    """What every service's create_server() returns."""

    host: GrpcHost

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def run_until_signalled(service: Service, on_started: Callable[[], Awaitable[None]] | None = None) -> None:
    """Start ``service``, wait for SIGINT or SIGTERM, then stop it gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await service.start()
    if on_started is not None:
        await on_started()
    await stop.wait()
    log.info("service.stopping")
    await service.stop()
    log.info("service.stopped")
