"""The projections as pure functions: a batch of facts and the little state it
needs in, the row changes out. The adapters fetch that state, write the changes
and the consumer's position in one transaction.

What the ledger projection keeps (one row each):

- every entry, with the unit path it counts under and its household;
- per programme and fiscal year: budget, committed, payouts, reversals;
- per programme (and ALL_PROGRAMMES), year and report node (ROOT, each unit of
  the entry's unit path, UNASSIGNED): paid, gross payouts, reversals, and the
  distinct members (人) and households (户) with a payout not reversed there;
- the same additive figures per node and month of the effective date;
- per member, year, programme and unit path: payouts net of reversals, and
  what the member received there (summed, it is the member's receipts per
  programme and year); per household the same count. A member counts once at
  a node as long as some unit path below the node has a positive count (for
  ALL_PROGRAMMES: in any programme): the distinct counts move only when a count
  goes from 0 to positive or back, which the planner sees from these rows.

A payout counts under the unit its eligibility basis recorded (the member's
unit on the effective date), rolled up through the unit tree from the members
log as it stood at the basis's members position; a reversal counts where its
payout did, and so does a recovery (a clawback of part of an emergency
payout: net in the paid figures, not a change of the counts). The consumer
applies a ledger event only once the members projection has reached that
position, so the result never depends on how the two streams interleave: a
rebuild equals the live projection.

For the reports "as recorded up to T" the projection also keeps, per bucket of
AS_OF_BUCKET ledger positions, the additive figures per (programme, year, unit
path, month) and the moves of the distinct counts per (programme, year, unit
path), each move "at every node of the path" (a move at the nodes of a path
from depth k on is one at the path less one at its first k nodes' path); per
bucket the smallest and largest recorded time of its entries; and on each
entry the distinct-count moves it made (see EntryRow). A report as recorded up
to T sums the buckets recorded wholly by T and recounts the rest (see
reporting.domain.report.AsOfCount).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .facts import (
    ACTIVE,
    ALL_PROGRAMMES,
    PATH_SEPARATOR,
    PAYOUT,
    REVERSAL,
    UNASSIGNED,
    EntryRecorded,
    LedgerFact,
    MemberEnrolled,
    MembersFact,
    MembershipChanged,
    MemberTransferred,
    ProgrammeClosed,
    ProgrammeOpened,
    UnitRegistered,
    nodes_of,
)

# Column order of the additive figures, in the node and month rows.
NODE_FIGURES = ("paid_fen", "payout_count", "payout_fen", "reversal_count", "reversal_fen")
MEMBERS, HOUSEHOLDS = 5, 6  # indexes of the distinct counts after NODE_FIGURES
MONTH_FIGURES = ("paid_fen", "payout_count", "reversal_count", "reversal_fen")

UnitInfo = tuple[str, int]  # (path, position in the members log it was registered at)
HolderKey = tuple[str, int]  # (member or household id, fiscal year)
CountKey = tuple[str, str]  # (programme code, unit path)
# A holder's rows: (code, path) -> [net count, and for members: received, payouts, reversals]
HolderRows = dict[CountKey, list[int]]
Original = tuple[str, str, str]  # (unit code, unit path, household id) of a payout
MEMBER_WIDTH, HOUSEHOLD_WIDTH = 4, 1
# Ledger positions per as-of bucket (changing it means rebuilding the projections).
AS_OF_BUCKET = 32_768


def figures(entry: EntryRecorded) -> tuple[int, int, int, int, int]:
    """The additive figures one entry adds (see NODE_FIGURES)."""
    amount = entry.amount_fen
    if entry.kind == PAYOUT:
        return amount, 1, amount, 0, 0
    if entry.kind == REVERSAL:
        return amount, 0, 0, 1, -amount
    return amount, 0, 0, 0, 0  # a recovery: paid net of it, nothing else moves


def add_into(target: list[int], values: Iterable[int]) -> None:
    for i, value in enumerate(values):
        target[i] += value


def positive_nodes(paths: Iterable[str]) -> set[str]:
    """The nodes covered by a holder's unit paths with a positive count."""
    nodes: set[str] = set()
    for path in paths:
        nodes.update(nodes_of(path))
    return nodes


