"""Reading the ledger and members streams: their heads, one message by
sequence, and a range of sequences in order (an ephemeral pull consumer that
acknowledges nothing, deleted when done). Rebuilds, audits and StreamEvents
read this way; the live projections use the durable consumers
(reporting.adapters.consumers)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import nats.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StatusCode
from nats.js.errors import APIError, BadRequestError, NotFoundError

from benefits_platform import bus, logs
from benefits_platform.domain_errors import Unavailable
from reporting.adapters.codec import envelope_of

Batch = list[tuple[bytes, int]]  # (envelope bytes, stream sequence), in order
READ_BATCH = 2000
IDLE_SECONDS = 2.0  # a read with nothing more to give ends after this
# How long a read waits out JetStream not answering before Unavailable; the
# backoff between attempts doubles from the first to the most.
READ_PATIENCE_SECONDS = 30.0
FIRST_RETRY_SECONDS = 0.1
MAX_RETRY_SECONDS = 2.0
# What JetStream answers while it cannot serve: 503 (no responders: a stream or
# consumer without a leader), request timeouts, a connection being re-made. A
# consumer lost meanwhile (404) is made again from the next sequence.
TRANSIENT = (APIError, nats.errors.TimeoutError, nats.errors.NoRespondersError,
             nats.errors.ConnectionClosedError, nats.errors.ConnectionReconnectingError,
             nats.errors.StaleConnectionError, TimeoutError, ConnectionError)  # fmt: skip

T = TypeVar("T")
log = logs.get("reporting.streams")


def stream_seq(msg: Any) -> int:
    """The stream sequence of a JetStream message, read from its reply subject
    ("$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>..." or, with a
    domain and account hash, two tokens more); ``msg.metadata`` for anything
    else. Reading one token is ~10x cheaper than building the metadata."""
    tokens = (msg.reply or "").split(".", 8)
    if len(tokens) == 9 and tokens[0] == "$JS" and tokens[1] == "ACK":
        if tokens[8].count(".") == 0:  # 9 tokens: the short form
            return int(tokens[5])
        if tokens[8].count(".") == 3:  # 12 tokens: domain and account hash
            return int(tokens[7])
    return int(msg.metadata.sequence.stream)


# A pull request's end: no (more) messages, it expired, or a temporary conflict.
_ENDS = frozenset(
    c.value for c in (StatusCode.NO_MESSAGES, StatusCode.REQUEST_TIMEOUT, StatusCode.CONFLICT)
)
_HEARTBEAT = StatusCode.CONTROL_MESSAGE.value


async def fetch(sub: Any, batch: int, timeout: float) -> list[Any]:  # noqa: ASYNC109
    """``sub.fetch(batch, timeout=timeout)`` of a nats-py pull subscription,
    done the same way (messages already delivered first, then a no-wait
    request, then a request that waits while nothing has come) with one timer
    per request instead of one per message: several times cheaper per message
    in the event loop. TimeoutError when nothing came within ``timeout``.
    Falls back to ``sub.fetch`` on a subscription without the nats-py
    internals it reads."""
    try:
        inner, nms, deliver, nc = sub._sub, sub._nms, sub._deliver, sub._nc
        queue: asyncio.Queue[Any] = inner._pending_queue
    except AttributeError:
        found: list[Any] = await sub.fetch(batch, timeout=timeout)
        return found
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    msgs: list[Any] = []
    while len(msgs) < batch and not queue.empty():  # delivered for an earlier request
        msg = queue.get_nowait()
        inner._pending_size -= len(msg.data)
        if not _status(msg):
            msgs.append(msg)
    if len(msgs) == batch:
        return msgs
    request: dict[str, Any] = {"batch": batch - len(msgs), "no_wait": True}
    if not msgs:
        request["expires"] = int(timeout * 1e9)
    await nc.publish(nms, json.dumps(request).encode(), deliver)
    await _collect(inner, queue, msgs, batch, deadline)
    if msgs:
        return msgs
    remaining = deadline - loop.time()
    if remaining * 1e9 <= 100_000:
        raise TimeoutError
    request = {"batch": batch, "expires": int(remaining * 1e9) - 100_000}
    await nc.publish(nms, json.dumps(request).encode(), deliver)
    await _collect(inner, queue, msgs, batch, deadline)
    if not msgs:
        raise TimeoutError
    return msgs


def _status(msg: Any) -> str | None:
    headers = msg.headers
    return None if not headers else headers.get("Status")


async def _collect(inner: Any, queue: asyncio.Queue[Any], msgs: list[Any], batch: int,
                   deadline: float) -> None:  # fmt: skip
    """Messages into ``msgs`` until it holds ``batch``, the request ends or
    ``deadline`` passes; an error status other than the request's end raises."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout_at(deadline):
            while len(msgs) < batch:
                msg = await queue.get()
                inner._pending_size -= len(msg.data)
                status = _status(msg)
                if not status:
                    msgs.append(msg)
                elif status in _ENDS:
                    return
                elif status != _HEARTBEAT:  # heartbeats are skipped
                    raise APIError.from_msg(msg)


