"""The outbox relay (decision 2): follows a service's notification log and
publishes each event, in log order, to the service's JetStream stream.

Exactly once in the stream, whatever crashes:
- each message carries ``Nats-Msg-Id = <source>-<position>`` and
  ``Nats-Expected-Last-Sequence``, so the stream accepts the events only in
  order, with no gap and no second copy, even after the dedupe window;
- on start and after any failure the relay reads the stream's last envelope and
  continues from the position after it, with its hash as the chain's head;
- after each acknowledged batch it records its position, stream sequence and
  hash in the checkpoint table.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

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
from benefits_platform.envelopes import ZERO_HASH, EventParts, build_envelope
from benefits_platform.protos.benefits.v1 import events_pb2
from benefits_platform.sqlstore import RelayCheckpoints

log = logs.get("benefits.relay")

Codec = Callable[[Any], EventParts]


class OutboxRelay:
    def __init__(
        self,
        *,
        source: str,
        recorder: Any,
        mapper: Any,
        codec: Codec,
        js: JetStreamContext,
        checkpoints: RelayCheckpoints,
        batch_size: int = 1000,
        ack_timeout: float = 10.0,
        poll_interval: float = 0.5,
    ) -> None:
        self.source = source
        self.recorder = recorder
        self.mapper = mapper
        self.codec = codec
        self.js = js
        self.checkpoints = checkpoints
        self.batch_size = batch_size
        self.ack_timeout = ack_timeout
        self.poll_interval = poll_interval
        self.stream = stream_name(source)
        self.prefix = subject_prefix(source)
        self.position = 0
        self.stream_seq = 0
        self.head_hash = ZERO_HASH
        self.published = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._caught_up = asyncio.Event()

    # -- control --------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.source}-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

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
        backoff = 0.2
        resumed = False
        while True:
            try:
                if not resumed:
                    await self.resume()
                    resumed = True
                published = await self.publish_next_batch()
                backoff = 0.2
                if not published:
                    self._caught_up.set()
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("relay.retrying", stream=self.stream, error=repr(error)[:300])
                resumed = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _select_after(self, position: int) -> Any:
        return self.recorder.select_notifications(
            start=position, limit=self.batch_size, inclusive_of_start=False
        )

    async def publish_next_batch(self) -> int:
        notifications = await in_thread(self._select_after, self.position)
        if not notifications:
            return 0
        head = self.head_hash
        messages = []
        for notification in notifications:
            # Inserts are serialised by the store (SQLite's single writer, the
            # PostgreSQL recorder's table lock), so the ids seen are final; an id
            # skipped by a rolled-back insert is never used later.
            event = self.mapper.to_domain_event(notification)
            parts = self.codec(event)
            envelope = build_envelope(
                source=self.source,
                position=notification.id,
                aggregate_id=event.originator_id,
                aggregate_version=event.originator_version,
                recorded_at=event.timestamp,
                parts=parts,
                prev_hash=head,
            )
            head = envelope.hash
            messages.append((notification.id, parts, envelope))
        futures = []
        seq = self.stream_seq
        for offset, (position, parts, envelope) in enumerate(messages):
            headers = {
                MSG_ID: f"{self.source}-{position}",
                EXPECTED_LAST_SEQ: str(seq + offset),
                POSITION_HEADER: str(position),
            }
            if parts.request_id:
                headers[REQUEST_ID_HEADER] = parts.request_id
            futures.append(
                await self.js.publish_async(
                    f"{self.prefix}.{parts.event_type}",
                    envelope.SerializeToString(deterministic=True),
                    headers=headers,
                )
            )
        acks = await asyncio.wait_for(asyncio.gather(*futures), self.ack_timeout)
        last_ack = acks[-1]
        self.position = messages[-1][0]
        self.stream_seq = last_ack.seq
        self.head_hash = head
        self.published += len(messages)
        await in_thread(
            self.checkpoints.save,
            self.source,
            self.position,
            self.stream_seq,
            self.head_hash,
            dt.datetime.now(dt.UTC).isoformat(),
        )
        log.debug(
            "relay.published", stream=self.stream, count=len(messages), position=self.position
        )
        return len(messages)
