"""Annual reports and programme totals in the unions' published form.

Figures per programme (and for all programmes together) in a unit subtree: paid
net of reversals, person-times (人次: payouts net of reversals), distinct members
(人) and households (户) with a payout not reversed, gross payouts and
reversals; by month of the effective date; by unit down to a chosen depth.

Three sources give the same figures: the projection's running totals (the
current report, a few indexed reads); for the "as recorded up to T" report, the
projection's as-of buckets and a recount of what they leave open
(:class:`AsOfCount`); and, as the reference, a recount of every entry recorded
up to T (:func:`rollup` and :class:`DistinctCounter`). :func:`assemble` builds
the report from any of them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from benefits_platform.domain_errors import InvalidArgument

from .facts import ALL_PROGRAMMES, PAYOUT, REVERSAL, ROOT, UNASSIGNED, nodes_of
from .projection import positive_nodes

if TYPE_CHECKING:
    from .claims import ClaimsReport, EmergencyFigures

MAX_DEPTH = 4
MONTHS = range(1, 13)


@dataclass
class Figures:
    paid_fen: int = 0
    payout_count: int = 0
    payout_fen: int = 0
    reversal_count: int = 0
    reversal_fen: int = 0
    members: int = 0
    households: int = 0

    @property
    def person_times(self) -> int:
        """人次: payouts net of reversals."""
        return self.payout_count - self.reversal_count

    @property
    def recovered_fen(self) -> int:
        """Recovered from emergency payouts: what paid_fen lacks of payouts less reversals."""
        return self.payout_fen - self.reversal_fen - self.paid_fen

    def add(self, paid: int, payouts: int, gross: int, reversals: int, reversed_fen: int) -> None:
        self.paid_fen += paid
        self.payout_count += payouts
        self.payout_fen += gross
        self.reversal_count += reversals
        self.reversal_fen += reversed_fen


@dataclass
class MonthFigures:
    month: int
    paid_fen: int = 0
    payout_count: int = 0
    reversal_count: int = 0
    reversal_fen: int = 0

    @property
    def person_times(self) -> int:
        return self.payout_count - self.reversal_count


@dataclass(frozen=True)
class UnitNode:
    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str
    path: str
    depth: int  # levels below the province (ROOT: 0, a province: 1)


ROOT_NODE = UnitNode(ROOT, "全部单位", "all units", "", "", "", 0)
UNASSIGNED_NODE = UnitNode(UNASSIGNED, "未记录单位", "no unit recorded", "", ROOT, UNASSIGNED, 1)


@dataclass(frozen=True)
class ProgrammeInfo:
    code: str
    fiscal_year: int
    name_zh: str
    name_en: str
    kind: str
    budget_fen: int
    committed_fen: int
    closed: bool

    @property
    def remaining_fen(self) -> int:
        return self.budget_fen - self.committed_fen


@dataclass
class UnitFigures:
    unit: UnitNode
    depth: int  # below the report's unit
    figures: Figures


@dataclass
class Section:
    """One programme's part of a report (``programme`` None: all programmes)."""

    programme: ProgrammeInfo | None
    totals: Figures
    months: list[MonthFigures]
    units: list[UnitFigures]


@dataclass
class AnnualReport:
    fiscal_year: int
    root: UnitNode
    depth: int
    as_of_us: int | None
    programmes: list[Section]
    overall: Section
    # Mutual-aid programmes (claims, contributions, pool) and emergency-aid
    # programmes (payouts and what became of them) within the same subtree.
    mutual_aid: list[ClaimsReport] = field(default_factory=list)
    emergency: list[tuple[ProgrammeInfo, EmergencyFigures]] = field(default_factory=list)


def check_request(
    fiscal_year: int, depth: int, field_prefix: str = "", as_of_us: int | None = None
) -> None:
    if not 2000 <= fiscal_year <= 2100:
        raise InvalidArgument(f"{field_prefix}fiscal_year", "must be a year from 2000 to 2100")
    if not 0 <= depth <= MAX_DEPTH:
        raise InvalidArgument(f"{field_prefix}unit_depth", f"must be 0 to {MAX_DEPTH}")
    if as_of_us is not None and as_of_us <= 0:
        raise InvalidArgument(f"{field_prefix}as_of", "must be a time after the epoch")


NodeFigures = Mapping[tuple[str, str], Figures]  # (programme code, node) -> figures
RootMonths = Mapping[tuple[str, int], MonthFigures]  # (programme code, month) -> figures