def depth_of(path: str) -> int:
    return path.count(PATH_SEPARATOR) + 1 if path else 0


def path_above(path: str, nodes: int) -> str:
    """The path whose nodes are the first ``nodes`` (>= 1) of ``path``'s
    (``nodes_of``): ROOT's path "" for 1, the province's for 2, ..."""
    return PATH_SEPARATOR.join(path.split(PATH_SEPARATOR)[: nodes - 1])


def move_of(change: int, start: int) -> int:
    """A distinct-count move as an entry records it: 0 for none, else
    ``change`` (+1 or -1) times one more than the index of the first node of
    the entry's path (``nodes_of``) the move reaches; it reaches every node
    from there down to the path's unit."""
    return change * (start + 1)


def unit_path(units: Mapping[str, UnitInfo], code: str, members_position: int) -> str:
    """The unit's path as the members log had it at ``members_position``
    (UNASSIGNED when no unit was recorded or the unit came later)."""
    found = units.get(code) if code and members_position > 0 else None
    if found is None or found[1] > members_position:
        return UNASSIGNED
    return found[0]


# -- the ledger -------------------------------------------------------------------


class EntryRow(NamedTuple):
    """One row of the entries table, in its column order."""

    position: int
    stream_seq: int
    entry_id: str
    kind: str
    member_id: str
    program_code: str
    fiscal_year: int
    amount_fen: int
    effective_date: str
    month: int
    recorded_us: int
    unit_code: str
    unit_path: str
    household_id: str
    reverses_entry_id: str
    reason: str
    request_id: str
    # The distinct counts this entry moved (see move_of), members and
    # households, for its programme and for ALL_PROGRAMMES: what the report
    # "as recorded up to T" replays for the entries of a bucket it recounts.
    member_move: int = 0
    member_all_move: int = 0
    household_move: int = 0
    household_all_move: int = 0


@dataclass
class LedgerState:
    """What a batch needs from the projection as it stands before the batch.
    The holders' rows are handed over: the planner changes them in place."""

    units: Mapping[str, UnitInfo] = field(default_factory=dict)
    originals: Mapping[str, Original] = field(default_factory=dict)
    member_units: Mapping[HolderKey, HolderRows] = field(default_factory=dict)
    household_units: Mapping[HolderKey, HolderRows] = field(default_factory=dict)


