"""gRPC server bootstrap shared by every service.

:class:`GrpcHost` owns a grpc.aio server with health (``grpc.health.v1``,
NOT_SERVING until the service says it is ready) and reflection. Services build
one in their ``create_server(config)`` factory; :func:`run_until_signalled`
runs a started service until SIGINT/SIGTERM and stops it gracefully.
:class:`StoreAndBusServer` is the bring-up shared by services whose readiness
is "store open and NATS connected" (members, reporting).
Nothing here runs at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, Protocol, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc
from nats.aio.client import Client
from nats.js import JetStreamContext

from benefits_platform import bus, logs
from benefits_platform.aio import in_thread
from benefits_platform.auth.interceptor import Authenticator
from benefits_platform.auth.keys import KeysFile
from benefits_platform.auth.policy import Policy
from benefits_platform.auth.tls import ServerTls
from benefits_platform.collection import freeze_long_lived
from benefits_platform.config import ServiceConfig
from benefits_platform.relay import Codec, OutboxRelay, relay_database
from benefits_platform.rpc import CallLimits
from benefits_platform.sqlstore import Database, RelayCheckpoints

log = logs.get("benefits.server")

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class _GuardedGeneric(grpc.GenericRpcHandler):  # type: ignore[misc]
    """A generic handler whose method handlers are guarded, each once."""

    def __init__(
        self,
        inner: grpc.GenericRpcHandler,
        guard: Callable[[str, grpc.RpcMethodHandler], grpc.RpcMethodHandler],
    ) -> None:
        self.inner = inner
        self.guard = guard
        self._guarded: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        handler = self.inner.service(details)
        if handler is None:
            return None
        name = str(details.method)
        cached = self._guarded.get(name)
        if cached is not None and cached[0] is handler:
            return cached[1]
        guarded = self.guard(name, handler)
        self._guarded[name] = (handler, guarded)
        return guarded


class GuardedServer:
    """A grpc.aio server on which every method handler a service registers is
    wrapped, once, when it is registered: authentication and the method's access
    rule (:class:`~benefits_platform.auth.interceptor.Authenticator`) outside,
    :class:`~benefits_platform.rpc.CallLimits` inside. This is what server
    interceptors would do, without grpc.aio's interceptor pipeline on every call.
    Everything else is the server's own (start, stop, ports)."""

    def __init__(self, server: grpc.aio.Server, auth: Authenticator, limits: CallLimits) -> None:
        self._server = server
        self.auth = auth
        self.limits = limits

    def guard(self, full_name: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        return self.auth.guard(full_name, self.limits.wrap(handler))

    def add_generic_rpc_handlers(self, handlers: Iterable[grpc.GenericRpcHandler]) -> None:
        self._server.add_generic_rpc_handlers(
            tuple(_GuardedGeneric(handler, self.guard) for handler in handlers)
        )

    def add_registered_method_handlers(
        self, service: str, handlers: dict[str, grpc.RpcMethodHandler]
    ) -> None:
        self._server.add_registered_method_handlers(
            service,
            {name: self.guard(f"/{service}/{name}", h) for name, h in handlers.items()},
        )

    def add_self_guarding_handlers(self, handler: grpc.GenericRpcHandler) -> None:
        """Register ``handler`` as it is: for a front's forwarding handlers only,
        which admit each call through :attr:`auth` and apply the deadline
        ceiling themselves, in one coroutine instead of three
        (benefits_platform.forwarding)."""
        self._server.add_generic_rpc_handlers((handler,))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)