def _section(
    programme: ProgrammeInfo | None,
    root: UnitNode,
    nodes: Sequence[UnitNode],
    node_figures: NodeFigures,
    months: RootMonths,
) -> Section:
    code = programme.code if programme is not None else ALL_PROGRAMMES
    units = []
    for node in nodes:
        found = node_figures.get((code, node.code))
        if found is not None and found.payout_count > 0:
            units.append(UnitFigures(node, node.depth - root.depth, found))
    return Section(
        programme,
        node_figures.get((code, root.code)) or Figures(),
        [months.get((code, m)) or MonthFigures(m) for m in MONTHS],
        units,
    )


def assemble(
    fiscal_year: int,
    root: UnitNode,
    depth: int,
    as_of_us: int | None,
    programmes: Iterable[ProgrammeInfo],
    nodes: Iterable[UnitNode],
    node_figures: NodeFigures,
    months: RootMonths,
) -> AnnualReport:
    """The report of ``root``'s subtree; ``nodes`` are the units below it to
    ``depth`` (any order); figures of units without payouts are left out."""
    ordered = sorted(nodes, key=lambda n: n.path)
    sections = [
        _section(p, root, ordered, node_figures, months)
        for p in sorted(programmes, key=lambda p: p.code)
    ]
    overall = _section(None, root, ordered, node_figures, months)
    return AnnualReport(fiscal_year, root, depth, as_of_us, sections, overall)


# -- the recount from entries (as recorded up to a time) -------------------------------

LeafRow = tuple[str, str, int, int, int, int, int, int]
# (programme code, unit path, month, paid, payouts, gross, reversals, reversed fen)


def rollup(
    leaves: Iterable[LeafRow], root: UnitNode, shown: Collection[str] | None = None
) -> tuple[dict[tuple[str, str], Figures], dict[tuple[str, int], MonthFigures]]:
    """Additive figures per (programme, node) for every node the leaves reach
    (of those in ``shown``, when given: the nodes a report shows), and per
    (programme, month) for ``root``; each also under ALL_PROGRAMMES."""
    # Summed per (code, path) first (over months), then rolled up the nodes.
    paths: dict[tuple[str, str], list[int]] = {}
    months: dict[tuple[str, int], MonthFigures] = {}
    under_root: dict[str, bool] = {}
    for code, path, month, paid, payouts, gross, reversals, reversed_fen in leaves:
        found = paths.get((code, path))
        if found is None:
            paths[(code, path)] = [paid, payouts, gross, reversals, reversed_fen]
        else:
            found[0] += paid
            found[1] += payouts
            found[2] += gross
            found[3] += reversals
            found[4] += reversed_fen
        below = under_root.get(path)
        if below is None:
            below = under_root[path] = root.code in nodes_of(path)
        if below:
            for programme in (code, ALL_PROGRAMMES):
                m = months.get((programme, month))
                if m is None:
                    m = months[(programme, month)] = MonthFigures(month)
                m.paid_fen += paid
                m.payout_count += payouts
                m.reversal_count += reversals
                m.reversal_fen += reversed_fen
    node_figures: dict[tuple[str, str], Figures] = {}
    for (code, path), values in paths.items():
        nodes = nodes_of(path)
        if shown is not None:
            nodes = [node for node in nodes if node in shown]
        for programme in (code, ALL_PROGRAMMES):
            for node in nodes:
                figures = node_figures.get((programme, node))
                if figures is None:
                    figures = node_figures[(programme, node)] = Figures()
                figures.add(*values)
    return node_figures, months


@dataclass
class DistinctCounter:
    """Distinct members (or households) per (programme, node) from rows of
    (holder, programme code, unit path) with a positive net count, grouped by
    holder: a holder counts once at every node some of its paths reach."""

    members: bool
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    _holder: str | None = None
    _paths: dict[str, set[str]] = field(default_factory=dict)

    def feed(self, holder: str, code: str, path: str) -> None:
        if holder != self._holder:
            self._flush()
            self._holder = holder
        self._paths.setdefault(code, set()).add(path)
        self._paths.setdefault(ALL_PROGRAMMES, set()).add(path)

    def _flush(self) -> None:
        for code, paths in self._paths.items():
            for node in positive_nodes(paths):
                self.counts[(code, node)] = self.counts.get((code, node), 0) + 1
        self._paths = {}

    def into(self, node_figures: dict[tuple[str, str], Figures]) -> None:
        self._flush()
        for key, count in self.counts.items():
            figures = node_figures.get(key)
            if figures is None:
                continue
            if self.members:
                figures.members = count
            else:
                figures.households = count


# -- as recorded up to a time, from the as-of buckets -----------------------------------


class AsOfEntry(NamedTuple):
    """An entry as the as-of count reads it back (columns of the entries table)."""

    position: int
    recorded_us: int
    kind: str
    member_id: str
    household_id: str
    program_code: str
    unit_path: str
    month: int
    amount_fen: int
    member_move: int
    member_all_move: int
    household_move: int
    household_all_move: int


