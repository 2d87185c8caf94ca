"""Mutual aid, claims, emergency and secondary aid: the ledger's rules, in memory."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eventsourcing.persistence import StoredEvent

from benefits_platform.domain_errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from ledger.application import LedgerApplication
from ledger.domain import claims as CL
from ledger.domain import entries as E
from ledger.domain.book import LedgerBook
from ledger.domain.claim_commands import (
    ApproveClaim,
    ContributionRowError,
    FileClaim,
    PayClaim,
    RecordContribution,
    RecordContributionBatch,
    RecoverPayment,
    RejectClaim,
    StartReview,
    VerifyEmergencyAid,
    WithdrawClaim,
)
from ledger.domain.commands import CloseProgram, OpenProgram
from ledger.domain.programme import Programme
from ledger.domain.rules import MutualAidRules, Period, capped_benefit, rule_result
from tests.unit.ledger_helpers import memory_app, pay, reverse, run

YEAR = 2026
MAKER, CHECKER = "desk-maker", "desk-checker"
POOL = f"mutual-aid-pool:MED_AID:{YEAR}"

RULES = MutualAidRules(
    contribution_fen=12_000,
    waiting_days=30,
    deductible_fen=50_000,
    categories=(("ILLNESS", 8_000), ("ACCIDENT", 10_000)),
    per_claim_cap_fen=200_000,
    per_period_cap_fen=300_000,
)


def open_pool(
    rules: MutualAidRules = RULES, code: str = "MED_AID", year: int = YEAR
) -> OpenProgram:
    return OpenProgram(
        code=code,
        fiscal_year=year,
        name_zh="职工医疗互助",
        name_en="Medical mutual aid",
        kind="MUTUAL_AID",
        budget_fen=100_000_000,
        request_id=f"open-{code}-{year}",
        mutual_aid=rules,
        actor="admin",
    )


def contribution(
    rid: str, member: str = "M1", date: str = "2026-01-02", amount: int = 12_000, **extra: object
) -> RecordContribution:
    fields: dict[str, object] = {
        "request_id": rid,
        "member_id": member,
        "program_code": "MED_AID",
        "fiscal_year": YEAR,
        "period_id": str(YEAR),
        "amount_fen": amount,
        "effective_date": date,
        "actor": MAKER,
    }
    fields.update(extra)
    return RecordContribution(**fields)  # type: ignore[arg-type]


def claim_cmd(
    rid: str,
    member: str = "M1",
    self_paid: int = 150_000,
    bill_ref: str | None = None,
    incident: str = "2026-03-01",
    category: str = "ILLNESS",
    **extra: object,
) -> FileClaim:
    fields: dict[str, object] = {
        "request_id": rid,
        "member_id": member,
        "program_code": "MED_AID",
        "fiscal_year": YEAR,
        "period_id": str(YEAR),
        "category": category,
        "incident_date": incident,
        "bill_total_fen": self_paid + 100_000,
        "insurance_covered_fen": 100_000,
        "self_paid_fen": self_paid,
        "hospital": "深圳市人民医院",
        "bill_ref": bill_ref or f"BILL-{rid}",
        "document_refs": ("doc-1",),
        "actor": MAKER,
    }
    fields.update(extra)
    return FileClaim(**fields)  # type: ignore[arg-type]


@pytest.fixture
def app() -> LedgerApplication:
    app = memory_app()
    run(app, open_pool())
    for member in ("M1", "A", "B"):
        run(app, contribution(f"c-{member}", member=member))
    return app


def file(app: LedgerApplication, rid: str = "f1", **extra: object) -> CL.Claim:
    return run(app, claim_cmd(rid, **extra)).claim  # type: ignore[attr-defined,no-any-return]


def review(app: LedgerApplication, claim: CL.Claim, rid: str = "") -> CL.Claim:
    cmd = StartReview(rid or f"rev-{claim.id}", str(claim.id), actor=CHECKER)
    return run(app, cmd).claim  # type: ignore[attr-defined,no-any-return]


def approve(
    app: LedgerApplication,
    claim: CL.Claim,
    amount: int = 0,
    reason: str = "",
    rid: str = "",
    actor: str = CHECKER,
) -> CL.Claim:
    cmd = ApproveClaim(rid or f"ok-{claim.id}", str(claim.id), amount, reason, actor=actor)
    return run(app, cmd).claim  # type: ignore[attr-defined,no-any-return]


def pay_claim(
    app: LedgerApplication, claim: CL.Claim, rid: str = "", date: str = "2026-04-01"
) -> CL.Claim:
    cmd = PayClaim(rid or f"pay-{claim.id}", str(claim.id), effective_date=date, actor=MAKER)
    return run(app, cmd).claim  # type: ignore[attr-defined,no-any-return]


def approved_claim(app: LedgerApplication, rid: str = "f1", **extra: object) -> CL.Claim:
    claim = file(app, rid, **extra)
    review(app, claim)
    return approve(app, claim)


def pool(app: LedgerApplication) -> tuple[int, int, int]:
    view = app.pool("MED_AID", YEAR)
    return view.balance_fen, view.contributed_fen, view.claims_paid_fen


def store_position(app: LedgerApplication) -> int:
    return app.recorder.max_notification_id() or 0


# -- rules and programmes -------------------------------------------------------------


def test_benefit_arithmetic_floors_to_the_fen_and_caps():
    assert rule_result(150_001, 50_000, 8_000) == 80_000  # 100_001 x 0.8 = 80_000.8
    assert rule_result(40_000, 50_000, 8_000) == 0  # below the deductible
    assert capped_benefit(250_000, 200_000, 0, 0) == 200_000
    assert capped_benefit(250_000, 0, 300_000, 120_000) == 180_000
    assert capped_benefit(250_000, 0, 300_000, 400_000) == 0


def test_default_period_is_the_fiscal_year_and_rules_are_validated():
    app = memory_app()
    run(app, open_pool())
    programme = app.book.programme("MED_AID", YEAR)
    assert programme.mutual_aid is not None
    assert programme.mutual_aid.periods == (Period("2026", "2026-01-01", "2026-12-31"),)
    assert programme.actor == "admin"
    # replay: the same body (explicit default period) is the same programme
    view = run(app, replace(open_pool(), mutual_aid=RULES.resolved(YEAR)))
    assert view.programme.id == programme.id  # type: ignore[attr-defined]
    with pytest.raises(AlreadyExists):
        run(app, replace(open_pool(), mutual_aid=replace(RULES, deductible_fen=1)))
    bad = [
        (replace(RULES, categories=()), "mutual_aid.categories"),
        (replace(RULES, categories=(("ILLNESS", 10_001),)), "mutual_aid.categories[0].ratio_bp"),
        (replace(RULES, categories=(("ill", 100),)), "mutual_aid.categories[0].category"),
        (replace(RULES, waiting_days=367), "mutual_aid.waiting_days"),
        (
            replace(
                RULES,
                periods=(
                    Period("H1", "2026-01-01", "2026-06-30"),
                    Period("H2", "2026-06-30", "2026-12-31"),
                ),
            ),
            "mutual_aid.periods[1].start_date",
        ),
        (
            replace(RULES, periods=(Period("H1", "2026-07-01", "2026-06-30"),)),
            "periods[0].end_date",
        ),
    ]
    for rules, field in bad:
        cmd = replace(open_pool(code="OTHER"), mutual_aid=rules)
        with pytest.raises(InvalidArgument, match=field.replace("[", r"\[").replace("]", r"\]")):
            cmd.validate()
    with pytest.raises(
        InvalidArgument, match="mutual_aid: is only for programmes of kind MUTUAL_AID"
    ):
        replace(open_pool(), kind="AID").validate()
    with pytest.raises(InvalidArgument, match="emergency: is only for programmes of kind AID"):
        replace(open_pool(), mutual_aid=None, verify_within_days=3).validate()


def test_a_pool_programme_pays_only_through_claims(app):
    with pytest.raises(FailedPrecondition, match="pays mutual-aid claims from its pool"):
        run(app, pay("direct", code="MED_AID"))


# -- contributions --------------------------------------------------------------------


def test_contribution_credits_the_pool_and_enrols_after_the_waiting_period(app):
    recorded = run(app, contribution("c-C", member="C", date="2026-01-20")).entry  # type: ignore[attr-defined]
    assert recorded.postings == [
        ["clearing:contributions", -12_000],
        ["member:C", 12_000],
        ["member:C", -12_000],
        [POOL, 12_000],
    ]
    assert E.postings_sum(recorded.postings) == 0
    assert (recorded.coverage_start, recorded.coverage_end) == ("2026-02-19", "2026-12-31")
    assert recorded.actor == MAKER
    assert pool(app) == (48_000, 48_000, 0)
    view = app.pool("MED_AID", YEAR)
    assert view.periods[0][1] == 4 and view.contribution_count == 4
    # coverage never starts before the period
    early = run(app, contribution("c-D", member="D", date="2025-11-01")).entry  # type: ignore[attr-defined]
    assert early.coverage_start == "2026-01-01"


def test_contribution_refusals(app):
    before = store_position(app)
    cases = [
        (contribution("x1", member="C", amount=11_999), FailedPrecondition, "12000 fen per period"),
        (contribution("x2", member="M1"), FailedPrecondition, "already enrolled for period 2026"),
        (
            contribution("x3", member="C", date="2027-01-01"),
            FailedPrecondition,
            "ended on 2026-12-31",
        ),
        (
            contribution("x4", member="C", date="2026-12-15"),
            FailedPrecondition,
            "coverage would start",
        ),
        (
            contribution("x5", member="C", period_id="2025"),
            NotFound,
            "period_id: programme MED_AID",
        ),
        (contribution("x6", member="NOBODY"), FailedPrecondition, "unknown member NOBODY"),
        (contribution("x7", member="C", program_code="WINTER"), NotFound, "no programme WINTER"),
    ]
    for cmd, error, fragment in cases:
        with pytest.raises(error, match=fragment):
            run(app, cmd)
    assert store_position(app) == before
    with pytest.raises(InvalidArgument, match="period_id: must be"):
        contribution("x", period_id="bad id").validate()


def test_contribution_batch_is_all_or_nothing_and_replays(app):
    rows = tuple(contribution(f"b-{m}", member=m) for m in ("C", "D", "E"))
    before = store_position(app)
    bad = RecordContributionBatch((*rows[:2], contribution("b-x", member="M1")))
    with pytest.raises(ContributionRowError, match=r"contributions\[2\]: member_id: member M1"):
        run(app, bad)
    assert store_position(app) == before
    recorded = run(app, RecordContributionBatch(rows))
    again = run(app, RecordContributionBatch(rows))
    assert [r.replayed for r in again] == [True, True, True]  # type: ignore[attr-defined]
    assert [r.entry.id for r in again] == [r.entry.id for r in recorded]  # type: ignore[attr-defined]
    with pytest.raises(ContributionRowError, match=r"contributions\[0\]: amount_fen") as error:
        RecordContributionBatch((contribution("z", amount=0),)).validate()
    assert error.value.status == "INVALID_ARGUMENT"


# -- filing ---------------------------------------------------------------------------


def test_file_claim_and_duplicate_bill(app):
    claim = file(app, "f1", bill_ref="INV-001")
    assert claim.state == CL.FILED and claim.filed_by == MAKER
    assert claim.basis["unit_code"] == "GD-SZ-NS-0001"
    # the same request again replays; another request for the same bill is refused
    replay = run(app, claim_cmd("f1", bill_ref="INV-001"))
    assert replay.replayed and replay.claim.id == claim.id  # type: ignore[attr-defined]
    with pytest.raises(AlreadyExists, match=f"already claimed by claim {claim.id}"):
        run(app, claim_cmd("f2", member="A", bill_ref=" inv-001 "))
    with pytest.raises(AlreadyExists, match="request_id: 'f1' was already used"):
        run(app, claim_cmd("f1", bill_ref="INV-002"))


def test_claims_outside_coverage_are_refused(app):
    run(app, contribution("c-C", member="C", date="2026-03-01"))  # covered from 2026-03-31
    before = store_position(app)
    cases = [
        (claim_cmd("g1", member="C", incident="2026-03-30"), "before coverage"),
        (claim_cmd("g2", member="D"), "has no contribution for period 2026"),
        (claim_cmd("g3", incident="2027-01-02"), "outside period 2026"),
        (claim_cmd("g4", category="DENTAL"), "no claim category DENTAL"),
    ]
    for cmd, fragment in cases:
        with pytest.raises(FailedPrecondition, match=fragment):
            run(app, cmd)
    assert store_position(app) == before
    assert file(app, "g5", member="C", incident="2026-03-31").state == CL.FILED


def test_bad_claim_fields_name_the_field():
    cases = [
        (claim_cmd("h", self_paid=0), "self_paid_fen"),
        (
            replace(claim_cmd("h"), insurance_covered_fen=10**9),
            "self_paid_fen: insurance_covered_fen",
        ),
        (replace(claim_cmd("h"), hospital=" "), "hospital: is required"),
        (replace(claim_cmd("h"), bill_ref=""), "bill_ref: is required"),
        (replace(claim_cmd("h"), category="ill"), "category: must be"),
        (replace(claim_cmd("h"), incident_date="2026-02-30"), "incident_date"),
        (replace(claim_cmd("h"), document_refs=("",)), r"document_refs\[0\]: is required"),
        (replace(claim_cmd("h"), request_id=""), "request_id: is required"),
    ]
    for cmd, fragment in cases:
        with pytest.raises(InvalidArgument, match=fragment):
            cmd.validate()
    with pytest.raises(InvalidArgument, match="claim_id: must be a claim id"):
        StartReview("r", "not-a-uuid").validate()
    with pytest.raises(InvalidArgument, match="reason: must be one of"):
        RejectClaim("r", str(CL.claim_id_for("x")), reason="BORED").validate()


# -- the state machine ----------------------------------------------------------------

ACTIONS = ("review", "approve", "reject", "withdraw", "pay")
LEGAL = {
    CL.FILED: {"review", "withdraw"},
    CL.UNDER_REVIEW: {"approve", "reject", "withdraw"},
    CL.APPROVED: {"withdraw", "pay"},
    CL.REJECTED: set(),
    CL.WITHDRAWN: set(),
    CL.PAID: set(),
}


def claim_in(app: LedgerApplication, state: str, n: int) -> CL.Claim:
    claim = file(app, f"s{n}", member=("M1", "A", "B")[n % 3], self_paid=55_000)
    if state == CL.FILED:
        return claim
    if state == CL.WITHDRAWN:
        return act(app, claim, "withdraw", n)
    claim = review(app, claim)
    if state == CL.UNDER_REVIEW:
        return claim
    if state == CL.REJECTED:
        return act(app, claim, "reject", n)
    claim = approve(app, claim)
    if state == CL.APPROVED:
        return claim
    return pay_claim(app, claim)


def act(app: LedgerApplication, claim: CL.Claim, action: str, n: int) -> CL.Claim:
    cid = str(claim.id)
    rid = f"{action}-{n}"
    commands = {
        "review": StartReview(rid, cid, actor=CHECKER),
        "approve": ApproveClaim(rid, cid, actor=CHECKER),
        "reject": RejectClaim(rid, cid, reason="NOT_COVERED", actor=CHECKER),
        "withdraw": WithdrawClaim(rid, cid, note="member asked", actor=MAKER),
        "pay": PayClaim(rid, cid, effective_date="2026-05-01", actor=MAKER),
    }
    return run(app, commands[action]).claim  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("state", list(LEGAL))
def test_every_transition_from_every_state(app, state):
    for n, action in enumerate(ACTIONS, start=1):
        claim = claim_in(app, state, n)
        assert claim.state == state
        if action in LEGAL[state]:
            after = act(app, claim, action, 100 + n)
            expected = {
                "review": CL.UNDER_REVIEW,
                "approve": CL.APPROVED,
                "reject": CL.REJECTED,
                "withdraw": CL.WITHDRAWN,
                "pay": CL.PAID,
            }[action]
            assert after.state == expected
            assert [t.state for t in after.history][-1] == expected
        else:
            before = store_position(app)
            with pytest.raises(FailedPrecondition, match=f"claim {claim.id} is {state}"):
                act(app, claim, action, 100 + n)
            assert store_position(app) == before
        # a fresh claim for the next action: withdraw/reject/pay ended this one


def test_decisions_replay_and_refuse_reused_request_ids(app):
    claim = file(app)
    first = run(app, StartReview("rv", str(claim.id), note="n", actor=CHECKER))
    again = run(app, StartReview("rv", str(claim.id), note="n", actor="someone-else"))
    assert not first.replayed and again.replayed  # type: ignore[attr-defined]
    assert again.claim.state == CL.UNDER_REVIEW  # type: ignore[attr-defined]
    with pytest.raises(AlreadyExists, match="'rv' was already used"):
        run(app, StartReview("rv", str(claim.id), note="other", actor=CHECKER))
    with pytest.raises(AlreadyExists, match="'rv' was already used"):
        run(app, ApproveClaim("rv", str(claim.id), actor=CHECKER))
    with pytest.raises(NotFound, match="claim_id: no claim"):
        run(app, StartReview("rv2", str(CL.claim_id_for("nope")), actor=CHECKER))


def test_maker_cannot_approve_own_claim(app):
    claim = file(app)
    review(app, claim)
    before = store_position(app)
    with pytest.raises(
        PermissionDenied, match=r"maker-checker: claim .* was filed by 'desk-maker'"
    ):
        approve(app, claim, actor=MAKER)
    assert store_position(app) == before
    assert approve(app, claim, actor=CHECKER).decided_by == CHECKER


# -- benefit on the cap boundaries ----------------------------------------------------


def self_paid_for(benefit: int, ratio_bp: int = 8_000, deductible: int = 50_000) -> int:
    """The smallest self-paid amount whose rule result is ``benefit``."""
    return deductible + -(-benefit * 10_000 // ratio_bp)


def test_per_claim_cap_at_the_cap_and_one_fen_over(app):
    at_cap = approved_claim(app, "cap0", self_paid=self_paid_for(200_000))
    assert (at_cap.rule_result_fen, at_cap.computed_benefit_fen) == (200_000, 200_000)
    over = approved_claim(app, "cap1", member="A", self_paid=self_paid_for(200_001))
    assert (over.rule_result_fen, over.computed_benefit_fen) == (200_001, 200_000)
    below = approved_claim(app, "cap2", member="B", self_paid=self_paid_for(199_999))
    assert below.computed_benefit_fen == 199_999


def test_per_period_cap_counts_approved_claims_and_withdrawal_frees_it(app):
    first = approved_claim(app, "p1", self_paid=self_paid_for(200_000))
    second = approved_claim(app, "p2", self_paid=self_paid_for(100_000))
    assert second.computed_benefit_fen == 100_000  # exactly the 300_000 period cap
    third = file(app, "p3", self_paid=self_paid_for(1))
    review(app, third)
    with pytest.raises(FailedPrecondition, match=r"computed for claim .* is 0 fen"):
        approve(app, third)
    act(app, second, "withdraw", 1)
    assert approve(app, third).computed_benefit_fen == 1
    assert first.approved_benefit_fen == 200_000


def test_reviewer_may_approve_less_with_a_reason_never_more(app):
    claim = file(app, self_paid=150_000)  # (150_000 - 50_000) x 80% = 80_000
    review(app, claim)
    with pytest.raises(FailedPrecondition, match="at most the computed benefit of 80000 fen"):
        approve(app, claim, amount=80_001)
    with pytest.raises(InvalidArgument, match="reason: is required"):
        approve(app, claim, amount=70_000)
    done = approve(app, claim, amount=70_000, reason="excluded items")
    assert (done.computed_benefit_fen, done.approved_benefit_fen) == (80_000, 70_000)
    assert done.approval_reason == "excluded items"


# -- paying from the pool -------------------------------------------------------------


def test_pay_claim_draws_on_the_pool_through_a_payout(app):
    claim = approved_claim(app, self_paid=60_000)  # 8_000 benefit
    paid = pay_claim(app, claim, rid="pay-1")
    assert paid.state == CL.PAID and paid.paid_fen == 8_000
    payout = app.entry(E.entry_id_for("pay-1"))
    assert isinstance(payout, E.Payout) and payout.claim_id == str(claim.id)
    assert payout.postings == [
        [POOL, -8_000],
        ["member:M1", 8_000],
        ["member:M1", -8_000],
        ["clearing:disbursement", 8_000],
    ]
    assert pool(app) == (36_000 - 8_000, 36_000, 8_000)
    assert app.programme_view("MED_AID", YEAR).committed_fen == 8_000
    replay = run(app, PayClaim("pay-1", str(claim.id), effective_date="2026-04-01"))
    assert replay.replayed  # type: ignore[attr-defined]
    with pytest.raises(AlreadyExists):
        run(app, PayClaim("pay-1", str(claim.id), effective_date="2026-04-02"))
    with pytest.raises(FailedPrecondition, match="is PAID"):
        run(app, PayClaim("pay-2", str(claim.id), effective_date="2026-04-02"))
    with pytest.raises(FailedPrecondition, match="a claim payout cannot be reversed"):
        run(app, reverse("rev-pay", payout.id))


def test_pool_never_below_zero_without_overdraft(app):
    claim = approved_claim(app, self_paid=self_paid_for(36_001))  # pool holds 36_000
    before = store_position(app)
    with pytest.raises(FailedPrecondition, match=r"holds 36000 fen .* would leave -1 fen"):
        pay_claim(app, claim)
    assert store_position(app) == before
    exact = approved_claim(app, "f2", member="A", self_paid=self_paid_for(36_000))
    pay_claim(app, exact)
    assert pool(app)[0] == 0


def test_pool_goes_down_to_minus_overdraft_and_no_further():
    app = memory_app()
    run(app, open_pool(replace(RULES, overdraft_fen=10_000)))
    for member in ("M1", "A"):
        run(app, contribution(f"c-{member}", member=member))  # 24_000 in the pool
    first = approved_claim(app, "o1", self_paid=self_paid_for(34_000))
    pay_claim(app, first)
    assert pool(app)[0] == -10_000
    assert app.pool("MED_AID", YEAR).available_fen == 0
    second = approved_claim(app, "o2", member="A", self_paid=self_paid_for(1))
    with pytest.raises(FailedPrecondition, match="overdraft allowed: 10000 fen"):
        pay_claim(app, second)


def test_paying_checks_the_date_and_the_programme(app):
    claim = approved_claim(app)
    with pytest.raises(FailedPrecondition, match="must fall in fiscal year 2026"):
        pay_claim(app, claim, date="2027-01-05")
    with pytest.raises(FailedPrecondition, match="not be before the incident date"):
        pay_claim(app, claim, date="2026-02-01")
    run(app, CloseProgram("MED_AID", YEAR))
    with pytest.raises(FailedPrecondition, match="is closed"):
        pay_claim(app, claim)


# -- emergency aid --------------------------------------------------------------------


def emergency_app() -> LedgerApplication:
    app = memory_app()
    run(
        app,
        OpenProgram(
            code="EMERGENCY",
            fiscal_year=YEAR,
            name_zh="临时救助",
            name_en="Emergency aid",
            kind="AID",
            budget_fen=10_000_000,
            request_id="open-emergency",
            verify_within_days=30,
        ),
    )
    return app


def test_emergency_payout_records_an_obligation_and_can_be_verified():
    app = emergency_app()
    payout = run(app, pay("e1", amount=250_000, code="EMERGENCY", date="2026-02-10")).entry  # type: ignore[attr-defined]
    status = app.obligation(payout.id)
    assert (status.state, status.obligation.due_date, status.outstanding_fen) == (
        "UNVERIFIED",
        "2026-03-12",
        250_000,
    )
    assert not status.overdue_on("2026-03-12") and status.overdue_on("2026-03-13")
    overdue, total = app.obligations("", 0, "", "2026-03-13", 0, 50)
    assert total == 1 and overdue[0].obligation.payout_entry_id == str(payout.id)
    with pytest.raises(FailedPrecondition, match="verified_on: must not be before"):
        run(app, VerifyEmergencyAid("v0", str(payout.id), "2026-02-09"))
    verified = run(app, VerifyEmergencyAid("v1", str(payout.id), "2026-03-01", actor=CHECKER))
    assert verified.status.state == "VERIFIED"  # type: ignore[attr-defined]
    assert run(app, VerifyEmergencyAid("v1", str(payout.id), "2026-03-01")).replayed  # type: ignore[attr-defined]
    with pytest.raises(FailedPrecondition, match="is VERIFIED"):
        run(app, VerifyEmergencyAid("v2", str(payout.id), "2026-03-02"))
    with pytest.raises(FailedPrecondition, match="is VERIFIED"):
        run(app, RecoverPayment("r1", str(payout.id), 100, "2026-03-02"))
    assert app.obligations("", 0, "", "2026-12-31", 0, 50)[1] == 0


def test_emergency_aid_recovered_by_instalments_net_of_recovery():
    app = emergency_app()
    payout = run(app, pay("e1", amount=250_000, code="EMERGENCY", date="2026-02-10")).entry  # type: ignore[attr-defined]
    first = run(app, RecoverPayment("r1", str(payout.id), 100_000, "2026-04-01")).entry  # type: ignore[attr-defined]
    assert (first.amount_fen, first.instalment, first.outstanding_fen) == (-100_000, 1, 150_000)
    assert first.postings == [
        ["programme-fund:EMERGENCY:2026", 100_000],
        ["member:M1", -100_000],
        ["member:M1", 100_000],
        ["clearing:disbursement", -100_000],
    ]
    assert app.programme_view("EMERGENCY", YEAR).committed_fen == 150_000
    assert app.member_account("M1").receipts[0][1][0] == 150_000
    with pytest.raises(FailedPrecondition, match="at most 150000 fen remain"):
        run(app, RecoverPayment("r2", str(payout.id), 150_001, "2026-05-01"))
    with pytest.raises(FailedPrecondition, match="has recoveries"):
        run(app, reverse("rev", payout.id))
    second = run(app, RecoverPayment("r2", str(payout.id), 150_000, "2026-05-01")).entry  # type: ignore[attr-defined]
    assert (second.instalment, second.recovered_total_fen, second.outstanding_fen) == (
        2,
        250_000,
        0,
    )
    status = app.obligation(payout.id)
    assert (status.state, status.recovered_fen, status.instalments) == ("RECOVERED", 250_000, 2)
    assert not status.overdue_on("2027-01-01")
    assert app.programme_view("EMERGENCY", YEAR).committed_fen == 0
    with pytest.raises(FailedPrecondition, match="is RECOVERED"):
        run(app, RecoverPayment("r3", str(payout.id), 1, "2026-05-02"))
    # replays of the first instalment still replay
    assert run(app, RecoverPayment("r1", str(payout.id), 100_000, "2026-04-01")).replayed  # type: ignore[attr-defined]


def test_recovery_and_verification_need_emergency_aid():
    app = emergency_app()
    run(app, OpenProgram("WINTER", YEAR, "送温暖", "Winter", "AID", 1_000_000, request_id="w"))
    plain = run(app, pay("w1", code="WINTER")).entry  # type: ignore[attr-defined]
    with pytest.raises(FailedPrecondition, match="is not emergency aid"):
        run(app, RecoverPayment("r1", str(plain.id), 1, "2026-02-01"))
    with pytest.raises(FailedPrecondition, match="is not emergency aid"):
        run(app, VerifyEmergencyAid("v1", str(plain.id), "2026-02-01"))
    with pytest.raises(NotFound, match="no entry"):
        run(app, VerifyEmergencyAid("v2", str(E.entry_id_for("nothing")), "2026-02-01"))
    aid = run(app, pay("e1", code="EMERGENCY")).entry  # type: ignore[attr-defined]
    run(app, reverse("rev", aid.id))
    assert app.obligation(aid.id).state == "REVERSED"
    assert app.obligation(aid.id).outstanding_fen == 0
    with pytest.raises(FailedPrecondition, match="is REVERSED"):
        run(app, RecoverPayment("r2", str(aid.id), 1, "2026-02-01"))


# -- secondary aid --------------------------------------------------------------------


def test_secondary_aid_needs_a_paid_claim_in_the_same_or_previous_period():
    app = memory_app()
    halves = replace(
        RULES,
        contribution_fen=0,
        periods=(
            Period("2026H1", "2026-01-01", "2026-06-30"),
            Period("2026H2", "2026-07-01", "2026-12-31"),
        ),
        waiting_days=0,
    )
    run(app, open_pool(halves))
    run(
        app,
        OpenProgram(
            "SECOND_AID",
            YEAR,
            "二次救助",
            "Secondary aid",
            "AID",
            1_000_000,
            request_id="open-second",
            secondary_aid_of="MED_AID",
        ),
    )
    second = OpenProgram(
        "SECOND_AID",
        YEAR + 1,
        "二次救助",
        "Secondary aid",
        "AID",
        1_000_000,
        request_id="open-second-27",
        secondary_aid_of="MED_AID",
    )
    run(app, second)
    run(app, contribution("c1", period_id="2026H1", amount=500_000))
    claim = approved_claim(app, "h1", period_id="2026H1", incident="2026-02-01")
    with pytest.raises(
        FailedPrecondition, match=r"no paid MED_AID claim .*\(periods looked at: 2026H1\)"
    ):
        run(app, pay("s0", code="SECOND_AID", date="2026-03-01"))
    pay_claim(app, claim)
    run(app, pay("s1", amount=1_000, code="SECOND_AID", date="2026-03-01"))  # same period
    run(app, pay("s2", amount=1_000, code="SECOND_AID", date="2026-09-01"))  # next period
    with pytest.raises(FailedPrecondition, match=r"\(periods looked at: 2026H1, 2026H2\)"):
        run(app, pay("s3", amount=1_000, code="SECOND_AID", date="2026-12-31", member="A"))
    # 2027 lies after both periods: the last one (2026H2) and the one before still count
    run(
        app,
        replace(pay("s4", amount=1_000, code="SECOND_AID", date="2027-01-15"), fiscal_year=2027),
    )


# -- the book is a fold of the log ----------------------------------------------------


def test_rebuilt_book_equals_live_book_with_claims_and_aid(app):
    approved = approved_claim(app, "k1", self_paid=60_000)
    pay_claim(app, approved)
    withdrawn = approved_claim(app, "k2", member="A", self_paid=60_000)
    act(app, withdrawn, "withdraw", 1)
    rejected = file(app, "k3", member="B")
    review(app, rejected)
    act(app, rejected, "reject", 2)
    run(
        app,
        OpenProgram(
            "EMERGENCY",
            YEAR,
            "临时救助",
            "Emergency",
            "AID",
            10**7,
            request_id="e",
            verify_within_days=7,
        ),
    )
    aid = run(app, pay("e1", code="EMERGENCY")).entry  # type: ignore[attr-defined]
    run(app, RecoverPayment("r1", str(aid.id), 10, "2026-02-01"))
    aid2 = run(app, pay("e2", member="A", code="EMERGENCY")).entry  # type: ignore[attr-defined]
    run(app, VerifyEmergencyAid("v1", str(aid2.id), "2026-02-01"))
    rebuilt = LedgerBook()
    for notification in app.recorder.select_notifications(start=1, limit=10_000):
        rebuilt.apply(app.mapper.to_domain_event(notification), notification.id)
    assert_books_equal(rebuilt, app.book)


def claim_state(claim: CL.Claim) -> tuple[object, ...]:
    return (
        claim.version,
        claim.state,
        claim.approved_benefit_fen,
        claim.payout_entry_id,
        tuple((t.state, t.actor, t.at, t.request_id) for t in claim.history),
    )


def assert_books_equal(rebuilt: LedgerBook, live: LedgerBook) -> None:
    simple = (
        "committed",
        "counts",
        "member_stats",
        "stored_value",
        "reversed_by",
        "pools",
        "enrolments",
        "period_members",
        "benefits",
        "paid_claims",
        "bills",
        "claim_payouts",
        "recovered",
        "decisions",
    )
    for name in simple:
        assert dict(getattr(rebuilt.maps, name)) == dict(getattr(live.maps, name)), name
    assert list(rebuilt.maps.claims) == list(live.maps.claims)
    assert {k: claim_state(c) for k, c in rebuilt.maps.claims.items()} == {
        k: claim_state(c) for k, c in live.maps.claims.items()
    }
    assert {
        k: (o.version, o.verified_on, o.due_date) for k, o in rebuilt.maps.obligations.items()
    } == {k: (o.version, o.verified_on, o.due_date) for k, o in live.maps.obligations.items()}
    assert rebuilt.member_entries == live.member_entries
    assert rebuilt.position == live.position


# -- the caller on every event, and events recorded before it -------------------------


def test_actor_is_recorded_and_old_events_upcast_to_no_actor():
    app = emergency_app()
    entry = run(app, replace(pay("a1", code="EMERGENCY"), actor="desk-1")).entry  # type: ignore[attr-defined]
    assert entry.actor == "desk-1"
    events = [
        app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=100)
    ]
    opened = next(e for e in events if isinstance(e, Programme.ProgramOpened))
    posted = next(e for e in events if isinstance(e, E.Payout.PayoutPosted))
    for event, old_version, dropped in (
        (opened, 2, ("actor", "mutual_aid", "emergency", "secondary_aid_of")),
        (posted, 2, ("actor", "claim_id")),
    ):
        stored = app.mapper.to_stored_event(event)
        state = app.mapper.transcoder.decode(stored.state)
        for name in dropped:
            del state[name]
        state["class_version"] = old_version
        old = StoredEvent(
            stored.originator_id,
            stored.originator_version,
            stored.topic,
            app.mapper.transcoder.encode(state),
        )
        upcast = app.mapper.to_domain_event(old)
        assert upcast.actor == ""  # type: ignore[attr-defined]
    closed = Programme.ProgramClosed
    state: dict[str, object] = {"code": "X", "fiscal_year": 2026, "reason": ""}
    closed.upcast_v1_v2(state)
    assert state["actor"] == ""


def test_a_closed_programme_records_when_it_was_closed():
    app = emergency_app()
    run(app, CloseProgram("EMERGENCY", YEAR, reason="year end", actor="admin"))
    programme = app.book.programme("EMERGENCY", YEAR)
    assert programme.closed and programme.close_reason == "year end"
    assert programme.closed_on == programme.modified_on > programme.created_on
