"""The mutual-aid and emergency-aid part of the reporting domain, in memory:

- the projection of contributions, claims and emergency obligations gives the
  same rows however the events are cut into batches (each batch given only the
  state its needs name), and its claims' history recounted "as recorded up to
  the end" equals the claims as they stand;
- the claims figures (by state, paid, average benefit, contributions, loss
  ratio) by period and unit, computed by hand;
- emergency aid: states, overdue on the due-date boundary, totals net of
  recoveries;
- a recovery is net in the paid figures without moving the counts;
- the postings check follows the account each entry draws on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.domain.audit import EntryPostings, PostingsCheck
from reporting.domain.claims import (
    ALL_PERIODS,
    RECOVERED,
    REVERSED,
    UNVERIFIED,
    VERIFIED,
    ClaimRow,
    ClaimsFigures,
    ClaimsPlanner,
    ClaimsState,
    ClaimView,
    ContributionLeaf,
    HistoryRow,
    ObligationRow,
    ObligationView,
    claim_benefit,
    claims_as_of,
    claims_needs,
    claims_rollup,
    emergency_figures,
    rounded_div,
)
from reporting.domain.facts import (
    ALL_PROGRAMMES,
    APPROVED,
    PAID,
    PAYOUT,
    RECOVERY,
    REJECTED,
    REVERSAL,
    ROOT,
    UNDER_REVIEW,
    WITHDRAWN,
    AidVerified,
    ClaimChanged,
    ClaimFiled,
    ContributionRecorded,
    EntryRecorded,
    LedgerFact,
    ObligationCreated,
    ProgrammeOpened,
)
from reporting.domain.projection import MEMBERS, LedgerPlanner, LedgerState, Original

YEAR = 2026
MA, EA = "MEDICAL_MUTUAL_AID", "EMERGENCY"
UNITS = {
    "P": ("P", 1),
    "P-C": ("P/P-C", 2),
    "P-C-A": ("P/P-C/P-C-A", 3),
    "P-C-A-1": ("P/P-C/P-C-A/P-C-A-1", 4),
    "P-C-A-2": ("P/P-C/P-C-A/P-C-A-2", 5),
    "P-C-B-1": ("P/P-C/P-C-B-1", 6),
}
A1, A2, B1 = UNITS["P-C-A-1"][0], UNITS["P-C-A-2"][0], UNITS["P-C-B-1"][0]


def opened(position: int, code: str, **rules: Any) -> ProgrammeOpened:
    return ProgrammeOpened(position, position, code, YEAR, code, code, "MUTUAL_AID", 0, 0, 0,
                           False, **rules)  # fmt: skip


def contribution(position: int, member: str, unit: str, period: str) -> ContributionRecorded:
    date = "2026-01-05" if period == "H1" else "2026-07-05"
    return ContributionRecorded(position, position, f"c{position}", member, MA, YEAR, period,
                                12_000, date, unit, 10)  # fmt: skip


def filed(position: int, claim: str, member: str, unit: str, period: str,
          self_paid: int) -> ClaimFiled:  # fmt: skip
    date = "2026-03-01" if period == "H1" else "2026-09-01"
    return ClaimFiled(position, position, claim, member, MA, YEAR, period, "ILLNESS", date,
                      self_paid * 2, self_paid, unit, 10)  # fmt: skip


def step(position: int, claim: str, state: str, benefit: int = 0) -> ClaimChanged:
    paid = state == PAID
    return ClaimChanged(position, position, claim, state, benefit,
                        f"pay-{claim}" if paid else "", "2026-10-01" if paid else "")  # fmt: skip


def payout(position: int, entry: str, member: str, unit: str, amount: int,
           code: str = EA) -> EntryRecorded:  # fmt: skip
    return EntryRecorded(position, position, entry, entry, PAYOUT, member, code, YEAR, amount,
                         "2026-01-10", unit_code=unit, household_id=f"H-{member}",
                         members_position=10)  # fmt: skip


def back(position: int, entry: str, kind: str, of: str, member: str, amount: int) -> EntryRecorded:
    return EntryRecorded(position, position, entry, entry, kind, member, EA, YEAR, -amount,
                         "2026-02-10", reverses_entry_id=of)  # fmt: skip


def obligation(position: int, entry: str, member: str, amount: int, due: str) -> ObligationCreated:
    return ObligationCreated(position, position, f"o-{entry}", entry, member, EA, YEAR, amount,
                             "2026-01-10", due)  # fmt: skip


def scenario() -> list[LedgerFact]:
    """A mutual-aid programme with two half-year periods and an emergency
    programme (30 days to verify); positions from 1."""
    facts: list[LedgerFact] = [
        opened(1, MA, periods=(("H1", "2026-01-01", "2026-06-30"),
                               ("H2", "2026-07-01", "2026-12-31")), overdraft_fen=50_000),
        opened(2, EA, verify_within_days=30),
        contribution(3, "M1", "P-C-A-1", "H1"),
        contribution(4, "M2", "P-C-A-2", "H1"),
        contribution(5, "M3", "P-C-B-1", "H1"),
        contribution(6, "M4", "", "H1"),  # no unit recorded
        contribution(7, "M1", "P-C-A-1", "H2"),
        filed(8, "K1", "M1", "P-C-A-1", "H1", 80_000),
        filed(9, "K2", "M2", "P-C-A-2", "H1", 10_000),
        filed(10, "K3", "M3", "P-C-B-1", "H1", 40_000),
        step(11, "K1", UNDER_REVIEW),
        step(12, "K1", APPROVED, 50_000),
        step(13, "K2", UNDER_REVIEW),
        step(14, "K2", REJECTED),
        step(15, "K3", UNDER_REVIEW),
        step(16, "K3", APPROVED, 30_000),
        payout(17, "pay-K1", "M1", "P-C-A-1", 50_000, code=MA),
        step(18, "K1", PAID, 50_000),
        step(19, "K3", WITHDRAWN),
        filed(20, "K4", "M1", "P-C-A-1", "H2", 20_000),
        step(21, "K4", UNDER_REVIEW),
        # Emergency aid: E1 overdue, E2 verified, E3 recovered in two
        # instalments, E4 reversed, E5 partly recovered and overdue.
        payout(22, "E1", "M1", "P-C-A-1", 250_000),
        obligation(23, "E1", "M1", 250_000, "2026-02-09"),
        payout(24, "E2", "M2", "P-C-A-2", 100_000),
        obligation(25, "E2", "M2", 100_000, "2026-02-09"),
        AidVerified(26, 26, "E2", "M2", "2026-01-20"),
        payout(27, "E3", "M3", "P-C-B-1", 100_000),
        obligation(28, "E3", "M3", 100_000, "2026-02-09"),
        back(29, "R1", RECOVERY, "E3", "M3", 40_000),
        back(30, "R2", RECOVERY, "E3", "M3", 60_000),
        payout(31, "E4", "M4", "P-C-B-1", 80_000),
        obligation(32, "E4", "M4", 80_000, "2026-02-09"),
        back(33, "X4", REVERSAL, "E4", "M4", 80_000),
        payout(34, "E5", "M2", "P-C-A-2", 90_000),
        obligation(35, "E5", "M2", 90_000, "2026-12-31"),
        back(36, "R3", RECOVERY, "E5", "M2", 30_000),
    ]
    return facts


@dataclass
class Memory:
    """The projection's tables as dictionaries; each batch gets from them only
    what its needs name, as the store does."""

    originals: dict[str, Original] = field(default_factory=dict)
    claims: dict[str, ClaimRow] = field(default_factory=dict)
    obligations: dict[str, ObligationRow] = field(default_factory=dict)
    history: list[HistoryRow] = field(default_factory=list)
    contributions: list[Any] = field(default_factory=list)
    totals: dict[Any, list[int]] = field(default_factory=dict)
    pools: dict[Any, list[int]] = field(default_factory=dict)
    rules: list[Any] = field(default_factory=list)
    periods: list[Any] = field(default_factory=list)
    nodes: dict[Any, list[int]] = field(default_factory=dict)
    member_units: dict[Any, Any] = field(default_factory=dict)
    household_units: dict[Any, Any] = field(default_factory=dict)

    def apply(self, batch: list[LedgerFact]) -> None:
        ledger = LedgerPlanner(
            LedgerState(UNITS, dict(self.originals), self.member_units, self.household_units)
        )
        for fact in batch:
            ledger.add(fact, fact.position)
        entries = ledger.changes()
        for key, values in entries.nodes.items():
            row = self.nodes.setdefault(key, [0] * len(values))
            for i, value in enumerate(values):
                row[i] += value
        for table, changed in (
            (self.member_units, entries.member_units),
            (self.household_units, entries.household_units),
        ):
            for (holder, year, code, path), row in changed.items():
                table.setdefault((holder, year), {})[(code, path)] = list(row)
        needs = claims_needs(batch)
        state = ClaimsState(
            {code: UNITS[code] for code in needs.units},
            {c: self.claims[c] for c in needs.claims if c in self.claims},
            {o: self.obligations[o] for o in needs.obligations if o in self.obligations},
        )
        known = {e: self.originals[e] for _m, e in needs.payouts if e in self.originals}
        planner = ClaimsPlanner(state, lambda e: ledger.original(e) or known.get(e))
        for fact in batch:
            planner.add(fact)
        out = planner.changes()
        for e in entries.entries:
            if e.kind == PAYOUT:
                self.originals[e.entry_id] = (e.unit_code, e.unit_path, e.household_id)
        self.claims.update(out.claims)
        self.obligations.update(out.obligations)
        self.history += out.history
        self.contributions += out.contributions
        self.rules += out.rules
        self.periods += out.periods
        for table, changed in ((self.totals, out.contribution_totals), (self.pools, out.pools)):
            for key, values in changed.items():
                row = table.setdefault(key, [0] * len(values))
                for i, value in enumerate(values):
                    row[i] += value

    def tables(self) -> tuple[Any, ...]:
        return (
            sorted(self.claims.items()),
            sorted(self.obligations.items()),
            self.history,
            self.contributions,
            sorted(self.totals.items()),
            sorted(self.pools.items()),
            self.rules,
            self.periods,
            sorted(self.nodes.items()),
        )


def apply_in_batches(facts: list[LedgerFact], cuts: list[bool]) -> Memory:
    memory = Memory()
    batch: list[LedgerFact] = []
    for fact, cut in zip(facts, cuts, strict=True):
        batch.append(fact)
        if cut:
            memory.apply(batch)
            batch = []
    memory.apply(batch)
    return memory


WHOLE = apply_in_batches(scenario(), [False] * len(scenario()))


@settings(max_examples=120, deadline=None)
@given(st.lists(st.booleans(), min_size=len(scenario()), max_size=len(scenario())))
def test_the_rows_do_not_depend_on_how_the_events_are_cut_into_batches(cuts: list[bool]) -> None:
    assert apply_in_batches(scenario(), cuts).tables() == WHOLE.tables()


def current_views(memory: Memory) -> dict[str, ClaimView]:
    return {
        c.claim_id: ClaimView(c.period_id, c.unit_path, c.state, c.self_paid_fen,
                              claim_benefit(c.state, c.approved_fen, c.paid_fen))
        for c in memory.claims.values()
    }  # fmt: skip


def test_the_projected_rows_are_the_ones_expected() -> None:
    claims = {c.claim_id: (c.state, c.approved_fen, c.paid_fen, c.unit_path)
              for c in WHOLE.claims.values()}  # fmt: skip
    assert claims == {
        "K1": (PAID, 50_000, 50_000, A1),
        "K2": (REJECTED, 0, 0, A2),
        "K3": (WITHDRAWN, 30_000, 0, B1),
        "K4": (UNDER_REVIEW, 0, 0, A1),
    }
    assert WHOLE.claims["K1"].payout_entry_id == "pay-K1"
    assert WHOLE.pools == {(MA, YEAR): [60_000, 5, 50_000, 1]}
    assert WHOLE.totals[(MA, YEAR, "H1", "~")] == [1, 12_000]  # M4: no unit recorded
    assert WHOLE.totals[(MA, YEAR, "H1", A1)] == [1, 12_000]
    assert [(r.program_code, r.mutual_aid, r.overdraft_fen, r.verify_within_days)
            for r in WHOLE.rules] == [(MA, 1, 50_000, 0), (EA, 0, 0, 30)]  # fmt: skip
    assert [p.period_id for p in WHOLE.periods] == ["H1", "H2"]
    o = {e: (r.unit_path, r.recovered_fen, r.instalments, r.reversed_fen, r.verified_on)
         for e, r in WHOLE.obligations.items()}  # fmt: skip
    assert o == {
        "E1": (A1, 0, 0, 0, ""),
        "E2": (A2, 0, 0, 0, "2026-01-20"),
        "E3": (B1, 100_000, 2, 0, ""),
        "E4": (B1, 0, 0, 80_000, ""),
        "E5": (A2, 30_000, 1, 0, ""),
    }


def test_the_history_recounted_to_the_end_equals_the_claims_as_they_stand() -> None:
    current = current_views(WHOLE)
    history = [(h.claim_id, h.state, h.benefit_fen) for h in WHOLE.history]
    assert sorted(claims_as_of(history, current)) == sorted(current.values())
    # Up to position 16: K1 approved (not yet paid), K3 approved, K2 rejected.
    early = claims_as_of([(h.claim_id, h.state, h.benefit_fen)
                          for h in WHOLE.history if h.position <= 16], current)  # fmt: skip
    assert sorted((v.state, v.benefit_fen) for v in early) == [
        (APPROVED, 30_000), (APPROVED, 50_000), (REJECTED, 0),
    ]  # fmt: skip


def test_claims_figures_by_period_and_unit() -> None:
    leaves = [ContributionLeaf(period, path, n, fen)
              for (_c, _y, period, path), (n, fen) in WHOLE.totals.items()]  # fmt: skip
    figures = claims_rollup(current_views(WHOLE).values(), leaves)

    h1 = figures[("H1", ROOT)]
    assert (h1.claim_count, h1.self_paid_fen, h1.paid_count, h1.paid_fen) == (3, 130_000, 1, 50_000)
    assert h1.by_state[PAID] == [1, 80_000, 50_000]
    assert h1.by_state[REJECTED] == [1, 10_000, 0]
    assert h1.by_state[WITHDRAWN] == [1, 40_000, 0]
    assert (h1.contribution_count, h1.contributions_fen) == (4, 48_000)
    assert h1.average_benefit_fen == 50_000
    assert h1.loss_ratio_bp == 10_417  # 50,000 / 48,000 = 1.041666... -> 10416.67 bp
    every = figures[(ALL_PERIODS, ROOT)]
    assert (every.claim_count, every.contribution_count, every.contributions_fen) == (4, 5, 60_000)
    assert every.by_state[UNDER_REVIEW] == [1, 20_000, 0]
    assert every.loss_ratio_bp == 8_333  # 50,000 / 60,000
    district = figures[("H1", "P-C-A")]
    assert (district.claim_count, district.paid_fen, district.contributions_fen) == (
        2, 50_000, 24_000,
    )  # fmt: skip
    assert figures[("H1", "P-C-B-1")].paid_fen == 0
    assert figures[("H1", "~")].contribution_count == 1
    assert ("H2", "P-C-B-1") not in figures


def test_averages_and_ratios_are_integer_divisions_rounded_half_up() -> None:
    assert rounded_div(5, 2) == 3 and rounded_div(4, 3) == 1 and rounded_div(5, 3) == 2
    assert rounded_div(7, 0) == 0
    none = ClaimsFigures()
    assert (none.average_benefit_fen, none.loss_ratio_bp, none.empty) == (0, 0, True)
    f = ClaimsFigures(contribution_count=3, contributions_fen=3)
    f.add_claim(PAID, 10, 1)
    f.add_claim(PAID, 10, 2)
    assert f.average_benefit_fen == 2  # 3 / 2 = 1.5 -> 2
    assert f.loss_ratio_bp == BP_OF_ONE  # 3 / 3
    f.contributions_fen = 30_000
    assert f.loss_ratio_bp == 1  # 3 / 30000 = 1 bp exactly
    f.contributions_fen = 60_001
    assert f.loss_ratio_bp == 0  # 0.49999 bp


BP_OF_ONE = 10_000


def views(memory: Memory) -> list[ObligationView]:
    return [
        ObligationView(r.payout_entry_id, r.obligation_id, r.member_id, r.program_code,
                       r.fiscal_year, r.unit_code, r.unit_path, r.amount_fen, r.effective_date,
                       r.due_date, r.verified_us > 0, r.recovered_fen, r.instalments,
                       r.reversed_us > 0)
        for r in memory.obligations.values()
    ]  # fmt: skip


def test_emergency_aid_states_overdue_and_totals_net_of_recovery() -> None:
    by_entry = {v.payout_entry_id: v for v in views(WHOLE)}
    assert {e: v.state for e, v in by_entry.items()} == {
        "E1": UNVERIFIED, "E2": VERIFIED, "E3": RECOVERED, "E4": REVERSED, "E5": UNVERIFIED,
    }  # fmt: skip
    assert {e: v.outstanding_fen for e, v in by_entry.items()} == {
        "E1": 250_000, "E2": 100_000, "E3": 0, "E4": 0, "E5": 60_000,
    }  # fmt: skip
    e1 = by_entry["E1"]
    assert not e1.overdue_on("2026-02-09")  # due that day: not yet overdue
    assert e1.overdue_on("2026-02-10") and e1.days_overdue("2026-02-10") == 1
    assert not by_entry["E2"].overdue_on("2027-01-01")  # verified
    assert not by_entry["E3"].overdue_on("2027-01-01")  # recovered in full
    assert not by_entry["E4"].overdue_on("2027-01-01")  # reversed
    assert by_entry["E5"].overdue_on("2027-01-01")

    (figures,) = emergency_figures([(EA, YEAR, 30)], views(WHOLE), ROOT)
    assert (figures.payout_count, figures.paid_fen) == (5, 620_000)
    assert (figures.recovery_count, figures.recovered_fen) == (3, 130_000)
    assert (figures.reversed_count, figures.reversed_fen) == (1, 80_000)
    assert figures.net_paid_fen == 620_000 - 130_000 - 80_000
    assert (figures.verified_count, figures.recovered_in_full_count) == (1, 1)
    assert (figures.unverified_count, figures.outstanding_fen) == (2, 310_000)
    # Due within 2026 and unverified at the year's end: E1 and E5 (due 12-31).
    assert (figures.overdue_at_year_end_count, figures.overdue_at_year_end_fen) == (2, 310_000)
    (district,) = emergency_figures([(EA, YEAR, 30)], views(WHOLE), "P-C-A")
    assert (district.payout_count, district.net_paid_fen, district.outstanding_fen) == (
        3, 410_000, 310_000,
    )  # fmt: skip


def test_a_recovery_is_net_in_the_paid_figures_without_moving_the_counts() -> None:
    root = WHOLE.nodes[(EA, YEAR, ROOT)]
    # paid, payouts, gross, reversals, reversed fen, members, households
    assert root[:5] == [620_000 - 80_000 - 130_000, 5, 620_000, 1, 80_000]
    assert root[MEMBERS] == 3  # M1, M2, M3 (M3 recovered in full still counts); M4 reversed
    recovered = WHOLE.nodes[(EA, YEAR, "P-C-B-1")]  # E3 recovered in full, E4 reversed
    assert recovered[:5] == [0, 2, 180_000, 1, 80_000] and recovered[MEMBERS] == 1
    assert WHOLE.nodes[(ALL_PROGRAMMES, YEAR, "P-C-A-1")][0] == 250_000 + 50_000


def test_postings_follow_the_account_each_entry_draws_on() -> None:
    pool = f"mutual-aid-pool:{MA}:{YEAR}"
    check = PostingsCheck()
    # A contribution fills the pool; a claim payout draws on it; a recovery
    # gives the programme fund back what it paid.
    check.feed(EntryPostings(1, "c", "ContributionRecorded", MA, YEAR, 12_000,
                             [("clearing:contributions", -12_000), ("member:M1", 12_000),
                              ("member:M1", -12_000), (pool, 12_000)], pool, 12_000))
    check.feed(EntryPostings(2, "p", "PayoutPosted", MA, YEAR, 5_000,
                             [(pool, -5_000), ("member:M1", 5_000), ("member:M1", -5_000),
                              ("clearing:disbursement", 5_000)], pool))
    fund = f"programme-fund:{EA}:{YEAR}"
    check.feed(EntryPostings(3, "r", "PaymentRecovered", EA, YEAR, -4_000,
                             [(fund, 4_000), ("member:M2", -4_000), ("member:M2", 4_000),
                              ("clearing:disbursement", -4_000)]))
    assert check.finish().ok
    wrong = PostingsCheck()
    wrong.feed(EntryPostings(4, "c", "ContributionRecorded", MA, YEAR, 12_000,
                             [("clearing:contributions", -12_000), (pool, 12_000)], pool,
                             -12_000))  # fmt: skip
    result = wrong.finish()
    assert result.first is not None
    assert (result.first.kind, result.first.expected, result.first.actual) == (
        "postings-amount", "-12000", "12000",
    )  # fmt: skip
