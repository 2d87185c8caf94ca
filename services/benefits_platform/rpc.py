"""The one place where domain errors become gRPC status codes, and where each
RPC binds its request id for logging.

Servicer methods are wrapped with :func:`rpc`; a DomainError becomes its status
code with the domain's message, anything else becomes INTERNAL with a generic
message (the details go to the log, not to the caller).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
import structlog

from benefits_platform import logs
from benefits_platform.domain_errors import DomainError

log = logs.get("benefits.rpc")

REQUEST_ID_HEADER = "x-request-id"
ACTOR_HEADER = "x-actor"

Req = TypeVar("Req")
Resp = TypeVar("Resp")

Handler = Callable[[Any, Req, grpc.aio.ServicerContext], Awaitable[Resp]]


def status_code(error: DomainError) -> grpc.StatusCode:
    return getattr(grpc.StatusCode, error.status, grpc.StatusCode.FAILED_PRECONDITION)


def metadata_value(context: grpc.aio.ServicerContext, key: str) -> str:
    for item in context.invocation_metadata() or ():
        if item.key == key:
            value = item.value
            return value.decode() if isinstance(value, bytes) else str(value)
    return ""


def rpc(method: Handler[Req, Resp]) -> Handler[Req, Resp]:
    """Wrap a servicer method: bind the request id, map domain errors."""
    name = method.__name__

    @functools.wraps(method)
    async def wrapper(self: Any, request: Req, context: grpc.aio.ServicerContext) -> Resp:
        request_id = metadata_value(context, REQUEST_ID_HEADER) or uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(rpc=name, request_id=request_id)
        try:
            return await method(self, request, context)
        except DomainError as error:
            log.info("rpc.refused", status=error.status, reason=error.message)
            await context.abort(status_code(error), error.message)
            raise  # abort raises; this line is for type checkers
        except grpc.aio.AbortError:
            raise
        except Exception:
            log.exception("rpc.failed")
            await context.abort(grpc.StatusCode.INTERNAL, "internal error; see server log")
            raise
        finally:
            structlog.contextvars.unbind_contextvars("rpc", "request_id")

    return wrapper
