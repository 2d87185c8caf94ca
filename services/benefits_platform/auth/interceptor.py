"""The one place every call is authenticated and authorised.

:class:`Authenticator` guards every method handler registered on a
:class:`benefits_platform.server.GrpcHost` (it wraps each handler once, when
the service registers it, rather than running as an interceptor on every
call, which costs grpc.aio tens of microseconds per call). For each call it

1. lets gRPC health through untouched (probes carry no credentials);
2. authenticates the caller: the API key of an ``authorization: Bearer <key>``
   metadata entry, else the common name of the verified mutual-TLS client
   certificate (see :class:`benefits_platform.auth.keys.KeysFile`); missing,
   malformed, unknown or revoked credentials are UNAUTHENTICATED;
3. checks the method's rule in the service's :class:`Policy` (reflection: any
   valid caller); a method without a rule, a caller without one of its roles,
   or a scoped caller on an every-unit method is PERMISSION_DENIED;
4. binds the caller (:func:`benefits_platform.identity.current`) while the
   method runs.

A refused call never reaches the servicer, so it writes nothing. Unit scopes
(which members and units a caller may act on) are checked by each service,
which knows its units; the interceptor only checks roles.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import grpc
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection

from benefits_platform import identity, logs
from benefits_platform.auth.keys import KeysFile
from benefits_platform.auth.policy import ANY_ROLE, Policy, Rule
from benefits_platform.domain_errors import DomainError, PermissionDenied, Unauthenticated

log = logs.get("benefits.auth")

AUTHORIZATION = "authorization"
HEALTH_SERVICE = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
OPEN_SERVICES = frozenset({HEALTH_SERVICE})
REFLECTION_POLICY = Policy(reflection.SERVICE_NAME, {"ServerReflectionInfo": ANY_ROLE})


def _metadata(context: grpc.aio.ServicerContext, key: str) -> list[str]:
    found = []
    for item in context.invocation_metadata() or ():
        if item.key == key:
            value = item.value
            found.append(value.decode() if isinstance(value, bytes) else str(value))
    return found


def bearer_token(context: grpc.aio.ServicerContext) -> str | None:
    """The token of the call's ``authorization: Bearer`` entry (None without one)."""
    values = _metadata(context, AUTHORIZATION)
    if not values:
        return None
    if len(values) > 1:
        raise Unauthenticated("authorization: send one authorization entry, not several")
    scheme, _, token = values[0].strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("authorization: expected `Bearer <API key>`")
    return token.strip()


def peer_common_name(context: grpc.aio.ServicerContext) -> str | None:
    """The common name of the client certificate gRPC verified (mutual TLS)."""
    try:
        auth = context.auth_context() or {}
    except Exception:  # an insecure port has no auth context
        return None
    names = auth.get("x509_common_name") or []
    if not names:
        return None
    name = names[0]
    return name.decode() if isinstance(name, bytes) else str(name)