class HolderEntry(NamedTuple):
    """One entry of a member or household whose distinct counts are recounted."""

    position: int
    recorded_us: int
    kind: str
    program_code: str
    unit_path: str


def leaf_values(kind: str, amount: int) -> tuple[int, int, int, int, int]:
    """(paid, payouts, gross, reversals, reversed fen) of one entry."""
    if kind == PAYOUT:
        return amount, 1, amount, 0, 0
    if kind == REVERSAL:
        return amount, 0, 0, 1, -amount
    return amount, 0, 0, 0, 0  # a recovery: paid net of it, nothing else moves


def _net(kind: str) -> int:
    return 1 if kind == PAYOUT else -1 if kind == REVERSAL else 0


def holder_nodes(entries: Iterable[HolderEntry]) -> set[tuple[str, str]]:
    """(programme, node) where a holder with these entries counts once: nodes
    of its unit paths with a positive net count, per programme and for
    ALL_PROGRAMMES (as DistinctCounter counts it)."""
    nets: dict[tuple[str, str], int] = {}
    for e in entries:
        nets[(e.program_code, e.unit_path)] = nets.get((e.program_code, e.unit_path), 0) + _net(
            e.kind
        )
    paths: dict[str, set[str]] = {}
    for (code, path), net in nets.items():
        if net > 0:
            paths.setdefault(code, set()).add(path)
            paths.setdefault(ALL_PROGRAMMES, set()).add(path)
    return {(code, node) for code, found in paths.items() for node in positive_nodes(found)}


NO_LIMIT = 2**62  # a position past every other


@dataclass(frozen=True)
class AsOfPlan:
    """What an as-of count reads (see AsOfCount): the sums of the buckets
    below ``settled_below``; the entries of the position ranges ``reads``
    (start, end), of the bucket where T falls and of every later one with an
    entry recorded by T; ``limit``, the first position of a bucket after that
    one that is not read (NO_LIMIT: none)."""

    settled_below: int
    reads: list[tuple[int, int]]
    limit: int


def as_of_plan(spans: Iterable[tuple[int, int, int]], as_of_us: int, bucket_size: int) -> AsOfPlan:
    """The plan for ``spans``: (bucket, first, last recorded time of its
    entries) of every bucket with entries, in bucket order."""
    settled_below, limit = NO_LIMIT, NO_LIMIT
    reads: list[tuple[int, int]] = []
    for bucket, first, last in spans:
        if settled_below == NO_LIMIT:
            if last <= as_of_us:
                continue
            settled_below = bucket
        elif first > as_of_us:
            limit = min(limit, bucket * bucket_size)
            continue
        start, end = bucket * bucket_size, (bucket + 1) * bucket_size
        if reads and reads[-1][1] == start:
            reads[-1] = (reads[-1][0], end)
        else:
            reads.append((start, end))
    return AsOfPlan(settled_below, reads, limit)


