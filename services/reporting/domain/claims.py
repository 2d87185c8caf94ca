"""Mutual aid and emergency aid in the reports, as pure functions over plain
values: the projection of the ledger's contribution, claim and emergency-aid
events (facts and the little state they need in, row changes out), and the
claims and emergency-aid figures built from those rows.

What the projection keeps (one row each):

- the periods and rules of each mutual-aid or emergency programme-year;
- every contribution, with the unit path it counts under (the member's unit
  on the contribution date, from the basis the ledger recorded, rolled up as
  payouts are), and per programme, year, period and unit path their count and
  amount;
- per programme-year, the pool: contributions in, claims paid out;
- every claim as it stands (state, the approved and paid benefit, the unit
  path of the member's unit on the incident date), and every step of its
  history with its recorded time (for reports "as recorded up to T");
- every emergency payout's obligation to be verified: due date, verified,
  recovered (sum and instalments), reversed, counted under its payout's unit.

A claim's ``benefit`` is its approved benefit while APPROVED and what was paid
once PAID (0 in any other state). Money is integer fen; the average benefit
and the loss ratio are integer divisions rounded half up, and the exact
fraction is always in the figures (paid / count, paid / contributions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from .facts import (
    APPROVED,
    CLAIM_STATES,
    FILED,
    PAID,
    RECOVERY,
    REVERSAL,
    ROOT,
    UNASSIGNED,
    AidVerified,
    ClaimChanged,
    ClaimFiled,
    ContributionRecorded,
    EntryRecorded,
    LedgerFact,
    ObligationCreated,
    ProgrammeOpened,
    nodes_of,
)
from .projection import Original, UnitInfo, unit_path
from .report import ProgrammeInfo, UnitNode

ALL_PERIODS = "*"
POOL_PREFIX = "mutual-aid-pool:"
BASIS_POINTS = 10_000


def pool_account(code: str, fiscal_year: int) -> str:
    return f"{POOL_PREFIX}{code}:{fiscal_year}"


def rounded_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (both >= 0; 0 when denominator is 0)."""
    if denominator <= 0:
        return 0
    return (2 * numerator + denominator) // (2 * denominator)


def claim_benefit(state: str, approved_fen: int, paid_fen: int) -> int:
    if state == APPROVED:
        return approved_fen
    if state == PAID:
        return paid_fen
    return 0


# -- rows -------------------------------------------------------------------------


class RulesRow(NamedTuple):
    program_code: str
    fiscal_year: int
    mutual_aid: int  # 1: a mutual-aid programme (claims, contributions, a pool)
    overdraft_fen: int
    verify_within_days: int  # > 0: an emergency programme


class PeriodRow(NamedTuple):
    program_code: str
    fiscal_year: int
    period_id: str
    start_date: str
    end_date: str


class ContributionRow(NamedTuple):
    position: int
    entry_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    amount_fen: int
    effective_date: str
    recorded_us: int
    unit_code: str
    unit_path: str


class ClaimRow(NamedTuple):
    claim_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    member_id: str
    category: str
    incident_date: str
    unit_code: str
    unit_path: str
    bill_total_fen: int
    self_paid_fen: int
    state: str
    approved_fen: int
    paid_fen: int
    payout_entry_id: str
    paid_on: str
    filed_position: int
    filed_us: int
    position: int  # of the claim's last event
    recorded_us: int


class HistoryRow(NamedTuple):
    position: int
    claim_id: str
    program_code: str
    fiscal_year: int
    state: str
    benefit_fen: int
    recorded_us: int


class ObligationRow(NamedTuple):
    payout_entry_id: str
    obligation_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    unit_code: str
    unit_path: str
    amount_fen: int
    effective_date: str
    due_date: str
    created_position: int
    created_us: int
    verified_on: str
    verified_us: int
    recovered_fen: int
    instalments: int
    reversed_fen: int
    reversed_us: int
    position: int  # of the obligation's last change


# -- the projection ---------------------------------------------------------------


@dataclass
class ClaimsState:
    """What a batch needs from the projection as it stands before the batch."""

    units: Mapping[str, UnitInfo] = field(default_factory=dict)
    claims: Mapping[str, ClaimRow] = field(default_factory=dict)
    obligations: Mapping[str, ObligationRow] = field(default_factory=dict)


