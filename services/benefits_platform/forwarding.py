"""Front processes: the gRPC port served by several processes, the service's
work done by one.

A Python process serves gRPC calls on one core at most (the GIL), and
grpc.aio's own handling of a unary call costs about as much CPU as a
payout's validation, group commit and response together. A service whose
state must have a single writer (the ledger's book) can therefore spread the
gRPC work over ``fronts`` processes that share its public port
(``SO_REUSEPORT``: the kernel hands each new connection to one of them),
while the service itself, the *core*, keeps its one writer:

- a **front** (:class:`CoreLink`, used by ``<service>.entrypoints.front``)
  terminates gRPC and TLS, authenticates the caller and checks the method's
  role (the same :class:`~benefits_platform.auth.interceptor.Authenticator` and
  :class:`~benefits_platform.rpc.CallLimits` as any service), and forwards the
  request's bytes, unparsed, with the method, the authenticated caller and the
  request id, to the core over a Unix socket;
- the **core** (:class:`CoreEndpoint`) parses the request and runs the very same
  servicer method it would run for a call on its own port
  (:class:`ServicerDispatch`), with the caller bound, and sends back the
  serialised response or the status code and message. Unit scope, validation,
  idempotency and every other rule are the core's, as before.

A method whose per-row work would otherwise load the core's one writer (a
batch of thousands of payouts) can have a :class:`Preparation`: the front
parses the request, applies the rules that need no state (each row's fields)
and forwards the rows in a compact form, and the core answers with a compact
result the front turns into the response message. The core then spends its
time on what only it can do: the rules that read the book, and the group
commit. A refusal by those stateless rules never reaches the core.

The socket is the trust boundary: it lives in a directory only the service's
user can enter (mode 0700), and the core believes the caller a front names.
Frames are small binary records (:data:`HEADER`: length, kind, call id), written
in batches (one ``write`` per event-loop turn, not per call) and parsed from a
buffer without a coroutine per frame, so forwarding costs a few microseconds
per call on each side.

A front whose core is unreachable answers UNAVAILABLE ("retry with the same
request id": whether the core recorded a call in flight when the link broke,
the retry finds out) and health NOT_SERVING; it reconnects by itself. The core
tells its fronts whether it is serving (:data:`STATUS`), so their health
follows the core's. A front exits when the process that started it is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import struct
import sys
import tempfile
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message

from benefits_platform import identity, logs
from benefits_platform.aio import cancel_and_wait
from benefits_platform.auth.policy import Policy
from benefits_platform.config import ServiceConfig
from benefits_platform.rpc import (
    REQUEST_ID_HEADER,
    abort_for,
    deadline_exceeded,
    details,
    refuse_malformed,
    tolerant,
)
from benefits_platform.server import GrpcHost, GuardedServer, run_until_signalled

log = logs.get("benefits.forwarding")

# A frame: its length (of what follows the length), kind, call id; then the body.
HEADER = struct.Struct("<IBI")
CALL, REPLY, STATUS = 1, 2, 3
_FIELD = struct.Struct("<H")
_REPLY = struct.Struct("<HI")
# Status codes by number (grpc.StatusCode values are (number, name) pairs).
CODES = {code.value[0]: code for code in grpc.StatusCode}
# The environment variable that tells a front its core's process id.
CORE_PID = "BENEFITS_CORE_PID"
# A Unix socket path may be at most 107 bytes long.
MAX_SOCKET_PATH = 100
# The method name a front forwards a prepared call under (see Preparation).
PREPARED = "prepared:"
UNAVAILABLE_MESSAGE = (
    "the service's core process is not reachable from this front; retry with the same request id"
)


def socket_path(data_dir: Path, service: str, port: int) -> Path:
    """Where the core serving ``port`` listens for its fronts:
    ``<data dir>/run/<service>-<port>.sock`` (instances sharing a data directory
    serve different ports), or a private directory under the system's temporary
    directory when that path is too long for a Unix socket. The directory
    exists, with mode 0700."""
    path = (data_dir / "run" / f"{service}-{port}.sock").resolve()
    if len(str(path)) > MAX_SOCKET_PATH:
        return Path(tempfile.mkdtemp(prefix=f"benefits-{service}-")) / "core.sock"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    return path


def _live(path: Path) -> bool:
    """Whether a process accepts connections on the Unix socket ``path``."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1.0)
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def _pack_fields(*values: str) -> bytes:
    parts = []
    for value in values:
        raw = value.encode()
        parts.append(_FIELD.pack(len(raw)))
        parts.append(raw)
    return b"".join(parts)


