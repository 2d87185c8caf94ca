"""Every log line written while a call is served carries its rpc, request id
and caller; none written before or after it does, and a refused call's line
carries them too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from benefits_platform import identity, logs
from benefits_platform.domain_errors import InvalidArgument
from benefits_platform.forwarding import ForwardedAbort, ForwardedContext
from benefits_platform.rpc import rpc, rpc_stream


def merged(**fields: Any) -> dict[str, Any]:
    """What the log processors add to a line written now."""
    return dict(logs._merge_call(None, "info", dict(fields)))


class Servicer:
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    @rpc
    async def PostPayout(self, request: Any, context: Any) -> str:
        self.seen.append(merged())
        await asyncio.sleep(0)  # another call's task runs meanwhile
        self.seen.append(merged(request_id="kept"))  # a line's own field wins
        if request == "bad":
            raise InvalidArgument("amount_fen", "must be positive")
        return "ok"

    @rpc_stream
    async def ListMemberEntries(self, request: Any, context: Any) -> AsyncIterator[str]:
        for item in ("a", "b"):
            self.seen.append(merged())
            yield item


async def served(servicer: Servicer, request: str, request_id: str, caller: str) -> str:
    token = identity.bind(identity.Caller(caller, frozenset({"clerk"}), ""))
    try:
        return await servicer.PostPayout(request, ForwardedContext(request_id))
    finally:
        identity.reset(token)


async def test_a_call_s_lines_carry_its_fields_and_only_its_own() -> None:
    servicer = Servicer()
    assert merged() == {}
    results = await asyncio.gather(
        served(servicer, "good", "r-1", "clerk-1"), served(servicer, "good", "r-2", "clerk-2")
    )
    assert results == ["ok", "ok"]
    assert merged() == {}
    lines = sorted((s["request_id"], s["caller"], s["rpc"]) for s in servicer.seen)
    assert lines == [
        ("kept", "clerk-1", "PostPayout"),
        ("kept", "clerk-2", "PostPayout"),
        ("r-1", "clerk-1", "PostPayout"),
        ("r-2", "clerk-2", "PostPayout"),
    ]


async def test_a_refused_call_s_lines_carry_its_fields_and_leave_none_behind() -> None:
    servicer = Servicer()
    with pytest.raises(ForwardedAbort):
        await served(servicer, "bad", "r-bad", "clerk-9")
    assert servicer.seen[0] == {"rpc": "PostPayout", "request_id": "r-bad", "caller": "clerk-9"}
    assert merged() == {}


async def test_a_streaming_call_s_lines_carry_its_fields_even_when_closed_elsewhere() -> None:
    servicer = Servicer()

    async def call() -> tuple[AsyncIterator[str], str]:  # the call's own task, as in gRPC
        stream = servicer.ListMemberEntries(None, ForwardedContext("r-s"))
        return stream, await anext(stream)

    stream, first = await asyncio.get_running_loop().create_task(call())
    assert first == "a"
    assert servicer.seen[-1]["request_id"] == "r-s"
    assert merged() == {}
    # closed by another task, as an abandoned generator is finalised: no error
    await asyncio.get_running_loop().create_task(stream.aclose())  # type: ignore[attr-defined]
    assert merged() == {}
