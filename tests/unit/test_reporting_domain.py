"""The reporting domain in memory: the running totals the projection keeps
batch by batch (distinct members and households moved only on 0 <-> positive
transitions) always equal a recount from the entries, however the entries are
cut into batches; and the audit checks name what they find."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.domain.audit import ChainCheck, Link, PostingsCheck, StoreCheck, StoredEvent
from reporting.domain.audit import EntryPostings as Postings
from reporting.domain.facts import ALL_PROGRAMMES, PAYOUT, REVERSAL, EntryRecorded
from reporting.domain.projection import (
    HOUSEHOLDS,
    MEMBERS,
    HolderRows,
    LedgerPlanner,
    LedgerState,
)
from reporting.domain.report import ROOT_NODE, DistinctCounter, rollup

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

    def apply(self, batch: Sequence[EntryRecorded]) -> None:
        planner = LedgerPlanner(
            LedgerState(UNITS, dict(self.originals), self.member_units, self.household_units)
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
    households = {"M1": "H1", "M2": "H1", "M3": "H3", "M4": ""}
    facts: list[EntryRecorded] = []
    live_payouts: list[EntryRecorded] = []
    for position, (member, code, leaf, amount, _cut) in enumerate(script, 1):
        if amount == 0 and live_payouts:
            original = live_payouts.pop(0)
            facts.append(
                EntryRecorded(
                    position, position, f"e{position}", "", REVERSAL, original.member_id,
                    original.program_code, YEAR, -original.amount_fen, original.effective_date,
                    reverses_entry_id=original.entry_id,
                )
            )  # fmt: skip
            continue
        fact = EntryRecorded(
            position, position, f"e{position}", "", PAYOUT, member, code, YEAR,
            max(amount, 1) * 100, f"2026-{1 + position % 12:02d}-01",
            unit_code=leaf, household_id=households[member], members_position=10 if leaf else 0,
        )  # fmt: skip
        facts.append(fact)
        live_payouts.append(fact)
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
