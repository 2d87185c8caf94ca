"""The ledger's service layer.

:class:`LedgerApplication` is the eventsourcing Application: it executes groups
of commands against the in-memory :class:`LedgerBook` and saves every event of
the group in one store transaction (group commit). :class:`CommandWriter` is the
single asyncio writer in front of it: concurrent RPCs queue their commands and
the writer takes whatever has queued up as the next group.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, PersistenceError
from eventsourcing.sqlite import SQLiteApplicationRecorder

from benefits_platform import logs
from benefits_platform.aio import cancel_and_wait, in_thread
from benefits_platform.collection import collection_paused
from benefits_platform.domain_errors import (
    BatchRowError,
    DomainError,
    InvalidArgument,
    NotFound,
    Unavailable,
)
from benefits_platform.eventstore import (
    catch_up,
    recorded_events,
    renew_connections,
    stored_events,
)
from benefits_platform.shared_store import (
    SharedPostgresRecorder,
    WriteLockTimeout,
    shared_store_env,
)
from ledger.adapters.stored_state import STATE_JSON
from ledger.claims_service import (
    CLAIM_COMMANDS,
    ClaimCommand,
    ClaimOutcome,
    ClaimsService,
    entry_ids,
)
from ledger.domain import claims as C
from ledger.domain import entries as E
from ledger.domain.book import Draft, LedgerBook, check_replay
from ledger.domain.claim_commands import RecordContributionBatch
from ledger.domain.commands import (
    MAX_BATCH,
    CloseProgram,
    OpenProgram,
    PostPayout,
    ReversePayout,
)
from ledger.domain.emergency import EmergencyObligation
from ledger.domain.members_view import MembersView
from ledger.domain.programme import Programme, programme_id
from ledger.results import MemberAccountView as MemberAccountView
from ledger.results import ProgrammeView as ProgrammeView
from ledger.results import Recorded as Recorded

log = logs.get("ledger.application")

Entry = E.Entry


@dataclass(frozen=True)
class PostPayoutBatch:
    rows: tuple[PostPayout, ...]

    def validate(self) -> None:
        if not self.rows:
            raise InvalidArgument("payouts", "must hold at least one payout")
        if len(self.rows) > MAX_BATCH:
            raise InvalidArgument(
                "payouts", f"must hold at most {MAX_BATCH} payouts, got {len(self.rows)}"
            )
        for index, row in enumerate(self.rows):
            try:
                row.validate()
            except DomainError as error:
                raise BatchRowError(index, error) from None


Command = OpenProgram | CloseProgram | PostPayout | PostPayoutBatch | ReversePayout | ClaimCommand

Result = Recorded | list[Recorded] | ProgrammeView | ClaimOutcome | DomainError


CLAIM_LOG_NAMES = {
    "ClaimFiled": "claim.filed",
    "ClaimReviewStarted": "claim.review_started",
    "ClaimApproved": "claim.approved",
    "ClaimRejected": "claim.rejected",
    "ClaimWithdrawn": "claim.withdrawn",
    "ClaimPaid": "claim.paid",
}


def rows_of(command: Command) -> int:
    if isinstance(command, PostPayoutBatch | RecordContributionBatch):
        return len(command.rows)
    return 1


def is_exclusive(command: Command) -> bool:
    """Programme commands change what the book's rules read: they run alone."""
    return isinstance(command, OpenProgram | CloseProgram)


