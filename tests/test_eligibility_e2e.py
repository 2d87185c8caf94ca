"""Members and ledger together, through gRPC with a real nats-server: the
ledger judges each payout by the member's state on its effective date, as the
members service recorded it."""

from __future__ import annotations

import grpc
import pytest

from benefits_platform.protos.benefits.v1 import common_pb2, ledger_pb2, members_pb2
from tests.ledger_client import open_request, payout, settled_state
from tests.members_fixtures import enrol_request, members, with_units

__all__ = ["members", "with_units"]  # fixtures used by name

DEEP = common_pb2.HARDSHIP_TIER_DEEP


async def refused(call, code: grpc.StatusCode, fragment: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    assert err.value.code() == code, err.value.details()
    assert fragment in err.value.details()


async def test_hardship_aid_follows_the_members_service(ledger, with_units):
    members_stub = with_units.stub
    await ledger.stub.OpenProgram(
        open_request(
            code="WINTER_WARMTH",
            eligibility=ledger_pb2.Eligibility(hardship_only=True),
            tier_standards=[ledger_pb2.TierStandard(tier=DEEP, amount_fen=200_000)],
        )
    )

    # Enrolment: read-your-writes with the position the members service returned.
    enrolled = await members_stub.EnrollMember(enrol_request("M1", join_date="2026-01-10"))
    before = await settled_state(ledger)
    await refused(
        ledger.stub.PostPayout(
            payout("early", date="2026-01-09", members_position=enrolled.log_position)
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "was not an active member on 2026-01-09 (membership NONE; joined 2026-01-10)",
    )
    assert await settled_state(ledger) == before

    opened = await members_stub.OpenHardshipFile(
        members_pb2.OpenHardshipFileRequest(
            member_id="M1",
            tier=DEEP,
            causes=[members_pb2.HARDSHIP_CAUSE_ILLNESS],
            effective_date="2026-01-15",
            review_due_date="2026-07-15",
        )
    )
    paid = await ledger.stub.PostPayout(
        payout("ww-1", amount=200_000, date="2026-01-20", members_position=opened.log_position)
    )
    assert paid.basis.hardship_status == "OPEN" and paid.basis.unit_code == "GD-SZ-NS-0001"

    # Exit with three months of gradual exit: 60% of the pre-exit standard.
    closed = await members_stub.CloseHardshipFile(
        members_pb2.CloseHardshipFileRequest(
            member_id="M1", effective_date="2026-06-30", gradual_exit_months=3, reason="re-employed"
        )
    )
    assert closed.member.hardship.gradual_exit_until == "2026-09-29"
    await refused(
        ledger.stub.PostPayout(
            payout("ww-2", amount=120_001, date="2026-09-29", members_position=closed.log_position)
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "at most 120000 fen, 120001 requested",
    )
    exact = await ledger.stub.PostPayout(payout("ww-3", amount=120_000, date="2026-09-29"))
    assert exact.basis.hardship_status == "GRADUAL_EXIT" and exact.basis.ceiling_fen == 120_000
    await refused(
        ledger.stub.PostPayout(payout("ww-4", amount=1, date="2026-09-30")),
        grpc.StatusCode.FAILED_PRECONDITION,
        "has EXITED on 2026-09-30",
    )


async def test_transfer_and_termination_seen_by_the_ledger(ledger, with_units):
    members_stub = with_units.stub
    await ledger.stub.OpenProgram(
        open_request(code="GREEN_TRAVEL", kind=ledger_pb2.PROGRAM_KIND_SUBSIDY)
    )
    await members_stub.EnrollMember(enrol_request("M2", join_date="2025-05-01"))
    moved = await members_stub.TransferMember(
        members_pb2.TransferMemberRequest(
            member_id="M2", to_unit_code="GD-SZ-0100", effective_date="2026-04-01"
        )
    )
    march = await ledger.stub.PostPayout(
        payout(
            "g-1",
            member="M2",
            code="GREEN_TRAVEL",
            amount=2_000,
            date="2026-03-31",
            members_position=moved.log_position,
        )
    )
    april = await ledger.stub.PostPayout(
        payout("g-2", member="M2", code="GREEN_TRAVEL", amount=2_000, date="2026-04-01")
    )
    assert (march.basis.unit_code, april.basis.unit_code) == ("GD-SZ-NS-0001", "GD-SZ-0100")
    ended = await members_stub.TerminateMembership(
        members_pb2.TerminateMembershipRequest(
            member_id="M2", effective_date="2026-08-01", reason="left the trade"
        )
    )
    await refused(
        ledger.stub.PostPayout(
            payout(
                "g-3",
                member="M2",
                code="GREEN_TRAVEL",
                amount=2_000,
                date="2026-08-01",
                members_position=ended.log_position,
            )
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "membership TERMINATED",
    )