@dataclass
class ClaimsChanges:
    rules: list[RulesRow] = field(default_factory=list)
    periods: list[PeriodRow] = field(default_factory=list)
    contributions: list[ContributionRow] = field(default_factory=list)
    # (code, year, period, unit path) -> [count, fen]
    contribution_totals: dict[tuple[str, int, str, str], list[int]] = field(default_factory=dict)
    # (code, year) -> [contributed fen, contributions, claims paid fen, claims paid]
    pools: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    claims: dict[str, ClaimRow] = field(default_factory=dict)
    history: list[HistoryRow] = field(default_factory=list)
    obligations: dict[str, ObligationRow] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(
            (
                self.rules,
                self.periods,
                self.contributions,
                self.claims,
                self.history,
                self.obligations,
            )
        )


@dataclass(frozen=True)
class ClaimsNeeds:
    units: set[str]
    claims: set[str]  # claims changed in the batch but filed before it
    obligations: set[str]  # payouts whose obligation a batch event changes
    # (member id, entry id) of payouts an obligation of the batch was created
    # for that are not in the batch itself.
    payouts: set[tuple[str, str]]


def claims_needs(facts: Iterable[LedgerFact]) -> ClaimsNeeds:
    units: set[str] = set()
    claims: set[str] = set()
    obligations: set[str] = set()
    payouts: set[tuple[str, str]] = set()
    filed: set[str] = set()
    created: set[str] = set()
    paid_out: set[str] = set()
    for fact in facts:
        if isinstance(fact, EntryRecorded):  # the most common: checked first
            if fact.kind in (REVERSAL, RECOVERY):
                if fact.reverses_entry_id not in created:
                    obligations.add(fact.reverses_entry_id)
            else:
                paid_out.add(fact.entry_id)
        elif isinstance(fact, ContributionRecorded | ClaimFiled):
            if fact.unit_code:
                units.add(fact.unit_code)
            if isinstance(fact, ClaimFiled):
                filed.add(fact.claim_id)
        elif isinstance(fact, ClaimChanged):
            if fact.claim_id not in filed:
                claims.add(fact.claim_id)
        elif isinstance(fact, ObligationCreated):
            created.add(fact.payout_entry_id)
            if fact.payout_entry_id not in paid_out:
                payouts.add((fact.member_id, fact.payout_entry_id))
        elif isinstance(fact, AidVerified) and fact.payout_entry_id not in created:
            obligations.add(fact.payout_entry_id)
    return ClaimsNeeds(units, claims, obligations, payouts)


def _add(
    table: dict[tuple[str, int], list[int]], key: tuple[str, int], values: Sequence[int]
) -> None:
    row = table.setdefault(key, [0] * len(values))
    for i, value in enumerate(values):
        row[i] += value