class LedgerApplication(ClaimsService, Application[UUID]):
    name = "ledger"

    # On a PostgreSQL store shared with other instances: how long a group waits
    # for the store's write lock, and how long a holder's transaction may sit
    # idle (a paused process) before PostgreSQL cuts it off and frees the lock.
    write_lock_seconds = 10.0
    write_hold_seconds = 5.0

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(shared_store_env(env))
        self.book = LedgerBook()
        self.members = MembersView()
        # Entries recorded before, read at once for a group run again (_existing).
        self._prefetched: dict[UUID, Any] = {}
        # PostgreSQL: several instances may share the store; each group is then
        # validated and written under the store's write lock (see execute()).
        self.shared_store: SharedPostgresRecorder | None = (
            self.recorder if isinstance(self.recorder, SharedPostgresRecorder) else None
        )
        # Whether a store transaction rolled back since the last group was
        # recorded (see _note_position).
        self._rolled_back = False
        self._recorded_log = logs.Summary(log, "entries.recorded")
        self.catch_up()

    def close(self) -> None:
        self._recorded_log.flush()
        super().close()

    # -- the book -------------------------------------------------------------------

    def catch_up(self) -> int:
        """Fold every event recorded after the book's position into it."""
        return catch_up(self, self.book)

    # -- reads ----------------------------------------------------------------------

    def programme_view(self, code: str, fiscal_year: int) -> ProgrammeView:
        return self._view(self.book.programme(code, fiscal_year))

    def programme_views(self, fiscal_year: int = 0) -> list[ProgrammeView]:
        programmes = [
            p
            for p in list(self.book.programmes.values())
            if not fiscal_year or p.fiscal_year == fiscal_year
        ]
        programmes.sort(key=lambda p: (p.fiscal_year, p.code))
        return [self._view(p) for p in programmes]

    def _view(self, programme: Programme) -> ProgrammeView:
        payouts, reversals = self.book.counts(programme.id)
        return ProgrammeView(programme, self.book.committed(programme.id), payouts, reversals)

    def entry(self, entry_id: UUID) -> Entry:
        try:
            found: Any = self.repository.get(entry_id)
        except AggregateNotFoundError:
            raise NotFound(f"entry_id: no entry {entry_id}") from None
        if not isinstance(found, E.ENTRY_TYPES):
            raise NotFound(f"entry_id: no entry {entry_id}")
        return found

    def reversed_by(self, entry_id: UUID) -> UUID | None:
        return self.book.maps.reversed_by.get(entry_id)

    def member_account(self, member_id: str) -> MemberAccountView:
        return MemberAccountView(
            member_id,
            self.book.member_receipts(member_id),
            self.book.stored_value_balance(member_id),
            len(self.book.member_entries.get(member_id, ())),
        )

    def member_entries(self, member_id: str, offset: int, limit: int) -> tuple[list[Entry], int]:
        ids = self.book.entries_of(member_id)
        page = [self.entry(entry_id) for entry_id in ids[offset : offset + limit]]
        return page, len(ids)

    # -- writes ---------------------------------------------------------------------

    def execute(self, commands: Sequence[Command]) -> list[Result]:
        """Execute validated commands as one group: one store transaction.

        Each command succeeds or fails on its own. A group with a payout the
        book shows recorded is run knowing which of its ids exist (read from
        the store at once); if the store refuses a group because a request id
        was recorded (an IntegrityError), it is run again knowing that.

        On a shared PostgreSQL store the group runs under the store's write
        lock: taken first (waiting at most ``write_lock_seconds``, else
        UNAVAILABLE), then the book catches up with whatever other instances
        recorded, then the group is validated and written, and the commit
        releases the lock (benefits_platform.shared_store).
        """
        with self._write_lock():
            try:
                # A group the book shows was sent before reads what it recorded
                # first, rather than after a store transaction refused it.
                known = self._existing(commands) if self._sent_before(commands) else None
                try:
                    return self._execute(commands, known=known)
                except IntegrityError:
                    known = self._existing(commands)
                try:
                    return self._execute(commands, known=known)
                except IntegrityError as error:
                    log.warning("ledger.group_conflict", commands=len(commands))
                    raise Unavailable(
                        "the ledger was changed concurrently; retry with the same request id"
                    ) from error
            finally:
                self._prefetched = {}

    def _sent_before(self, commands: Sequence[Command]) -> bool:
        """Whether the book holds the entry of a payout in ``commands`` (for a
        batch, of its first row: a batch is sent again whole). A hint only:
        what was recorded is read from the store."""
        entries = self.book.member_entries
        for command in commands:
            row = command.rows[0] if isinstance(command, PostPayoutBatch) else command
            if (
                isinstance(row, PostPayout)
                and row.member_id in entries
                and E.entry_id_for(row.request_id) in entries[row.member_id]
            ):
                return True
        return False

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        """Nothing on a store of its own; the shared store's write lock, with the
        book caught up, on PostgreSQL."""
        if self.shared_store is None:
            yield
            return
        try:
            with self.shared_store.exclusive(
                self.write_lock_seconds, self.write_hold_seconds
            ) as head:
                if head > self.book.position:  # another instance recorded more
                    self.catch_up()
                yield
        except WriteLockTimeout as error:
            log.warning("ledger.write_lock_timeout", seconds=self.write_lock_seconds)
            raise Unavailable(
                "another ledger instance holds the store's write lock; "
                "retry with the same request id"
            ) from error
        except PersistenceError as error:  # taking the lock or catching up
            log.warning("ledger.store_unavailable", error=type(error).__name__)
            renew_connections(self.recorder)
            raise Unavailable(
                "the event store is unavailable; retry with the same request id"
            ) from error

    def _execute(self, commands: Sequence[Command], known: set[UUID] | None) -> list[Result]:
        with collection_paused():
            return self._execute_group(commands, known)

    def _execute_group(self, commands: Sequence[Command], known: set[UUID] | None) -> list[Result]:
        draft = self.book.draft()
        results: list[Result] = []
        to_save: list[Any] = []
        for command in commands:
            try:
                results.append(self._handle(command, draft, known, to_save))
            except DomainError as error:
                results.append(error)
        # Programme commands run alone; the draft holds every other event in
        # the order the commands made them.
        events = [event for aggregate in to_save for event in aggregate.collect_events()]
        events.extend(draft.events)
        if not events:
            return results
        try:
            # The recorder directly: Application.save() adds snapshotting and
            # notification hooks this application does not use, at a cost per
            # event, and stored_events maps the events as the mapper does, faster.
            stored = stored_events(self.mapper, events, STATE_JSON)
            notification_ids = self.recorder.insert_events(stored)
        except IntegrityError:
            self._rolled_back = True
            raise
        except PersistenceError as error:
            self._rolled_back = True
            log.error("ledger.store_failed", error=type(error).__name__)
            renew_connections(self.recorder)
            # The commit may or may not have happened: the log decides.
            self.catch_up()
            raise Unavailable(
                "the event store is unavailable; retry with the same request id"
            ) from error
        draft.commit_into_book()
        for aggregate in to_save:
            if isinstance(aggregate, Programme):
                self.book.programmes[aggregate.id] = aggregate
        self._log_recorded(events)
        if notification_ids:
            self._note_position(notification_ids[0], notification_ids[-1])
        return results

    def _note_position(self, first: int, last: int) -> None:
        """The book is at ``last``; a group that did not start right after the
        book's position is logged. After a rolled-back store transaction (a
        request id recorded already, a failed write) that is expected on
        PostgreSQL, whose sequences do not give back the notification ids the
        transaction drew: INFO. Any other gap: WARNING."""
        expected = self.book.position + 1
        if first != expected:
            if self._rolled_back:
                log.info("ledger.log_gap", expected=expected, got=first, after_rollback=True)
            else:
                log.warning("ledger.log_gap", expected=expected, got=first)
        self._rolled_back = False
        self.book.position = last

    def _log_recorded(self, events: list[Any]) -> None:
        """At INFO, how many events and groups were recorded, in one line a
        second at most; at DEBUG also one line per recorded event (ids, codes
        and amounts only: never personal data). A line per payout at INFO cost
        ~13% of a unary payout's CPU, a line per group (of ~4 payouts under
        load) ~10% of the writer's."""
        self._recorded_log.add(count=len(events), groups=1)
        if not logs.debug_enabled():
            return
        for event in events:
            entry_id = str(event.originator_id)
            if isinstance(event, E.Payout.PayoutPosted):
                log.debug(
                    "payout.posted",
                    entry_id=entry_id,
                    request_id=event.request_id,
                    program=event.program_code,
                    amount_fen=event.amount_fen,
                )
            elif isinstance(event, E.Reversal.PayoutReversed):
                log.debug(
                    "payout.reversed",
                    entry_id=entry_id,
                    request_id=event.request_id,
                    reverses=event.reverses_entry_id,
                    reason=event.reason,
                )
            elif isinstance(event, Programme.ProgramOpened | Programme.ProgramClosed):
                log.debug(
                    "programme.changed",
                    program=event.code,
                    fiscal_year=event.fiscal_year,
                    closed=isinstance(event, Programme.ProgramClosed),
                )
            elif isinstance(event, E.Contribution.ContributionRecorded):
                log.debug(
                    "contribution.recorded",
                    entry_id=entry_id,
                    request_id=event.request_id,
                    program=event.program_code,
                    period=event.period_id,
                    amount_fen=event.amount_fen,
                )
            elif isinstance(event, E.Recovery.PaymentRecovered):
                log.debug(
                    "payment.recovered",
                    entry_id=entry_id,
                    request_id=event.request_id,
                    recovers=event.recovers_entry_id,
                    amount_fen=event.amount_fen,
                    instalment=event.instalment,
                )
            elif isinstance(event, C.CLAIM_EVENTS):
                log.debug(
                    CLAIM_LOG_NAMES[type(event).__name__],
                    claim_id=entry_id,
                    request_id=event.request_id,
                    program=event.program_code,
                )
            elif isinstance(event, EmergencyObligation.EmergencyAidObligationCreated):
                log.debug("emergency_aid.owed", payout=event.payout_entry_id, due=event.due_date)
            elif isinstance(event, EmergencyObligation.EmergencyAidVerified):
                log.debug("emergency_aid.verified", payout=event.payout_entry_id)

    def _handle(
        self, command: Command, draft: Draft, known: set[UUID] | None, to_save: list[Any]
    ) -> Result:
        if isinstance(command, PostPayout):
            return self._post(command, draft, known)
        if isinstance(command, PostPayoutBatch):
            nested = draft.nested()
            recorded = []
            for index, row in enumerate(command.rows):
                try:
                    recorded.append(self._post(row, nested, known))
                except DomainError as error:
                    raise BatchRowError(index, error) from None
            nested.merge_into_parent()
            return recorded
        if isinstance(command, ReversePayout):
            return self._reverse(command, draft, known)
        if isinstance(command, OpenProgram):
            return self._open(command, to_save)
        if isinstance(command, CloseProgram):
            return self._close(command, to_save)
        if isinstance(command, CLAIM_COMMANDS):
            return self._handle_claims(command, draft, known)
        raise TypeError(f"unknown command {type(command).__name__}")

    def _replay_of(
        self, entry_id: UUID, draft: Draft, known: set[UUID] | None, check: bool
    ) -> Entry | None:
        """The entry already recorded (or pending in this group) under this id."""
        pending = draft.pending_entry(entry_id)
        if pending is not None:
            return pending
        if known is not None and entry_id not in known:
            return None
        if known is None and not check:
            return None
        found: Any = self._prefetched.get(entry_id)
        if found is None:
            try:
                found = self.repository.get(entry_id)
            except AggregateNotFoundError:
                return None
        return found if isinstance(found, E.ENTRY_TYPES) else None

    def _post(self, cmd: PostPayout, draft: Draft, known: set[UUID] | None) -> Recorded:
        body_digest = cmd.digest()

        def attempt() -> Entry:
            member = self._member_on(cmd.member_id, cmd.effective_date)
            return draft.post_payout(cmd, member, self.members.position, body_digest)

        return self._entry_command(cmd.request_id, body_digest, draft, known, attempt)

    def _reverse(self, cmd: ReversePayout, draft: Draft, known: set[UUID] | None) -> Recorded:
        def attempt() -> Entry:
            target = cmd.parsed_entry_id
            original = draft.pending_entry(target) or self.entry(target)
            return draft.reverse_payout(cmd, original)

        return self._entry_command(cmd.request_id, cmd.digest(), draft, known, attempt)

    def _open(self, cmd: OpenProgram, to_save: list[Any]) -> ProgrammeView:
        pid = programme_id(cmd.code, cmd.fiscal_year)
        existing = self.book.programmes.get(pid)
        if existing is not None:
            check_replay(existing, cmd.digest(), cmd.request_id or f"{cmd.code}:{cmd.fiscal_year}")
            return self._view(existing)
        programme = Programme(
            code=cmd.code,
            fiscal_year=cmd.fiscal_year,
            name_zh=cmd.name_zh,
            name_en=cmd.name_en,
            kind=cmd.kind,
            budget_fen=cmd.budget_fen,
            standard_amount_fen=cmd.standard_amount_fen,
            per_member_annual_cap_fen=cmd.per_member_annual_cap_fen,
            member_groups=sorted(cmd.member_groups),
            hardship_only=cmd.hardship_only,
            request_id=cmd.request_id,
            body_digest=cmd.digest(),
            tier_standards=dict(cmd.tier_standards),
            actor=cmd.actor,
            mutual_aid=mutual_aid.state() if (mutual_aid := cmd.resolved_mutual_aid()) else {},
            emergency=(
                {"verify_within_days": cmd.verify_within_days} if cmd.verify_within_days else {}
            ),
            secondary_aid_of=cmd.secondary_aid_of,
        )
        to_save.append(programme)
        return ProgrammeView(programme, 0, 0, 0)

    def _close(self, cmd: CloseProgram, to_save: list[Any]) -> ProgrammeView:
        programme = copy.deepcopy(self.book.programme(cmd.code, cmd.fiscal_year))
        programme.close(cmd.reason, cmd.actor)
        to_save.append(programme)
        return self._view(programme)

    def _existing(self, commands: Iterable[Command]) -> set[UUID]:
        ids: list[UUID] = []
        for command in commands:
            if isinstance(command, PostPayout | ReversePayout):
                ids.append(E.entry_id_for(command.request_id))
            elif isinstance(command, PostPayoutBatch):
                ids.extend(E.entry_id_for(row.request_id) for row in command.rows)
            elif isinstance(command, CLAIM_COMMANDS):
                ids.extend(entry_ids(command))
        stored = recorded_events(self.recorder, ids)
        # What _replay_of answers from, instead of a read per entry.
        self._prefetched = {
            entry_id: _folded(map(self.mapper.to_domain_event, events))
            for entry_id, events in stored.items()
        }
        return set(stored)


