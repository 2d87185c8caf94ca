"""The LedgerService servicer: proto -> command -> application -> proto."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

import grpc

from benefits_platform.domain_errors import PermissionDenied, Unavailable
from benefits_platform.paging import next_page_token, page_bounds
from benefits_platform.protos.benefits.v1 import ledger_pb2, ledger_pb2_grpc
from benefits_platform.rpc import rpc, rpc_as
from ledger.application import CommandWriter, LedgerApplication
from ledger.domain import values
from ledger.domain.commands import GetProgramQuery
from ledger.entrypoints import access
from ledger.entrypoints import claim_converters as CC
from ledger.entrypoints import converters as C

if TYPE_CHECKING:
    from ledger.entrypoints.server import LedgerServer


def _entry_id(value: str) -> UUID:
    return values.uuid_of(value, "entry_id")


class LedgerServicer(ledger_pb2_grpc.LedgerServiceServicer):
    def __init__(self, server: LedgerServer) -> None:
        self.server = server

    @property
    def app(self) -> LedgerApplication:
        app = self.server.app
        if app is None or not self.server.ready:
            raise Unavailable("the ledger is starting; retry shortly")
        return app

    @property
    def writer(self) -> CommandWriter:
        writer = self.server.writer
        if writer is None or not self.server.ready:
            raise Unavailable("the ledger is starting; retry shortly")
        return writer

    @rpc
    async def OpenProgram(
        self, request: ledger_pb2.OpenProgramRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Program:
        cmd = C.open_program(request)
        return C.program(await self.writer.submit(cmd))

    @rpc
    async def CloseProgram(
        self, request: ledger_pb2.CloseProgramRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Program:
        cmd = C.close_program(request)
        return C.program(await self.writer.submit(cmd))

    @rpc
    async def GetProgram(
        self, request: ledger_pb2.GetProgramRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Program:
        query = GetProgramQuery(request.code, request.fiscal_year)
        query.validate()
        return C.program(self.app.programme_view(query.code, query.fiscal_year))

    @rpc
    async def ListPrograms(
        self, request: ledger_pb2.ListProgramsRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.ListProgramsResponse:
        if request.fiscal_year:
            GetProgramQuery("XX", request.fiscal_year).validate()
        views = self.app.programme_views(request.fiscal_year)
        return ledger_pb2.ListProgramsResponse(programs=[C.program(v) for v in views])

    @rpc
    async def PostPayout(
        self, request: ledger_pb2.PostPayoutRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Entry:
        cmd = C.post_payout(request)
        cmd.validate()
        await self.server.wait_for_members(cmd.members_position)
        access.check_member(self.app.members, cmd.member_id, cmd.effective_date)
        return C.recorded_entry(await self.writer.submit(cmd))

    async def _submit_batch(self, batch: Any, field: str) -> Any:
        """A validated batch: wait for the members position it names, check every
        row's member is in the caller's scope (refusals name ``field[i]``), record."""
        await self.server.wait_for_members(max(row.members_position for row in batch.rows))
        if access.scoped():  # a caller limited to a unit subtree
            members = self.app.members
            for index, row in enumerate(batch.rows):
                access.check_member(
                    members, row.member_id, row.effective_date, f"{field}[{index}]: member_id"
                )
        return await self.writer.submit(batch)

    @rpc
    async def PostPayouts(
        self, request: ledger_pb2.PostPayoutsRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.PostPayoutsResponse:
        recorded = await self._submit_batch(C.post_payouts(request), "payouts")
        return C.post_payouts_response(recorded)

    @rpc_as("PostPayouts")
    async def post_prepared_payouts(self, payload: bytes, context: Any) -> bytes:
        """PostPayouts as a front prepared it (converters.PAYOUTS_PREPARATION)."""
        batch = C.prepared_payouts(payload)
        return C.prepared_payouts_result(batch, await self._submit_batch(batch, "payouts"))

    @rpc
    async def ReversePayout(
        self, request: ledger_pb2.ReversePayoutRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Entry:
        cmd = C.reverse_payout(request)
        app = self.app
        if access.scoped():
            reversed_entry = await self.server.read(app.entry, cmd.parsed_entry_id)
            access.check_entry(app.members, reversed_entry)
        return C.recorded_entry(await self.writer.submit(cmd))

    @rpc
    async def GetPayout(
        self, request: ledger_pb2.GetPayoutRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Entry:
        entry_id = _entry_id(request.entry_id)
        app = self.app
        found = await self.server.read(app.entry, entry_id)
        access.check_entry(app.members, found)
        return C.entry(found, reversed_by=app.reversed_by(found.id))

    @rpc
    async def GetMemberAccount(
        self, request: ledger_pb2.GetMemberAccountRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.MemberAccount:
        member = C.member_id(request.member_id)
        access.check_member(self.app.members, member)
        return C.member_account(self.app.member_account(member))

    @rpc
    async def ListMemberEntries(
        self, request: ledger_pb2.ListMemberEntriesRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.ListMemberEntriesResponse:
        member = C.member_id(request.member_id)
        offset, size = page_bounds(request.page if request.HasField("page") else None)
        app = self.app
        access.check_member(app.members, member)
        page, total = await self.server.read(app.member_entries, member, offset, size)
        return ledger_pb2.ListMemberEntriesResponse(
            entries=[C.entry(e, reversed_by=app.reversed_by(e.id)) for e in page],
            next_page_token=next_page_token(offset, len(page), total),
        )

    # -- mutual aid: contributions and the pool -------------------------------------

    def _visible(self, member_id: str, on: str) -> bool:
        """Whether a scoped caller may see a member's claim or aid."""
        try:
            access.check_member(self.app.members, member_id, on)
        except PermissionDenied:
            return False
        return True

    @rpc
    async def RecordContribution(
        self, request: ledger_pb2.RecordContributionRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Contribution:
        cmd = CC.record_contribution(request)
        cmd.validate()
        await self.server.wait_for_members(cmd.members_position)
        access.check_member(self.app.members, cmd.member_id, cmd.effective_date)
        return CC.contribution(await self.writer.submit(cmd))

    @rpc
    async def RecordContributions(
        self, request: ledger_pb2.RecordContributionsRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.RecordContributionsResponse:
        recorded = await self._submit_batch(CC.record_contributions(request), "contributions")
        return ledger_pb2.RecordContributionsResponse(
            contributions=[CC.contribution(r) for r in recorded],
            replayed_count=sum(1 for r in recorded if r.replayed),
        )

    @rpc
    async def GetPool(
        self, request: ledger_pb2.GetPoolRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Pool:
        values.program_code(request.program_code)
        values.fiscal_year(request.fiscal_year)
        return CC.pool(self.app.pool(request.program_code, request.fiscal_year))

    # -- claims -----------------------------------------------------------------------

    def _check_claim(self, claim_id: UUID) -> None:
        """A scoped caller acts only on claims of members in its scope; an unknown
        claim is left to the command, which refuses it."""
        if not access.scoped():
            return
        claim = self.app.book.maps.claims.get(claim_id)
        if claim is not None:
            access.check_member(
                self.app.members, claim.member_id, claim.incident_date, "claim_id: member_id"
            )

    async def _decide(self, cmd: CC.ClaimCommandOnId) -> ledger_pb2.Claim:
        self._check_claim(cmd.parsed_claim_id)
        return CC.claim(await self.writer.submit(cmd))

    @rpc
    async def FileClaim(
        self, request: ledger_pb2.FileClaimRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Claim:
        cmd = CC.file_claim(request)
        await self.server.wait_for_members(cmd.members_position)
        access.check_member(self.app.members, cmd.member_id, cmd.incident_date)
        return CC.claim(await self.writer.submit(cmd))

    @rpc
    async def GetClaim(
        self, request: ledger_pb2.GetClaimRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Claim:
        claim_id = UUID(CC.claim_id(request.claim_id))
        found = self.app.claim(claim_id)
        self._check_claim(claim_id)
        return CC.claim(found)

    @rpc
    async def ListClaims(
        self, request: ledger_pb2.ListClaimsRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.ListClaimsResponse:
        CC.programme_filter(request.program_code, request.fiscal_year)
        if request.member_id:
            values.member_id(request.member_id)
            access.check_member(self.app.members, request.member_id)
        state = CC.claim_state(request.state)
        offset, size = page_bounds(request.page if request.HasField("page") else None)
        visible = (
            (lambda claim: self._visible(claim.member_id, claim.incident_date))
            if access.scoped()
            else None
        )
        page, total = self.app.claims(
            request.program_code,
            request.fiscal_year,
            request.member_id,
            state,
            offset,
            size,
            visible,
        )
        return ledger_pb2.ListClaimsResponse(
            claims=[CC.claim(c) for c in page],
            next_page_token=next_page_token(offset, len(page), total),
        )

    @rpc
    async def StartReview(
        self, request: ledger_pb2.StartReviewRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Claim:
        return await self._decide(CC.start_review(request))

    @rpc
    async def ApproveClaim(
        self, request: ledger_pb2.ApproveClaimRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Claim:
        return await self._decide(CC.approve_claim(request))

    @rpc
    async def RejectClaim(
        self, request: ledger_pb2.RejectClaimRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Claim:
        return await self._decide(CC.reject_claim(request))

    @rpc
    async def WithdrawClaim(
        self, request: ledger_pb2.WithdrawClaimRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Claim:
        return await self._decide(CC.withdraw_claim(request))

    @rpc
    async def PayClaim(
        self, request: ledger_pb2.PayClaimRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Claim:
        return await self._decide(CC.pay_claim(request))

    # -- emergency aid ----------------------------------------------------------------

    async def _check_payout(self, entry_id: UUID) -> None:
        if access.scoped():
            app = self.app
            access.check_entry(app.members, await self.server.read(app.entry, entry_id))

    @rpc
    async def VerifyEmergencyAid(
        self, request: ledger_pb2.VerifyEmergencyAidRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.EmergencyObligation:
        cmd = CC.verify_emergency_aid(request)
        await self._check_payout(cmd.parsed_entry_id)
        return CC.obligation_result(await self.writer.submit(cmd))

    @rpc
    async def RecoverPayment(
        self, request: ledger_pb2.RecoverPaymentRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Entry:
        cmd = CC.recover_payment(request)
        await self._check_payout(cmd.parsed_entry_id)
        return C.recorded_entry(await self.writer.submit(cmd))

    @rpc
    async def ListEmergencyObligations(
        self,
        request: ledger_pb2.ListEmergencyObligationsRequest,
        context: grpc.aio.ServicerContext,
    ) -> ledger_pb2.ListEmergencyObligationsResponse:
        CC.programme_filter(request.program_code, request.fiscal_year)
        if request.member_id:
            values.member_id(request.member_id)
            access.check_member(self.app.members, request.member_id)
        if request.overdue_as_of:
            values.iso_date(request.overdue_as_of, "overdue_as_of")
        offset, size = page_bounds(request.page if request.HasField("page") else None)
        visible = (
            (lambda s: self._visible(s.obligation.member_id, s.obligation.effective_date))
            if access.scoped()
            else None
        )
        page, total = self.app.obligations(
            request.program_code,
            request.fiscal_year,
            request.member_id,
            request.overdue_as_of,
            offset,
            size,
            visible,
        )
        return ledger_pb2.ListEmergencyObligationsResponse(
            obligations=[CC.obligation(s, as_of=request.overdue_as_of) for s in page],
            next_page_token=next_page_token(offset, len(page), total),
        )
