"""Audits and rebuilds (service layer): both read the streams from the first
event into a scratch projection database.

VerifyLedger, one pass over each stream (members first, then the ledger):

1. the hash chain of each stream, link by link;
2. the postings of every ledger entry (each sums to zero, the programme fund
   moves by the entry's amount, all together sum to zero);
3. when the ledger's store is reachable, the store's events against the
   stream's, position by position (edited, deleted, inserted, swapped);
4. unless skipped, every event applied to the scratch projections exactly as
   the live consumers apply them. The live consumers are then held at the
   streams' heads as they were when the audit started (or where they stand, if
   past them), the scratch is brought to the same positions, and the two are
   compared table by table, row by row.

RebuildProjections makes the scratch the same way, holds the live consumers,
brings the scratch to their positions and swaps it in, in one transaction.

One audit or rebuild runs at a time. The live consumers are held only for the
last stretch (catching the scratch up and comparing or copying), never for the
whole pass.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from uuid import uuid4

from nats.js import JetStreamContext

from benefits_platform import identity, logs
from benefits_platform.aio import in_thread
from benefits_platform.config import ServiceConfig, StoreConfig
from benefits_platform.domain_errors import FailedPrecondition, NotFound
from benefits_platform.envelopes import ZERO_HASH
from benefits_platform.protos.benefits.v1 import events_pb2
from benefits_platform.sqlstore import Database
from reporting.adapters import ledger_store, streams
from reporting.adapters.codec import (
    LEDGER,
    MEMBERS,
    UndecodableEvent,
    entry_postings,
    envelope_of,
    event_keys,
    link,
    link_valid,
    payload_difference,
    stored_event,
)
from reporting.adapters.consumers import Projections
from reporting.adapters.tables import ALL_TABLES, ProjectionStore
from reporting.application import Positions, ReportingApplication
from reporting.domain.audit import (
    ChainCheck,
    CheckResult,
    Discrepancy,
    PostingsCheck,
    StoreCheck,
    first_row_difference,
)
from reporting.domain.filters import EventFilter

log = logs.get("reporting.auditing")

Progress = Callable[[str, int, int], Awaitable[None]]
HOLD_SECONDS = 300.0  # how long the live consumers may take to reach the heads
# Messages an audit pass checks and applies to its scratch projection at a
# time: one transaction each, as many as the live consumers commit together
# while catching up (ConsumerSettings: fifteen fetches of 2,000).
CHECK_CHUNK = 30_000


@dataclass
class Verdict:
    checks: list[CheckResult]
    positions: Positions

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def first(self) -> Discrepancy | None:
        for check in self.checks:
            if not check.ok and check.first is not None:
                return check.first
        return None


@dataclass(frozen=True)
class EventsQuery:
    source: str
    start_position: int
    unit_code: str
    filter: EventFilter
    limit: int


@dataclass(frozen=True)
class AuditEvent:
    envelope: events_pb2.EventEnvelope
    stream_seq: int
    unit_code: str
    link_valid: bool


@dataclass
class Rebuilt:
    events: int
    positions: Positions
    seconds: float


@dataclass
class _Pass:
    """One read of both streams: checks (optional) and a scratch projection."""

    js: JetStreamContext
    scratch: ProjectionStore | None
    progress: Progress
    checking: bool = True
    store: StoreCheck | None = None
    chains: dict[str, ChainCheck] = field(
        default_factory=lambda: {s: ChainCheck(s, ZERO_HASH) for s in (LEDGER, MEMBERS)}
    )
    postings: PostingsCheck = field(default_factory=PostingsCheck)
    seq: dict[str, int] = field(default_factory=lambda: {LEDGER: 0, MEMBERS: 0})
    position: dict[str, int] = field(default_factory=lambda: {LEDGER: 0, MEMBERS: 0})
    events: int = 0
    # Why the scratch projection stopped short (an event it cannot apply).
    stuck: Discrepancy | None = None

    async def read(self, source: str, last: int, phase: str) -> None:
        """Check and apply the source's messages up to sequence ``last``, up to
        CHECK_CHUNK at a time (one scratch transaction each)."""
        chunk: list[tuple[bytes, int]] = []
        async for batch in streams.read_range(self.js, source, self.seq[source] + 1, last):
            chunk.extend(batch)
            if len(chunk) >= CHECK_CHUNK:
                await self._take(source, chunk, last, phase)
                chunk = []
        if chunk:
            await self._take(source, chunk, last, phase)

    async def _take(
        self, source: str, batch: list[tuple[bytes, int]], last: int, phase: str
    ) -> None:
        await in_thread(self._batch, source, batch)
        self.seq[source] = batch[-1][1]
        self.events += len(batch)
        await self.progress(f"{phase}:{source}", self.seq[source], last)

    def _batch(self, source: str, batch: list[tuple[bytes, int]]) -> None:
        if self.checking:
            self._check(source, batch)
        if self.scratch is None or self.stuck is not None:
            return
        outcome = self.scratch.apply(source, batch, contiguous=False)
        self.position[source] = outcome.position
        if outcome.consumed < len(batch):
            why = (
                str(outcome.error)
                if outcome.error
                else f"needs members position {outcome.waits_for_members}"
            )
            self.stuck = Discrepancy(
                "rebuild-stopped",
                source,
                outcome.position,
                expected=f"every event up to sequence {batch[-1][1]} applied",
                actual=f"stopped after sequence {outcome.stream_seq}",
                detail=f"the rebuild cannot apply the next event: {why}",
            )

    def _check(self, source: str, batch: list[tuple[bytes, int]]) -> None:
        chain = self.chains[source]
        for data, seq in batch:
            try:
                envelope = envelope_of(data)
                chain.feed(link(envelope))
                if source != LEDGER:
                    continue
                postings = entry_postings(envelope)
                if postings is not None:
                    self.postings.feed(postings)
                if self.store is not None:
                    self.store.feed(stored_event(envelope))
            except UndecodableEvent as error:
                chain.result.checked += 1
                chain.result.record(
                    Discrepancy("undecodable", source, 0, detail=f"sequence {seq}: {error}")
                )


class Auditor:
    def __init__(
        self,
        config: ServiceConfig,
        js: JetStreamContext,
        app: ReportingApplication,
        projections: Projections,
        hold_seconds: float = HOLD_SECONDS,
    ) -> None:
        self.config = config
        self.js = js
        self.app = app
        self.projections = projections
        self.hold_seconds = hold_seconds
        self.running = ""

    @contextlib.contextmanager
    def _exclusive(self, what: str) -> Any:
        if self.running:
            raise FailedPrecondition(
                f"{self.running} is running; one audit or rebuild at a time, retry when it is done"
            )
        self.running = what
        try:
            yield
        finally:
            self.running = ""

    def _scratch_store(self) -> tuple[ProjectionStore, Path]:
        path = self.config.data_dir / "reporting" / f"scratch-{uuid4().hex}.sqlite"
        db = Database(StoreConfig(kind="sqlite", sqlite_path=path), path, scratch=True)
        return ProjectionStore(db), path

    @staticmethod
    def _drop(store: ProjectionStore, path: Path) -> None:
        store.close()
        for leftover in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()

    async def _heads(self) -> dict[str, int]:
        # The ledger's head first: every members position a ledger event up to
        # it needs is then at or below the members head read after it.
        ledger_head = await streams.head(self.js, LEDGER)
        return {LEDGER: ledger_head, MEMBERS: await streams.head(self.js, MEMBERS)}

    async def _held_pass(self, run: _Pass, heads: dict[str, int], phase: str) -> Positions:
        """Hold the live consumers at ``heads`` (or past them) and bring ``run``
        to where they stopped; the caller releases them."""
        held = await self.projections.hold(heads, self.hold_seconds)
        for source in (MEMBERS, LEDGER):
            if held[source][1] > run.seq[source]:
                await run.read(source, held[source][1], phase)
        return held

    # -- VerifyLedger -----------------------------------------------------------------

    async def verify(
        self, requested_store: str, skip_projections: bool, progress: Progress
    ) -> Verdict:
        spec = ledger_store.resolve(requested_store, self.config)
        with self._exclusive("an audit"):
            store_log = await in_thread(ledger_store.open_store, spec) if spec.store else None
            scratch, path = (None, None) if skip_projections else self._scratch_store()
            try:
                verdict = await self._verify(spec, store_log, scratch, progress)
            finally:
                if store_log is not None:
                    await in_thread(store_log.close)
                if scratch is not None and path is not None:
                    await in_thread(self._drop, scratch, path)
        checks = [
            [
                c.name,
                c.ok,
                c.checked,
                c.first.kind if c.first else "",
                c.first.position if c.first else 0,
            ]
            for c in verdict.checks
        ]
        await in_thread(
            self.app.record_verification,
            verdict.ok,
            checks,
            verdict.positions,
            spec.described,
            identity.current().id,
        )
        log.info(
            "audit.verified",
            ok=verdict.ok,
            failed=[c.name for c in verdict.checks if not c.ok],
            ledger_seq=verdict.positions[LEDGER][1],
            members_seq=verdict.positions[MEMBERS][1],
        )
        return verdict

    async def _verify(
        self,
        spec: ledger_store.LedgerStoreSpec,
        store_log: Any,
        scratch: ProjectionStore | None,
        progress: Progress,
    ) -> Verdict:
        store_check = StoreCheck(ledger_store.stored_events(store_log)) if store_log else None
        run = _Pass(self.js, scratch, progress, store=store_check)
        heads = await self._heads()
        await run.read(MEMBERS, heads[MEMBERS], "read")
        await run.read(LEDGER, heads[LEDGER], "read")
        projections = CheckResult("projections")
        if scratch is None:
            projections.skipped, projections.detail = True, "not asked for"
        else:
            try:
                held = await self._held_pass(run, heads, "read")
                await self._compare(run, scratch, held, heads, projections, progress)
            finally:
                await self.projections.release()
        if store_check is not None:
            store = await in_thread(store_check.finish, payload_difference, run.chains[LEDGER].gaps)
        else:
            store = CheckResult("store", skipped=True, detail=spec.described)
        checks = [
            run.chains[LEDGER].result,
            run.chains[MEMBERS].result,
            run.postings.finish(),
            store,
            projections,
        ]
        positions = {s: (run.chains[s].position, run.seq[s]) for s in (LEDGER, MEMBERS)}
        return Verdict(checks, positions)

    async def _compare(
        self,
        run: _Pass,
        scratch: ProjectionStore,
        held: Positions,
        heads: dict[str, int],
        result: CheckResult,
        progress: Progress,
    ) -> None:
        if run.stuck is not None:
            result.record(run.stuck)
            return
        for source in (LEDGER, MEMBERS):
            if held[source][1] < heads[source]:
                result.record(
                    Discrepancy(
                        "projection-behind",
                        source,
                        held[source][0],
                        expected=f"stream sequence {heads[source]} applied",
                        actual=f"stream sequence {held[source][1]} applied",
                        detail=f"the live projection did not reach the stream's head within "
                        f"{self.hold_seconds:g} s (is a consumer failing? see the service log)",
                    )
                )
                return
        for done, table in enumerate(ALL_TABLES, 1):
            compared, difference = await in_thread(
                first_row_difference,
                table.name,
                table.key,
                scratch.rows(table),
                self.app.store.rows(table),
            )
            result.checked += compared
            await progress("compare", done, len(ALL_TABLES))
            if difference is not None:
                result.record(difference)
                return

    # -- StreamEvents ------------------------------------------------------------------

    async def events(self, query: EventsQuery) -> AsyncIterator[AuditEvent]:
        """The events of one stream from ``query.start_position`` on, filtered."""
        root_path = ""
        if query.unit_code:
            found = await in_thread(self.app.queries.unit_paths, [query.unit_code])
            if query.unit_code not in found:
                raise NotFound(f"unit_code: no unit {query.unit_code!r}")
            root_path = found[query.unit_code]
        wanted = replace(query.filter, unit_path=root_path)
        source = query.source
        last = await streams.head(self.js, source)
        first = 1
        if query.start_position > 1:
            first = await streams.first_seq_at(self.js, source, query.start_position, last)
        sent = 0
        async for batch in streams.read_range(self.js, source, first, last):
            chosen = await in_thread(self._choose, batch, wanted, query.start_position)
            for event in chosen:
                yield event
                sent += 1
                if query.limit and sent >= query.limit:
                    return

    def _choose(
        self, batch: list[tuple[bytes, int]], wanted: EventFilter, start: int
    ) -> list[AuditEvent]:
        decoded = [(envelope_of(data), seq) for data, seq in batch]
        keys = [event_keys(envelope) for envelope, _seq in decoded]
        # A reversal counts under its payout's unit, as the projection has it.
        reversals = self.app.queries.entry_units(
            {(k.member_id, k.reverses_entry_id) for k in keys if k.reverses_entry_id}
        )
        claims = self.app.queries.claim_units({k.claim_id for k in keys if k.claim_id})
        paths: dict[str, str] = {}
        if wanted.needs_units:
            paths = self.app.queries.unit_paths({u for k in keys for u in k.unit_codes})
        chosen = []
        for (envelope, seq), k in zip(decoded, keys, strict=True):
            if envelope.position < start:
                continue
            units = list(k.unit_codes)
            unit_paths = [paths.get(u, "") for u in units]
            if k.reverses_entry_id in reversals:
                code, path = reversals[k.reverses_entry_id]
                units, unit_paths = [code], [path]
            elif k.claim_id in claims:
                code, path = claims[k.claim_id]
                units, unit_paths = [code], [path]
            if wanted.matches(k, unit_paths):
                unit = units[-1] if units else ""
                chosen.append(AuditEvent(envelope, seq, unit, link_valid(envelope)))
        return chosen

    # -- RebuildProjections --------------------------------------------------------------

    async def rebuild(self, progress: Progress) -> Rebuilt:
        started = time.monotonic()
        with self._exclusive("a rebuild"):
            scratch, path = self._scratch_store()
            try:
                run = _Pass(self.js, scratch, progress, checking=False)
                heads = await self._heads()
                await run.read(MEMBERS, heads[MEMBERS], "rebuild")
                await run.read(LEDGER, heads[LEDGER], "rebuild")
                try:
                    await self._held_pass(run, heads, "rebuild")
                    if run.stuck is not None:
                        raise FailedPrecondition(
                            f"the rebuild stopped at {run.stuck.source} position "
                            f"{run.stuck.position}: {run.stuck.detail}; the live projections "
                            "were left as they were"
                        )
                    await progress("swap", 0, 1)
                    await in_thread(self.app.store.replace_with, scratch)
                    positions = await in_thread(self.app.store.positions)
                    for source, consumer in self.projections.consumers.items():
                        consumer.position, consumer.stream_seq = positions[source]
                    await progress("swap", 1, 1)
                finally:
                    await self.projections.release()
            finally:
                await in_thread(self._drop, scratch, path)
        seconds = time.monotonic() - started
        await in_thread(
            self.app.record_rebuild, run.events, positions, seconds, identity.current().id
        )
        log.info("projections.rebuilt", events=run.events, seconds=round(seconds, 1))
        return Rebuilt(run.events, positions, seconds)