def _unpack_fields(data: bytes, count: int) -> tuple[list[str], int]:
    values = []
    offset = 0
    for _ in range(count):
        (size,) = _FIELD.unpack_from(data, offset)
        offset += _FIELD.size
        values.append(data[offset : offset + size].decode())
        offset += size
    return values, offset


class FrameConnection(asyncio.Protocol):
    """One end of a front-core link: frames out in batches, frames in from a buffer."""

    def __init__(
        self,
        on_frame: Callable[[int, int, bytes], None],
        max_frame: int,
        on_connected: Callable[[FrameConnection], None] | None = None,
    ) -> None:
        self.on_frame = on_frame
        self.on_connected = on_connected
        self.max_frame = max_frame
        self.transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # What the other end last said of its status (STATUS frames).
        self.peer_serving = False
        self._in = bytearray()
        self._out: list[bytes] = []
        self._flush_scheduled = False

    # -- out ---------------------------------------------------------------------------

    def send(self, kind: int, call_id: int, *parts: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            raise ConnectionError("the link is closed")
        size = sum(len(p) for p in parts) + HEADER.size - 4
        self._out.append(HEADER.pack(size, kind, call_id))
        self._out.extend(parts)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        if self._out and self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(self._out))
        self._out.clear()

    # -- in ----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self.on_connected is not None:
            self.on_connected(self)

    def data_received(self, data: bytes) -> None:
        buffer = self._in
        buffer += data
        offset = 0
        end = len(buffer)
        while end - offset >= HEADER.size:
            size, kind, call_id = HEADER.unpack_from(buffer, offset)
            if size > self.max_frame:
                log.error("forwarding.frame_too_large", size=size)
                assert self.transport is not None
                self.transport.close()
                return
            stop = offset + 4 + size
            if stop > end:
                break
            self.on_frame(kind, call_id, bytes(buffer[offset + HEADER.size : stop]))
            offset = stop
        if offset:
            del buffer[:offset]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


# -- the core's side -------------------------------------------------------------------


class ForwardedAbort(grpc.aio.AbortError):  # type: ignore[misc]
    pass


class _Metadatum:
    __slots__ = ("key", "value")

    def __init__(self, key: str, value: str) -> None:
        self.key = key
        self.value = value


class ForwardedContext:
    """What a servicer method sees of a forwarded call: its request id metadata,
    and ``abort()``, which ends the call with a status code and message."""

    __slots__ = ("_metadata", "code", "message")

    def __init__(self, request_id: str) -> None:
        self._metadata = (_Metadatum(REQUEST_ID_HEADER, request_id),) if request_id else ()
        self.code = grpc.StatusCode.OK
        self.message = ""

    def invocation_metadata(self) -> tuple[_Metadatum, ...]:
        return self._metadata

    def time_remaining(self) -> float | None:
        return None  # the front enforces deadlines

    async def abort(self, code: grpc.StatusCode, message: str = "") -> None:
        self.code = code
        self.message = message
        raise ForwardedAbort()


Method = Callable[[Message, Any], Awaitable[Message]]
# A core's method for a prepared call: the front's compact rows in, the
# compact result out (see Preparation).
PreparedMethod = Callable[[bytes, Any], Awaitable[bytes]]