class ClaimsPlanner:
    """Plans one batch of ledger facts (the mutual-aid and emergency-aid part)
    against ``state``; ``payout`` gives the (unit code, unit path, household)
    of a payout of the batch or before it (see LedgerPlanner.original)."""

    def __init__(self, state: ClaimsState, payout: Callable[[str], Original | None]) -> None:
        self.state = state
        self.payout = payout
        self.out = ClaimsChanges()

    def _claim(self, claim_id: str) -> ClaimRow | None:
        return self.out.claims.get(claim_id) or self.state.claims.get(claim_id)

    def _obligation(self, entry_id: str) -> ObligationRow | None:
        return self.out.obligations.get(entry_id) or self.state.obligations.get(entry_id)

    def add(self, fact: LedgerFact) -> None:
        if isinstance(fact, EntryRecorded):  # the most common: checked first
            if fact.kind in (REVERSAL, RECOVERY):
                self._reversed(fact)
        elif isinstance(fact, ProgrammeOpened):
            self._opened(fact)
        elif isinstance(fact, ContributionRecorded):
            self._contribution(fact)
        elif isinstance(fact, ClaimFiled):
            self._filed(fact)
        elif isinstance(fact, ClaimChanged):
            self._changed(fact)
        elif isinstance(fact, ObligationCreated):
            self._obligation_created(fact)
        elif isinstance(fact, AidVerified):
            found = self._obligation(fact.payout_entry_id)
            if found is not None:
                self.out.obligations[found.payout_entry_id] = found._replace(
                    verified_on=fact.verified_on,
                    verified_us=fact.recorded_us,
                    position=fact.position,
                )

    def _reversed(self, fact: EntryRecorded) -> None:
        """A reversal of, or a recovery from, a payout (an emergency one: its obligation)."""
        found = self._obligation(fact.reverses_entry_id)
        if found is not None:
            if fact.kind == RECOVERY:
                found = found._replace(
                    recovered_fen=found.recovered_fen - fact.amount_fen,
                    instalments=found.instalments + 1,
                    position=fact.position,
                )
            else:
                found = found._replace(
                    reversed_fen=-fact.amount_fen,
                    reversed_us=fact.recorded_us,
                    position=fact.position,
                )
            self.out.obligations[found.payout_entry_id] = found

    def _opened(self, fact: ProgrammeOpened) -> None:
        if not fact.periods and not fact.verify_within_days:
            return
        self.out.rules.append(
            RulesRow(
                fact.code,
                fact.fiscal_year,
                int(bool(fact.periods)),
                fact.overdraft_fen,
                fact.verify_within_days,
            )
        )
        self.out.periods.extend(
            PeriodRow(fact.code, fact.fiscal_year, period_id, start, end)
            for period_id, start, end in fact.periods
        )

    def _contribution(self, fact: ContributionRecorded) -> None:
        path = unit_path(self.state.units, fact.unit_code, fact.members_position)
        code, year = fact.program_code, fact.fiscal_year
        self.out.contributions.append(
            ContributionRow(
                fact.position,
                fact.entry_id,
                fact.member_id,
                code,
                year,
                fact.period_id,
                fact.amount_fen,
                fact.effective_date,
                fact.recorded_us,
                fact.unit_code,
                path,
            )
        )
        totals = self.out.contribution_totals.setdefault((code, year, fact.period_id, path), [0, 0])
        totals[0] += 1
        totals[1] += fact.amount_fen
        _add(self.out.pools, (code, year), (fact.amount_fen, 1, 0, 0))

    def _filed(self, fact: ClaimFiled) -> None:
        row = ClaimRow(
            fact.claim_id,
            fact.program_code,
            fact.fiscal_year,
            fact.period_id,
            fact.member_id,
            fact.category,
            fact.incident_date,
            fact.unit_code,
            unit_path(self.state.units, fact.unit_code, fact.members_position),
            fact.bill_total_fen,
            fact.self_paid_fen,
            FILED,
            0,
            0,
            "",
            "",
            fact.position,
            fact.recorded_us,
            fact.position,
            fact.recorded_us,
        )
        self.out.claims[fact.claim_id] = row
        self._history(row, fact.position, FILED, 0, fact.recorded_us)

    def _changed(self, fact: ClaimChanged) -> None:
        found = self._claim(fact.claim_id)
        if found is None:
            return  # a claim this projection never saw filed
        row = found._replace(state=fact.state, position=fact.position, recorded_us=fact.recorded_us)
        if fact.state == APPROVED:
            row = row._replace(approved_fen=fact.benefit_fen)
        elif fact.state == PAID:
            row = row._replace(
                paid_fen=fact.benefit_fen,
                payout_entry_id=fact.payout_entry_id,
                paid_on=fact.effective_date,
            )
            _add(self.out.pools, (row.program_code, row.fiscal_year), (0, 0, fact.benefit_fen, 1))
        self.out.claims[fact.claim_id] = row
        benefit = claim_benefit(row.state, row.approved_fen, row.paid_fen)
        self._history(row, fact.position, fact.state, benefit, fact.recorded_us)

    def _history(self, row: ClaimRow, position: int, state: str, benefit: int, us: int) -> None:
        self.out.history.append(HistoryRow(position, row.claim_id, row.program_code,
                                           row.fiscal_year, state, benefit, us))  # fmt: skip

    def _obligation_created(self, fact: ObligationCreated) -> None:
        unit_code, path, _household = self.payout(fact.payout_entry_id) or ("", UNASSIGNED, "")
        self.out.obligations[fact.payout_entry_id] = ObligationRow(
            fact.payout_entry_id,
            fact.obligation_id,
            fact.member_id,
            fact.program_code,
            fact.fiscal_year,
            unit_code,
            path,
            fact.amount_fen,
            fact.effective_date,
            fact.due_date,
            fact.position,
            fact.recorded_us,
            "",
            0,
            0,
            0,
            0,
            0,
            fact.position,
        )

    def changes(self) -> ClaimsChanges:
        return self.out


# -- claims figures -----------------------------------------------------------------


class ClaimView(NamedTuple):
    """A claim as a report counts it (as it stands, or as recorded up to T)."""

    period_id: str
    unit_path: str
    state: str
    self_paid_fen: int
    benefit_fen: int


class ContributionLeaf(NamedTuple):
    period_id: str
    unit_path: str
    contribution_count: int
    amount_fen: int


