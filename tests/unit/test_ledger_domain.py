"""The ledger's rules, in memory."""

from __future__ import annotations

import pytest

from benefits_platform.domain_errors import (
    AlreadyExists,
    BatchRowError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from ledger.application import LedgerApplication
from ledger.domain import entries as E
from ledger.domain.commands import CloseProgram
from tests.unit.ledger_helpers import batch, memory_app, open_cmd, pay, reverse, run


@pytest.fixture
def app() -> LedgerApplication:
    app = memory_app()
    run(app, open_cmd(budget=1_000_000, cap=400_000))
    return app


def committed(app: LedgerApplication) -> int:
    return app.programme_view("WINTER_WARMTH", 2026).committed_fen


def test_payout_has_balanced_postings_through_clearing(app):
    recorded = run(app, pay("r1"))
    entry = recorded.entry
    assert E.postings_sum(entry.postings) == 0
    assert entry.postings == [
        ["programme-fund:WINTER_WARMTH:2026", -200_000],
        ["member:M1", 200_000],
        ["member:M1", -200_000],
        ["clearing:disbursement", 200_000],
    ]
    assert committed(app) == 200_000


def test_subsidy_stays_on_member_card_as_stored_value():
    app = memory_app()
    run(app, open_cmd(code="GREEN_TRAVEL", kind="SUBSIDY"))
    entry = run(app, pay("g1", code="GREEN_TRAVEL", amount=2_000)).entry
    assert entry.postings == [["programme-fund:GREEN_TRAVEL:2026", -2_000], ["member:M1", 2_000]]
    assert app.member_account("M1").stored_value_balance_fen == 2_000


def test_budget_is_enforced_to_the_fen(app):
    run(app, pay("a", member="A", amount=400_000))
    run(app, pay("b", member="B", amount=400_000))
    run(app, pay("c", member="C", amount=199_999))
    with pytest.raises(FailedPrecondition, match=r"budget .* exhausted: 1 fen remain, 2 requested"):
        run(app, pay("d", member="D", amount=2))
    run(app, pay("e", member="D", amount=1))
    assert committed(app) == 1_000_000


def test_per_member_cap_counts_every_payout_of_the_year(app):
    run(app, pay("r1", amount=300_000))
    with pytest.raises(FailedPrecondition, match="per-member annual cap of 400000 fen"):
        run(app, pay("r2", amount=100_001))
    run(app, pay("r3", amount=100_000))
    assert app.member_account("M1").receipts[0][1] == (400_000, 2, 0)


def test_same_request_id_same_body_replays_the_original(app):
    first = run(app, pay("r1"))
    again = run(app, pay("r1"))
    assert again.replayed and not first.replayed
    assert again.entry.id == first.entry.id
    assert committed(app) == 200_000


def test_same_request_id_other_body_is_refused(app):
    run(app, pay("r1"))
    with pytest.raises(
        AlreadyExists, match="request_id: 'r1' was already used for a different request"
    ):
        run(app, pay("r1", amount=200_001))


def test_retry_of_a_payout_that_used_the_last_of_the_budget_replays(app):
    run(app, pay("a", member="A", amount=400_000))
    run(app, pay("b", member="B", amount=400_000))
    run(app, pay("c", member="C", amount=200_000))
    assert run(app, pay("c", member="C", amount=200_000)).replayed


def test_reversal_restores_budget_and_cap_once(app):
    payout = run(app, pay("r1", amount=400_000)).entry
    reversal = run(app, reverse("rev1", payout.id)).entry
    assert reversal.amount_fen == -400_000
    assert reversal.postings == E.reversed_postings(payout.postings)
    assert committed(app) == 0
    run(app, pay("r2", amount=400_000))  # the cap is free again
    with pytest.raises(FailedPrecondition, match="already reversed by entry"):
        run(app, reverse("rev2", payout.id))
    assert run(app, reverse("rev1", payout.id)).replayed


def test_a_reversal_cannot_be_reversed(app):
    payout = run(app, pay("r1")).entry
    reversal = run(app, reverse("rev1", payout.id)).entry
    with pytest.raises(FailedPrecondition, match="is itself a reversal"):
        run(app, reverse("rev2", reversal.id))


def test_unknown_entry_and_programme_are_not_found(app):
    with pytest.raises(NotFound, match="entry_id: no entry"):
        run(app, reverse("rev1", "00000000-0000-0000-0000-000000000001"))
    with pytest.raises(NotFound, match="no programme NOPE for fiscal year 2026"):
        run(app, pay("r1", code="NOPE"))


def test_closed_programme_refuses_payouts(app):
    run(app, CloseProgram("WINTER_WARMTH", 2026, "season over"))
    with pytest.raises(FailedPrecondition, match="is closed"):
        run(app, pay("r1"))


def test_batch_is_all_or_nothing_and_names_the_row(app):
    before = app.recorder.max_notification_id()
    with pytest.raises(
        BatchRowError, match=r"payouts\[2\]: amount_fen: per-member annual cap"
    ) as err:
        run(
            app,
            batch(
                pay("b1", member="A"), pay("b2", member="B"), pay("b3", member="A", amount=300_000)
            ),
        )
    assert err.value.status == "FAILED_PRECONDITION"
    assert app.recorder.max_notification_id() == before
    assert committed(app) == 0
    recorded = run(app, batch(pay("b1", member="A"), pay("b2", member="B")))
    assert [r.replayed for r in recorded] == [False, False]
    again = run(app, batch(pay("b1", member="A"), pay("b2", member="B")))
    assert [r.replayed for r in again] == [True, True]


def test_group_commit_isolates_a_refused_command(app):
    results = app.execute(
        [pay("g1", member="A"), pay("g2", member="A", amount=999_999), pay("g3", member="B")]
    )
    assert not isinstance(results[0], Exception)
    assert isinstance(results[1], FailedPrecondition)
    assert not isinstance(results[2], Exception)
    assert committed(app) == 400_000


def test_duplicate_request_in_one_group_records_once(app):
    results = app.execute([pay("g1"), pay("g1")])
    assert results[0].entry.id == results[1].entry.id
    assert results[1].replayed
    assert committed(app) == 200_000


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (pay("", amount=1), "request_id"),
        (pay("r", amount=0), "amount_fen"),
        (pay("r", amount=-5), "amount_fen"),
        (pay("r", amount=10**12 + 1), "amount_fen"),
        (pay("r", member=""), "member_id"),
        (pay("r", member="M 1"), "member_id"),
        (pay("r", code="lower"), "program_code"),
        (pay("r", date="2026-13-01"), "effective_date"),
        (pay("r", date="2025-12-31"), "effective_date"),
        (pay("r", date=""), "effective_date"),
    ],
)
def test_malformed_payouts_name_the_field(command, field):
    with pytest.raises(InvalidArgument) as err:
        command.validate()
    assert err.value.field == field


def test_book_rebuilt_from_the_log_equals_the_live_book(app):
    payout = run(app, pay("r1", member="A"))
    run(app, pay("r2", member="B", amount=100))
    run(app, reverse("rev1", payout.entry.id))
    run(app, batch(pay("b1", member="C", amount=5), pay("b2", member="A", amount=7)))
    rebuilt = LedgerApplication.__new__(LedgerApplication)
    rebuilt.__dict__.update(app.__dict__)
    from ledger.domain.book import LedgerBook

    rebuilt.book = LedgerBook()
    rebuilt.catch_up()
    assert dict(rebuilt.book.maps.committed) == dict(app.book.maps.committed)
    assert dict(rebuilt.book.maps.member_stats) == dict(app.book.maps.member_stats)
    assert dict(rebuilt.book.maps.reversed_by) == dict(app.book.maps.reversed_by)
    assert rebuilt.book.member_entries == app.book.member_entries
    assert rebuilt.book.position == app.book.position
