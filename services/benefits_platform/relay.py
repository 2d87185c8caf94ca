"""The outbox relay (decision 2): follows a service's notification log and
publishes each event, in log order, to the service's JetStream stream.

Exactly once in the stream, whatever crashes:

- each message carries ``Nats-Msg-Id = <source>-<position>`` and
  ``Nats-Expected-Last-Sequence``, chained: the i-th message of a batch that
  starts with the stream at sequence S expects S + i. The stream stores a
  message only if its last sequence is exactly the one expected, so it accepts
  the events only in log order, with no gap and no second copy, even after the
  dedupe window;
- on start and after any failure the relay reads the stream's last envelope and
  continues from the position after it, with its hash as the chain's head: the
  stream, not the checkpoint, is the record of what was published.

One acknowledgement per batch. The first n-1 messages of a batch go out as
plain core NATS publishes (no reply subject, nothing to wait for); only the last
is a JetStream publish (a request) whose PubAck the relay awaits. All of them travel in
order on one connection, and the stream checks them in that order. An ack of
the last message at sequence S + n proves that all n were stored, in order:

- if any message of the batch is lost on the way, dropped by the server, or
  rejected (wrong expected sequence, a duplicate Nats-Msg-Id, a limit), the
  stream's last sequence stops advancing with it, so every later message of the
  batch expects a sequence the stream is no longer at and is rejected too, the
  last one included: its PubAck is an error ("wrong last sequence", 10071), not
  a sequence;
- so a success for the last message means the stream was at S + n - 1 when it
  arrived, i.e. the n - 1 messages before it in the log are the ones at
  S + 1 ... S + n - 1 (whoever stored them: every relay of this log publishes
  the same bytes, under the same ids and the same expectations).

A duplicate ack for the last message (its Nats-Msg-Id was stored before, by an
earlier attempt or by another relay of the same log) is not that proof, since
the server answers duplicates before checking the expected sequence: the relay
then re-reads the stream's head, as after any error. A rejected batch is not
retried message by message: the relay resumes from the stream's head and
publishes again from there, at once (another relay moving the stream is not a
failure), with a growing pause only if that keeps happening.

In nats-server's processJetStreamMsg (stream.go) a message with a
Nats-Expected-Last-Sequence other than the stream's last sequence returns
before anything is stored and before its Nats-Msg-Id is remembered for dedupe;
a message without a reply subject goes through exactly the same checks, it only
gets no answer. A batch never exceeds ``batch_size`` unacknowledged messages,
far below the stream's ingest queue limit (10,000 messages at the least), past
which the server would drop core publishes (and the chain would reject the rest).

The checkpoint table records position, stream sequence and head hash after
``checkpoint_every`` events, else at most every ``checkpoint_seconds`` while
busy and every ``idle_checkpoint_seconds`` when the log has nothing new (0 for
a relay woken by its service's commits; a relay process polling every few
milliseconds waits a second), and when the relay stops. It is informational
(resuming reads the stream's head): it tells an operator how far the relay got,
and whether the stream lost data.

The relay shares the machine's cores with its service and nats-server, so its
work per event is kept small: :class:`LogReader` reads a batch of rows with one
query and encodes each event straight from its stored JSON state (no domain
event is rebuilt), :class:`~benefits_platform.envelopes.EnvelopeWriter` writes
the envelope's bytes and hash without building a message, and the n-1 core
publishes of a batch reach the connection as one write
(:func:`publish_together`). The bytes on the wire are the same as before each
of these (tests/test_relay_envelopes.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    Notification,
    PersistenceError,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic
from nats import errors as nats_errors
from nats.aio.client import Client
from nats.js.errors import APIError, NotFoundError
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

from benefits_platform import logs
from benefits_platform.aio import in_thread
from benefits_platform.bus import (
    EXPECTED_LAST_SEQ,
    MSG_ID,
    POSITION_HEADER,
    REQUEST_ID_HEADER,
    stream_name,
    subject_prefix,
)
from benefits_platform.config import ServiceConfig
from benefits_platform.envelopes import (
    ZERO_HASH,
    EnvelopeWriter,
    EventCodec,
    EventParts,
    StateEncoder,
    micros,
    uuid_text_of_hex,
)
from benefits_platform.eventstore import renew_connections
from benefits_platform.protos.benefits.v1 import events_pb2
from benefits_platform.sqlstore import Database, RelayCheckpoints

log = logs.get("benefits.relay")

Codec = Callable[[Any], EventParts]
Outgoing = tuple[str, bytes, dict[str, str]]  # subject, envelope bytes, headers
Row = tuple[int, Any, int, str, bytes]  # position, originator id, version, topic, state
Read = tuple[int, str, int, int, EventParts]  # position, aggregate id, version, recorded µs, parts

WRONG_LAST_SEQUENCE = 10071  # JetStream API error code
FIRST_RETRY_SECONDS = 0.2
MAX_RETRY_SECONDS = 5.0
FREE_RESYNCS = 3  # consecutive resyncs before the relay starts pausing between them
DECODE_CHUNK = 32  # stored states decoded together (see LogReader._decode)


def relay_database(config: ServiceConfig) -> Database:
    """Where a service's relay keeps its checkpoint (beside the service's store)."""
    return Database(config.store, config.data_dir / config.service / "relay.sqlite")


_UUID_HEX = re.compile(r"[0-9a-f]{32}").fullmatch  # how the SQLite recorder stores UUIDs
_HEADER_VALUE_NEWLINES = str.maketrans({"\r": " ", "\n": " "})
# json.loads without its wrapper (which also allows surrounding whitespace)
_scan_json: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def header_value(value: str) -> str:
    """A header value as nats-py sends it: stripped, CR and LF made spaces."""
    value = value.strip()
    if "\n" in value or "\r" in value:
        return value.translate(_HEADER_VALUE_NEWLINES)
    return value


class LogReader:
    """A service's notification log, read as what the relay publishes: for each
    event its position, aggregate id (canonical text), version, recorded time
    (integer microseconds) and wire parts.

    An event whose class has an encoder in the service's :class:`EventCodec` is
    encoded straight from its stored JSON state, without rebuilding the domain
    event: the state is decoded as plain JSON (the only transcoded
    value in it is the recorded time, which is checked) and handed to the same
    encoder that ``codec(event)`` uses. Anything else goes through the
    application's mapper and ``codec(event)``: events of other classes, states
    recorded by an older class version (the mapper upcasts them), states with
    other transcoded values, a mapper with a cipher or compressor. Both ways give
    the same parts for the same event. On SQLite and PostgreSQL the rows are read
    with eventsourcing's query, without building Notification objects."""

    def __init__(self, recorder: Any, mapper: Any, codec: Codec) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.codec = codec
        # The rows straight from SQL where the recorder's select_notifications is
        # eventsourcing's own (no Notification objects; on PostgreSQL the ids as text).
        self._sqlite = (
            _reads_as(recorder, SQLiteApplicationRecorder)
            and recorder.datastore.originator_id_type == "uuid"
        )
        self._select = (
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {recorder.events_table_name} WHERE rowid>? ORDER BY rowid LIMIT ?"
            if self._sqlite
            else ""
        )
        self._pg_select: Composed | None = None
        if _reads_as(recorder, PostgresApplicationRecorder):
            self._pg_select = SQL(
                "SELECT notification_id, originator_id::text, originator_version, topic, state "
                "FROM {schema}.{table} WHERE notification_id>%s ORDER BY notification_id LIMIT %s"
            ).format(
                schema=Identifier(recorder.datastore.schema),
                table=Identifier(recorder.events_table_name),
            )
        self.read_straight = 0  # events encoded from their stored state
        self.rebuilt = 0  # events rebuilt by the mapper first
        # stored topic -> (class version, encoder) of the events read straight
        self._direct: dict[str, tuple[int, StateEncoder]] = {}
        if isinstance(codec, EventCodec) and _plain_json(mapper):
            for cls in codec.classes:
                encoder = codec.encoder_for(cls)
                if encoder is not None:
                    self._direct[get_topic(cls)] = (getattr(cls, "class_version", 1), encoder)

    @property
    def reads_sql(self) -> bool:
        """Whether the rows come straight from SQL (SQLite, PostgreSQL)."""
        return self._sqlite or self._pg_select is not None

    def rows(self, after: int, limit: int) -> list[Row]:
        """Up to ``limit`` events after position ``after``, in log order."""
        if self._sqlite:
            with self.recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(self._select, (after, limit))
                return cursor.fetchall()  # type: ignore[no-any-return]
        if self._pg_select is not None:
            try:
                with (
                    self.recorder.datastore.get_connection() as conn,
                    conn.cursor(row_factory=tuple_row) as cursor,
                ):
                    cursor.execute(self._pg_select, (after, limit), prepare=True)
                    return [(p, i, v, t, bytes(s)) for p, i, v, t, s in cursor.fetchall()]
            except PersistenceError:
                renew_connections(self.recorder)  # the relay's retry draws a live one
                raise
        return [
            (n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in self.recorder.select_notifications(
                start=after, limit=limit, inclusive_of_start=False
            )
        ]

    def read(self, after: int, limit: int) -> list[Read]:
        """Up to ``limit`` events after position ``after``, in log order, as
        (position, aggregate id, version, recorded microseconds, wire parts)."""
        rows = self.rows(after, limit)
        direct = self._direct
        out: list[Read] = []
        read_straight = 0
        for start in range(0, len(rows), DECODE_CHUNK):
            chunk = rows[start : start + DECODE_CHUNK]
            # '"_type_"' occurs in stored JSON only as the key of a transcoded value
            # (in a string a quote is escaped): once means the recorded time alone.
            flags = [row[3] in direct and row[4].count(b'"_type_"') == 1 for row in chunk]
            decoded = iter(self._decode([row[4] for row, f in zip(chunk, flags, strict=True) if f]))
            for row, flag in zip(chunk, flags, strict=True):
                values = next(decoded) if flag else None
                if values is not None:
                    recorded = values.get("timestamp")
                    class_version, encoder = direct[row[3]]
                    if (
                        values.get("class_version", 1) == class_version
                        and type(recorded) is dict
                        and len(recorded) == 2
                        and recorded.get("_type_") == "datetime_iso"
                    ):
                        position, originator_id, version = row[0], row[1], row[2]
                        if type(originator_id) is str and _UUID_HEX(originator_id):
                            aggregate_id = uuid_text_of_hex(originator_id)
                        else:
                            aggregate_id = str(self._originator_id(originator_id))
                        us = micros(dt.datetime.fromisoformat(recorded["_data_"]))
                        parts = encoder(values, aggregate_id)
                        out.append((position, aggregate_id, version, us, parts))
                        read_straight += 1
                        continue
                out.append(self._rebuilt(row))
        self.read_straight += read_straight
        return out

    def _decode(self, states: list[bytes]) -> list[Any]:
        """The JSON states, decoded in one go (the keys, the same in most events,
        are then made once); any that does not decode on its own is None.
        A few dozen at a time: decoded much further ahead of their encoding, the
        states are out of the CPU's cache again when they are encoded."""
        if not states:
            return []
        try:
            text = (b"[" + b",".join(states) + b"]").decode()
            values, end = _scan_json(text, 0)
            if end == len(text) and len(values) == len(states):
                return [v if type(v) is dict else None for v in values]  # type: ignore[no-any-return]
        except (ValueError, StopIteration, RecursionError):  # not JSON: the mapper says why
            pass
        return [self._decode_one(state) for state in states]

    @staticmethod
    def _decode_one(state: bytes) -> Any:
        try:
            text = state.decode()
            values, end = _scan_json(text, 0)
        except (ValueError, StopIteration, RecursionError):  # not JSON: the mapper says why
            return None
        return values if end == len(text) and type(values) is dict else None

    def _rebuilt(self, row: Row) -> Read:
        """One event through the mapper (a domain event) and the codec."""
        self.rebuilt += 1
        position, originator_id, version, topic, state = row
        event = self.mapper.to_domain_event(
            Notification(
                id=position,
                originator_id=self._originator_id(originator_id),
                originator_version=version,
                topic=topic,
                state=state,
            )
        )
        return (
            position,
            str(event.originator_id),
            event.originator_version,
            micros(event.timestamp),
            self.codec(event),
        )

    def _originator_id(self, originator_id: Any) -> Any:
        if self._sqlite and isinstance(originator_id, str):
            return self.recorder.convert_originator_id(originator_id)
        return originator_id


def _reads_as(recorder: Any, cls: type) -> bool:
    """Whether ``recorder`` is a ``cls`` that reads notifications as ``cls`` does."""
    return isinstance(recorder, cls) and (
        type(recorder).select_notifications is cls.select_notifications  # type: ignore[attr-defined]
    )


def _plain_json(mapper: Any) -> bool:
    """Whether ``mapper`` stores events as plain JSON with the standard
    datetime transcoding (what LogReader reads straight)."""
    transcoder = getattr(mapper, "transcoder", None)
    return (
        type(mapper).to_domain_event is Mapper.to_domain_event
        and not mapper.cipher
        and not mapper.compressor
        and type(transcoder) is JSONTranscoder
        and type(transcoder.names.get("datetime_iso")) is DatetimeAsISO
    )


def _hpub(subject: str, payload: bytes, headers: dict[str, str], out: list[bytes]) -> None:
    """One core publish with headers (no reply subject) added to ``out``: the
    bytes nats-py's ``Client.publish`` queues for it, given header values as it
    sends them (:func:`header_value`)."""
    text = "NATS/1.0\r\n" + "".join([f"{k}: {v}\r\n" for k, v in headers.items()]) + "\r\n"
    if text.count("\n") != len(headers) + 2 or text.count("\r") != len(headers) + 2:
        raise ValueError("a header holds a line break: pass its value through header_value()")
    head = text.encode()
    n = len(head)
    out += (f"HPUB {subject}  {n} {n + len(payload)}\r\n".encode(), head, payload, b"\r\n")


async def publish_together(nc: Client, messages: Sequence[Outgoing]) -> None:
    """Core publishes of ``messages`` queued on the connection as one write:
    the same bytes, checks and statistics as a ``Client.publish`` of each (header
    values already as it sends them, see :func:`header_value`), without its
    per-message cost (header encoding, a flush kick per message)."""
    if not messages:
        return
    client: Any = nc  # its queue of pending writes is not public API
    if client.is_closed:
        raise nats_errors.ConnectionClosedError
    if client.is_draining_pubs:
        raise nats_errors.ConnectionDrainingError
    size = 0
    for _subject, payload, _headers in messages:
        if len(payload) > client._max_payload:
            raise nats_errors.MaxPayloadError
        size += len(payload)
    pieces: list[bytes] = []
    for subject, payload, headers in messages:
        _hpub(subject, payload, headers, pieces)
    frames = b"".join(pieces)
    if not client.is_connected and (
        client._max_pending_size <= 0
        or len(frames) + client._pending_data_size > client._max_pending_size
    ):
        raise nats_errors.OutboundBufferLimitError
    client.stats["out_msgs"] += len(messages)
    client.stats["out_bytes"] += size
    await client._send_command(frames)
    if client._flush_queue is not None and client._flush_queue.empty():
        await client._flush_pending()


class StreamMoved(Exception):
    """The stream is not where the relay thought: re-read its head."""


GATHER_BELOW = 64


class OutboxRelay:
    def __init__(
        self,
        *,
        source: str,
        recorder: Any,
        mapper: Any,
        codec: Codec,
        nc: Client,
        checkpoints: RelayCheckpoints,
        batch_size: int = 1000,
        ack_timeout: float = 10.0,
        poll_interval: float = 0.5,
        checkpoint_every: int = 10_000,
        checkpoint_seconds: float = 1.0,
        idle_checkpoint_seconds: float = 0.0,
        offload: bool = True,
        gather_seconds: float = 0.0,
    ) -> None:
        self.source = source
        self.recorder = recorder
        self.mapper = mapper
        self.codec = codec
        # Core publishes go through ``nc``; the acknowledged last message of a
        # batch through ``js``, a context on the same connection, so that all of
        # a batch reaches the server in order.
        self.nc: Any = nc
        self.js: Any = nc.jetstream()
        self.checkpoints = checkpoints
        self.batch_size = batch_size
        self.ack_timeout = ack_timeout
        self.poll_interval = poll_interval
        self.checkpoint_every = checkpoint_every
        self.checkpoint_seconds = checkpoint_seconds
        self.idle_checkpoint_seconds = idle_checkpoint_seconds
        # Read, decode and encode in a worker thread (True: the event loop stays
        # free for the service's own work), or on the loop (a relay process).
        self.offload = offload
        # After a batch smaller than GATHER_BELOW events, wait this long before
        # reading the log again: a relay that re-read the log the moment each
        # ack came back published a trickle of unary payouts one or two at a
        # time, at twice the CPU per event of full batches. Publishing waits at
        # most this much longer; the writer's commits are not held up.
        self.gather_seconds = gather_seconds
        self.stream = stream_name(source)
        self.prefix = subject_prefix(source)
        self.reader = LogReader(recorder, mapper, codec)
        self.writer = EnvelopeWriter(source)
        self.position = 0
        self.stream_seq = 0
        self.head_hash = ZERO_HASH
        self.published = 0  # events in the batches acknowledged to this relay
        self.resyncs = 0  # times it found the stream moved and re-read its head
        self._unsaved = 0
        self._saved_at = 0.0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._caught_up = asyncio.Event()

    # -- control --------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._saved_at = asyncio.get_running_loop().time()
        self._task = asyncio.create_task(self._run(), name=f"{self.source}-relay")

    async def stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            # A cancellation that lands as a reply arrives can be swallowed by
            # asyncio.wait_for inside nats-py (Python 3.11): cancel until it ends.
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=0.5)
            with contextlib.suppress(asyncio.CancelledError, Exception):
                task.result()
            with contextlib.suppress(Exception):
                await self.save_checkpoint()

    async def wait_caught_up(self, position: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until every event up to ``position`` is in the stream."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.position < position:
            self._caught_up.clear()
            self.wake()
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"relay at {self.position}, waiting for {position}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._caught_up.wait(), min(remaining, 0.5))

    # -- the loop -------------------------------------------------------------------

    async def resume(self) -> None:
        """Continue from the stream's last envelope (the stream is the record of
        what was published); the checkpoint tells only whether the stream lost data."""
        info = await self.js.stream_info(self.stream)
        last_seq = info.state.last_seq or 0
        if last_seq == 0:
            position, head = 0, ZERO_HASH
        else:
            try:
                msg = await self.js.get_msg(self.stream, seq=last_seq, direct=True)
            except NotFoundError:
                msg = await self.js.get_msg(self.stream, seq=last_seq)
            envelope = events_pb2.EventEnvelope.FromString(msg.data or b"")
            position, head = envelope.position, envelope.hash
        checkpoint = await in_thread(self.checkpoints.load, self.source)
        if checkpoint is not None and checkpoint[0] > position:
            log.warning(
                "relay.stream_behind_checkpoint",
                stream=self.stream,
                stream_position=position,
                checkpoint_position=checkpoint[0],
            )
        self.position, self.stream_seq, self.head_hash = position, last_seq, head
        log.info("relay.resumed", stream=self.stream, position=position, stream_seq=last_seq)

    async def _run(self) -> None:
        backoff = FIRST_RETRY_SECONDS
        resyncs_in_a_row = 0
        resumed = False
        while True:
            try:
                if not resumed:
                    await self.resume()
                    resumed = True
                published = await self.publish_next_batch()
                backoff, resyncs_in_a_row = FIRST_RETRY_SECONDS, 0
                if published and published < GATHER_BELOW and self.gather_seconds:
                    await asyncio.sleep(self.gather_seconds)
                if not published:
                    await self._save_checkpoint_if_due(self.idle_checkpoint_seconds)
                    self._caught_up.set()
                    await self._idle()
            except asyncio.CancelledError:
                raise
            except StreamMoved as moved:
                self.resyncs += 1
                resyncs_in_a_row += 1
                resumed = False
                log.info("relay.resync", stream=self.stream, position=self.position, why=str(moved))
                if resyncs_in_a_row > FREE_RESYNCS:
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_RETRY_SECONDS)
            except Exception as error:
                log.warning("relay.retrying", stream=self.stream, error=repr(error)[:300])
                resumed = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_RETRY_SECONDS)

    async def _idle(self) -> None:
        """Until woken, or ``poll_interval`` passed."""
        self._wake.clear()
        timer = asyncio.get_running_loop().call_later(self.poll_interval, self._wake.set)
        try:
            await self._wake.wait()
        finally:
            timer.cancel()

    def _next_messages(
        self, position: int, stream_seq: int, head: bytes
    ) -> tuple[list[Outgoing], int, bytes]:
        """The next batch after ``position`` as ready-to-send messages (in a worker
        thread: reading the store, decoding and encoding stay off the event loop).
        Returns the messages, the last position and the new head of the chain."""
        write = self.writer.write
        source, prefix = self.source, self.prefix
        messages: list[Outgoing] = []
        # Inserts are serialised by the store (SQLite's single writer, the
        # PostgreSQL recorder's table lock), so the ids seen are final; an id
        # skipped by a rolled-back insert is never used later.
        events = self.reader.read(position, self.batch_size)
        for position, aggregate_id, version, recorded_us, parts in events:
            envelope, head = write(
                position,
                aggregate_id,
                version,
                recorded_us,
                parts,
                parts.payload.SerializeToString(deterministic=True),
                head,
            )
            position_text = str(position)
            headers = {
                MSG_ID: f"{source}-{position_text}",
                EXPECTED_LAST_SEQ: str(stream_seq),
                POSITION_HEADER: position_text,
            }
            if parts.request_id:
                headers[REQUEST_ID_HEADER] = header_value(parts.request_id)
            messages.append((f"{prefix}.{parts.event_type}", envelope, headers))
            stream_seq += 1
        return messages, position, head

    async def publish_next_batch(self) -> int:
        """Publish the next batch; the number of events now acknowledged in the
        stream. Raises StreamMoved when the stream was not where expected."""
        args = (self.position, self.stream_seq, self.head_hash)
        if self.offload:
            messages, last_position, head = await in_thread(self._next_messages, *args)
        else:
            messages, last_position, head = self._next_messages(*args)
        if not messages:
            return 0
        ack = await self._send(messages)
        expected_seq = self.stream_seq + len(messages)
        if ack.duplicate or ack.seq != expected_seq:
            raise StreamMoved(
                f"last message acknowledged as {'a duplicate ' if ack.duplicate else ''}"
                f"sequence {ack.seq}, expected {expected_seq}"
            )
        self.position, self.stream_seq, self.head_hash = last_position, expected_seq, head
        self.published += len(messages)
        self._unsaved += len(messages)
        log.debug(
            "relay.published", stream=self.stream, count=len(messages), position=self.position
        )
        if self._unsaved >= self.checkpoint_every:
            await self.save_checkpoint()
        else:
            await self._save_checkpoint_if_due(self.checkpoint_seconds)
        return len(messages)

    async def _send(self, messages: Sequence[Outgoing]) -> Any:
        """n-1 core publishes, then the last one as a JetStream publish; its PubAck."""
        if isinstance(self.nc, Client):
            await publish_together(self.nc, messages[:-1])
        else:
            publish = self.nc.publish
            for subject, payload, headers in messages[:-1]:
                await publish(subject, payload, headers=headers)
        subject, payload, headers = messages[-1]
        # js.publish (a request), not publish_async: nats-py 2.16 never completes a
        # publish_async future whose PubAck is an error (nats-io/nats.py#985), so a
        # rejection would only show as a timeout.
        try:
            return await self.js.publish(
                subject, payload, timeout=self.ack_timeout, headers=headers
            )
        except APIError as error:
            if error.err_code == WRONG_LAST_SEQUENCE:
                raise StreamMoved(f"wrong last sequence: {error.description}") from None
            raise

    async def _save_checkpoint_if_due(self, seconds: float) -> None:
        if asyncio.get_running_loop().time() - self._saved_at >= seconds:
            await self.save_checkpoint()

    async def save_checkpoint(self) -> None:
        """Record position, stream sequence and head hash, if they changed."""
        if not self._unsaved:
            return
        await in_thread(
            self.checkpoints.save,
            self.source,
            self.position,
            self.stream_seq,
            self.head_hash,
            dt.datetime.now(dt.UTC).isoformat(),
        )
        self._unsaved = 0
        self._saved_at = asyncio.get_running_loop().time()