def _folded(events: Iterable[Any]) -> Any:
    """The aggregate ``events`` make, as Repository.get builds it (without
    eventsourcing's project_aggregate, whose runtime protocol check per event
    cost more than the rest of a replayed row)."""
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class CommandWriter:
    """The single writer: queues commands from concurrent RPCs and executes
    whatever has queued up as one group, in a worker thread."""

    refresh_seconds = 0.1

    # A group of at most this many rows on a store of the ledger's own (SQLite,
    # a local file) runs on the event loop itself: handing a small group to a
    # worker thread and back (and the two threads taking turns at the GIL while
    # it runs) took longer than the group's own work, and every command waiting
    # for the writer waited for that too. Larger groups, and every group on
    # PostgreSQL (network round trips, a shared store's write lock), run in a
    # worker thread so that the loop keeps serving meanwhile.
    inline_rows = 64

    # Under load (a group ended less than ``busy_seconds`` ago), a group of
    # fewer than ``gather_rows`` rows (a queued command counted as one) waits
    # ``linger_seconds`` for more commands before it runs. Each group costs a
    # store commit (an fsync of the log on SQLite; a round trip and a commit on
    # PostgreSQL), a log and a pass through the writer whatever its size: with
    # 32 unary clients, groups of ~4 payouts spent more on that than on the
    # payouts (a group of one took ~4.5 times the CPU per payout of a group of
    # 16). A command that finds the writer idle runs at once.
    linger_seconds = 0.002
    busy_seconds = 0.005
    gather_rows = 16

    def __init__(self, app: LedgerApplication, max_group_rows: int = 2000) -> None:
        self.app = app
        self.max_group_rows = max_group_rows
        self.local_store = isinstance(app.recorder, SQLiteApplicationRecorder)
        self.queue: asyncio.Queue[tuple[Command, asyncio.Future[Result]]] = asyncio.Queue()
        self.committed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._held: tuple[Command, asyncio.Future[Result]] | None = None
        self._idle_since = -float("inf")  # when the last group ended (loop time)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ledger-writer")

    async def stop(self) -> None:
        """Stop taking commands; any still waiting is answered UNAVAILABLE
        (the service stops its gRPC fronts first, so normally none is)."""
        await cancel_and_wait(self._task)
        self._task = None
        waiting = [self._held] if self._held is not None else []
        self._held = None
        while not self.queue.empty():
            waiting.append(self.queue.get_nowait())
        for _command, future in waiting:
            if not future.done():
                future.set_result(
                    Unavailable("the ledger is stopping; retry with the same request id")
                )

    async def submit(self, command: Command) -> Any:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((command, future))
        result = await future
        if isinstance(result, DomainError):
            raise result
        return result

    async def _take(self) -> tuple[Command, asyncio.Future[Result]]:
        """The next queued command. On a store shared with other instances, the
        book catches up whenever nothing came for ``refresh_seconds``, so that
        what this instance serves from its book (GetProgram, GetMemberAccount...)
        trails the other instances' commits by about that much at most; a group
        always catches up first, under the write lock."""
        if self.app.shared_store is None:
            return await self.queue.get()
        while True:
            try:
                return await asyncio.wait_for(self.queue.get(), self.refresh_seconds)
            except TimeoutError:
                pass
            try:
                await in_thread(self.app.catch_up)
            except Exception as error:
                log.warning("ledger.catch_up_failed", error=type(error).__name__)

    def _next_group(
        self, first: tuple[Command, asyncio.Future[Result]]
    ) -> list[tuple[Command, asyncio.Future[Result]]]:
        group = [first]
        if is_exclusive(first[0]):
            return group
        rows = rows_of(first[0])
        while not self.queue.empty() and rows < self.max_group_rows:
            item = self.queue.get_nowait()
            if is_exclusive(item[0]) or rows + rows_of(item[0]) > self.max_group_rows:
                self._held = item
                break
            group.append(item)
            rows += rows_of(item[0])
        return group

    async def _run(self) -> None:
        while True:
            if self._held is not None:
                first, self._held = self._held, None
            else:
                first = await self._take()
            await self._linger(first)
            group = self._next_group(first)
            live = [(c, f) for c, f in group if not f.cancelled()]
            if not live:
                continue
            commands = [c for c, _ in live]
            try:
                if self.local_store and sum(map(rows_of, commands)) <= self.inline_rows:
                    results = self.app.execute(commands)
                else:
                    results = await in_thread(self.app.execute, commands)
            except DomainError as error:
                results = [error] * len(live)
            except Exception as error:  # a server fault: fail the group, keep serving
                log.exception("ledger.group_failed")
                results = [
                    Unavailable(
                        f"the ledger could not record the request ({type(error).__name__}); "
                        "retry with the same request id"
                    )
                ] * len(live)
            for (_command, future), result in zip(live, results, strict=True):
                if not future.done():
                    future.set_result(result)
            self.committed.set()
            self._idle_since = asyncio.get_running_loop().time()

    async def _linger(self, first: tuple[Command, asyncio.Future[Result]]) -> None:
        """Let more commands queue behind ``first`` while the writer is busy."""
        if is_exclusive(first[0]) or rows_of(first[0]) + self.queue.qsize() >= self.gather_rows:
            return
        if asyncio.get_running_loop().time() - self._idle_since < self.busy_seconds:
            try:
                await asyncio.sleep(self.linger_seconds)
            except asyncio.CancelledError:
                self._held = first  # answered by stop()
                raise
