"""One seeded run of the simulation: the real ledger, members and reporting
code on SQLite in a scratch directory, the real outbox relays, the ledger's
real members feed and the reporting service's real stream consumers, all over
the in-memory JetStream model of :mod:`tests.simulation.jetstream`.

Each step is one action drawn from the seeded random source:

- clients send groups of commands (payouts, batches, reversals) to
  ``LedgerApplication.execute`` (one store transaction, as the command writer
  does), in shuffled order across members; some answers are lost and the
  client sends the same request again later, some requests arrive twice in one
  group, and some reuse a recorded request id with another body;
- the members service enrols, transfers, terminates and reinstates members;
- a relay publishes its next batch (``OutboxRelay.resume`` and
  ``publish_next_batch``; after any failure it resumes from the stream's head,
  as ``OutboxRelay._run`` does), against the model's faults: lost and
  duplicated publishes, late copies, lost requests and acks, connections that
  drop mid-batch;
- the ledger's members feed receives the next members-log messages;
- a reporting consumer fetches a batch and hands it to the real
  ``StreamConsumer._handle`` (which applies it through
  ``ProjectionStore.apply``, acknowledges or naks), with batches reordered,
  messages delivered again and acknowledgements lost (from the first delivery
  on; see ``JetStreamServer.in_order_until_first_ack``); the ack wait passes;
- crashes: the ledger process (application, relay and members feed rebuilt from
  the store and the streams: a crash between commit and publish), the relay
  alone (restarted from its checkpoint database and the stream's head), a relay
  left running as a zombie beside its replacement, a second relay of the same
  log (two ledger instances), the reporting service before a fetched batch is
  applied or after its commit but before the acknowledgement.

After every step the streams are checked (each committed event exactly once,
in log order, ids ``<source>-<position>``, a valid hash chain, postings that sum
to zero) and so are the projections (at the position they report, their
programme and member totals equal a fold of the ledger's log up to that
position). At the end every fault stops, every client retries what it has no
answer for, everything drains, and the run checks that nothing acknowledged
was lost or recorded twice, that the stream equals the log, and that the
projection totals equal the ledger book's.

Any violation raises :class:`SimulationFailure`, whose message starts with
``simulation seed=<n>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from uuid import UUID

from benefits_platform import bus
from benefits_platform.config import StoreConfig
from benefits_platform.domain_errors import AlreadyExists, DomainError, Unavailable
from benefits_platform.envelopes import ZERO_HASH, verify_chain
from benefits_platform.protos.benefits.v1 import events_pb2
from benefits_platform.relay import OutboxRelay, StreamMoved
from benefits_platform.sqlstore import Database, RelayCheckpoints
from ledger.adapters.event_codec import encode as encode_ledger
from ledger.adapters.members_feed import MembersFeed
from ledger.application import LedgerApplication, PostPayoutBatch, Recorded
from ledger.domain import entries as E
from ledger.domain.book import LedgerBook
from ledger.domain.commands import CloseProgram, OpenProgram, PostPayout, ReversePayout
from members.adapters import keys
from members.adapters.event_codec import encode as encode_members
from members.application import MembersApplication
from members.domain import commands as MC
from reporting.adapters.consumers import ConsumerSettings, Projections
from reporting.adapters.queries import ReportQueries
from reporting.adapters.tables import ProjectionStore
from tests.members_fixtures import national_id
from tests.simulation.jetstream import (
    FakeConnection,
    FakeJetStream,
    Faults,
    Injected,
    JetStreamServer,
    OrderedSubscription,
    PullConsumer,
)

YEAR = 2026
LEDGER, MEMBERS = "ledger", "members"
SOURCES = (LEDGER, MEMBERS)
NEVER = float("inf")
MEMBER_COUNT = 12
STUCK_ROUNDS = 50  # drain rounds in a row with no progress before a run is called stuck

UNITS = (
    ("GD", "广东省总工会", "PROVINCE", ""),
    ("GD-SZ", "深圳市总工会", "CITY", "GD"),
    ("GD-SZ-NS", "南山区总工会", "COUNTY", "GD-SZ"),
    ("GD-SZ-NS-0001", "快递员工会", "GRASSROOTS", "GD-SZ-NS"),
    ("GD-SZ-NS-0002", "外卖骑手工会", "GRASSROOTS", "GD-SZ-NS"),
    ("GD-SZ-0100", "地铁集团工会", "GRASSROOTS", "GD-SZ"),
)
GRASSROOTS = tuple(code for code, _name, level, _parent in UNITS if level == "GRASSROOTS")


@dataclass(frozen=True)
class Programme:
    """A programme the clients pay from. Budget and per-member cap grow with the
    run's length, so that they run out late in a run, not early."""

    code: str
    kind: str
    budget_per_step: int
    cap_per_step: int
    amounts: tuple[int, int]  # smallest and largest payout the clients send

    def open_command(self, steps: int) -> OpenProgram:
        return OpenProgram(
            code=self.code,
            fiscal_year=YEAR,
            name_zh=f"{self.code}项目",
            name_en=self.code.replace("_", " ").title(),
            kind=self.kind,
            budget_fen=self.budget_per_step * steps,
            per_member_annual_cap_fen=self.cap_per_step * steps,
            request_id=f"open-{self.code}",
        )