@dataclass(frozen=True)
class Preparation:
    """How a front prepares one method's calls for the core, and finishes them.

    ``prepare`` gets the parsed request and returns the compact form the
    core's prepared method reads, or raises a DomainError (the call is then
    refused by the front, with the status and message the core would give);
    ``finish`` turns the request and the core's compact result into the
    response's bytes."""

    request_type: type[Message]
    prepare: Callable[[Any], bytes]
    finish: Callable[[Any, bytes], bytes]


class ServicerDispatch:
    """The unary methods of one gRPC service, runnable without a gRPC server,
    and the service's methods for prepared calls (``prepared``: by RPC name)."""

    def __init__(
        self,
        servicer: Any,
        service: ServiceDescriptor,
        messages: Mapping[str, type[Message]],
        prepared: Mapping[str, PreparedMethod] | None = None,
    ) -> None:
        self.prefix = f"/{service.full_name}/"
        self.methods: dict[str, tuple[Method, Callable[[bytes], Any]]] = {}
        for method in service.methods:
            if method.client_streaming or method.server_streaming:
                raise ValueError(f"{method.full_name}: only unary methods can be forwarded")
            request_type = messages[method.input_type.name]
            parse = tolerant(request_type.FromString)
            assert parse is not None
            self.methods[method.name] = (getattr(servicer, method.name), parse)
        self.prepared = {PREPARED + name: fn for name, fn in (prepared or {}).items()}

    async def call(
        self, method_name: str, caller: identity.Caller, request_id: str, body: bytes
    ) -> tuple[grpc.StatusCode, str, bytes]:
        """Run one call: (status, message, serialised response)."""
        prepared = self.prepared.get(method_name)
        found = self.methods.get(method_name)
        if found is None and prepared is None:
            return grpc.StatusCode.UNIMPLEMENTED, f"{method_name}: no such method", b""
        context = ForwardedContext(request_id)
        token = identity.bind(caller)
        try:
            if prepared is not None:
                return grpc.StatusCode.OK, "", await prepared(body, context)
            assert found is not None
            method, parse = found
            request = parse(body)
            await refuse_malformed(request, context)  # type: ignore[arg-type]
            response = await method(request, context)
            return grpc.StatusCode.OK, "", response.SerializeToString()
        except ForwardedAbort:
            return context.code, context.message, b""
        except Exception:
            log.exception("forwarding.call_failed", method=method_name)
            return grpc.StatusCode.INTERNAL, "internal error; see server log", b""
        finally:
            identity.reset(token)