@dataclass
class ClaimsFigures:
    # state -> [count, self-paid fen, benefit fen]
    by_state: dict[str, list[int]] = field(
        default_factory=lambda: {state: [0, 0, 0] for state in CLAIM_STATES}
    )
    contribution_count: int = 0
    contributions_fen: int = 0

    def add_claim(self, state: str, self_paid_fen: int, benefit_fen: int) -> None:
        row = self.by_state[state]
        row[0] += 1
        row[1] += self_paid_fen
        row[2] += benefit_fen

    def add(self, other: ClaimsFigures) -> None:
        for state, values in other.by_state.items():
            row = self.by_state[state]
            for i, value in enumerate(values):
                row[i] += value
        self.contribution_count += other.contribution_count
        self.contributions_fen += other.contributions_fen

    @property
    def claim_count(self) -> int:
        return sum(row[0] for row in self.by_state.values())

    @property
    def self_paid_fen(self) -> int:
        return sum(row[1] for row in self.by_state.values())

    @property
    def paid_count(self) -> int:
        return self.by_state[PAID][0]

    @property
    def paid_fen(self) -> int:
        return self.by_state[PAID][2]

    @property
    def average_benefit_fen(self) -> int:
        return rounded_div(self.paid_fen, self.paid_count)

    @property
    def loss_ratio_bp(self) -> int:
        """Claims paid / contributions in basis points, rounded half up (0: no contributions)."""
        return rounded_div(self.paid_fen * BASIS_POINTS, self.contributions_fen)

    @property
    def empty(self) -> bool:
        return self.claim_count == 0 and self.contribution_count == 0


FigureKey = tuple[str, str]  # (period id or ALL_PERIODS, node)


def claims_rollup(
    claims: Iterable[ClaimView], contributions: Iterable[ContributionLeaf]
) -> dict[FigureKey, ClaimsFigures]:
    """Figures per (period, node) and (ALL_PERIODS, node) for every node the
    claims' and contributions' unit paths reach (ROOT included)."""
    out: dict[FigureKey, ClaimsFigures] = {}

    def at(period: str, path: str) -> Iterable[ClaimsFigures]:
        for node in nodes_of(path):
            for key in ((period, node), (ALL_PERIODS, node)):
                found = out.get(key)
                if found is None:
                    found = out[key] = ClaimsFigures()
                yield found

    for claim in claims:
        for figures in at(claim.period_id, claim.unit_path):
            figures.add_claim(claim.state, claim.self_paid_fen, claim.benefit_fen)
    for leaf in contributions:
        for figures in at(leaf.period_id, leaf.unit_path):
            figures.contribution_count += leaf.contribution_count
            figures.contributions_fen += leaf.amount_fen
    return out


def claims_as_of(
    history: Iterable[tuple[str, str, int]], claims: Mapping[str, ClaimView]
) -> list[ClaimView]:
    """The claims as recorded up to a time: ``history`` is (claim id, state,
    benefit) of each step recorded up to it, in log order; ``claims`` the
    claims' fixed attributes (period, unit path, self-paid) by id."""
    last: dict[str, tuple[str, int]] = {}
    for claim_id, state, benefit in history:
        last[claim_id] = (state, benefit)
    views = []
    for claim_id, (state, benefit) in last.items():
        found = claims.get(claim_id)
        if found is not None:
            views.append(found._replace(state=state, benefit_fen=benefit))
    return views


@dataclass(frozen=True)
class PoolFigures:
    account: str
    contributed_fen: int
    contribution_count: int
    claims_paid_fen: int
    claims_paid_count: int
    overdraft_fen: int

    @property
    def balance_fen(self) -> int:
        return self.contributed_fen - self.claims_paid_fen

    @property
    def available_fen(self) -> int:
        return self.balance_fen + self.overdraft_fen


@dataclass(frozen=True)
class PeriodInfo:
    period_id: str
    start_date: str
    end_date: str


# -- emergency aid ------------------------------------------------------------------

UNVERIFIED, VERIFIED, RECOVERED, REVERSED = "UNVERIFIED", "VERIFIED", "RECOVERED", "REVERSED"


class ObligationView(NamedTuple):
    """An emergency payout's obligation as a report counts it."""

    payout_entry_id: str
    obligation_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    unit_code: str
    unit_path: str
    amount_fen: int
    effective_date: str
    due_date: str
    verified: bool
    recovered_fen: int
    instalments: int
    reversed: bool

    @property
    def state(self) -> str:
        if self.reversed:
            return REVERSED
        if self.verified:
            return VERIFIED
        if self.recovered_fen >= self.amount_fen:
            return RECOVERED
        return UNVERIFIED

    @property
    def outstanding_fen(self) -> int:
        """Paid less recovered (0 once the payout was reversed)."""
        return 0 if self.reversed else self.amount_fen - self.recovered_fen

    def overdue_on(self, day: str) -> bool:
        """Unverified, something outstanding, and due before ``day`` (YYYY-MM-DD)."""
        return self.state == UNVERIFIED and self.outstanding_fen > 0 and self.due_date < day

    def days_overdue(self, day: str) -> int:
        return (dt.date.fromisoformat(day) - dt.date.fromisoformat(self.due_date)).days