PROGRAMMES = (
    Programme("WINTER_WARMTH", "AID", 25_000, 2_500, (10_000, 200_000)),
    Programme("GREEN_TRAVEL", "SUBSIDY", 2_500, 0, (500, 20_000)),
)
LATE_PROGRAMME = Programme("EDU_AID", "AID", 5_000, 1_500, (50_000, 300_000))


class SimulationFailure(AssertionError):
    """An invariant did not hold; the message starts with ``simulation seed=<n>``."""


# Base probability of each fault; every run scales them by its own "storminess".
BASE_FAULTS = Faults(
    drop=0.03,
    duplicate=0.05,
    late_copy=0.05,
    lost_request=0.03,
    lost_ack=0.06,
    reorder=0.15,
    redeliver=0.10,
    lost_consumer_ack=0.08,
)
DISCONNECT = 0.05  # a relay's connection drops part-way through a batch
LOST_ANSWER = 0.15  # the answer to a client's request never reaches it


@dataclass
class RelaySlot:
    """One running relay of a log, driven the way ``OutboxRelay._run`` drives it."""

    label: str
    relay: OutboxRelay
    connection: FakeConnection
    resumed: bool = False
    retire_at: int | None = None  # a zombie: stops at this step


@dataclass
class Summary:
    seed: int
    steps: int
    counts: Counter[str] = field(default_factory=Counter)
    trace: list[str] = field(default_factory=list)


@dataclass
class LogCheck:
    """What has been verified of one stream, and the log it must equal."""

    verified: int = 0  # stream sequences verified
    head: bytes = ZERO_HASH
    log: list[Any] = field(default_factory=list)  # (position, domain event) in log order


def member_keys(seed: int) -> Any:
    """The members service's keys for personal data (service keys fixed by the
    seed, per-member keys in memory)."""
    digest = hashlib.sha256(f"sim-{seed}".encode()).digest()
    return keys.in_memory(keys.ServiceKeys(digest, hashlib.sha256(digest).digest()))


def day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


