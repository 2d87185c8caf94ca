"""The reporting domain in memory: the running totals the projection keeps
batch by batch (distinct members and households moved only on 0 <-> positive
transitions) always equal a recount from the entries, however the entries are
cut into batches; and the audit checks name what they find."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.domain.audit import ChainCheck, Link, PostingsCheck, StoreCheck, StoredEvent
from reporting.domain.audit import EntryPostings as Postings
from reporting.domain.facts import ALL_PROGRAMMES, PAYOUT, RECOVERY, REVERSAL, EntryRecorded
from reporting.domain.projection import (
    AS_OF_BUCKET,
    HOUSEHOLDS,
    MEMBERS,
    EntryRow,
    HolderRows,
    LedgerChanges,
    LedgerPlanner,
    LedgerState,
)
from reporting.domain.report import (
    ROOT_NODE,
    AsOfCount,
    AsOfEntry,
    DistinctCounter,
    Figures,
    HolderEntry,
    MonthFigures,
    UnitNode,
    as_of_plan,
    rollup,
)

YEAR = 2026
UNITS = {
    "P": ("P", 1),
    "P-C": ("P/P-C", 2),
    "P-C-A": ("P/P-C/P-C-A", 3),
    "P-C-A-1": ("P/P-C/P-C-A/P-C-A-1", 4),
    "P-C-A-2": ("P/P-C/P-C-A/P-C-A-2", 5),
    "P-C-B-1": ("P/P-C/P-C-B-1", 6),
}
LEAVES = ["P-C-A-1", "P-C-A-2", "P-C-B-1", ""]  # "": a payout with no unit recorded


@dataclass
class Memory:
    """The projection's tables, as dictionaries."""

    nodes: dict[tuple[str, int, str], list[int]] = field(default_factory=dict)
    member_units: dict[tuple[str, int], HolderRows] = field(default_factory=dict)
    household_units: dict[tuple[str, int], HolderRows] = field(default_factory=dict)
    originals: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    entries: list[tuple[str, str, str, str, int, int]] = field(default_factory=list)
    bucket_size: int = AS_OF_BUCKET

    def apply(self, batch: Sequence[EntryRecorded]) -> LedgerChanges:
        planner = LedgerPlanner(
            LedgerState(UNITS, dict(self.originals), self.member_units, self.household_units),
            self.bucket_size,
        )
        for fact in batch:
            planner.add(fact, fact.position)
        changes = planner.changes()
        for key, values in changes.nodes.items():
            row = self.nodes.setdefault(key, [0] * 7)
            for i, value in enumerate(values):
                row[i] += value
        for table, changed in (
            (self.member_units, changes.member_units),
            (self.household_units, changes.household_units),
        ):
            for (holder, year, code, path), row in changed.items():
                table.setdefault((holder, year), {})[(code, path)] = list(row)
        for e in changes.entries:
            if e.kind == PAYOUT:
                self.originals[e.entry_id] = (e.unit_code, e.unit_path, e.household_id)
            sign = 1 if e.kind == PAYOUT else -1
            self.entries.append(
                (e.program_code, e.unit_path, e.member_id, e.household_id, e.month, sign)
            )
        return changes


def recount(memory: Memory) -> dict[tuple[str, str], tuple[int, int]]:
    """(programme, node) -> (members, households) counted from the entries."""
    nets: dict[tuple[str, str, str, str], int] = {}
    for code, path, member, household, _month, sign in memory.entries:
        key = (member, household, code, path)
        nets[key] = nets.get(key, 0) + sign
    leaves = [(code, path, 1, 0, 1, 0, 0, 0) for code, path, *_ in memory.entries]
    figures, _months = rollup(leaves, ROOT_NODE)
    for members, index in ((True, 0), (False, 1)):
        counter = DistinctCounter(members)
        rows = sorted(
            {(key[index], key[2], key[3]) for key, net in nets.items() if net > 0 and key[index]}
        )
        for holder, code, path in rows:
            counter.feed(holder, code, path)
        counter.into(figures)
    return {k: (f.members, f.households) for k, f in figures.items()}


HOUSEHOLDS_OF = {"M1": "H1", "M2": "H1", "M3": "H3", "M4": ""}