class GrpcHost:
    """A grpc.aio server with health and reflection, bound but not started."""

    def __init__(
        self,
        config: ServiceConfig,
        service_names: Iterable[str],
        policies: Iterable[Policy] = (),
        *,
        address: str | None = None,
        reuse_port: bool = False,
    ) -> None:
        """``address``: listen there instead of the configured host and port (a
        ``unix:`` path: plaintext, the file's permissions guard it);
        ``reuse_port``: share the port with other processes (fronts)."""
        limit = config.grpc_max_message_bytes
        self.config = config
        self.service_names = list(service_names)
        # Called with the new state whenever health changes.
        self.serving_listeners: list[Callable[[bool], None]] = []
        self.keys = KeysFile(config.keys_file)
        raw = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", limit),
                ("grpc.max_send_message_length", limit),
                ("grpc.so_reuseport", 1 if reuse_port else 0),
            ],
        )
        # What services register on: every method but health is authenticated
        # and checked against the services' policies (a method without one is
        # refused), and (innermost) malformed requests and calls without a
        # deadline are handled by CallLimits.
        self.server = GuardedServer(
            raw,
            Authenticator(self.keys, policies),
            CallLimits(config.call_deadline_seconds, config.stream_deadline_seconds),
        )
        self.health = HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, raw)  # open to probes
        # What reflection.enable_server_reflection() registers on a grpc.aio
        # server (it tells one by its type), on the guarded one.
        reflection_pb2_grpc.add_ServerReflectionServicer_to_server(
            reflection.aio.ReflectionServicer(
                [
                    *self.service_names,
                    health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                    reflection.SERVICE_NAME,
                ]
            ),
            self.server,
        )
        self._address = address
        tls = server_tls(config) if address is None else None
        where = address or config.address
        if tls is None:
            self.port = self.server.add_insecure_port(where)
        else:
            self.port = self.server.add_secure_port(where, tls.credentials())
        self.tls = tls is not None
        if self.port == 0:
            raise OSError(f"cannot listen on {where}")

    @property
    def address(self) -> str:
        return self._address or f"{self.config.host}:{self.port}"

    async def start(self) -> None:
        await self.set_serving(False)
        await self.server.start()

    async def set_serving(self, serving: bool) -> None:
        status = SERVING if serving else NOT_SERVING
        for name in ("", *self.service_names):
            await self.health.set(name, status)
        for listener in self.serving_listeners:
            listener(serving)

    async def stop(self, grace: float | None = None) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(self.config.shutdown_grace_seconds if grace is None else grace)


def server_tls(config: ServiceConfig) -> ServerTls | None:
    """The port's TLS settings (None: plaintext, for a loopback development stack)."""
    if config.tls_cert_file is None or config.tls_key_file is None:
        if config.tls_client_ca_file is not None:
            raise ValueError(
                "BENEFITS_TLS_CLIENT_CA_FILE needs BENEFITS_TLS_CERT_FILE and BENEFITS_TLS_KEY_FILE"
            )
        return None
    return ServerTls(config.tls_cert_file, config.tls_key_file, config.tls_client_ca_file)