class Simulation:
    def __init__(
        self,
        seed: int,
        steps: int,
        workdir: Path,
        relay_class: type[OutboxRelay] = OutboxRelay,
    ) -> None:
        self.seed = seed
        self.steps = steps
        self.workdir = workdir
        self.relay_class = relay_class
        self.rng = random.Random(seed)
        self.summary = Summary(seed, steps)
        self.counts = self.summary.counts
        self.step = 0
        self.action = "setup"
        storminess = self.rng.uniform(0.0, 2.0)
        self.faults = Faults(
            **{name: min(0.9, rate * storminess) for name, rate in vars(BASE_FAULTS).items()}
        )
        self.disconnect = DISCONNECT * storminess
        self.server = JetStreamServer(self.rng, dedupe_window=self.rng.randint(3, 40))
        self.server.faults = self.faults
        self.checks = {source: LogCheck() for source in SOURCES}
        self.closers: list[Callable[[], None]] = []
        # Clients: what they sent, what the ledger recorded, what they were told.
        self.request_ids = 0
        self.recorded: dict[str, Any] = {}  # request id -> entry id (seen committed)
        self.acked: dict[str, Any] = {}  # request id -> entry id (answer received)
        self.bodies: dict[str, PostPayout] = {}  # acknowledged payouts, by request id
        self.payouts: list[str] = []  # entry ids of acknowledged payouts
        self.unanswered: dict[str, Any] = {}  # first request id -> command to send again
        self.programmes = {p.code: p for p in PROGRAMMES}
        self.late_state = "unopened"
        # Members as the members service has them.
        self.enrolled: list[str] = []
        self.member_unit: dict[str, str] = {}
        self.member_date: dict[str, dt.date] = {}
        self.terminated: set[str] = set()
        self.projected = (-1, -1)  # ledger (position, seq) last compared with the log
        self.reference = LedgerBook()
        self.reference_at = 0  # index into the ledger log folded into the reference

    # -- failures -------------------------------------------------------------------

    def fail(self, detail: str) -> SimulationFailure:
        recent = " ".join(self.summary.trace[-12:])
        return SimulationFailure(
            f"simulation seed={self.seed} steps={self.steps}: step {self.step} "
            f"({self.action}): {detail}\n"
            f"  last steps: {recent}\n"
            f"  replay: BENEFITS_SIM_SEED={self.seed} BENEFITS_SIM_STEPS={self.steps} "
            ".venv/bin/pytest -q tests/test_simulation.py -k profile"
        )

    def check(self, condition: bool, detail: str | Callable[[], str]) -> None:
        if not condition:
            raise self.fail(detail if isinstance(detail, str) else detail())

    # -- bring-up ---------------------------------------------------------------------

    def path(self, *parts: str) -> Path:
        target = self.workdir.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def database(self, *parts: str) -> Database:
        path = self.path(*parts)
        db = Database(StoreConfig(kind="sqlite", sqlite_path=path), path)
        self.closers.append(db.close)
        return db

    def store_env(self, service: str) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(self.path(service, "events.sqlite")),
            "SQLITE_LOCK_TIMEOUT": "30",
        }

    async def setup(self) -> None:
        admin = FakeJetStream(self.server)
        for source in SOURCES:
            await bus.ensure_stream(admin, source, 1)
        self.members = MembersApplication(
            member_keys(self.seed), self.store_env(MEMBERS), today=lambda: dt.date(YEAR, 12, 31)
        )
        self.closers.append(self.members.close)
        for code, name_zh, level, parent in UNITS:
            command = MC.RegisterUnit(code, name_zh, code, level, parent)
            command.validate()
            self.members.register_unit(command)
        for _ in range(self.rng.randint(0, MEMBER_COUNT // 2)):
            await self.enroll()
        self.members_relays = [self.new_relay(MEMBERS, "members-relay")]
        await self.start_ledger()
        for programme in PROGRAMMES:
            [view] = self.ledger.execute([programme.open_command(self.steps)])
            self.check(not isinstance(view, DomainError), f"opening {programme.code}: {view}")
        # ack_wait 0: a ledger event that waits for the members projection is
        # given back at once (nothing else runs while a step waits).
        self.settings = ConsumerSettings(batch=self.rng.randint(1, 8), ack_wait=0.0)
        await self.start_reporting()

    def new_relay(self, source: str, label: str) -> RelaySlot:
        app: Any = self.members if source == MEMBERS else self.ledger
        connection = FakeConnection(self.server)
        relay = self.relay_class(
            source=source,
            recorder=app.recorder,
            mapper=app.mapper,
            codec=encode_members if source == MEMBERS else encode_ledger,
            nc=connection,  # type: ignore[arg-type]
            checkpoints=RelayCheckpoints(self.database(source, "relay.sqlite")),
            batch_size=self.rng.randint(1, 8),
            checkpoint_every=self.rng.randint(1, 10),
            checkpoint_seconds=NEVER,
            idle_checkpoint_seconds=NEVER,
            offload=False,
        )
        return RelaySlot(label, relay, connection)

    async def start_ledger(self) -> None:
        """The ledger process starting: the book rebuilt from the store, the
        members view from the members stream, a relay resuming from the stream."""
        self.ledger = LedgerApplication(self.store_env(LEDGER))
        self.closers.append(self.ledger.close)  # at the end: a zombie relay may still read
        self.ledger_js = FakeJetStream(self.server)
        self.feed = MembersFeed(self.ledger_js, self.ledger.members)  # type: ignore[arg-type]
        await self.feed.start()
        self.check(
            self.ledger.members.position == self.members_head_position(),
            "the ledger's members view did not catch up with the members stream at start",
        )
        self.ledger_relays = [self.new_relay(LEDGER, "ledger-relay")]

    @property
    def subscription(self) -> OrderedSubscription:
        return self.ledger_js.subscriptions[-1]

    async def start_reporting(self) -> None:
        """The reporting process starting: projections from its database, each
        durable consumer realigned to the sequence after the database's."""
        self.projection_store = ProjectionStore(self.database("reporting", "projections.sqlite"))
        self.reporting_js = FakeJetStream(self.server)
        self.projections = Projections(
            self.reporting_js,  # type: ignore[arg-type]
            self.projection_store,
            self.settings,
        )
        positions = self.projection_store.positions()
        for source, consumer in self.projections.consumers.items():
            consumer.position, consumer.stream_seq = positions[source]
            await consumer._align()

    def pull(self, source: str) -> PullConsumer:
        consumer = self.projections.consumers[source]
        found = self.server.stream(bus.stream_name(source)).consumers.get(consumer.durable)
        self.check(found is not None, f"no durable consumer {consumer.durable}")
        assert found is not None
        return found

    def close(self) -> None:
        for close in reversed(self.closers):
            try:
                close()
            except Exception:  # best effort: a crashed component may be half-closed
                continue

    # -- the run ----------------------------------------------------------------------

    async def run(self) -> Summary:
        try:
            await self.setup()
            for step in range(1, self.steps + 1):
                self.step = self.server.now = step
                name, action = self.choose()
                self.action = name
                await action()
                self.counts[f"step {name}"] += 1
                self.retire_zombies()
                self.check_streams()
                self.check_projections()
                self.summary.trace.append(f"{step}:{name}:{self.fingerprint()}")
            self.action = "drain"
            await self.drain()
            self.final_checks()
        except SimulationFailure:
            raise
        except Exception as error:
            raise self.fail(f"unexpected {type(error).__name__}: {error}") from error
        finally:
            self.close()
        self.counts.update(self.server.counts)
        return self.summary

    def fingerprint(self) -> str:
        ledger = self.server.stream(bus.stream_name(LEDGER)).last_seq
        members = self.server.stream(bus.stream_name(MEMBERS)).last_seq
        projected = self.projections.consumers[LEDGER].stream_seq
        return f"{ledger}/{members}/{projected}/{len(self.recorded)}"

    def choose(self) -> tuple[str, Callable[[], Any]]:
        actions: list[tuple[str, float, Callable[[], Any]]] = [
            ("post", 22, self.post),
            ("retry", 5 if self.unanswered else 0, self.retry),
            ("reverse", 4 if self.payouts else 0, self.reverse),
            ("reuse-id", 1 if self.bodies else 0, self.reuse_request_id),
            ("enroll", 4 if len(self.enrolled) < MEMBER_COUNT else 0, self.enroll),
            ("transfer", 2 if self.enrolled else 0, self.transfer),
            ("terminate", 0.7 if self.enrolled else 0, self.terminate),
            ("reinstate", 0.7 if self.terminated else 0, self.reinstate),
            ("programme", 0.5 if self.late_state != "closed" else 0, self.change_programme),
            ("relay-ledger", 18, lambda: self.step_relays(LEDGER)),
            ("relay-members", 8, lambda: self.step_relays(MEMBERS)),
            ("feed", 8, self.deliver_feed),
            ("consume-ledger", 12, lambda: self.consume(LEDGER)),
            ("consume-members", 5, lambda: self.consume(MEMBERS)),
            ("ack-wait", 2, self.ack_wait),
            ("late-copy", 2 if self.server.late else 0, self.late_copy),
            ("crash-ledger", 1, self.crash_ledger),
            ("crash-relay", 1.5, lambda: self.crash_relay(LEDGER)),
            ("commit-then-crash", 1, self.commit_then_crash),
            ("crash-members-relay", 0.5, lambda: self.crash_relay(MEMBERS)),
            ("second-relay", 0.5 if len(self.ledger_relays) < 3 else 0, self.second_relay),
            ("crash-reporting", 1.5, self.crash_reporting),
        ]
        weights = [weight for _name, weight, _action in actions]
        name, _weight, action = self.rng.choices(actions, weights)[0]
        return name, action

    # -- clients of the ledger ----------------------------------------------------------

    def next_request_id(self, prefix: str) -> str:
        self.request_ids += 1
        return f"{prefix}-{self.seed}-{self.request_ids}"

    def new_payout(self) -> PostPayout:
        rng = self.rng
        codes = [code for code in self.programmes if code != LATE_PROGRAMME.code]
        if self.late_state == "open" or (self.late_state == "closed" and rng.random() < 0.05):
            codes.append(LATE_PROGRAMME.code)
        programme = self.programmes[rng.choice(codes)]
        roll, known = rng.random(), sorted(self.ledger.members.records)
        if known and roll < 0.8:
            member_id = rng.choice(known)
        elif self.enrolled and roll < 0.9:  # perhaps not in the ledger's view yet
            member_id = rng.choice(self.enrolled)
        else:  # perhaps not a member at all
            member_id = f"M{rng.randint(1, MEMBER_COUNT):02d}"
        return PostPayout(
            request_id=self.next_request_id("pay"),
            member_id=member_id,
            program_code=programme.code,
            fiscal_year=YEAR,
            amount_fen=rng.randint(*programme.amounts),
            effective_date=day(rng, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)).isoformat(),
        )

    async def post(self) -> None:
        """A group of concurrent requests from several clients, in any order."""
        rng = self.rng
        group: list[Any] = []
        for _ in range(rng.randint(1, 4)):
            roll = rng.random()
            if roll < 0.15:
                rows = tuple(self.new_payout() for _ in range(rng.randint(2, 4)))
                group.append(PostPayoutBatch(rows))
            elif roll < 0.25 and self.unanswered:
                group.append(rng.choice(list(self.unanswered.values())))
            else:
                group.append(self.new_payout())
        if rng.random() < 0.1:
            group.append(rng.choice(group))  # the same request twice in one group
        rng.shuffle(group)
        self.execute(group)

    async def retry(self) -> None:
        waiting = list(self.unanswered.values())
        self.rng.shuffle(waiting)
        self.execute(waiting[: self.rng.randint(1, 4)])

    async def reverse(self) -> None:
        if self.rng.random() < 0.9:
            self.payouts = [
                p for p in self.payouts if UUID(p) not in self.ledger.book.maps.reversed_by
            ]
        if not self.payouts:
            return
        target = self.rng.choice(self.payouts)
        reason = self.rng.choice(("WRONG_AMOUNT", "DUPLICATE_PAYMENT", "WRONG_MEMBER"))
        self.execute([ReversePayout.of(self.next_request_id("rev"), target, reason)])

    async def reuse_request_id(self) -> None:
        """A client bug: a recorded request id with another body is refused."""
        original = self.bodies[self.rng.choice(sorted(self.bodies))]
        changed = replace(original, amount_fen=original.amount_fen + 1)
        self.execute([changed], conflicting=True)

    async def commit_then_crash(self) -> None:
        """Commit, then the relay dies before publishing what was committed."""
        await self.post()
        await self.crash_relay(LEDGER)

    def execute(self, group: Sequence[Any], conflicting: bool = False) -> None:
        for command in group:
            command.validate()
        try:
            results = self.ledger.execute(list(group))
        except DomainError as error:  # the whole group failed (the writer answers all)
            results = [error] * len(group)
        self.check(len(results) == len(group), "one result per command")
        for command, result in zip(group, results, strict=True):
            answered = self.rng.random() >= LOST_ANSWER or self.action == "drain"
            self.take(command, result, answered, conflicting)

    def take(self, command: Any, result: Any, answered: bool, conflicting: bool) -> None:
        rows = list(command.rows) if isinstance(command, PostPayoutBatch) else [command]
        key = rows[0].request_id
        if conflicting:
            self.check(
                isinstance(result, AlreadyExists),
                f"request id {key} reused with another body gave {result!r}, not ALREADY_EXISTS",
            )
            self.counts["reused id refused"] += 1
            return
        if isinstance(result, DomainError):
            recorded = [r.request_id for r in rows if r.request_id in self.recorded]
            self.check(
                not recorded or isinstance(result, Unavailable),
                lambda: f"a retry of recorded request(s) {recorded} was refused: {result}",
            )
            self.counts[f"refused: {type(result).__name__}"] += 1
            if answered and not isinstance(result, Unavailable):
                self.unanswered.pop(key, None)
            else:
                self.unanswered[key] = command
            return
        recorded_rows = result if isinstance(result, list) else [result]
        self.check(len(recorded_rows) == len(rows), "one recorded entry per row")
        for row, recorded in zip(rows, recorded_rows, strict=True):
            self.take_recorded(row, recorded, answered)
        if answered:
            self.unanswered.pop(key, None)
        else:
            self.counts["answer lost"] += 1
            self.unanswered[key] = command

    def take_recorded(self, row: Any, recorded: Recorded, answered: bool) -> None:
        request_id, entry = row.request_id, recorded.entry
        self.check(
            entry.id == E.entry_id_for(request_id) and entry.request_id == request_id,
            f"request {request_id} answered with entry {entry.id} of {entry.request_id}",
        )
        self.check(
            entry.body_digest == row.digest(),
            f"request {request_id} answered with an entry of another body",
        )
        if request_id in self.recorded:
            self.check(
                recorded.replayed,
                f"request {request_id} recorded twice (entry {entry.id} not marked replayed)",
            )
            self.counts["replayed"] += 1
        else:
            self.check(not recorded.replayed, f"request {request_id} replayed but never recorded")
            self.recorded[request_id] = entry.id
            self.counts["recorded"] += 1
        if answered and request_id not in self.acked:
            self.acked[request_id] = entry.id
            if isinstance(row, PostPayout):
                self.bodies[request_id] = row
                self.payouts.append(str(entry.id))

    async def change_programme(self) -> None:
        """A programme opened during the year, later closed (each retried once)."""
        if self.late_state == "unopened":
            command: Any = LATE_PROGRAMME.open_command(self.steps)
            self.programmes[LATE_PROGRAMME.code] = LATE_PROGRAMME
            self.late_state = "open"
        else:
            command = CloseProgram(LATE_PROGRAMME.code, YEAR, "year end")
            self.late_state = "closed"
        command.validate()
        for attempt in range(2):  # the first answer may be lost: the same request again
            [result] = self.ledger.execute([command])
            if isinstance(command, OpenProgram) or attempt == 0:
                self.check(not isinstance(result, DomainError), f"{command}: {result}")

    # -- the members service ------------------------------------------------------------

    async def enroll(self) -> None:
        index = len(self.enrolled) + 1
        member_id = f"M{index:02d}"
        joined = day(self.rng, dt.date(2015, 1, 1), dt.date(2025, 12, 31))
        unit = self.rng.choice(GRASSROOTS)
        command = MC.EnrollMember.of(
            member_id=member_id,
            name=f"会员{index:02d}",
            national_id=national_id(f"44030519850615{index:03d}"),
            unit_code=unit,
            member_groups=(),
            household_id=f"H{(index + 1) // 2:02d}",
            join_date=joined.isoformat(),
        )
        self.members.enroll(command)
        self.enrolled.append(member_id)
        self.member_unit[member_id] = unit
        self.member_date[member_id] = joined

    def later_date(self, member_id: str) -> dt.date | None:
        start = max(self.member_date[member_id], dt.date(YEAR - 1, 12, 31))
        date = start + dt.timedelta(days=self.rng.randint(1, 60))
        return date if date.year == YEAR else None

    async def transfer(self) -> None:
        member_id = self.rng.choice(self.enrolled)
        date = self.later_date(member_id)
        if date is None or member_id in self.terminated:
            return
        to_unit = self.rng.choice([u for u in GRASSROOTS if u != self.member_unit[member_id]])
        command = MC.TransferMember(member_id, to_unit, date.isoformat())
        command.validate()
        self.members.transfer(command)
        self.member_unit[member_id] = to_unit
        self.member_date[member_id] = date

    async def terminate(self) -> None:
        member_id = self.rng.choice(self.enrolled)
        date = self.later_date(member_id)
        if date is None or member_id in self.terminated:
            return
        self.members.terminate(MC.TerminateMembership(member_id, date.isoformat(), "left"))
        self.terminated.add(member_id)
        self.member_date[member_id] = date

    async def reinstate(self) -> None:
        member_id = self.rng.choice(sorted(self.terminated))
        date = self.later_date(member_id)
        if date is None:
            return
        self.members.reinstate(MC.ReinstateMember(member_id, date.isoformat()))
        self.terminated.discard(member_id)
        self.member_date[member_id] = date

    # -- relays ---------------------------------------------------------------------------

    def relays(self, source: str) -> list[RelaySlot]:
        return self.members_relays if source == MEMBERS else self.ledger_relays

    async def step_relays(self, source: str) -> None:
        slots = self.relays(source)
        await self.step_relay(slots[0])
        for slot in slots[1:]:  # a second instance, or a zombie
            if self.rng.random() < 0.4:
                await self.step_relay(slot)

    async def step_relay(self, slot: RelaySlot) -> int:
        if self.disconnect and self.rng.random() < self.disconnect:
            slot.connection.cut_after = self.rng.randint(0, slot.relay.batch_size - 1)
        try:
            if not slot.resumed:
                await slot.relay.resume()
                slot.resumed = True
            return await slot.relay.publish_next_batch()
        except (StreamMoved, Injected) as error:
            # OutboxRelay._run: after any failure, resume from the stream's head.
            slot.resumed = False
            self.counts[f"relay {type(error).__name__}"] += 1
            return 0
        finally:
            slot.connection.cut_after = None

    async def crash_relay(self, source: str) -> None:
        """kill -9 of the relay: a new one starts from its checkpoint database and
        the stream's head; the old one may still be running for a while."""
        slots = self.relays(source)
        old = slots[0]
        slots[0] = self.new_relay(source, f"{source}-relay")
        if self.rng.random() < 0.5:
            old.retire_at = self.step + self.rng.randint(3, 40)
            old.label = "zombie"
            slots.append(old)
            self.counts["zombie relay"] += 1

    async def second_relay(self) -> None:
        """A second ledger instance's relay following the same log."""
        slot = self.new_relay(LEDGER, "second-relay")
        slot.retire_at = self.step + self.rng.randint(10, 80)
        self.ledger_relays.append(slot)

    def retire_zombies(self) -> None:
        for source in SOURCES:
            slots = self.relays(source)
            slots[1:] = [s for s in slots[1:] if s.retire_at is None or s.retire_at > self.step]

    async def crash_ledger(self) -> None:
        """kill -9 of the ledger process (application, relay, members feed)."""
        await self.feed.stop()
        old_relays = self.ledger_relays
        await self.start_ledger()
        if self.rng.random() < 0.3:
            zombie = old_relays[0]
            zombie.retire_at = self.step + self.rng.randint(3, 30)
            zombie.label = "zombie"
            self.ledger_relays.append(zombie)
            self.counts["zombie relay"] += 1
        self.counts["ledger restarted"] += 1

    async def late_copy(self) -> None:
        self.server.resend_late_copy()

    # -- the ledger's members feed and the reporting consumers -----------------------------

    async def deliver_feed(self) -> None:
        subscription = self.subscription
        await subscription.deliver(subscription.next_seq - 1 + self.rng.randint(1, 4))

    async def consume(self, source: str) -> bool:
        """One fetch handed to the consumer; True when it applied the whole batch."""
        pull = self.pull(source)
        messages = pull.fetch(self.settings.batch)
        if not messages:
            return False
        if not await self.projections.consumers[source]._handle(messages):
            self.counts["batch given back (gap or waiting for members)"] += 1
            return False
        return True

    async def ack_wait(self) -> None:
        self.pull(self.rng.choice(SOURCES)).ack_wait_passed()

    async def crash_reporting(self) -> None:
        """kill -9 of the reporting service: before a fetched batch is applied,
        after its transaction committed but before its acknowledgement, or idle."""
        source = self.rng.choice(SOURCES)
        pull = self.pull(source)
        moment = self.rng.choice(("before-apply", "after-commit", "idle"))
        messages = pull.fetch(self.settings.batch) if moment != "idle" else []
        if moment == "after-commit" and messages:
            pull.cut = True
            try:
                await self.projections.consumers[source]._handle(messages)
            finally:
                pull.cut = False
        self.projection_store.close()
        await self.start_reporting()
        self.counts[f"reporting restarted {moment}"] += 1

    # -- invariants after each step ---------------------------------------------------------

    def members_head_position(self) -> int:
        stream = self.server.stream(bus.stream_name(MEMBERS))
        last = stream.message(stream.last_seq)
        return events_pb2.EventEnvelope.FromString(last.data).position if last else 0

    def read_log(self, source: str) -> list[Any]:
        """The source's log as (position, domain event), read on from where it was."""
        app: Any = self.members if source == MEMBERS else self.ledger
        log = self.checks[source].log
        start = log[-1][0] if log else 0
        while True:
            notifications = app.recorder.select_notifications(
                start=start, limit=500, inclusive_of_start=False
            )
            if not notifications:
                return log
            for notification in notifications:
                log.append((notification.id, app.mapper.to_domain_event(notification)))
            start = notifications[-1].id

    def check_streams(self) -> None:
        for source in SOURCES:
            self.check_stream(source)

    def check_stream(self, source: str) -> None:
        """The stream holds each committed event exactly once, in log order, with
        a valid hash chain and postings that sum to zero."""
        check = self.checks[source]
        stream = self.server.stream(bus.stream_name(source))
        if stream.last_seq == check.verified:
            return
        log = self.read_log(source)
        envelopes = []
        for stored in stream.messages[check.verified :]:
            seq = stored.seq
            self.check(
                seq <= len(log),
                f"{stream.name} sequence {seq}: the stream holds more events than the "
                f"log ({len(log)})",
            )
            envelope = events_pb2.EventEnvelope.FromString(stored.data)
            position, event = log[seq - 1]
            self.check(
                envelope.position == position,
                f"{stream.name} sequence {seq} holds position {envelope.position}; the log "
                f"has position {position} there (an event lost, repeated or out of order)",
            )
            self.check(
                envelope.aggregate_id == str(event.originator_id)
                and envelope.aggregate_version == event.originator_version,
                f"{stream.name} sequence {seq} is not the event at log position {position}",
            )
            self.check(
                stored.headers.get(bus.MSG_ID) == f"{source}-{position}",
                f"{stream.name} sequence {seq} has Nats-Msg-Id {stored.headers.get(bus.MSG_ID)}",
            )
            if envelope.event_type in ("PayoutPosted", "PayoutReversed"):
                payload = (
                    events_pb2.PayoutPosted
                    if envelope.event_type == "PayoutPosted"
                    else events_pb2.PayoutReversed
                ).FromString(envelope.payload.value)
                total = sum(p.amount_fen for p in payload.postings)
                self.check(total == 0, f"position {position}: postings sum to {total}, not 0")
            envelopes.append(envelope)
        broken = verify_chain(envelopes, check.head)
        self.check(broken is None, f"{stream.name}: hash chain broken at position {broken}")
        check.verified = stream.last_seq
        check.head = envelopes[-1].hash

    def projection_totals(self) -> tuple[dict[Any, Any], dict[Any, Any], int, int]:
        """From the projection tables: per programme (committed, payouts,
        reversals), per member and programme (received, payouts, reversals), the
        entries and their distinct request ids."""
        with self.projection_store.db.transaction() as cur:
            programmes = {
                (str(code), int(year)): (int(c), int(p), int(r))
                for code, year, c, p, r in cur.execute(
                    "SELECT program_code, fiscal_year, committed_fen, payout_count,"
                    " reversal_count FROM rpt_programmes"
                ).fetchall()
            }
            members = {
                (str(m), str(code), int(year)): (int(n), int(p), int(r))
                for m, code, year, n, p, r in cur.execute(
                    "SELECT member_id, program_code, fiscal_year, SUM(received_fen),"
                    " SUM(payout_count), SUM(reversal_count) FROM rpt_member_units"
                    " GROUP BY member_id, program_code, fiscal_year"
                ).fetchall()
            }
            entries, distinct = cur.execute(
                "SELECT COUNT(*), COUNT(DISTINCT request_id) FROM rpt_entries"
            ).fetchone()
        return programmes, members, int(entries), int(distinct)

    @staticmethod
    def book_totals(book: LedgerBook) -> tuple[dict[Any, Any], dict[Any, Any], int]:
        programmes = {}
        entries = 0
        for pid, programme in book.programmes.items():
            payouts, reversals = book.counts(pid)
            programmes[(programme.code, programme.fiscal_year)] = (
                book.committed(pid),
                payouts,
                reversals,
            )
            entries += payouts + reversals
        members = {}
        for (member_id, pid), stats in book.maps.member_stats.items():
            programme = book.programmes[pid]
            members[(member_id, programme.code, programme.fiscal_year)] = tuple(stats)
        return programmes, members, entries

    def check_projections(self) -> None:
        """At the position each projection reports, it holds what the log held
        there: a stream message at its sequence, and the ledger totals of a fold
        of the log up to that position."""
        positions = self.projection_store.positions()
        for source in SOURCES:
            position, seq = positions[source]
            consumer = self.projections.consumers[source]
            self.check(
                (consumer.position, consumer.stream_seq) == (position, seq),
                f"{source} consumer at {(consumer.position, consumer.stream_seq)}, its "
                f"database at {(position, seq)}",
            )
            if seq:
                stored = self.server.stream(bus.stream_name(source)).message(seq)
                self.check(stored is not None, f"{source} projection past the stream ({seq})")
                assert stored is not None
                at = events_pb2.EventEnvelope.FromString(stored.data).position
                self.check(at == position, f"{source} projection at {position}, seq {seq} has {at}")
        if positions[LEDGER] == self.projected:
            return
        self.projected = positions[LEDGER]
        position = positions[LEDGER][0]
        log = self.read_log(LEDGER)
        while self.reference_at < len(log) and log[self.reference_at][0] <= position:
            self.reference.apply(log[self.reference_at][1], log[self.reference_at][0])
            self.reference_at += 1
        programmes, members, entries, distinct = self.projection_totals()
        expected_programmes, expected_members, expected_entries = self.book_totals(self.reference)
        self.check(
            programmes == expected_programmes,
            lambda: (
                f"projection programme totals {programmes} != the log's up to position "
                f"{position} {expected_programmes}"
            ),
        )
        self.check(
            members == expected_members,
            lambda: (
                f"projection member totals differ from the log's up to position {position}: "
                f"{diff(members, expected_members)}"
            ),
        )
        self.check(
            entries == distinct == expected_entries,
            f"projection holds {entries} entries ({distinct} request ids), the log "
            f"{expected_entries} up to position {position}",
        )

    # -- the end of a run ---------------------------------------------------------------------

    async def drain(self) -> None:
        """Faults stop; clients retry everything unanswered; everything catches up."""
        self.server.faults = Faults()
        self.disconnect = 0.0
        while self.unanswered:
            self.execute(list(self.unanswered.values()))
        stuck = 0
        while stuck < STUCK_ROUNDS:
            before = self.progress()
            for source in (MEMBERS, LEDGER):
                for slot in self.relays(source):
                    while await self.step_relay(slot):
                        pass
            await self.subscription.deliver(self.server.stream(bus.stream_name(MEMBERS)).last_seq)
            for source in SOURCES:
                while await self.consume(source):
                    pass
                self.pull(source).ack_wait_passed()
            self.check_streams()
            self.check_projections()
            if self.drained():
                return
            stuck = stuck + 1 if self.progress() == before else 0
        raise self.fail(f"stuck: no progress in {STUCK_ROUNDS} rounds: {self.progress()}")

    def progress(self) -> str:
        parts = []
        for source in SOURCES:
            stream = self.server.stream(bus.stream_name(source))
            parts.append(
                f"{source}: log {len(self.read_log(source))}, stream {stream.last_seq}, "
                f"relay at {self.relays(source)[0].relay.position}, projection "
                f"{self.projections.consumers[source].stream_seq}"
            )
        parts.append(f"ledger's members view at {self.ledger.members.position}")
        return "; ".join(parts)

    def drained(self) -> bool:
        for source in SOURCES:
            stream = self.server.stream(bus.stream_name(source))
            if stream.last_seq != len(self.read_log(source)):
                return False
            if self.projections.consumers[source].stream_seq != stream.last_seq:
                return False
            if not self.pull(source).caught_up:
                return False
        return self.ledger.members.position == self.members_head_position()

    def final_checks(self) -> None:
        log = self.read_log(LEDGER)
        entries = [
            event.mutate(None)
            for _position, event in log
            if isinstance(event, E.Payout.PayoutPosted | E.Reversal.PayoutReversed)
        ]
        by_request = Counter(entry.request_id for entry in entries)
        twice = [rid for rid, n in by_request.items() if n > 1]
        self.check(not twice, f"request ids recorded more than once: {twice}")
        stored = {entry.request_id: entry.id for entry in entries}
        lost = {rid for rid, entry_id in self.acked.items() if stored.get(rid) != entry_id}
        self.check(not lost, f"acknowledged requests missing from the store: {sorted(lost)}")
        self.check(
            set(stored) == set(self.recorded),
            lambda: (
                f"the store's entries differ from those the clients saw recorded: "
                f"{sorted(set(stored) ^ set(self.recorded))}"
            ),
        )
        for entry in entries:
            total = E.postings_sum(entry.postings)
            self.check(total == 0, f"entry {entry.id}: postings sum to {total}")
        self.check(
            sum(E.postings_sum(entry.postings) for entry in entries) == 0,
            "postings of all entries do not sum to zero",
        )
        # The live book (possibly rebuilt by restarts) equals a fold of the log.
        rebuilt = LedgerBook()
        for position, event in log:
            rebuilt.apply(event, position)
        live = self.book_totals(self.ledger.book)
        rebuilt_totals = self.book_totals(rebuilt)
        self.check(live == rebuilt_totals, "the live book differs from a fold of the log")
        for view in self.ledger.programme_views():
            self.check(
                0 <= view.committed_fen <= view.programme.budget_fen,
                f"{view.programme.code}: committed {view.committed_fen} of a budget of "
                f"{view.programme.budget_fen}",
            )
        # Every committed event is in the stream once, in log order (checked as
        # it arrived), and nothing else.
        for source in SOURCES:
            stream, events = self.server.stream(bus.stream_name(source)), len(self.read_log(source))
            self.check(
                stream.last_seq == events == self.checks[source].verified,
                f"{stream.name} holds {stream.last_seq} events, the log {events}",
            )
        self.check_reports()
        self.counts["events in the ledger log"] += len(log)
        self.counts["events in the members log"] += len(self.read_log(MEMBERS))
        self.counts["entries"] += len(entries)
        self.counts["acknowledged requests"] += len(self.acked)

    def check_reports(self) -> None:
        """The reporting service's figures, read as its reports read them, equal
        the ledger book's: per programme committed, per member received."""
        queries = ReportQueries(self.projection_store)
        reported = {p.code: p.committed_fen for p in queries.programmes(YEAR)}
        booked = {v.programme.code: v.committed_fen for v in self.ledger.programme_views(YEAR)}
        self.check(reported == booked, f"programme totals: reported {reported}, booked {booked}")
        programmes, _members, _entries, _distinct = self.projection_totals()
        for view in self.ledger.programme_views(YEAR):
            counts = programmes[(view.programme.code, YEAR)][1:]
            self.check(
                counts == (view.payout_count, view.reversal_count),
                f"{view.programme.code}: projection counts {counts}, ledger "
                f"{(view.payout_count, view.reversal_count)}",
            )
        for index in range(1, MEMBER_COUNT + 1):
            member_id = f"M{index:02d}"
            reported_receipts = {
                (r.program_code, r.fiscal_year): (r.received_fen, r.payout_count, r.reversal_count)
                for r in queries.receipts(member_id)
            }
            booked_receipts = {
                (programme.code, programme.fiscal_year): tuple(stats)
                for programme, stats in self.ledger.member_account(member_id).receipts
            }
            self.check(
                reported_receipts == booked_receipts,
                f"{member_id} received: reported {reported_receipts}, booked {booked_receipts}",
            )
        with self.projection_store.db.transaction() as cur:
            rows = cur.execute("SELECT member_id, unit_code, status FROM rpt_members").fetchall()
        units = {str(m): str(u) for m, u, _status in rows}
        self.check(
            units == self.member_unit,
            f"members projection units {units}, members service {self.member_unit}",
        )
        terminated = {str(m) for m, _u, status in rows if str(status) != "ACTIVE"}
        self.check(
            terminated == self.terminated,
            f"terminated per projection {sorted(terminated)}, per members service "
            f"{sorted(self.terminated)}",
        )


def diff(found: dict[Any, Any], expected: dict[Any, Any]) -> str:
    keys = sorted(set(found) | set(expected), key=str)
    return ", ".join(
        f"{key}: {found.get(key)} != {expected.get(key)}"
        for key in keys
        if found.get(key) != expected.get(key)
    )


async def run_simulation(
    seed: int, steps: int, workdir: Path, relay_class: type[OutboxRelay] = OutboxRelay
) -> Summary:
    """One run; raises SimulationFailure (message ``simulation seed=<n> ...``)."""
    return await Simulation(seed, steps, workdir, relay_class).run()
