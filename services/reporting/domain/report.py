"""Annual reports and programme totals in the unions' published form.

Figures per programme (and for all programmes together) in a unit subtree: paid
net of reversals, person-times (人次: payouts net of reversals), distinct members
(人) and households (户) with a payout not reversed, gross payouts and
reversals; by month of the effective date; by unit down to a chosen depth.

Two sources give the same figures: the projection's running totals (the current
report, a few indexed reads) and a recount from the entries recorded up to a
time (the "as recorded up to T" report). :func:`rollup` and
:class:`DistinctCounter` are that recount; :func:`assemble` builds the report
from either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from benefits_platform.domain_errors import InvalidArgument

from .facts import ALL_PROGRAMMES, ROOT, UNASSIGNED, nodes_of
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
    leaves: Iterable[LeafRow], root: UnitNode
) -> tuple[dict[tuple[str, str], Figures], dict[tuple[str, int], MonthFigures]]:
    """Additive figures per (programme, node) for every node the leaves reach,
    and per (programme, month) for ``root``; each also under ALL_PROGRAMMES."""
    node_figures: dict[tuple[str, str], Figures] = {}
    months: dict[tuple[str, int], MonthFigures] = {}
    for code, path, month, paid, payouts, gross, reversals, reversed_fen in leaves:
        nodes = nodes_of(path)
        for programme in (code, ALL_PROGRAMMES):
            for node in nodes:
                figures = node_figures.get((programme, node))
                if figures is None:
                    figures = node_figures[(programme, node)] = Figures()
                figures.add(paid, payouts, gross, reversals, reversed_fen)
            if root.code in nodes:
                m = months.get((programme, month))
                if m is None:
                    m = months[(programme, month)] = MonthFigures(month)
                m.paid_fen += paid
                m.payout_count += payouts
                m.reversal_count += reversals
                m.reversal_fen += reversed_fen
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