class Service(Protocol):
    """What every service's create_server() returns."""

    host: GrpcHost

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def run_until_signalled(
    service: Service,
    on_started: Callable[[], Awaitable[None]] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Start ``service``, wait for SIGINT or SIGTERM (or ``stop``), then stop it
    gracefully."""
    stop = stop or asyncio.Event()
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


def serve(build: Callable[[], Service]) -> None:
    """A service process's main: build the service inside the event loop and
    run it until SIGINT/SIGTERM.

    The service must be built inside the running loop: a grpc.aio server
    created before ``asyncio.run()`` belongs to another loop and fails to start
    ("attached to a different loop").
    """

    async def _run() -> None:
        await run_until_signalled(build())

    asyncio.run(_run())


class Closable(Protocol):
    def close(self) -> None: ...


App = TypeVar("App", bound=Closable)

RETRY_SECONDS = 1.0
WATCH_SECONDS = 0.5


class StoreAndBusServer(Generic[App]):
    """A service that is ready when its store is open and NATS is connected.

    ``start()`` listens at once with health NOT_SERVING, then in the background
    opens the service's application (its event store) in a worker thread and
    connects to NATS, retrying each until it succeeds. A service that publishes
    its own events (``codec`` given) then makes sure its stream exists and,
    with ``relay_mode`` "inline", starts the outbox relay. Subclasses start
    their own parts in :meth:`on_ready`; only then does health say SERVING. While the NATS
    connection is lost, health says NOT_SERVING until the client has reconnected.
    """

    def __init__(
        self,
        config: ServiceConfig,
        open_app: Callable[[], App],
        service_names: Iterable[str] = (),
        codec: Codec | None = None,
        policies: Iterable[Policy] = (),
        host_address: str | None = None,
    ) -> None:
        self.config = config
        self.host = GrpcHost(config, service_names, policies, address=host_address)
        self.app: App | None = None
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self.relay: OutboxRelay | None = None
        self.db: Database | None = None
        self.ready = False
        self._open_app = open_app
        self._codec = codec
        self._startup: asyncio.Task[None] | None = None
        self._watch: asyncio.Task[None] | None = None

    @property
    def address(self) -> str:
        return self.host.address

    @property
    def name(self) -> str:
        return self.config.service

    async def start(self) -> None:
        await self.host.start()
        log.info("service.listening", service=self.name, address=self.address)
        self._startup = asyncio.create_task(self._bring_up(), name=f"{self.name}-startup")

    async def wait_ready(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Wait until the service reports SERVING (raises TimeoutError after ``timeout``)."""
        if self._startup is None:
            raise RuntimeError("wait_ready() before start()")
        await asyncio.wait_for(asyncio.shield(self._startup), timeout)

    async def _bring_up(self) -> None:
        while self.app is None:
            try:
                self.app = await in_thread(self._open_app)
            except Exception as error:
                log.warning(
                    "service.store_unavailable", service=self.name, error=type(error).__name__
                )
                await asyncio.sleep(RETRY_SECONDS)
        log.info("service.store_open", service=self.name)
        while self.js is None:
            try:
                self.nc = await bus.connect(self.config.nats_url, self.name, self.config.nats)
                js = self.nc.jetstream()
                if self._codec is not None:
                    await bus.ensure_stream(js, self.name, self.config.stream_replicas)
                self.js = js
            except Exception as error:
                log.warning(
                    "service.nats_unavailable", service=self.name, error=type(error).__name__
                )
                if self.nc is not None:
                    with contextlib.suppress(Exception):
                        await self.nc.close()
                    self.nc = None
                await asyncio.sleep(RETRY_SECONDS)
        if self._codec is not None and self.config.relay_mode == "inline":
            # With relay_mode "process" the relay runs as its own process
            # (benefits_platform.relay_process) and this service starts none.
            assert self.nc is not None
            self.db = relay_database(self.config)
            app: Any = self.app
            self.relay = OutboxRelay(
                source=self.name,
                recorder=app.recorder,
                mapper=app.mapper,
                codec=self._codec,
                nc=self.nc,
                checkpoints=RelayCheckpoints(self.db),
                batch_size=self.config.relay_batch_size,
            )
            self.relay.start()
        await self.on_ready()
        freeze_long_lived()
        self.ready = True
        await self.host.set_serving(True)
        self._watch = asyncio.create_task(self._watch_bus(), name=f"{self.name}-bus-watch")
        log.info("service.serving", service=self.name, address=self.address)

    async def on_ready(self) -> None:
        """Start the service's own parts once its store and NATS are ready."""

    async def on_stopping(self) -> None:
        """Stop the service's own parts, before NATS and the store close."""

    async def _watch_bus(self) -> None:
        serving = True
        while self.nc is not None:
            await asyncio.sleep(WATCH_SECONDS)
            connected = bool(self.nc.is_connected)
            if connected != serving:
                serving = connected
                await self.host.set_serving(serving)
                log.warning(
                    "service.nats_reconnected" if serving else "service.nats_lost",
                    service=self.name,
                )

    async def stop(self) -> None:
        self.ready = False
        await self.host.stop()
        for task in (self._watch, self._startup):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self.on_stopping()
        if self.relay is not None:
            await self.relay.stop()
        if self.nc is not None:
            nc, self.nc = self.nc, None
            await nc.close()
        if self.app is not None:
            app, self.app = self.app, None
            await in_thread(app.close)
        if self.db is not None:
            db, self.db = self.db, None
            db.close()