@dataclass
class LedgerChanges:
    entries: list[EntryRow] = field(default_factory=list)
    opened: list[ProgrammeOpened] = field(default_factory=list)
    closed: list[ProgrammeClosed] = field(default_factory=list)
    # (code, year) -> [committed, payouts, reversals]
    programmes: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    # (code, year, node) -> NODE_FIGURES + [members, households]
    nodes: dict[tuple[str, int, str], list[int]] = field(default_factory=dict)
    # (code, year, node, month) -> MONTH_FIGURES
    months: dict[tuple[str, int, str, int], list[int]] = field(default_factory=dict)
    # (holder, year, code, path) -> the row after the batch (see HolderRows)
    member_units: dict[tuple[str, int, str, str], list[int]] = field(default_factory=dict)
    household_units: dict[tuple[str, int, str, str], list[int]] = field(default_factory=dict)
    # As-of buckets: (year, bucket, code, path, month) -> the first five NODE_FIGURES;
    # (year, bucket, programme, path) -> [members, households] moved at every
    # node of the path; bucket -> [first, last recorded time] of its entries.
    bucket_leaves: dict[tuple[int, int, str, str, int], list[int]] = field(default_factory=dict)
    bucket_counts: dict[tuple[int, int, str, str], list[int]] = field(default_factory=dict)
    bucket_spans: dict[int, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class LedgerNeeds:
    units: set[str]
    # (member id, entry id) of each payout a reversal of the batch reverses
    # that is not in the batch itself (a reversal's payout is the same member's).
    originals: set[tuple[str, str]]
    members: set[str]


def ledger_needs(facts: Iterable[LedgerFact]) -> LedgerNeeds:
    """What to fetch before planning a batch (households come from the
    payouts and from the originals of the reversals: see households_needed)."""
    units: set[str] = set()
    originals: set[tuple[str, str]] = set()
    members: set[str] = set()
    in_batch: set[str] = set()
    for fact in facts:
        if isinstance(fact, EntryRecorded):
            members.add(fact.member_id)
            if fact.kind == PAYOUT:
                if fact.unit_code:
                    units.add(fact.unit_code)
                in_batch.add(fact.entry_id)
            elif fact.reverses_entry_id not in in_batch:
                originals.add((fact.member_id, fact.reverses_entry_id))
    return LedgerNeeds(units, originals, members)


def households_needed(facts: Iterable[LedgerFact], originals: Mapping[str, Original]) -> set[str]:
    households = set()
    for fact in facts:
        if isinstance(fact, EntryRecorded):
            if fact.kind == PAYOUT:
                households.add(fact.household_id)
            elif fact.reverses_entry_id in originals:
                households.add(originals[fact.reverses_entry_id][2])
    households.discard("")
    return households


def members_position_needed(fact: LedgerFact) -> int:
    """The members-log position the members projection must have reached
    before ``fact`` can be applied (0: none)."""
    # EntryRecorded, ContributionRecorded and ClaimFiled have one.
    return getattr(fact, "members_position", 0)


class _Holders:
    """Rows per holder (member or household), year, programme and unit path,
    and the distinct holder counts they imply, per programme and for
    ALL_PROGRAMMES (a holder positive at a path in any programme).

    When the holder has no other positive path (the common case) a change
    counts at every node of the path, and is kept per path (``paths``, rolled
    up once per batch); otherwise it is counted node by node (``nodes``)."""

    def __init__(
        self,
        state: Mapping[HolderKey, HolderRows],
        width: int,
        paths: dict[tuple[str, int, str], list[int]],
        nodes: dict[tuple[str, int, str], list[int]],
        column: int,
    ) -> None:
        self.state = state
        self.width = width
        self.paths = paths
        self.nodes = nodes
        self.column = column
        self.rows: dict[HolderKey, HolderRows] = {}
        # (holder, year, code, path) -> the row (changed in place)
        self.touched: dict[tuple[str, int, str, str], list[int]] = {}

    def step(
        self,
        holder: str,
        year: int,
        code: str,
        path: str,
        delta: int,
        more: tuple[int, int, int] | None = None,
    ) -> tuple[int, int]:
        """Add ``delta`` to the holder's net count at (code, path) (and, for a
        member, ``more``: received, payouts, reversals); the distinct-count
        moves it made for ``code`` and for ALL_PROGRAMMES (see move_of)."""
        key = (holder, year)
        rows = self.rows.get(key)
        if rows is None:  # the state's rows are the planner's to change
            rows = self.rows[key] = self.state.get(key) or {}
        row = rows.get((code, path))
        if row is None:
            row = rows[(code, path)] = [0] * self.width
        self.touched[(holder, year, code, path)] = row
        old = row[0]
        new = row[0] = old + delta
        if more is not None:
            row[1] += more[0]
            row[2] += more[1]
            row[3] += more[2]
        if (old > 0) == (new > 0):
            return 0, 0
        change = 1 if new > 0 else -1
        if len(rows) == 1:  # nothing else positive anywhere: every node of the path moves
            self._at_path(code, year, path, change)
            self._at_path(ALL_PROGRAMMES, year, path, change)
            return change, change
        # The holder's other positive paths: in this programme, in any; and
        # whether another programme keeps it at this path.
        same: list[str] = []
        other: list[str] = []
        kept = False
        for (c, p), r in rows.items():
            if r[0] > 0:
                if p != path:
                    other.append(p)
                    if c == code:
                        same.append(p)
                elif c != code:
                    kept = True
        moved = self._count(code, year, path, same, change)
        if kept:
            return moved, 0  # another programme keeps the holder at this path: ALL unchanged
        return moved, self._count(ALL_PROGRAMMES, year, path, other, change)

    def _at_path(self, code: str, year: int, path: str, change: int) -> None:
        """Move the count at every node of ``path`` (rolled up once per batch)."""
        found = self.paths.get((code, year, path))
        if found is None:
            found = self.paths[(code, year, path)] = [0] * NODE_WIDTH
        found[self.column] += change

    def _count(self, code: str, year: int, path: str, others: list[str], change: int) -> int:
        """Move the count at the nodes of ``path`` the holder's other positive
        paths (``others``) do not cover. Those cover a first part of the path's
        nodes (unit codes are unique and each has one parent), so the rest is
        the path's nodes from some depth on; the move (see move_of)."""
        if not others:
            self._at_path(code, year, path, change)
            return change
        covered = positive_nodes(others)
        nodes = nodes_of(path)
        start = 0
        while start < len(nodes) and nodes[start] in covered:
            start += 1
        if start == len(nodes):
            return 0
        for node in nodes[start:]:
            _row(self.nodes, (code, year, node), NODE_WIDTH)[self.column] += change
        return move_of(change, start)

    def changes(self) -> dict[tuple[str, int, str, str], list[int]]:
        return self.touched


NODE_WIDTH = len(NODE_FIGURES) + 2
MONTH_WIDTH = len(MONTH_FIGURES)


def _row(table: dict[Any, list[int]], key: Any, width: int) -> list[int]:
    row = table.get(key)
    if row is None:
        row = table[key] = [0] * width
    return row


class LedgerPlanner:
    """Plans one batch of ledger facts against ``state``; see the module docstring."""

    def __init__(self, state: LedgerState, bucket_size: int = 0) -> None:
        self.state = state
        # 0: AS_OF_BUCKET as it is now (a test may make it smaller, to cross
        # many buckets with a few entries).
        self.bucket_size = bucket_size or AS_OF_BUCKET
        self.out = LedgerChanges()
        self._originals: dict[str, Original] = {}
        # (code, year, path, month, bucket) -> figures, and (code, year, path)
        # -> the distinct counts that move at every node of the path: rolled
        # up the unit tree once per batch.
        self._leaves: dict[tuple[str, int, str, int, int], list[int]] = {}
        self._paths: dict[tuple[str, int, str], list[int]] = {}
        self._spans = self.out.bucket_spans
        self._counts = self.out.bucket_counts
        nodes = self.out.nodes
        self._members = _Holders(state.member_units, MEMBER_WIDTH, self._paths, nodes, MEMBERS)
        self._households = _Holders(
            state.household_units, HOUSEHOLD_WIDTH, self._paths, nodes, HOUSEHOLDS
        )

    def unit_path(self, code: str, members_position: int) -> str:
        """The unit's path as the members log had it at ``members_position``."""
        return unit_path(self.state.units, code, members_position)

    def original(self, entry_id: str) -> Original | None:
        """(unit code, unit path, household) of a payout of this batch or of
        the state (None: the projection never saw it)."""
        return self._originals.get(entry_id) or self.state.originals.get(entry_id)

    def add(self, fact: LedgerFact, stream_seq: int) -> None:
        if isinstance(fact, EntryRecorded):
            self._entry(fact, stream_seq)
        elif isinstance(fact, ProgrammeOpened):
            self.out.opened.append(fact)
        elif isinstance(fact, ProgrammeClosed):
            self.out.closed.append(fact)

    def _original(self, entry_id: str) -> Original:
        # A reversal whose payout the projection never saw (a stream that does
        # not start at the first event) counts as unassigned.
        return self.original(entry_id) or ("", UNASSIGNED, "")

    def _entry(self, e: EntryRecorded, stream_seq: int) -> None:
        kind, amount = e.kind, e.amount_fen
        if kind == PAYOUT:
            unit_code, household = e.unit_code, e.household_id
            path = self.unit_path(unit_code, e.members_position)
            self._originals[e.entry_id] = (unit_code, path, household)
            delta = 1
            values = [amount, 1, amount, 0, 0]  # see figures()
            more = (amount, 1, 0)
        else:
            unit_code, path, household = self._original(e.reverses_entry_id)
            if kind == REVERSAL:
                delta = -1
                values = [amount, 0, 0, 1, -amount]
                more = (amount, 0, 1)
            else:  # a recovery: paid net of it, nothing else moves
                delta = 0
                values = [amount, 0, 0, 0, 0]
                more = (amount, 0, 0)
        month = int(e.effective_date[5:7])  # month_of
        code, year, recorded = e.program_code, e.fiscal_year, e.recorded_us
        bucket = e.position // self.bucket_size
        leaf = self._leaves.get((code, year, path, month, bucket))
        if leaf is None:
            self._leaves[(code, year, path, month, bucket)] = values
        else:
            leaf[0] += values[0]
            leaf[1] += values[1]
            leaf[2] += values[2]
            leaf[3] += values[3]
            leaf[4] += values[4]
        span = self._spans.get(bucket)
        if span is None:
            self._spans[bucket] = [recorded, recorded]
        elif recorded < span[0]:
            span[0] = recorded
        elif recorded > span[1]:
            span[1] = recorded
        programme = self.out.programmes.get((code, year))
        if programme is None:
            self.out.programmes[(code, year)] = list(more)
        else:
            programme[0] += more[0]
            programme[1] += more[1]
            programme[2] += more[2]
        member, member_all = self._members.step(e.member_id, year, code, path, delta, more)
        if household:
            housed, housed_all = self._households.step(household, year, code, path, delta)
        else:
            housed = housed_all = 0
        if member or member_all or housed or housed_all:
            if (
                member_all == member
                and housed_all == housed
                and -1 <= member <= 1
                and -1 <= housed <= 1
            ):
                # every node of the path, for the programme and for all of them
                counts = self._counts
                for key in ((year, bucket, code, path), (year, bucket, ALL_PROGRAMMES, path)):
                    row = counts.get(key)
                    if row is None:
                        counts[key] = [member, housed]
                    else:
                        row[0] += member
                        row[1] += housed
            else:
                self._bucket_moves(
                    year, bucket, code, path, (member, member_all, housed, housed_all)
                )
        self.out.entries.append(
            EntryRow(
                e.position,
                stream_seq,
                e.entry_id,
                kind,
                e.member_id,
                code,
                year,
                amount,
                e.effective_date,
                month,
                recorded,
                unit_code,
                path,
                household,
                e.reverses_entry_id,
                e.reason,
                e.request_id,
                member,
                member_all,
                housed,
                housed_all,
            )
        )

    def _bucket_moves(
        self, year: int, bucket: int, code: str, path: str, moves: tuple[int, int, int, int]
    ) -> None:
        """The entry's distinct-count moves into its bucket, as moves at every
        node of a path (see the module docstring)."""
        counts = self._counts
        for move, programme, column in zip(
            moves, (code, ALL_PROGRAMMES, code, ALL_PROGRAMMES), (0, 0, 1, 1), strict=True
        ):
            if not move:
                continue
            change, start = (1, move - 1) if move > 0 else (-1, -move - 1)
            _row(counts, (year, bucket, programme, path), 2)[column] += change
            if start:
                above = path_above(path, start)
                _row(counts, (year, bucket, programme, above), 2)[column] -= change

    def changes(self) -> LedgerChanges:
        """The batch's changes (call once, after the last add)."""
        paths, months = self._paths, self.out.months
        by_month: dict[tuple[str, int, str, int], list[int]] = {}
        leaves: dict[tuple[str, int, str, int], list[int]] = {}
        for (code, year, path, month, bucket), values in self._leaves.items():
            self.out.bucket_leaves[(year, bucket, code, path, month)] = values
            leaf = leaves.get((code, year, path, month))
            if leaf is None:
                leaves[(code, year, path, month)] = list(values)
            else:
                add_into(leaf, values)
        for (code, year, path, month), values in leaves.items():
            paid, payouts, gross, reversals, reversed_fen = values
            for programme in (code, ALL_PROGRAMMES):
                row = _row(paths, (programme, year, path), NODE_WIDTH)
                row[0] += paid
                row[1] += payouts
                row[2] += gross
                row[3] += reversals
                row[4] += reversed_fen
                row = _row(by_month, (programme, year, path, month), MONTH_WIDTH)
                row[0] += paid
                row[1] += payouts
                row[2] += reversals
                row[3] += reversed_fen
        for (code, year, path, month), values in by_month.items():
            for node in nodes_of(path):
                found = months.get((code, year, node, month))
                if found is None:
                    months[(code, year, node, month)] = list(values)
                else:
                    add_into(found, values)
        nodes = self.out.nodes
        for (code, year, path), values in paths.items():
            for node in nodes_of(path):
                found = nodes.get((code, year, node))
                if found is None:
                    nodes[(code, year, node)] = list(values)
                else:
                    add_into(found, values)
        self._leaves.clear()
        paths.clear()
        self.out.member_units = self._members.changes()
        self.out.household_units = self._households.changes()
        return self.out


# -- the members log --------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str
    path: str
    depth: int
    position: int


@dataclass(frozen=True)
class MemberRow:
    member_id: str
    unit_code: str
    household_id: str
    join_date: str
    status: str
    position: int


@dataclass
class MembersState:
    units: Mapping[str, UnitInfo] = field(default_factory=dict)
    members: Mapping[str, MemberRow] = field(default_factory=dict)


@dataclass
class MembersChanges:
    units: list[UnitRow] = field(default_factory=list)
    members: dict[str, MemberRow] = field(default_factory=dict)


def members_needs(facts: Iterable[MembersFact]) -> tuple[set[str], set[str]]:
    """(parent unit codes, member ids) to fetch before planning a batch."""
    parents: set[str] = set()
    members: set[str] = set()
    for fact in facts:
        if isinstance(fact, UnitRegistered) and fact.parent_code:
            parents.add(fact.parent_code)
        elif isinstance(fact, MemberTransferred | MembershipChanged):
            members.add(fact.member_id)
    return parents, members


class MembersPlanner:
    def __init__(self, state: MembersState) -> None:
        self.state = state
        self.out = MembersChanges()
        self._units: dict[str, UnitInfo] = {}

    def add(self, fact: MembersFact, _stream_seq: int) -> None:
        if isinstance(fact, UnitRegistered):
            parent = self._units.get(fact.parent_code) or self.state.units.get(fact.parent_code)
            path = f"{parent[0]}{PATH_SEPARATOR}{fact.code}" if parent else fact.code
            self._units[fact.code] = (path, fact.position)
            self.out.units.append(
                UnitRow(
                    fact.code,
                    fact.name_zh,
                    fact.name_en,
                    fact.level,
                    fact.parent_code,
                    path,
                    depth_of(path),
                    fact.position,
                )
            )
        elif isinstance(fact, MemberEnrolled):
            self.out.members[fact.member_id] = MemberRow(
                fact.member_id,
                fact.unit_code,
                fact.household_id,
                fact.join_date,
                ACTIVE,
                fact.position,
            )
        elif isinstance(fact, MemberTransferred | MembershipChanged):
            known = self.out.members.get(fact.member_id) or self.state.members.get(fact.member_id)
            if known is None:
                return  # a member this projection never saw enrolled
            if isinstance(fact, MemberTransferred):
                row = MemberRow(
                    known.member_id,
                    fact.unit_code,
                    known.household_id,
                    known.join_date,
                    known.status,
                    fact.position,
                )
            else:
                row = MemberRow(
                    known.member_id,
                    known.unit_code,
                    known.household_id,
                    known.join_date,
                    fact.status,
                    fact.position,
                )
            self.out.members[fact.member_id] = row

    def changes(self) -> MembersChanges:
        return self.out