class AsOfCount:
    """One fiscal year's figures as recorded up to ``as_of_us``, exactly as the
    recount from every entry gives them, from the projection's as-of buckets
    (see reporting.domain.projection):

    1. :meth:`add_leaf` and :meth:`add_moves`: the sums of the buckets whose
       entries were all recorded by T (the buckets before the first one with a
       later entry), i.e. the figures and distinct counts of every entry of the
       year before that bucket's first position;
    2. :meth:`add_tail`: the year's entries of that bucket and of every later
       bucket with an entry recorded by T, in position order. Each entry
       recorded by T adds its figures. While the entries are recorded by T and
       follow each other (up to ``limit``, the first position of a bucket not
       read), their recorded distinct-count moves are replayed: the counts stay
       those of every entry of the year before a position. The entries after
       that point recorded by T (late: recorded times are not in position
       order across ledger writers) are set aside. (Or the same from sums:
       :meth:`add_leaf`, :meth:`replay` and :meth:`add_late`.)
    3. :meth:`recount_holders`: for each member and household of a late entry,
       its count as of that point is taken back and its count from its entries
       recorded by T put in (:meth:`late_holders` says whose entries to read).
    """

    def __init__(self, as_of_us: int, shown: Collection[str] | None = None) -> None:
        self.as_of_us = as_of_us
        # The nodes a report shows (None: every node): only theirs are counted.
        self.shown = shown
        self._shown_nodes: dict[tuple[str, int], list[str]] = {}
        self.leaves: dict[tuple[str, str, int], list[int]] = {}
        # (programme, path) -> [members, households] moved at every node of the path
        self.moves: dict[tuple[str, str], list[int]] = {}
        # (programme, node) -> [members, households]
        self.recounted: dict[tuple[str, str], list[int]] = {}
        self.replayed_to = 0  # the year's entries before this position all count
        self.late: list[AsOfEntry] = []

    def add_leaf(self, code: str, path: str, month: int, values: Sequence[int]) -> None:
        """Add (paid, payouts, gross, reversals, reversed fen) at a leaf."""
        leaf = self.leaves.get((code, path, month))
        if leaf is None:
            self.leaves[(code, path, month)] = list(values)
        else:
            for i, value in enumerate(values):
                leaf[i] += value

    def add_moves(self, programme: str, path: str, members: int, households: int) -> None:
        row = self.moves.get((programme, path))
        if row is None:
            self.moves[(programme, path)] = [members, households]
        else:
            row[0] += members
            row[1] += households

    def add_tail(self, entries: Iterable[AsOfEntry], limit: int) -> None:
        """Step 2 from the entries themselves (see the class docstring; the
        adapter does the same with sums in SQL: :meth:`replay`, :meth:`add_late`)."""
        as_of, replaying, replayed_to = self.as_of_us, True, limit
        for e in entries:
            if replaying and (e.position >= limit or e.recorded_us > as_of):
                replaying, replayed_to = False, min(e.position, limit)
            if e.recorded_us > as_of:
                continue
            self.add_leaf(e.program_code, e.unit_path, e.month, leaf_values(e.kind, e.amount_fen))
            if replaying:
                moves = (e.member_move, e.member_all_move, e.household_move, e.household_all_move)
                self.replay(e.program_code, e.unit_path, moves)
            else:
                self.late.append(e)
        self.replayed_to = replayed_to

    def replay(self, code: str, path: str, moves: Sequence[int], times: int = 1) -> None:
        """Replay the distinct-count moves (see EntryRow) of ``times`` entries."""
        for move, programme, column in zip(
            moves, (code, ALL_PROGRAMMES, code, ALL_PROGRAMMES), (0, 0, 1, 1), strict=True
        ):
            if not move:
                continue
            change, start = (times, move - 1) if move > 0 else (-times, -move - 1)
            for node in self._nodes(path, start):
                row = self.recounted.get((programme, node))
                if row is None:
                    row = self.recounted[(programme, node)] = [0, 0]
                row[column] += change

    def _nodes(self, path: str, start: int = 0) -> list[str]:
        """The path's nodes from ``start`` on, of those shown."""
        if self.shown is None:
            return nodes_of(path)[start:]
        found = self._shown_nodes.get((path, start))
        if found is None:
            shown = self.shown
            found = [node for node in nodes_of(path)[start:] if node in shown]
            self._shown_nodes[(path, start)] = found
        return found

    def add_late(self, entries: Iterable[AsOfEntry], replayed_to: int) -> None:
        """The entries recorded by T after the replayed ones (their figures are
        added as leaves apart), and where the replay ended."""
        self.late.extend(entries)
        self.replayed_to = replayed_to

    def late_holders(self) -> tuple[set[str], set[str]]:
        """(members, households) of the late entries."""
        members = {e.member_id for e in self.late if e.member_id}
        households = {e.household_id for e in self.late if e.household_id}
        return members, households

    def recount_holders(
        self,
        members: Mapping[str, Sequence[HolderEntry]],
        households: Mapping[str, Sequence[HolderEntry]],
    ) -> None:
        """Every entry of the year of each member and household of :meth:`late_holders`."""
        for column, found in ((0, members), (1, households)):
            for entries in found.values():
                before = holder_nodes(e for e in entries if e.position < self.replayed_to)
                after = holder_nodes(e for e in entries if e.recorded_us <= self.as_of_us)
                for key, change in (*((k, -1) for k in before), *((k, 1) for k in after)):
                    if self.shown is not None and key[1] not in self.shown:
                        continue
                    row = self.recounted.get(key)
                    if row is None:
                        row = self.recounted[key] = [0, 0]
                    row[column] += change

    def committed(self) -> dict[str, int]:
        """Programme code -> its entries' amounts summed (budget committed)."""
        found: dict[str, int] = {}
        for (code, _path, _month), values in self.leaves.items():
            found[code] = found.get(code, 0) + values[0]
        return found

    def figures(
        self, root: UnitNode
    ) -> tuple[dict[tuple[str, str], Figures], dict[tuple[str, int], MonthFigures]]:
        """The figures of every node shown, and of ``root`` by month."""
        node_figures, months = rollup(
            ((c, p, m, *v) for (c, p, m), v in self.leaves.items()),  # type: ignore[misc]
            root,
            self.shown,
        )
        counts = {key: list(row) for key, row in self.recounted.items()}
        for (programme, path), (members, households) in self.moves.items():
            if members or households:
                for node in self._nodes(path):
                    row = counts.get((programme, node))
                    if row is None:
                        row = counts[(programme, node)] = [0, 0]
                    row[0] += members
                    row[1] += households
        for key, figures in node_figures.items():
            found = counts.get(key)
            if found is not None:
                figures.members, figures.households = found
        return node_figures, months