async def head(js: JetStreamContext, source: str) -> int:
    """The stream's last sequence (0: empty or missing)."""

    async def last_seq() -> int:
        try:
            info = await js.stream_info(bus.stream_name(source))
        except NotFoundError:
            return 0
        return int(info.state.last_seq or 0)

    return await patiently(last_seq, f"the {source} stream's head")


async def patiently(call: Callable[[], Awaitable[T]], what: str) -> T:
    """``call()`` again while JetStream cannot answer (a node lost, a leader
    being elected), for up to READ_PATIENCE_SECONDS; then Unavailable."""
    give_up = asyncio.get_running_loop().time() + READ_PATIENCE_SECONDS
    backoff = FIRST_RETRY_SECONDS
    while True:
        try:
            return await call()
        except TRANSIENT as error:
            backoff = await _wait_out(error, what, give_up, backoff)


async def _wait_out(error: BaseException, what: str, give_up: float, backoff: float) -> float:
    """Sleep before the next attempt at ``what`` (the next backoff returned);
    Unavailable once ``give_up`` has passed. A request JetStream refused as
    malformed (400) is no outage: raised as it is."""
    if isinstance(error, BadRequestError):
        raise error
    if asyncio.get_running_loop().time() + backoff > give_up:
        raise Unavailable(
            f"JetStream did not answer for {READ_PATIENCE_SECONDS:g} s reading {what} "
            f"({type(error).__name__}); retry"
        ) from error
    log.warning("reporting.read_retry", what=what, error=repr(error)[:200], retry_in=backoff)
    await asyncio.sleep(backoff)
    return min(backoff * 2, MAX_RETRY_SECONDS)


async def message(js: JetStreamContext, source: str, seq: int) -> bytes | None:
    """The message at ``seq``; None when the stream has none there (deleted)."""
    stream = bus.stream_name(source)
    try:
        msg = await js.get_msg(stream, seq=seq, direct=True)
    except NotFoundError:
        return None
    return msg.data or b""


async def first_seq_at(js: JetStreamContext, source: str, position: int, last: int) -> int:
    """The first sequence whose envelope's position is at least ``position``
    (positions increase along the stream): a binary search by direct gets."""

    async def at(seq: int) -> bytes | None:
        return await patiently(lambda: message(js, source, seq), f"{source} sequence {seq}")

    low, high = 1, last + 1
    while low < high:
        middle = (low + high) // 2
        probe = middle
        data = await at(probe)
        while data is None and probe < high - 1:  # a deleted message: look further on
            probe += 1
            data = await at(probe)
        if data is None or envelope_of(data).position >= position:
            high = middle
        else:
            low = probe + 1
    return low


async def read_range(
    js: JetStreamContext, source: str, first: int, last: int, batch: int = READ_BATCH
) -> AsyncIterator[Batch]:
    """Messages of sequences ``first``..``last`` of the source's stream, in
    order, ``batch`` at a time; sequences deleted from the stream are absent.

    The read reaches ``last`` or fails: when JetStream stops answering (a node
    lost, a leader being elected) it goes on from the next sequence with a
    new consumer, and only after READ_PATIENCE_SECONDS without progress does it
    raise Unavailable. It ends early only when the stream has nothing more up
    to ``last`` (the rest deleted)."""
    if last < first:
        return
    seq = first - 1
    give_up = asyncio.get_running_loop().time() + READ_PATIENCE_SECONDS
    backoff = FIRST_RETRY_SECONDS
    while seq < last:
        try:
            async with _reader(js, source, seq + 1) as sub:
                while seq < last:
                    try:
                        msgs = await fetch(sub, min(batch, last - seq), IDLE_SECONDS)
                    except TimeoutError:
                        info = await sub.consumer_info()
                        delivered = int(info.delivered.stream_seq or 0)
                        if not info.num_pending and delivered <= seq:
                            return  # nothing more in the stream up to ``last``
                        raise  # stalled, or messages lost on the way: read again
                    out = [(m.data, stream_seq(m)) for m in msgs]
                    out = [(data, s) for data, s in out if s <= last]
                    if not out:
                        return
                    seq = out[-1][1]
                    give_up = asyncio.get_running_loop().time() + READ_PATIENCE_SECONDS
                    backoff = FIRST_RETRY_SECONDS
                    yield out
        except TRANSIENT as error:
            what = f"the {source} stream after sequence {seq} (up to {last})"
            backoff = await _wait_out(error, what, give_up, backoff)


@contextlib.asynccontextmanager
async def _reader(js: JetStreamContext, source: str, first: int) -> AsyncIterator[Any]:
    """An ephemeral pull consumer of the source's stream from sequence
    ``first``, acknowledging nothing; deleted when done."""
    stream = bus.stream_name(source)
    config = ConsumerConfig(
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=max(first, 1),
        ack_policy=AckPolicy.NONE,
        filter_subject=f"{bus.subject_prefix(source)}.>",
        inactive_threshold=60.0,
        mem_storage=True,
        num_replicas=1,
    )
    sub: Any = await js.pull_subscribe(f"{bus.subject_prefix(source)}.>", stream=stream,
                                       config=config)  # fmt: skip
    try:
        yield sub
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
        with contextlib.suppress(Exception):
            await js.delete_consumer(stream, str(config.name))