def entry_facts(script: Iterable[tuple[str, str, str, int, int, int]]) -> list[EntryRecorded]:
    """Entries at positions 1, 2, ... from (member, programme, unit, amount,
    recorded time, fiscal year): amount 0 reverses the earliest payout not yet
    reversed, -1 recovers 50 from it (none yet: a payout of 100 instead)."""
    facts: list[EntryRecorded] = []
    live: list[EntryRecorded] = []
    for position, (member, code, leaf, amount, recorded, year) in enumerate(script, 1):
        if amount <= 0 and live:
            original = live.pop(0) if amount == 0 else live[0]
            kind, paid = (REVERSAL, -original.amount_fen) if amount == 0 else (RECOVERY, -50)
            facts.append(
                EntryRecorded(
                    position, recorded, f"e{position}", "", kind, original.member_id,
                    original.program_code, original.fiscal_year, paid, original.effective_date,
                    reverses_entry_id=original.entry_id,
                )
            )  # fmt: skip
            continue
        fact = EntryRecorded(
            position, recorded, f"e{position}", "", PAYOUT, member, code, year,
            max(amount, 1) * 100, f"{year}-{1 + position % 12:02d}-01",
            unit_code=leaf, household_id=HOUSEHOLDS_OF[member],
            members_position=10 if leaf else 0,
        )  # fmt: skip
        facts.append(fact)
        live.append(fact)
    return facts