@dataclass
class EmergencyFigures:
    program_code: str
    fiscal_year: int
    verify_within_days: int
    payout_count: int = 0
    paid_fen: int = 0
    recovery_count: int = 0
    recovered_fen: int = 0
    reversed_count: int = 0
    reversed_fen: int = 0
    verified_count: int = 0
    recovered_in_full_count: int = 0
    unverified_count: int = 0
    outstanding_fen: int = 0
    overdue_at_year_end_count: int = 0
    overdue_at_year_end_fen: int = 0

    @property
    def net_paid_fen(self) -> int:
        return self.paid_fen - self.recovered_fen - self.reversed_fen

    def add(self, view: ObligationView) -> None:
        self.payout_count += 1
        self.paid_fen += view.amount_fen
        self.recovery_count += view.instalments
        self.recovered_fen += view.recovered_fen
        state = view.state
        if state == REVERSED:
            self.reversed_count += 1
            self.reversed_fen += view.amount_fen
        elif state == VERIFIED:
            self.verified_count += 1
        elif state == RECOVERED:
            self.recovered_in_full_count += 1
        else:
            self.unverified_count += 1
            self.outstanding_fen += view.outstanding_fen
            if view.overdue_on(f"{self.fiscal_year + 1}-01-01"):
                self.overdue_at_year_end_count += 1
                self.overdue_at_year_end_fen += view.outstanding_fen


def in_subtree(path: str, root_code: str) -> bool:
    """Whether an entry of unit ``path`` counts under the report node ``root_code``."""
    return root_code == ROOT or root_code in nodes_of(path)


def emergency_figures(
    programmes: Iterable[tuple[str, int, int]], views: Iterable[ObligationView], root_code: str
) -> list[EmergencyFigures]:
    """Per emergency programme ((code, year, verify_within_days), by code) the
    figures of its obligations within ``root_code``'s subtree."""
    out = {code: EmergencyFigures(code, year, days) for code, year, days in programmes}
    for view in views:
        found = out.get(view.program_code)
        if found is not None and in_subtree(view.unit_path, root_code):
            found.add(view)
    return [out[code] for code in sorted(out)]


# -- the claims report --------------------------------------------------------------


@dataclass
class UnitClaimsFigures:
    unit: UnitNode
    depth: int  # below the report's unit
    figures: ClaimsFigures


@dataclass
class PeriodSection:
    period: PeriodInfo
    totals: ClaimsFigures
    units: list[UnitClaimsFigures]


@dataclass
class ClaimsReport:
    programme: ProgrammeInfo
    root: UnitNode
    depth: int
    as_of_us: int | None
    periods: list[PeriodSection]
    totals: ClaimsFigures
    pool: PoolFigures


def assemble_claims(
    programme: ProgrammeInfo,
    root: UnitNode,
    depth: int,
    as_of_us: int | None,
    periods: Sequence[PeriodInfo],
    every_period: bool,
    nodes: Iterable[UnitNode],
    figures: Mapping[FigureKey, ClaimsFigures],
    pool: PoolFigures,
) -> ClaimsReport:
    """The claims report of ``root``'s subtree for ``periods`` (all of the
    programme's when ``every_period``); ``nodes`` are the units below ``root``
    to ``depth``; units without claims or contributions are left out."""
    ordered = sorted(nodes, key=lambda n: n.path)
    sections = []
    for period in periods:
        units = []
        for node in ordered:
            found = figures.get((period.period_id, node.code))
            if found is not None and not found.empty:
                units.append(UnitClaimsFigures(node, node.depth - root.depth, found))
        totals = figures.get((period.period_id, root.code)) or ClaimsFigures()
        sections.append(PeriodSection(period, totals, units))
    if every_period:
        overall = figures.get((ALL_PERIODS, root.code)) or ClaimsFigures()
    else:
        overall = ClaimsFigures()
        for section in sections:
            overall.add(section.totals)
    return ClaimsReport(programme, root, depth, as_of_us, sections, overall, pool)
