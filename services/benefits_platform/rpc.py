"""The one place where domain errors become gRPC status codes, and where each
RPC binds its request id and caller id for logging.

Servicer methods are wrapped with :func:`rpc` (server-streaming ones, async
generators, with :func:`rpc_stream`); a DomainError becomes its status code with
the domain's message, an outage of NATS or the database UNAVAILABLE (retry the
call), anything else INTERNAL with a generic message (the details go to the
log, not to the caller).

:class:`CallLimits`, which every service applies to each method handler
(innermost, inside authentication; see benefits_platform.server.GuardedServer),
makes two promises for every call: a request that is not a valid message of
the method's type (garbage bytes, bad UTF-8 in a string) is INVALID_ARGUMENT,
never UNKNOWN; and a call whose client set no deadline runs at most
``unary_seconds`` (a server-streaming call ``stream_seconds``), then ends with
DEADLINE_EXCEEDED. Oversized messages are refused by gRPC itself
(RESOURCE_EXHAUSTED; ``grpc_max_message_bytes`` in the service's config).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc
import nats.errors
from eventsourcing.persistence import InterfaceError as PersistenceInterfaceError
from eventsourcing.persistence import OperationalError as PersistenceOperationalError
from nats.js.errors import ServiceUnavailableError

from benefits_platform import identity, logs
from benefits_platform.domain_errors import DomainError

log = logs.get("benefits.rpc")

REQUEST_ID_HEADER = "x-request-id"
# Status details longer than this are cut (a message may quote a caller's value).
MAX_DETAILS = 1000
DEFAULT_UNARY_SECONDS = 60.0
DEFAULT_STREAM_SECONDS = 3600.0
_NATS_OUTAGES = (
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.StaleConnectionError,
    ServiceUnavailableError,
)

Req = TypeVar("Req")
Resp = TypeVar("Resp")

Handler = Callable[[Any, Req, grpc.aio.ServicerContext], Awaitable[Resp]]
StreamHandler = Callable[[Any, Req, grpc.aio.ServicerContext], AsyncIterator[Resp]]


def status_code(error: DomainError) -> grpc.StatusCode:
    return getattr(grpc.StatusCode, error.status, grpc.StatusCode.FAILED_PRECONDITION)


def metadata_value(context: grpc.aio.ServicerContext, key: str) -> str:
    for item in context.invocation_metadata() or ():
        if item.key == key:
            value = item.value
            return value.decode() if isinstance(value, bytes) else str(value)
    return ""


def _bind(name: str, context: grpc.aio.ServicerContext) -> contextvars.Token[Any]:
    # The caller itself is bound by authentication (benefits_platform.auth),
    # before the call reaches here; no metadata entry can set it.
    request_id = metadata_value(context, REQUEST_ID_HEADER) or uuid.uuid4().hex
    return logs.bind_call(name, request_id, identity.current().id)


def details(message: str) -> str:
    """A status message, cut to MAX_DETAILS characters."""
    return message if len(message) <= MAX_DETAILS else message[: MAX_DETAILS - 1] + "…"


def outage(error: BaseException) -> str | None:
    """Which backing service ``error`` says did not answer (NATS or the
    database: lost, restarting, electing a leader), or None for anything
    else. Such a call may be retried as it is (a command with the same
    request id): UNAVAILABLE, not INTERNAL."""
    if isinstance(error, _NATS_OUTAGES):
        return "NATS"
    if isinstance(error, PersistenceOperationalError | PersistenceInterfaceError):
        return "the database"
    psycopg = sys.modules.get("psycopg")  # loaded only where PostgreSQL is used
    if psycopg is not None and isinstance(error, psycopg.OperationalError):
        return "the database"
    return None


async def abort_for(context: grpc.aio.ServicerContext, error: Exception) -> None:
    """Abort the call for ``error`` (always raises): a DomainError with its
    status code and message, an outage of NATS or the database UNAVAILABLE,
    anything else INTERNAL."""
    if isinstance(error, DomainError):
        message = details(error.message)
        log.info("rpc.refused", status=error.status, reason=message)
        await context.abort(status_code(error), message)
    if (service := outage(error)) is not None:
        log.warning("rpc.unavailable", service=service, error=type(error).__name__)
        await context.abort(
            grpc.StatusCode.UNAVAILABLE,
            f"{service} did not answer; retry shortly (a command with the same request id)",
        )
    log.error("rpc.failed", exc_info=error)
    await context.abort(grpc.StatusCode.INTERNAL, "internal error; see server log")


def rpc(method: Handler[Req, Resp]) -> Handler[Req, Resp]:
    """Wrap a servicer method: bind the request id, map domain errors."""
    return _rpc(method, method.__name__)


def rpc_as(name: str) -> Callable[[Handler[Req, Resp]], Handler[Req, Resp]]:
    """:func:`rpc` for a method that serves the RPC ``name`` in another form
    (a forwarded call prepared by a front: see benefits_platform.forwarding)."""

    def wrap(method: Handler[Req, Resp]) -> Handler[Req, Resp]:
        return _rpc(method, name)

    return wrap


def _rpc(method: Handler[Req, Resp], name: str) -> Handler[Req, Resp]:
    @functools.wraps(method)
    async def wrapper(self: Any, request: Req, context: grpc.aio.ServicerContext) -> Resp:
        bound = _bind(name, context)
        try:
            return await method(self, request, context)
        except grpc.aio.AbortError:
            raise
        except Exception as error:
            await abort_for(context, error)
            raise  # abort raises; this line is for type checkers
        finally:
            logs.unbind_call(bound)

    return wrapper


def rpc_stream(method: StreamHandler[Req, Resp]) -> StreamHandler[Req, Resp]:
    """:func:`rpc` for a server-streaming method (an async generator)."""
    name = method.__name__

    @functools.wraps(method)
    async def wrapper(
        self: Any, request: Req, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Resp]:
        bound = _bind(name, context)
        try:
            async for item in method(self, request, context):
                yield item
        except grpc.aio.AbortError:
            raise
        except Exception as error:
            await abort_for(context, error)
            raise
        finally:
            logs.unbind_call(bound)

    return wrapper


class Malformed:
    """What a request that does not parse is handed on as (see :class:`CallLimits`)."""

    __slots__ = ("reason", "type_name")

    def __init__(self, type_name: str, reason: str) -> None:
        self.type_name = type_name
        self.reason = reason


def tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None
    parse = deserializer
    type_name = getattr(getattr(parse, "__self__", None), "__name__", "request")

    def tolerant(raw: bytes) -> Any:
        try:
            return parse(raw)
        except Exception as error:
            return Malformed(type_name, str(error).rpartition(": ")[2][:200])

    return tolerant


async def refuse_malformed(request: Any, context: grpc.aio.ServicerContext) -> None:
    if isinstance(request, Malformed):
        log.info("rpc.malformed", type=request.type_name, reason=request.reason)
        await context.abort(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"request: not a valid {request.type_name} message ({request.reason})",
        )


async def deadline_exceeded(context: grpc.aio.ServicerContext, seconds: float) -> None:
    log.warning("rpc.deadline_exceeded", seconds=seconds)
    await context.abort(
        grpc.StatusCode.DEADLINE_EXCEEDED,
        f"the call ran longer than the server's limit of {seconds:g} s for calls without a "
        "deadline; set a deadline, or retry (with the same request id)",
    )


@contextlib.asynccontextmanager
async def _ceiling(context: grpc.aio.ServicerContext, seconds: float) -> AsyncIterator[None]:
    """Cut what runs inside at ``seconds`` with DEADLINE_EXCEEDED, when the
    client set no deadline (gRPC itself enforces a client's)."""
    limit = seconds if context.time_remaining() is None else None
    timer = asyncio.timeout(limit)
    try:
        async with timer:
            yield
    except TimeoutError:
        if limit is None or not timer.expired():
            raise
        await deadline_exceeded(context, limit)


class CallLimits:
    """Malformed requests -> INVALID_ARGUMENT; a ceiling on calls without a deadline.
    :meth:`wrap` applies both to a method handler (unary requests only: a
    streaming request is passed through as it is)."""

    def __init__(
        self,
        unary_seconds: float = DEFAULT_UNARY_SECONDS,
        stream_seconds: float = DEFAULT_STREAM_SECONDS,
    ) -> None:
        self.unary_seconds = unary_seconds
        self.stream_seconds = stream_seconds

    def wrap(self, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        if handler.request_streaming:
            return handler
        return self._wrap(handler)

    def _wrap(self, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        options = {
            "request_deserializer": tolerant(handler.request_deserializer),
            "response_serializer": handler.response_serializer,
        }
        if handler.unary_unary is not None:
            inner = handler.unary_unary
            unary_seconds = self.unary_seconds

            async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                # _ceiling() spelt out: this runs on every unary call.
                if isinstance(request, Malformed):
                    await refuse_malformed(request, context)
                if context.time_remaining() is not None:  # gRPC enforces the client's
                    return await inner(request, context)
                timer = asyncio.timeout(unary_seconds)
                try:
                    async with timer:
                        return await inner(request, context)
                except TimeoutError:
                    if not timer.expired():
                        raise
                    await deadline_exceeded(context, unary_seconds)

            return grpc.unary_unary_rpc_method_handler(unary_unary, **options)
        inner_stream = handler.unary_stream
        stream_seconds = self.stream_seconds

        async def unary_stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await refuse_malformed(request, context)
            async with _ceiling(context, stream_seconds):
                result = inner_stream(request, context)
                if hasattr(result, "__aiter__"):
                    async for item in result:
                        yield item
                else:
                    await result

        return grpc.unary_stream_rpc_method_handler(unary_stream, **options)