events = st.lists(
    st.tuples(
        st.sampled_from(["M1", "M2", "M3", "M4"]),
        st.sampled_from(["AID", "CARD"]),
        st.sampled_from(LEAVES),
        st.integers(min_value=0, max_value=6),  # 0: reverse an earlier payout instead
        st.integers(min_value=1, max_value=5),  # batch cut after this event
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(events)
def test_running_distinct_counts_equal_a_recount(
    script: list[tuple[str, str, str, int, int]],
) -> None:
    facts = entry_facts(
        (member, code, leaf, amount, position, YEAR)
        for position, (member, code, leaf, amount, _cut) in enumerate(script, 1)
    )
    memory = Memory()
    batch: list[EntryRecorded] = []
    for fact, (*_rest, cut) in zip(facts, script, strict=True):
        batch.append(fact)
        if cut == 1:
            memory.apply(batch)
            batch = []
    memory.apply(batch)
    expected = recount(memory)
    for (code, _year, node), row in memory.nodes.items():
        assert (row[MEMBERS], row[HOUSEHOLDS]) == expected.get((code, node), (0, 0)), (code, node)
    for (code, node), (members, households) in expected.items():
        row = memory.nodes[(code, YEAR, node)]
        assert (row[MEMBERS], row[HOUSEHOLDS]) == (members, households)
    assert all(code in ("AID", "CARD", ALL_PROGRAMMES) for code, _y, _n in memory.nodes)


def link(position: int, prev: bytes, own: bytes, computed: bytes | None = None) -> Link:
    return Link(position, f"id{position}", "PayoutPosted", prev, own, computed or own)


def test_chain_check_names_an_edit_a_deletion_and_disorder() -> None:
    zero = bytes(32)
    a, b, c = b"a" * 32, b"b" * 32, b"c" * 32
    clean = ChainCheck("ledger", zero)
    for item in (link(1, zero, a), link(2, a, b), link(3, b, c)):
        clean.feed(item)
    assert clean.result.ok and clean.result.checked == 3

    edited = ChainCheck("ledger", zero)
    edited.feed(link(1, zero, a))
    edited.feed(link(2, a, b, computed=b"x" * 32))
    assert edited.result.first is not None and edited.result.first.kind == "hash-mismatch"

    gap = ChainCheck("ledger", zero)
    gap.feed(link(1, zero, a))
    gap.feed(link(3, b, c))  # 2 is missing
    assert gap.result.first is not None
    assert (gap.result.first.kind, gap.result.first.position) == ("broken-link", 3)
    assert gap.gaps == [(1, 3)]

    disorder = ChainCheck("ledger", zero)
    disorder.feed(link(2, zero, a))
    disorder.feed(link(1, a, b))
    assert disorder.result.first is not None and disorder.result.first.kind == "out-of-order"


def test_postings_must_balance_and_move_the_fund_by_the_amount() -> None:
    fund = "programme-fund:AID:2026"
    check = PostingsCheck()
    check.feed(Postings(1, "e1", "PayoutPosted", "AID", 2026, 100, [(fund, -100), ("m", 100)]))
    check.feed(Postings(2, "e2", "PayoutPosted", "AID", 2026, 100, [(fund, -90), ("m", 90)]))
    check.feed(Postings(3, "e3", "PayoutPosted", "AID", 2026, 100, [(fund, -100), ("m", 99)]))
    result = check.finish()
    assert result.found == 2
    assert result.first is not None
    assert (result.first.kind, result.first.position) == ("postings-amount", 2)


def stored(position: int, event_id: str, digest: bytes) -> StoredEvent:
    return StoredEvent(position, event_id, "PayoutPosted", digest, digest)


def test_store_check_tells_edits_deletions_insertions_and_swaps_apart() -> None:
    stream = [stored(i, f"e{i}", bytes([i]) * 32) for i in range(1, 7)]
    store = [
        stored(1, "e1", b"\xff" * 32),  # edited
        # 2 deleted
        stored(3, "e3", bytes([3]) * 32),
        stored(4, "e5", bytes([5]) * 32),  # 4 and 5 swapped
        stored(5, "e4", bytes([4]) * 32),
        stored(6, "e6", bytes([6]) * 32),
        stored(7, "e7", bytes([7]) * 32),  # not published yet: not compared
    ]
    check = StoreCheck(iter(store))
    for event in stream:
        check.feed(event)
    result = check.finish(lambda _type, old, new: f"{old[:1].hex()} -> {new[:1].hex()}")
    assert [(s or t).position for s, t in check.pending if s or t] == [1, 2, 4, 5]
    assert result.found == 4
    assert result.first is not None
    assert (result.first.kind, result.first.position) == ("edited", 1)
    assert result.first.detail.endswith("01 -> ff")

    without_3 = [*stream[:2], *stream[3:]]
    inserted = StoreCheck(iter(stream))  # the store has 3, the stream never had it
    for event in without_3:
        inserted.feed(event)
    first = inserted.finish().first
    assert first is not None
    assert (first.kind, first.source, first.position) == ("inserted", "ledger", 3)
    deleted_from_stream = StoreCheck(iter(stream))
    for event in without_3:
        deleted_from_stream.feed(event)
    first = deleted_from_stream.finish(stream_gaps=[(2, 4)]).first  # the chain breaks there
    assert first is not None
    assert (first.kind, first.source, first.position) == ("deleted", "stream", 3)


# -- as recorded up to T, from the as-of buckets ------------------------------------------


@dataclass
class Buckets(Memory):
    """The entries and as-of tables the planner writes, as dictionaries."""

    rows: list[EntryRow] = field(default_factory=list)
    leaves: dict[tuple[int, int, str, str, int], list[int]] = field(default_factory=dict)
    counts: dict[tuple[int, int, str, str], list[int]] = field(default_factory=dict)
    spans: dict[int, list[int]] = field(default_factory=dict)

    def apply(self, batch: Sequence[EntryRecorded]) -> LedgerChanges:
        changes = super().apply(batch)
        self.rows.extend(changes.entries)
        for source, target in (
            (changes.bucket_leaves, self.leaves),
            (changes.bucket_counts, self.counts),
        ):
            for key, values in source.items():  # type: ignore[attr-defined]
                row = target.setdefault(key, [0] * len(values))  # type: ignore[attr-defined]
                for i, value in enumerate(values):
                    row[i] += value
        for bucket, (first, last) in changes.bucket_spans.items():
            span = self.spans.setdefault(bucket, [first, last])
            span[0], span[1] = min(span[0], first), max(span[1], last)
        return changes

    def as_of(
        self, year: int, as_of_us: int, root: UnitNode, shown: set[str] | None = None
    ) -> tuple[dict[tuple[str, str], Figures], dict[tuple[str, int], MonthFigures], dict[str, int]]:
        """What the reporting service reads and counts, from these tables (the
        figures of the nodes in ``shown``, when given)."""
        spans = [(b, first, last) for b, (first, last) in sorted(self.spans.items())]
        plan = as_of_plan(spans, as_of_us, self.bucket_size)
        count = AsOfCount(as_of_us, shown)
        for (y, bucket, code, path, month), values in self.leaves.items():
            if y == year and bucket < plan.settled_below:
                count.add_leaf(code, path, month, values)
        for (y, bucket, programme, path), (members, households) in self.counts.items():
            if y == year and bucket < plan.settled_below:
                count.add_moves(programme, path, members, households)
        tail = [
            AsOfEntry(
                e.position, e.recorded_us, e.kind, e.member_id, e.household_id, e.program_code,
                e.unit_path, e.month, e.amount_fen, e.member_move, e.member_all_move,
                e.household_move, e.household_all_move,
            )
            for e in self.rows
            if e.fiscal_year == year and any(s <= e.position < end for s, end in plan.reads)
        ]  # fmt: skip
        count.add_tail(tail, plan.limit)
        members, households = count.late_holders()

        def of(holders: set[str], column: str) -> dict[str, list[HolderEntry]]:
            return {
                h: [
                    HolderEntry(e.position, e.recorded_us, e.kind, e.program_code, e.unit_path)
                    for e in self.rows
                    if e.fiscal_year == year and getattr(e, column) == h
                ]
                for h in holders
            }

        count.recount_holders(of(members, "member_id"), of(households, "household_id"))
        figures, months = count.figures(root)
        return figures, months, count.committed()

    def recounted(
        self, year: int, as_of_us: int, root: UnitNode
    ) -> tuple[dict[tuple[str, str], Figures], dict[tuple[str, int], MonthFigures], dict[str, int]]:
        """The reference: every entry recorded up to ``as_of_us`` recounted."""
        chosen = [e for e in self.rows if e.fiscal_year == year and e.recorded_us <= as_of_us]
        leaves = [
            (
                e.program_code, e.unit_path, e.month, e.amount_fen, int(e.kind == PAYOUT),
                e.amount_fen if e.kind == PAYOUT else 0, int(e.kind == REVERSAL),
                -e.amount_fen if e.kind == REVERSAL else 0,
            )
            for e in chosen
        ]  # fmt: skip
        figures, months = rollup(leaves, root)
        for members, column in ((True, "member_id"), (False, "household_id")):
            nets: dict[tuple[str, str, str], int] = {}
            for e in chosen:
                key = (getattr(e, column), e.program_code, e.unit_path)
                step = 1 if e.kind == PAYOUT else -1 if e.kind == REVERSAL else 0
                nets[key] = nets.get(key, 0) + step
            counter = DistinctCounter(members)
            for holder, code, path in sorted(k for k, net in nets.items() if net > 0 and k[0]):
                counter.feed(holder, code, path)
            counter.into(figures)
        committed: dict[str, int] = {}
        for e in chosen:
            committed[e.program_code] = committed.get(e.program_code, 0) + e.amount_fen
        return figures, months, committed


CITY = UnitNode("P-C", "P-C", "P-C", "CITY", "P", "P/P-C", 2)
# Nodes a report shows: the city and one of its two units (P-C-B-1 left out).
SHOWN = {"P-C", "P-C-A"}

as_of_events = st.lists(
    st.tuples(
        st.sampled_from(["M1", "M2", "M3", "M4"]),
        st.sampled_from(["AID", "CARD"]),
        st.sampled_from(LEAVES),
        st.integers(min_value=-1, max_value=6),  # 0: reverse an earlier payout, -1: recover
        st.integers(min_value=1, max_value=4),  # batch cut after this event
        st.integers(min_value=-3, max_value=3),  # recorded this many ticks out of order
        st.sampled_from([YEAR, YEAR, YEAR + 1]),
    ),
    min_size=1,
    max_size=50,
)


@settings(max_examples=200, deadline=None)
@given(as_of_events, st.sampled_from([1, 3, 4, 8]))
def test_as_of_figures_from_the_buckets_equal_a_recount(
    script: list[tuple[str, str, str, int, int, int, int]], bucket_size: int
) -> None:
    """For every time T: the figures as recorded up to T from the as-of buckets
    (sums of whole buckets, replayed moves, late entries' holders recounted)
    equal a recount of the entries recorded up to T, with reversals,
    recoveries, members at several units and recorded times out of order."""
    facts = entry_facts(
        (member, code, leaf, amount, position * 10 + skew * 7, year)
        for position, (member, code, leaf, amount, _cut, skew, year) in enumerate(script, 1)
    )
    tables = Buckets(bucket_size=bucket_size)
    batch: list[EntryRecorded] = []
    for fact, (*_rest, cut, _skew, _year) in zip(facts, script, strict=True):
        batch.append(fact)
        if cut == 1:
            tables.apply(batch)
            batch = []
    tables.apply(batch)
    times = sorted({f.recorded_us for f in facts})
    for as_of_us in [times[0] - 1, *times, *(t + 1 for t in times)]:
        for year in (YEAR, YEAR + 1):
            for root in (ROOT_NODE, CITY):
                expected = tables.recounted(year, as_of_us, root)
                assert tables.as_of(year, as_of_us, root) == expected, (as_of_us, year, root)
                # A report's nodes only: the same figures for those nodes.
                figures, months, committed = tables.as_of(year, as_of_us, root, SHOWN)
                assert figures == {k: f for k, f in expected[0].items() if k[1] in SHOWN}
                assert (months, committed) == expected[1:]
