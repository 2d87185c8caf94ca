"""A small, deterministic in-memory model of the JetStream behaviour the relay
and the consumers rely on, with faults injected from a seeded random source.

The server side (:class:`JetStreamServer`) keeps streams as nats-server does in
processJetStreamMsg (stream.go), in that order:

1. a ``Nats-Msg-Id`` seen within the dedupe window is answered as a duplicate
   (PubAck ``duplicate: true`` with the original sequence), before anything else;
2. a ``Nats-Expected-Last-Sequence`` other than the stream's last sequence is
   refused (API error 10071, "wrong last sequence"): nothing stored, the id
   not remembered;
3. otherwise the message is stored at the next sequence and its id remembered.

Time is the simulation's step counter (``now``); the dedupe window is counted
in steps.

The client side implements the few methods the real classes call:
:class:`FakeConnection` is the relay's ``nc`` (core ``publish`` and
``jetstream()``), :class:`FakeJetStream` the JetStream context (``publish``,
``stream_info``, ``add_stream``, ``get_msg``, the durable-consumer calls the
reporting consumers make when they start, and the ordered push ``subscribe``
the ledger's members feed uses). Durable pull consumers (:class:`PullConsumer`)
deliver with AckAll semantics: pending messages, naks, redelivery after the
ack wait, an acknowledgement floor.

Faults (:class:`Faults`, probabilities per opportunity): a core publish lost on
the way; a publish delivered twice (the client seeing the second answer); a copy
kept and re-sent later, possibly after the dedupe window; a JetStream publish
that never reaches the server; an acknowledgement lost after the message was
stored; the connection dropping part-way through a batch; a fetched batch
delivered out of order; messages delivered again; a consumer's acknowledgement
lost. Every injected exception is an :class:`Injected`, so the simulation can
tell them from real errors.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import nats.errors
from nats.js.api import DeliverPolicy, PubAck
from nats.js.errors import APIError, BadRequestError, NotFoundError

from benefits_platform.bus import EXPECTED_LAST_SEQ, MSG_ID
from benefits_platform.relay import WRONG_LAST_SEQUENCE


class Injected(Exception):
    """Marks an exception the model raised on purpose."""


class InjectedTimeout(nats.errors.TimeoutError, Injected):
    """No answer came: the request was lost, or the answer was."""


class InjectedDisconnect(ConnectionResetError, Injected):
    """The connection dropped part-way through a batch."""


@dataclass
class Faults:
    """Probability of each fault at each opportunity (0 = never)."""

    drop: float = 0.0  # a core publish lost on the way
    duplicate: float = 0.0  # a publish delivered twice
    late_copy: float = 0.0  # a copy kept, to be re-sent later
    lost_request: float = 0.0  # a JetStream publish that never reaches the server
    lost_ack: float = 0.0  # stored, but the PubAck never arrives
    reorder: float = 0.0  # a fetched batch delivered out of order
    redeliver: float = 0.0  # a message delivered again with a batch
    lost_consumer_ack: float = 0.0  # a consumer's acknowledgement lost


@dataclass
class Stored:
    seq: int
    subject: str
    data: bytes
    headers: dict[str, str]


class Stream:
    def __init__(self, name: str, subjects: list[str]) -> None:
        self.name = name
        self.prefixes = [s.removesuffix(">") for s in subjects]
        self.messages: list[Stored] = []
        self.dedupe: dict[str, tuple[int, int]] = {}  # msg id -> (seq, when stored)
        self.consumers: dict[str, PullConsumer] = {}

    @property
    def last_seq(self) -> int:
        return len(self.messages)

    def message(self, seq: int) -> Stored | None:
        return self.messages[seq - 1] if 1 <= seq <= len(self.messages) else None


PubReply = PubAck | APIError | None


class JetStreamServer:
    """The streams, their consumers, the clock and the fault dice."""

    def __init__(self, rng: random.Random, dedupe_window: int) -> None:
        self.rng = rng
        self.dedupe_window = dedupe_window
        self.faults = Faults()
        self.now = 0
        self.streams: dict[str, Stream] = {}
        self.late: list[tuple[str, bytes, dict[str, str]]] = []
        self.counts: Counter[str] = Counter()
        self.tasks: set[asyncio.Task[None]] = set()
        # Deliveries are reordered and repeated from the very first one. (True
        # keeps a consumer's deliveries in order until its first acknowledgement:
        # the simulation found ProjectionStore.apply skipping a sequence delivered
        # after a later one while nothing had been applied yet, fixed since.)
        self.in_order_until_first_ack = False

    def roll(self, probability: float, fault: str) -> bool:
        """One throw of the dice for ``fault``; counted when it happens."""
        if probability and self.rng.random() < probability:
            self.counts[fault] += 1
            return True
        return False

    def stream(self, name: str) -> Stream:
        try:
            return self.streams[name]
        except KeyError:
            raise NotFoundError(code=404, err_code=10059, description="stream not found") from None

    def _stream_for(self, subject: str) -> Stream | None:
        for stream in self.streams.values():
            if any(subject.startswith(prefix) for prefix in stream.prefixes):
                return stream
        return None

    def receive(self, subject: str, data: bytes, headers: dict[str, str]) -> PubReply:
        """One message arriving at the server; its answer (None: no stream)."""
        stream = self._stream_for(subject)
        if stream is None:
            return None
        msg_id = headers.get(MSG_ID, "")
        if msg_id:
            seen = stream.dedupe.get(msg_id)
            if seen is not None and self.now - seen[1] <= self.dedupe_window:
                self.counts["answered as duplicate"] += 1
                return PubAck(stream=stream.name, seq=seen[0], duplicate=True)
        expected = headers.get(EXPECTED_LAST_SEQ)
        if expected is not None and int(expected) != stream.last_seq:
            self.counts["stream refused: wrong last sequence"] += 1
            return BadRequestError(
                code=400,
                err_code=WRONG_LAST_SEQUENCE,
                description=f"wrong last sequence: {stream.last_seq}",
            )
        stored = Stored(stream.last_seq + 1, subject, data, dict(headers))
        stream.messages.append(stored)
        if msg_id:
            stream.dedupe[msg_id] = (stored.seq, self.now)
        return PubAck(stream=stream.name, seq=stored.seq)

    def keep_copy(self, subject: str, data: bytes, headers: dict[str, str]) -> None:
        if self.roll(self.faults.late_copy, "late copy kept"):
            self.late.append((subject, data, dict(headers)))

    def resend_late_copy(self) -> bool:
        """Deliver one kept copy (a retransmission arriving late); False if none."""
        if not self.late:
            return False
        subject, data, headers = self.late.pop(self.rng.randrange(len(self.late)))
        self.counts["late copy delivered"] += 1
        self.receive(subject, data, headers)
        return True

    def spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


class FakeConnection:
    """The relay's ``nc``: core publishes and a JetStream context, on one
    connection whose messages reach the server in order."""

    def __init__(self, server: JetStreamServer) -> None:
        self.server = server
        self.cut_after: int | None = None  # messages that still get out before it drops
        self._js = FakeJetStream(server, self)

    def jetstream(self) -> FakeJetStream:
        return self._js

    def sending(self) -> None:
        """One message leaves the client (or the connection drops first)."""
        if self.cut_after is not None:
            if self.cut_after <= 0:
                self.server.counts["connection dropped mid-batch"] += 1
                self.cut_after = None
                raise InjectedDisconnect("connection lost mid-batch")
            self.cut_after -= 1

    async def publish(
        self, subject: str, payload: bytes = b"", reply: str = "", headers: Any = None
    ) -> None:
        """A core publish: no answer; it may be lost or delivered twice."""
        self.sending()
        server, faults = self.server, self.server.faults
        headers = dict(headers or {})
        if server.roll(faults.drop, "core publish lost"):
            return
        server.receive(subject, payload, headers)
        if server.roll(faults.duplicate, "publish delivered twice"):
            server.receive(subject, payload, headers)
        server.keep_copy(subject, payload, headers)


class FakeJetStream:
    """The JetStream context: what the relay, the members feed and the
    reporting consumers call."""

    def __init__(self, server: JetStreamServer, connection: FakeConnection | None = None) -> None:
        self.server = server
        self.connection = connection
        self.subscriptions: list[OrderedSubscription] = []

    # -- publishing -------------------------------------------------------------------

    async def publish(
        self,
        subject: str,
        payload: bytes = b"",
        timeout: float | None = None,  # noqa: ASYNC109 (nats-py's signature)
        stream: str | None = None,
        headers: Any = None,
    ) -> PubAck:
        if self.connection is not None:
            self.connection.sending()
        server, faults = self.server, self.server.faults
        headers = dict(headers or {})
        if server.roll(faults.lost_request, "publish request lost"):
            raise InjectedTimeout()
        answer = server.receive(subject, payload, headers)
        if server.roll(faults.duplicate, "publish delivered twice"):
            answer = server.receive(subject, payload, headers)  # the client reads this answer
        server.keep_copy(subject, payload, headers)
        if server.roll(faults.lost_ack, "ack lost after store"):
            raise InjectedTimeout()
        if answer is None:
            raise nats.errors.NoRespondersError()
        if isinstance(answer, APIError):
            raise answer
        return answer

    # -- streams ----------------------------------------------------------------------

    async def stream_info(self, name: str, **_: Any) -> Any:
        stream = self.server.stream(name)
        return SimpleNamespace(
            state=SimpleNamespace(last_seq=stream.last_seq, messages=stream.last_seq),
            config=SimpleNamespace(name=name),
        )

    async def add_stream(self, config: Any = None, **_: Any) -> Any:
        if config.name not in self.server.streams:
            self.server.streams[config.name] = Stream(config.name, list(config.subjects))
        return await self.stream_info(config.name)

    async def get_msg(self, stream_name: str, seq: int, direct: bool = False, **_: Any) -> Any:
        stored = self.server.stream(stream_name).message(seq)
        if stored is None:
            raise NotFoundError(code=404, err_code=10037, description="no message found")
        return SimpleNamespace(
            data=stored.data, seq=stored.seq, subject=stored.subject, headers=stored.headers
        )

    # -- durable pull consumers ---------------------------------------------------------

    async def consumer_info(self, stream: str, consumer: str, **_: Any) -> Any:
        found = self.server.stream(stream).consumers.get(consumer)
        if found is None:
            raise NotFoundError(code=404, err_code=10014, description="consumer not found")
        return SimpleNamespace(
            ack_floor=SimpleNamespace(stream_seq=found.ack_floor),
            num_ack_pending=len(found.pending),
        )

    async def delete_consumer(self, stream: str, consumer: str) -> bool:
        self.server.stream(stream).consumers.pop(consumer, None)
        return True

    async def add_consumer(self, stream: str, config: Any = None, **_: Any) -> Any:
        owner = self.server.stream(stream)
        start = 1
        if config.deliver_policy == DeliverPolicy.BY_START_SEQUENCE and config.opt_start_seq:
            start = int(config.opt_start_seq)
        durable = str(config.durable_name)
        owner.consumers[durable] = PullConsumer(self.server, owner, durable, start)
        return await self.consumer_info(stream, config.durable_name)

    # -- ordered push consumers (the ledger's members feed) -------------------------------

    async def subscribe(
        self,
        subject: str,
        ordered_consumer: bool = False,
        deliver_policy: Any = None,
        cb: Callable[[Any], Awaitable[None]] | None = None,
        **_: Any,
    ) -> OrderedSubscription:
        stream = self.server._stream_for(subject.removesuffix(">"))
        assert stream is not None and cb is not None and ordered_consumer
        assert deliver_policy in (None, DeliverPolicy.ALL)
        subscription = OrderedSubscription(stream, cb)
        self.subscriptions.append(subscription)
        # What the stream holds now arrives on its own, as after a real subscribe.
        self.server.spawn(subscription.deliver(stream.last_seq))
        return subscription


class FakeMsg:
    """A delivered JetStream message: data, the reply subject the consumers read
    the stream sequence from, metadata, ack and nak."""

    def __init__(
        self, stream: Stream, durable: str, stored: Stored, delivered: int, consumer: Any
    ) -> None:
        self.data = stored.data
        self.subject = stored.subject
        self.headers = stored.headers
        self.seq = stored.seq
        self.reply = f"$JS.ACK.{stream.name}.{durable}.{delivered}.{stored.seq}.{stored.seq}.0.0"
        self.metadata = SimpleNamespace(
            sequence=SimpleNamespace(stream=stored.seq, consumer=stored.seq),
            num_delivered=delivered,
        )
        self._consumer = consumer

    async def ack(self) -> None:
        self._consumer.ack(self.seq)

    async def nak(self, delay: float | None = None) -> None:
        self._consumer.nak(self.seq)


class PullConsumer:
    """A durable pull consumer with AckAll: it delivers the stream from its
    start sequence; naked messages and, after the ack wait, unacknowledged ones
    are delivered again."""

    def __init__(
        self, server: JetStreamServer, stream: Stream, durable: str, start_seq: int
    ) -> None:
        self.server = server
        self.stream = stream
        self.durable = durable
        self.next_seq = start_seq
        self.ack_floor = start_seq - 1
        self.pending: dict[int, int] = {}  # delivered, unacknowledged: seq -> deliveries
        self.again: set[int] = set()  # to deliver again (naked or past the ack wait)
        self.cut = False  # the process died: its acks and naks never get out

    def fetch(self, limit: int) -> list[FakeMsg]:
        server, faults, rng = self.server, self.server.faults, self.server.rng
        seqs = sorted(self.again)[:limit]
        self.again.difference_update(seqs)
        while len(seqs) < limit and self.next_seq <= self.stream.last_seq:
            seqs.append(self.next_seq)
            self.next_seq += 1
        disorder = self.ack_floor > 0 or not server.in_order_until_first_ack
        if disorder and self.next_seq > 1 and server.roll(faults.redeliver, "delivered again"):
            seqs.insert(rng.randrange(len(seqs) + 1), rng.randint(1, self.next_seq - 1))
        if disorder and len(seqs) > 1 and server.roll(faults.reorder, "batch reordered"):
            rng.shuffle(seqs)
        out = []
        for seq in seqs:
            stored = self.stream.message(seq)
            assert stored is not None
            deliveries = self.pending.get(seq, 0) + 1
            if seq > self.ack_floor:
                self.pending[seq] = deliveries
            out.append(FakeMsg(self.stream, self.durable, stored, deliveries, self))
        return out

    def ack(self, seq: int) -> None:
        if self.cut or self.server.roll(self.server.faults.lost_consumer_ack, "ack lost"):
            return
        self.ack_floor = max(self.ack_floor, seq)
        self.pending = {s: n for s, n in self.pending.items() if s > seq}
        self.again = {s for s in self.again if s > seq}

    def nak(self, seq: int) -> None:
        if not self.cut and seq in self.pending:
            self.again.add(seq)

    def ack_wait_passed(self) -> None:
        """Every unacknowledged message is due for redelivery."""
        if self.pending:
            self.server.counts["redelivered after ack wait"] += 1
        self.again.update(self.pending)

    @property
    def caught_up(self) -> bool:
        return self.next_seq > self.stream.last_seq and not self.pending and not self.again


class OrderedSubscription:
    """An ordered push consumer from the first message: delivers in stream
    order, each message once, when the simulation lets it."""

    def __init__(self, stream: Stream, cb: Callable[[Any], Awaitable[None]]) -> None:
        self.stream = stream
        self.cb = cb
        self.next_seq = 1
        self.active = True

    async def deliver(self, up_to: int) -> int:
        """Deliver every message up to sequence ``up_to``; how many."""
        count = 0
        while self.active and self.next_seq <= min(up_to, self.stream.last_seq):
            stored = self.stream.message(self.next_seq)
            assert stored is not None
            self.next_seq += 1
            await self.cb(FakeMsg(self.stream, "ordered", stored, 1, _NoAcks))
            count += 1
        return count

    async def unsubscribe(self) -> None:
        self.active = False


class _NoAcks:
    @staticmethod
    def ack(seq: int) -> None:
        pass

    @staticmethod
    def nak(seq: int) -> None:
        pass
