"""The live projections: one durable JetStream pull consumer per stream
(``reporting-ledger`` on BENEFITS_LEDGER, ``reporting-members`` on
BENEFITS_MEMBERS), each feeding :meth:`ProjectionStore.apply`.

- Each fetched batch is applied in one database transaction together with the
  stream's position (with a backlog, several fetches' worth: fewer, larger
  transactions); messages are acknowledged only after that commit (AckAll:
  one acknowledgement for the batch). A batch that fails is negatively
  acknowledged, in order, for redelivery after a growing pause: nothing is
  logged and dropped.
- The database, not the consumer, is the record of what was applied: at start
  the durable consumer is kept when its acknowledgement floor is the
  database's sequence and nothing is pending, otherwise it is recreated to
  deliver from the sequence after the database's (a crash between commit and
  acknowledgement, a restored database, deliveries left pending by a killed
  process).
- A ledger event waits until the members projection has reached the
  members-log position its payout's eligibility basis recorded.
- :meth:`Projections.hold` stops both consumers at (or, if already past, just
  after) given sequences, for audits and rebuilds; :meth:`Projections.release`
  lets them go on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from benefits_platform import bus, logs
from benefits_platform.aio import cancel_and_wait, in_thread
from reporting.adapters import streams
from reporting.adapters.codec import MEMBERS, SOURCES
from reporting.adapters.tables import Applied, ProjectionStore

log = logs.get("reporting.consumers")

FIRST_RETRY_SECONDS = 0.2
MAX_RETRY_SECONDS = 30.0
FETCH_SECONDS = 1.0
# How long a further fetch for the same transaction waits (the stream had a
# full batch ready: more are usually there at once).
MORE_SECONDS = 0.2


def durable_name(source: str) -> str:
    return f"reporting-{source}"


@dataclass(frozen=True)
class ConsumerSettings:
    batch: int = 2000
    # While fetches come back full (a backlog), up to this many are applied
    # in one transaction: each commit then writes the pages it dirties (the
    # random-key rows of members and households) once for more messages. On
    # a large store nearly every page of those tables is dirtied by a
    # transaction of a few thousand events, so the commit's cost per event
    # falls with the transaction's size.
    fetches_per_transaction: int = 15
    ack_wait: float = 30.0
    # Fetched but unacknowledged messages allowed (0: a transaction being
    # applied and the next one being fetched, see pending_limit).
    max_ack_pending: int = 0
    replicas: int = 1

    @property
    def pending_limit(self) -> int:
        """The consumer's max_ack_pending: what is fetched for the transaction
        being applied and for the next, and a batch more."""
        most = self.batch * max(1, self.fetches_per_transaction)
        return self.max_ack_pending or 2 * most + self.batch


class Projections:
    """Both consumers, sharing one :class:`ProjectionStore`."""

    def __init__(
        self,
        js: JetStreamContext,
        store: ProjectionStore,
        settings: ConsumerSettings | None = None,
    ) -> None:
        self.js = js
        self.store = store
        self.settings = settings or ConsumerSettings()
        self.changed = asyncio.Condition()
        self.consumers = {source: StreamConsumer(self, source) for source in SOURCES}

    @property
    def members(self) -> StreamConsumer:
        return self.consumers[MEMBERS]

    def position(self, source: str) -> tuple[int, int]:
        consumer = self.consumers[source]
        return consumer.position, consumer.stream_seq

    async def start(self) -> None:
        positions = await in_thread(self.store.positions)
        for source, consumer in self.consumers.items():
            consumer.position, consumer.stream_seq = positions[source]
            await consumer.start()

    async def stop(self) -> None:
        for consumer in self.consumers.values():
            await consumer.stop()

    async def advanced(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_for_position(
        self,
        source: str,
        position: int,
        timeout: float,  # noqa: ASYNC109
    ) -> bool:
        """True once ``source``'s projection has applied up to log ``position``."""
        return await self._wait(lambda: self.consumers[source].position >= position, timeout)

    async def _wait(self, done: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109
        async with self.changed:
            try:
                await asyncio.wait_for(self.changed.wait_for(done), timeout)
            except TimeoutError:
                return False
        return True

    async def hold(
        self,
        targets: dict[str, int],
        timeout: float,  # noqa: ASYNC109
    ) -> dict[str, tuple[int, int]]:
        """Stop each consumer once it has applied up to ``targets[source]``
        (at once, after its current batch, when it is past it already), waiting
        at most ``timeout`` for it to get there; then (position, sequence) of each."""
        for source, consumer in self.consumers.items():
            consumer.stop_at = max(targets.get(source, 0), consumer.stream_seq)
        reached = await self._wait(lambda: all(c.paused for c in self.consumers.values()), timeout)
        if not reached:
            for consumer in self.consumers.values():
                consumer.stop_at = consumer.stream_seq
            await self._wait(lambda: all(c.paused for c in self.consumers.values()), 60.0)
        return {source: self.position(source) for source in self.consumers}

    async def release(self) -> None:
        for consumer in self.consumers.values():
            consumer.stop_at = None
            consumer.resume.set()


class StreamConsumer:
    def __init__(self, owner: Projections, source: str) -> None:
        self.owner = owner
        self.source = source
        self.stream = bus.stream_name(source)
        self.durable = durable_name(source)
        self.position = 0
        self.stream_seq = 0
        self.applied = 0
        self.stop_at: int | None = None
        self.paused = False
        self.resume = asyncio.Event()
        self.failing = ""  # why the last batch failed, until one succeeds
        self._sub: Any = None
        self._task: asyncio.Task[None] | None = None

    # -- the durable consumer -----------------------------------------------------------

    def _config(self, start_seq: int) -> ConsumerConfig:
        settings = self.owner.settings
        return ConsumerConfig(
            name=self.durable,
            durable_name=self.durable,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if start_seq > 1 else DeliverPolicy.ALL,
            opt_start_seq=start_seq if start_seq > 1 else None,
            ack_policy=AckPolicy.ALL,
            ack_wait=settings.ack_wait,
            max_deliver=-1,
            max_ack_pending=settings.pending_limit,
            filter_subject=f"{bus.subject_prefix(self.source)}.>",
            num_replicas=settings.replicas,
        )

    async def _align(self) -> None:
        """Make the durable consumer deliver from the sequence after the database's."""
        js = self.owner.js
        await bus.ensure_stream(js, self.source, self.owner.settings.replicas)
        try:
            info = await js.consumer_info(self.stream, self.durable)
        except NotFoundError:
            info = None
        if info is not None:
            floor = int(info.ack_floor.stream_seq or 0) if info.ack_floor else 0
            pending = int(info.num_ack_pending or 0)
            if floor == self.stream_seq and pending == 0:
                return
            log.info(
                "reporting.consumer_realigned",
                stream=self.stream,
                consumer_floor=floor,
                pending=pending,
                projection_seq=self.stream_seq,
            )
            await js.delete_consumer(self.stream, self.durable)
        await js.add_consumer(self.stream, self._config(self.stream_seq + 1))

    async def start(self) -> None:
        await self._align()
        self._sub = await self.owner.js.pull_subscribe_bind(
            durable=self.durable, stream=self.stream
        )
        self._task = asyncio.create_task(self._run(), name=f"reporting-{self.source}")
        log.info(
            "reporting.consumer_started",
            stream=self.stream,
            position=self.position,
            stream_seq=self.stream_seq,
        )

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        if self._sub is not None:
            sub, self._sub = self._sub, None
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    # -- the loop -----------------------------------------------------------------------

    async def _pause_if_held(self) -> None:
        while self._must_pause():
            self.paused = True
            self.resume.clear()
            await self.owner.advanced()
            await self.resume.wait()
        self.paused = False

    async def _fetch(self, limit: int) -> list[Any]:
        """The next messages ([] when none came within FETCH_SECONDS): while
        fetches come back full and the consumer is not being held, up to
        ``fetches_per_transaction`` fetches' worth."""
        try:
            msgs: list[Any] = await streams.fetch(self._sub, limit, FETCH_SECONDS)
        except TimeoutError:
            return []
        settings = self.owner.settings
        batch, last = settings.batch, len(msgs)
        most = batch * max(1, settings.fetches_per_transaction)
        while self.stop_at is None and last == limit and len(msgs) + batch <= most:
            try:
                more: list[Any] = await streams.fetch(self._sub, batch, MORE_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception:  # nothing more now, or a fault the next fetch meets again
                break
            msgs.extend(more)
            last, limit = len(more), batch
        return msgs

    async def _run(self) -> None:
        """Fetch, apply, acknowledge. While a batch is applied (in a worker
        thread: SQLite and PostgreSQL release the GIL) the next one is already
        being fetched; it is given back (nak, in order) if the batch before it
        was not applied whole, so that nothing is applied out of order."""
        backoff = FIRST_RETRY_SECONDS
        batch = self.owner.settings.batch
        ahead: asyncio.Task[list[Any]] | None = None
        try:
            while True:
                if ahead is not None and self._must_pause():
                    await _nak(await ahead)  # held: nothing fetched past the mark stays out
                    ahead = None
                await self._pause_if_held()
                try:
                    if ahead is not None:
                        # Taken before awaiting: a prefetch that failed is not
                        # awaited again (it would raise the same error forever).
                        prefetched, ahead = ahead, None
                        msgs = await prefetched
                    else:
                        msgs = await self._fetch(self._limit(batch))
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    log.warning(
                        "reporting.fetch_failed", stream=self.stream, error=repr(error)[:200]
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_RETRY_SECONDS)
                    continue
                if not msgs:
                    continue
                if self.stop_at is None:
                    ahead = asyncio.create_task(self._fetch(batch))
                whole = False
                try:
                    whole = await self._handle(msgs)
                    backoff = FIRST_RETRY_SECONDS
                    self.failing = ""
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    self.failing = repr(error)[:300]
                    log.error(
                        "reporting.batch_failed",
                        stream=self.stream,
                        position=self.position,
                        stream_seq=self.stream_seq,
                        error=self.failing,
                        retry_in=backoff,
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_RETRY_SECONDS)
                if not whole and ahead is not None:
                    with contextlib.suppress(Exception):
                        await _nak(await ahead)
                    ahead = None
        finally:
            if ahead is not None:
                ahead.cancel()
                with contextlib.suppress(BaseException):
                    await ahead

    def _must_pause(self) -> bool:
        return self.stop_at is not None and self.stream_seq >= self.stop_at

    def _limit(self, batch: int) -> int:
        if self.stop_at is None:
            return batch
        return max(1, min(batch, self.stop_at - self.stream_seq))

    async def _handle(self, msgs: list[Any]) -> bool:
        """Apply ``msgs`` (in order); True when every one was applied (or
        skipped as applied before) and acknowledged, False when the rest were
        given back for redelivery."""
        pending = msgs
        contiguous = True
        while pending:
            items = [(m.data, streams.stream_seq(m)) for m in pending]
            try:
                outcome: Applied = await in_thread(
                    self.owner.store.apply, self.source, items, contiguous
                )
            except BaseException:
                await _nak(pending)
                raise
            if outcome.consumed:
                await pending[outcome.consumed - 1].ack()  # AckAll: every message up to it
            self._advance(outcome)
            await self.owner.advanced()
            pending = pending[outcome.consumed :]
            if not pending:
                return True
            if outcome.error is not None:
                await _nak(pending)
                raise outcome.error
            if outcome.gap_at:
                missing = await self._missing(outcome.gap_at, items[outcome.consumed][1])
                if missing is None:
                    contiguous = False  # nothing to wait for: step over the gap
                    continue
                # Redelivered out of order (after a failed batch, the prefetched
                # batch can hold the earlier messages, naked again behind these,
                # round and round): apply the missing messages read straight from
                # the stream first; their own redeliveries are then skipped as
                # applied, and acknowledged with the batch after them (AckAll).
                filled: Applied = await in_thread(
                    self.owner.store.apply, self.source, missing, True
                )
                self._advance(filled)
                await self.owner.advanced()
                if filled.error is not None:
                    await _nak(pending)
                    raise filled.error
                if filled.consumed < len(missing):
                    await _nak(pending)  # waiting for members: let everything come again
                    return False
                continue
            if outcome.waits_for_members:
                wait = self.owner.settings.ack_wait / 2
                if not await self.owner.wait_for_position(MEMBERS, outcome.waits_for_members, wait):
                    log.warning(
                        "reporting.waiting_for_members",
                        stream=self.stream,
                        position=self.position,
                        members_position_needed=outcome.waits_for_members,
                        members_position=self.owner.members.position,
                    )
                    await _nak(pending)
                    return False
        return True

    async def _missing(self, expected: int, got: int) -> list[tuple[bytes, int]] | None:
        """Sequences ``expected``..``got``-1 read from the stream (they were
        delivered out of order), or None when one is gone (deleted: there is
        nothing to wait for)."""
        found = []
        for seq in range(expected, got):
            data = await streams.message(self.owner.js, self.source, seq)
            if data is None:
                await self._gone(expected, got)
                return None
            found.append((data, seq))
        return found

    async def _gone(self, expected: int, got: int) -> None:
        """Sequences ``expected``..``got``-1 are missing from the stream."""
        log.error(
            "reporting.stream_gap",
            stream=self.stream,
            missing_from=expected,
            missing_to=got - 1,
            detail="messages deleted from the stream; run the audit (benefits audit verify)",
        )

    def _advance(self, outcome: Applied) -> None:
        self.position, self.stream_seq = outcome.position, outcome.stream_seq
        self.applied += outcome.applied
        for note in outcome.notes:
            log.warning("reporting.duplicate_position", stream=self.stream, detail=note)


async def _nak(msgs: list[Any]) -> None:
    for msg in msgs:
        with contextlib.suppress(Exception):
            await msg.nak()