class Authenticator:
    def __init__(self, keys: KeysFile, policies: Iterable[Policy]) -> None:
        self.keys = keys
        self.policies = {p.service: p for p in (*policies, REFLECTION_POLICY)}

    def authenticate(self, context: grpc.aio.ServicerContext) -> identity.Caller:
        token = bearer_token(context)
        if token is not None:
            return self.keys.authenticate(token)
        name = peer_common_name(context)
        if name is not None:
            return self.keys.certificate(name)
        raise Unauthenticated(
            "no credentials: send an API key as `authorization: Bearer <key>` metadata "
            "(or a client certificate, with mutual TLS)"
        )

    def rule(self, service: str, method: str) -> Rule:
        policy = self.policies.get(service)
        found = policy.rule(method) if policy is not None else None
        if found is None:
            raise PermissionDenied(f"{method}: no access policy for this method; refused")
        return found

    def authorise(self, service: str, method: str, context: grpc.aio.ServicerContext) -> Any:
        caller = self.authenticate(context)
        rule = self.rule(service, method)
        if not caller.has_any(rule.roles):
            raise PermissionDenied(
                f"{method} needs the role {rule.describe()}; caller {caller.id} has "
                f"{', '.join(sorted(caller.roles)) or 'no role'}"
            )
        if rule.all_units and not caller.all_units:
            raise PermissionDenied(
                f"{method} needs the role {rule.describe()}; caller {caller.id} may act on "
                f"{caller.scope_text} only"
            )
        return caller

    def guard(self, full_name: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """``handler`` (of the method ``/<service>/<method>``) with every call
        admitted first: health as it is, any other method behind its rule."""
        service, _, method = full_name.lstrip("/").rpartition("/")
        if service in OPEN_SERVICES:
            return handler
        return _guarded(handler, lambda context: self.admit(service, method, context))

    async def admit(
        self, service: str, method: str, context: grpc.aio.ServicerContext
    ) -> identity.Caller:
        """The caller, or the call aborted with the refusal's status."""
        try:
            caller: identity.Caller = self.authorise(service, method, context)
        except DomainError as error:
            code = getattr(grpc.StatusCode, error.status)
            log.info("auth.refused", method=method, status=error.status, reason=error.message)
            await context.abort(code, error.message)
            raise  # abort raises; this line is for type checkers
        return caller


Admit = Callable[[grpc.aio.ServicerContext], Awaitable[identity.Caller]]


def _guarded(handler: grpc.RpcMethodHandler, admit: Admit) -> grpc.RpcMethodHandler:
    """``handler`` with every call admitted first and run as the admitted caller."""
    options = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary is not None:
        inner_uu = handler.unary_unary

        async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            token = identity.bind(await admit(context))
            try:
                return await inner_uu(request, context)
            finally:
                identity.reset(token)

        return grpc.unary_unary_rpc_method_handler(unary_unary, **options)
    if handler.stream_unary is not None:
        inner_su = handler.stream_unary

        async def stream_unary(requests: Any, context: grpc.aio.ServicerContext) -> Any:
            requests = await _peeked(requests)
            token = identity.bind(await admit(context))
            try:
                return await inner_su(requests, context)
            finally:
                identity.reset(token)

        return grpc.stream_unary_rpc_method_handler(stream_unary, **options)
    if handler.unary_stream is not None:
        inner_us = handler.unary_stream

        async def unary_stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
            token = identity.bind(await admit(context))
            try:
                async for item in _items(inner_us(request, context)):
                    yield item
            finally:
                _reset(token)

        return grpc.unary_stream_rpc_method_handler(unary_stream, **options)
    inner_ss = handler.stream_stream

    async def stream_stream(requests: Any, context: grpc.aio.ServicerContext) -> Any:
        requests = await _peeked(requests)
        token = identity.bind(await admit(context))
        try:
            async for item in _items(inner_ss(requests, context)):
                yield item
        finally:
            _reset(token)

    return grpc.stream_stream_rpc_method_handler(stream_stream, **options)


# How long a streaming request's first message is waited for before the call is
# admitted or refused anyway.
FIRST_REQUEST_SECONDS = 5.0


async def _peeked(requests: Any) -> AsyncIterator[Any]:
    """``requests`` with its first message already read: the same messages.

    A refusal that ends a call while its client is still sending its first
    message makes that send fail on the client, which then reports INTERNAL
    ("Failed execute_batch") instead of the refusal. Reading the first message
    (waiting at most FIRST_REQUEST_SECONDS) before admitting the caller gives
    the client the refusal's own status."""
    iterator = requests.__aiter__()
    try:
        first = await asyncio.wait_for(iterator.__anext__(), FIRST_REQUEST_SECONDS)
    except (StopAsyncIteration, TimeoutError):
        first = _NOTHING

    async def again() -> AsyncIterator[Any]:
        if first is not _NOTHING:
            yield first
        async for item in iterator:
            yield item

    return again()


_NOTHING = object()


def _reset(token: Any) -> None:
    """Unbind after a stream; a generator closed from another context (the
    call's task ended) has nothing left to unbind."""
    with contextlib.suppress(ValueError):
        identity.reset(token)


async def _items(result: Any) -> AsyncIterator[Any]:
    """The responses of a streaming behaviour: an async generator's items, or
    none when it is a coroutine that writes them with ``context.write``."""
    if inspect.isasyncgen(result):
        async for item in result:
            yield item
    elif inspect.isawaitable(result):
        await result
    else:
        for item in result:
            yield item