class CoreEndpoint:
    """The core's listener for its fronts' forwarded calls."""

    def __init__(self, path: Path, dispatch: ServicerDispatch, max_frame: int) -> None:
        self.path = path
        self.dispatch = dispatch
        self.max_frame = max_frame
        self.serving = False
        self._server: asyncio.AbstractServer | None = None
        self._links: set[FrameConnection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._fronts_changed = asyncio.Event()

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        if self.path.exists():
            if _live(self.path):  # never take over another running core's fronts
                raise OSError(f"another core is listening on {self.path}")
            self.path.unlink()  # left behind by a core that was killed
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(self._connection, str(self.path))
        os.chmod(self.path, 0o600)
        log.info("forwarding.listening", path=str(self.path))

    def _connection(self) -> FrameConnection:
        link: FrameConnection

        def on_frame(kind: int, call_id: int, body: bytes) -> None:
            if kind == CALL:
                task = asyncio.get_running_loop().create_task(self._serve(link, call_id, body))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            elif kind == STATUS:
                link.peer_serving = body == b"\x01"
                self._fronts_changed.set()

        link = FrameConnection(on_frame, self.max_frame, on_connected=self._send_status)
        self._links.add(link)
        link.closed.add_done_callback(lambda _: self._links.discard(link))
        return link

    async def _serve(self, link: FrameConnection, call_id: int, frame: bytes) -> None:
        (method, caller_id, roles, scope, request_id), offset = _unpack_fields(frame, 5)
        caller = identity.Caller(caller_id, frozenset(roles.split(",")) - {""}, scope)
        code, message, body = await self.dispatch.call(method, caller, request_id, frame[offset:])
        raw = message.encode()
        with contextlib.suppress(ConnectionError):  # the front went away: nothing to tell
            link.send(REPLY, call_id, _REPLY.pack(code.value[0], len(raw)), raw, body)

    @property
    def links(self) -> int:
        """How many fronts are connected."""
        return len(self._links)

    @property
    def serving_fronts(self) -> int:
        """How many connected fronts said their health follows this core's SERVING."""
        return sum(1 for link in self._links if link.peer_serving)

    async def wait_fronts(self, count: int, timeout: float) -> None:  # noqa: ASYNC109
        """Wait until ``count`` fronts are connected and serving (TimeoutError
        after ``timeout``)."""
        async with asyncio.timeout(timeout):
            while self.serving_fronts < count:
                self._fronts_changed.clear()
                await self._fronts_changed.wait()

    def _send_status(self, link: FrameConnection) -> None:
        with contextlib.suppress(ConnectionError):
            link.send(STATUS, 0, b"\x01" if self.serving else b"\x00")

    def set_serving(self, serving: bool) -> None:
        self.serving = serving
        for link in list(self._links):
            self._send_status(link)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for link in list(self._links):
                link.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


# -- the front's side ------------------------------------------------------------------


class CoreUnavailable(Exception):
    pass


class CoreLink:
    """A front's link to its core: forwards calls, follows the core's status,
    reconnects when the link breaks."""

    retry_seconds = 0.2

    def __init__(
        self,
        path: Path,
        max_frame: int,
        on_status: Callable[[bool], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        self.path = path
        self.max_frame = max_frame
        self.on_status = on_status
        self.serving = False
        self._link: FrameConnection | None = None
        self._pending: dict[int, asyncio.Future[tuple[int, str, bytes]]] = {}
        self._next_id = 0
        self._task: asyncio.Task[None] | None = None
        self._status_tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="core-link")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        if self._link is not None:
            self._link.close()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        logged = False
        while True:
            try:
                _, link = await loop.create_unix_connection(
                    lambda: FrameConnection(self._on_frame, self.max_frame), str(self.path)
                )
            except OSError as error:
                if not logged:
                    log.warning("forwarding.core_unreachable", error=type(error).__name__)
                    logged = True
                await asyncio.sleep(self.retry_seconds)
                continue
            logged = False
            log.info("forwarding.core_connected")
            self._link = link
            try:
                await link.closed
            finally:
                self._link = None
                self._fail_pending()
                self._status(False)
            log.warning("forwarding.core_lost")

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(CoreUnavailable())

    def _status(self, serving: bool) -> None:
        if serving == self.serving:
            return
        self.serving = serving
        task = asyncio.get_running_loop().create_task(self._report(serving))
        self._status_tasks.add(task)
        task.add_done_callback(self._status_tasks.discard)

    async def _report(self, serving: bool) -> None:
        """Apply the core's status here (health), then tell the core it is applied."""
        if self.on_status is not None:
            await self.on_status(serving)
        link = self._link
        if link is not None and serving == self.serving:
            with contextlib.suppress(ConnectionError):
                link.send(STATUS, 0, b"\x01" if serving else b"\x00")

    def _on_frame(self, kind: int, call_id: int, body: bytes) -> None:
        if kind == REPLY:
            future = self._pending.pop(call_id, None)
            if future is None or future.done():
                return  # the caller gave up (deadline, cancellation)
            code, size = _REPLY.unpack_from(body)
            start = _REPLY.size
            message = body[start : start + size].decode()
            future.set_result((code, message, body[start + size :]))
        elif kind == STATUS:
            self._status(body == b"\x01")

    async def call(
        self, method: str, caller: identity.Caller, request_id: str, request: bytes
    ) -> tuple[int, str, bytes]:
        """Forward one call; (status number, message, response bytes)."""
        link = self._link
        if link is None:
            raise CoreUnavailable()
        self._next_id = call_id = (self._next_id + 1) & 0xFFFFFFFF
        future: asyncio.Future[tuple[int, str, bytes]] = asyncio.get_running_loop().create_future()
        self._pending[call_id] = future
        try:
            link.send(
                CALL,
                call_id,
                _pack_fields(
                    method, caller.id, ",".join(sorted(caller.roles)), caller.unit_scope, request_id
                ),
                request,
            )
            return await future
        except ConnectionError:
            raise CoreUnavailable() from None
        finally:
            self._pending.pop(call_id, None)


def forwarding_handler(
    link: CoreLink,
    service: str,
    method: str,
    guard: GuardedServer,
    preparation: Preparation | None = None,
) -> Callable[[bytes, grpc.aio.ServicerContext], Awaitable[bytes]]:
    """A front's handler for one method: admit the caller (the method's access
    rule), forward the request bytes (or, with a ``preparation``, the rows it
    prepares), return the core's response bytes (or the response the
    preparation finishes) or end the call with the core's status. Like every
    handler on a GrpcHost, a call whose client set no deadline is cut at the
    configured ceiling."""
    auth = guard.auth
    ceiling = guard.limits.unary_seconds
    parse = tolerant(preparation.request_type.FromString) if preparation else None
    forwarded_as = PREPARED + method if preparation else method

    async def forward(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        caller = await auth.admit(service, method, context)
        parsed: Any = None
        if preparation is not None and parse is not None:
            parsed = parse(request)
            await refuse_malformed(parsed, context)
            try:
                request = preparation.prepare(parsed)
            except Exception as error:
                await abort_for(context, error)
        request_id = ""
        for item in context.invocation_metadata() or ():
            if item.key == REQUEST_ID_HEADER:
                value = item.value
                request_id = value.decode() if isinstance(value, bytes) else str(value)
                break
        try:
            if context.time_remaining() is not None:  # gRPC enforces the client's
                code, message, body = await link.call(forwarded_as, caller, request_id, request)
            else:
                timer = asyncio.timeout(ceiling)
                try:
                    async with timer:
                        code, message, body = await link.call(
                            forwarded_as, caller, request_id, request
                        )
                except TimeoutError:
                    if not timer.expired():
                        raise
                    await deadline_exceeded(context, ceiling)
                    raise
        except CoreUnavailable:
            await context.abort(grpc.StatusCode.UNAVAILABLE, UNAVAILABLE_MESSAGE)
            raise  # abort raises; this line is for type checkers
        if code:
            await context.abort(CODES.get(code, grpc.StatusCode.UNKNOWN), details(message))
        return preparation.finish(parsed, body) if preparation is not None else body

    return forward


async def exit_when_orphaned(stop: asyncio.Event, parent: int, seconds: float = 1.0) -> None:
    """Set ``stop`` when the process ``parent`` (the core that started this
    front) is no longer this process's parent: a front must not outlive its
    core's process, even one killed with SIGKILL."""
    while not stop.is_set():
        if os.getppid() != parent:
            log.warning("forwarding.parent_gone", parent=parent)
            stop.set()
            return
        await asyncio.sleep(seconds)


# -- a front process ----------------------------------------------------------------------


class FrontServer:
    """A front: a gRPC port shared with the service's other fronts, whose calls
    are authenticated here and forwarded to the core. Health follows the core's."""

    def __init__(
        self,
        config: ServiceConfig,
        service: ServiceDescriptor,
        policy: Policy,
        core: Path,
        preparations: Mapping[str, Preparation] | None = None,
    ) -> None:
        self.config = config
        self.host = GrpcHost(config, [service.full_name], [policy], reuse_port=True)
        self.link = CoreLink(core, frame_limit(config), on_status=self.host.set_serving)
        guard = self.host.server
        prepared = preparations or {}
        handlers = {
            method.name: grpc.unary_unary_rpc_method_handler(
                forwarding_handler(
                    self.link, service.full_name, method.name, guard, prepared.get(method.name)
                )
            )
            for method in service.methods
        }
        guard.add_self_guarding_handlers(
            grpc.method_handlers_generic_handler(service.full_name, handlers)
        )

    async def start(self) -> None:
        await self.host.start()
        self.link.start()
        log.info("front.listening", service=self.config.service, address=self.host.address)

    async def stop(self) -> None:
        await self.host.stop()
        await self.link.stop()


def frame_limit(config: ServiceConfig) -> int:
    """The largest frame on a front-core link: a largest gRPC message and its header."""
    return config.grpc_max_message_bytes + 64 * 1024


def run_front(build: Callable[[], FrontServer]) -> None:
    """A front process's main: build the front inside the event loop (as
    :func:`benefits_platform.server.serve` does), serve until SIGINT/SIGTERM or
    until the process that started it is gone."""

    # The core names itself (it may be gone before this line runs).
    parent = int(os.environ.get(CORE_PID, "0") or 0) or os.getppid()

    async def _run() -> None:
        stop = asyncio.Event()
        watch = asyncio.create_task(exit_when_orphaned(stop, parent))
        try:
            await run_until_signalled(build(), stop=stop)
        finally:
            watch.cancel()

    asyncio.run(_run())


def front_env(config: ServiceConfig, core: Path) -> dict[str, str]:
    """The environment of a front process: the core's settings for the port."""
    upper = config.service.upper()
    env = dict(os.environ)
    env.update(
        {
            "BENEFITS_DATA_DIR": str(config.data_dir),
            f"BENEFITS_{upper}_HOST": config.host,
            f"BENEFITS_{upper}_PORT": str(config.port),
            f"BENEFITS_{upper}_CORE_SOCKET": str(core),
            f"BENEFITS_{upper}_FRONTS": "0",
            CORE_PID: str(os.getpid()),
            "BENEFITS_API_KEYS_FILE": str(config.keys_file),
            "BENEFITS_GRPC_MAX_MESSAGE_BYTES": str(config.grpc_max_message_bytes),
            "BENEFITS_CALL_DEADLINE_SECONDS": repr(config.call_deadline_seconds),
            "BENEFITS_STREAM_DEADLINE_SECONDS": repr(config.stream_deadline_seconds),
            "BENEFITS_SHUTDOWN_GRACE_SECONDS": repr(config.shutdown_grace_seconds),
        }
    )
    for name, path in (
        ("BENEFITS_TLS_CERT_FILE", config.tls_cert_file),
        ("BENEFITS_TLS_KEY_FILE", config.tls_key_file),
        ("BENEFITS_TLS_CLIENT_CA_FILE", config.tls_client_ca_file),
    ):
        if path is None:
            env.pop(name, None)
        else:
            env[name] = str(path)
    return env


class FrontProcesses:
    """The core's fronts: ``count`` processes of ``module``, restarted when one
    exits while the core runs, stopped (SIGTERM, then SIGKILL) with the core."""

    restart_seconds = 1.0

    def __init__(self, module: str, count: int, env: Mapping[str, str], grace: float) -> None:
        self.module = module
        self.count = count
        self.env = dict(env)
        self.grace = grace
        self.processes: list[asyncio.subprocess.Process] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.returncode is None]

    def start(self) -> None:
        for index in range(self.count):
            self._tasks.append(asyncio.create_task(self._keep(index), name=f"front-{index}"))

    async def _keep(self, index: int) -> None:
        while not self._stopping:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", self.module, env=self.env
            )
            self.processes.append(process)
            log.info("front.started", index=index, pid=process.pid)
            code = await process.wait()
            self.processes.remove(process)
            if self._stopping:
                return
            log.warning("front.exited", index=index, pid=process.pid, code=code)
            await asyncio.sleep(self.restart_seconds)

    async def stop(self) -> None:
        self._stopping = True
        running = [p for p in self.processes if p.returncode is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                await asyncio.wait_for(process.wait(), self.grace + 5.0)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        for task in self._tasks:
            await cancel_and_wait(task)
        self._tasks.clear()
