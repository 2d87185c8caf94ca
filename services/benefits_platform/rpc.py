"""The one place where domain errors become gRPC status codes, and where each
RPC binds its request id for logging.

Servicer methods are wrapped with :func:`rpc` (server-streaming ones, async
generators, with :func:`rpc_stream`); a DomainError becomes its status code with
the domain's message, anything else becomes INTERNAL with a generic message (the
details go to the log, not to the caller).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc
import structlog

from benefits_platform import identity, logs
from benefits_platform.domain_errors import DomainError

log = logs.get("benefits.rpc")

REQUEST_ID_HEADER = "x-request-id"
ACTOR_HEADER = "x-actor"

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


def _bind(name: str, context: grpc.aio.ServicerContext) -> None:
    request_id = metadata_value(context, REQUEST_ID_HEADER) or uuid.uuid4().hex
    structlog.contextvars.bind_contextvars(rpc=name, request_id=request_id)
    actor = metadata_value(context, ACTOR_HEADER)
    identity.bind(identity.Caller(id=actor) if actor else identity.Caller())


async def _abort(context: grpc.aio.ServicerContext, error: Exception) -> None:
    """Abort the call for ``error`` (always raises)."""
    if isinstance(error, DomainError):
        log.info("rpc.refused", status=error.status, reason=error.message)
        await context.abort(status_code(error), error.message)
    log.error("rpc.failed", exc_info=error)
    await context.abort(grpc.StatusCode.INTERNAL, "internal error; see server log")


def rpc(method: Handler[Req, Resp]) -> Handler[Req, Resp]:
    """Wrap a servicer method: bind the request id, map domain errors."""
    name = method.__name__

    @functools.wraps(method)
    async def wrapper(self: Any, request: Req, context: grpc.aio.ServicerContext) -> Resp:
        _bind(name, context)
        try:
            return await method(self, request, context)
        except grpc.aio.AbortError:
            raise
        except Exception as error:
            await _abort(context, error)
            raise  # abort raises; this line is for type checkers
        finally:
            structlog.contextvars.unbind_contextvars("rpc", "request_id")

    return wrapper


def rpc_stream(method: StreamHandler[Req, Resp]) -> StreamHandler[Req, Resp]:
    """:func:`rpc` for a server-streaming method (an async generator)."""
    name = method.__name__

    @functools.wraps(method)
    async def wrapper(
        self: Any, request: Req, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Resp]:
        _bind(name, context)
        try:
            async for item in method(self, request, context):
                yield item
        except grpc.aio.AbortError:
            raise
        except Exception as error:
            await _abort(context, error)
            raise
        finally:
            structlog.contextvars.unbind_contextvars("rpc", "request_id")

    return wrapper
