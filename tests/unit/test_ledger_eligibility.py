"""Eligibility: the member's state on the payout's effective date decides."""

from __future__ import annotations

import pytest

from benefits_platform.domain_errors import FailedPrecondition
from ledger.application import LedgerApplication
from tests.unit.ledger_helpers import enroll, memory_app, open_cmd, pay, run

DEEP_STANDARD = 200_000  # 2,000 yuan, winter warmth for a deep-hardship member


@pytest.fixture
def app() -> LedgerApplication:
    app = memory_app(members=())
    enroll(app, "M1", join_date="2026-02-01", groups=("sanitation_worker",))
    run(app, open_cmd(code="WINTER_WARMTH", budget=10_000_000))
    hardship = open_cmd(code="HARDSHIP_AID", budget=10_000_000, standard=100_000)
    run(
        app,
        type(hardship)(
            **{
                **hardship.__dict__,
                "hardship_only": True,
                "tier_standards": (("DEEP", DEEP_STANDARD),),
            }
        ),
    )
    riders = open_cmd(code="RIDER_CARE", budget=10_000_000)
    run(app, type(riders)(**{**riders.__dict__, "member_groups": ("delivery_rider", "courier")}))
    return app


def hardship(app: LedgerApplication, opened: str, exited: str = "", until: str = "") -> None:
    app.members.hardship_opened("M1", "DEEP", opened)
    if exited:
        app.members.hardship_closed("M1", "DEEP", until, exited)


def test_unknown_member_is_refused(app):
    with pytest.raises(FailedPrecondition, match="member_id: unknown member M404"):
        run(app, pay("r1", member="M404", date="2026-03-01"))


def test_payout_dated_before_enrolment_is_refused(app):
    with pytest.raises(FailedPrecondition, match="was not an active member on 2026-01-31"):
        run(app, pay("r1", date="2026-01-31"))
    assert run(app, pay("r2", date="2026-02-01")).entry.basis["membership_status"] == "ACTIVE"


def test_terminated_then_reinstated_membership(app):
    app.members.terminated("M1", "2026-05-01")
    app.members.reinstated("M1", "2026-07-01")
    run(app, pay("r1", date="2026-04-30"))
    with pytest.raises(FailedPrecondition, match="membership TERMINATED"):
        run(app, pay("r2", date="2026-05-01"))
    run(app, pay("r3", date="2026-07-01"))


def test_member_groups_restrict_a_programme(app):
    with pytest.raises(
        FailedPrecondition, match="restricted to member groups courier, delivery_rider"
    ):
        run(app, pay("r1", code="RIDER_CARE", date="2026-03-01"))
    enroll(app, "R1", groups=("delivery_rider",))
    run(app, pay("r2", member="R1", code="RIDER_CARE", date="2026-03-01"))


def test_hardship_only_needs_an_open_file_on_the_date(app):
    hardship(app, opened="2026-03-10")
    with pytest.raises(FailedPrecondition, match="has NONE on 2026-03-09"):
        run(app, pay("r1", code="HARDSHIP_AID", date="2026-03-09"))
    entry = run(app, pay("r2", code="HARDSHIP_AID", amount=DEEP_STANDARD, date="2026-03-10")).entry
    assert entry.basis["hardship_status"] == "OPEN" and entry.basis["tier"] == "DEEP"


@pytest.mark.parametrize(
    ("date", "amount", "allowed"),
    [
        ("2026-06-30", 120_000, True),  # the exit date: gradual exit starts
        ("2026-06-30", 120_001, False),  # one fen above 60%
        ("2026-09-29", 120_000, True),  # the last day of the gradual-exit period
        ("2026-09-29", 120_001, False),
        ("2026-06-29", 200_000, True),  # the day before the exit: full standard
    ],
)
def test_gradual_exit_allows_sixty_percent_of_the_pre_exit_standard(app, date, amount, allowed):
    hardship(app, opened="2026-03-01", exited="2026-06-30", until="2026-09-29")
    command = pay("r1", code="HARDSHIP_AID", amount=amount, date=date)
    if allowed:
        basis = run(app, command).entry.basis
        assert basis["hardship_status"] in ("OPEN", "GRADUAL_EXIT")
        if basis["hardship_status"] == "GRADUAL_EXIT":
            assert basis["ceiling_fen"] == 120_000 and basis["pre_exit_tier"] == "DEEP"
    else:
        with pytest.raises(FailedPrecondition, match="at most 120000 fen, 120001 requested"):
            run(app, command)


def test_after_the_gradual_exit_period_hardship_aid_stops(app):
    hardship(app, opened="2026-03-01", exited="2026-06-30", until="2026-09-29")
    with pytest.raises(FailedPrecondition, match="has EXITED on 2026-09-30"):
        run(app, pay("r1", code="HARDSHIP_AID", amount=1, date="2026-09-30"))


def test_exit_without_gradual_period_stops_at_once(app):
    hardship(app, opened="2026-03-01", exited="2026-06-30", until="")
    with pytest.raises(FailedPrecondition, match="has EXITED on 2026-06-30"):
        run(app, pay("r1", code="HARDSHIP_AID", amount=1, date="2026-06-30"))


def test_transfer_changes_the_unit_recorded_from_its_date(app):
    app.members.transferred("M1", "GD-SZ-FT-0002", "2026-05-01")
    before = run(app, pay("r1", date="2026-04-30")).entry
    after = run(app, pay("r2", date="2026-05-01")).entry
    assert before.basis["unit_code"] == "GD-SZ-NS-0001"
    assert after.basis["unit_code"] == "GD-SZ-FT-0002"
    assert after.basis["household_id"] == "H-M1"
