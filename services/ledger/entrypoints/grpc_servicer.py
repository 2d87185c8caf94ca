"""The LedgerService servicer: proto -> command -> application -> proto."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

import grpc

from benefits_platform.domain_errors import InvalidArgument, Unavailable
from benefits_platform.paging import next_page_token, page_bounds
from benefits_platform.protos.benefits.v1 import ledger_pb2, ledger_pb2_grpc
from benefits_platform.rpc import rpc
from ledger.application import CommandWriter, LedgerApplication
from ledger.domain.commands import GetProgramQuery
from ledger.entrypoints import converters as C

if TYPE_CHECKING:
    from ledger.entrypoints.server import LedgerServer


def _entry_id(value: str) -> UUID:
    if not value:
        raise InvalidArgument("entry_id", "is required")
    try:
        return UUID(value)
    except ValueError:
        raise InvalidArgument("entry_id", "must be an entry id (a UUID)") from None


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
        return C.recorded_entry(await self.writer.submit(cmd))

    @rpc
    async def PostPayouts(
        self, request: ledger_pb2.PostPayoutsRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.PostPayoutsResponse:
        batch = C.post_payouts(request)
        await self.server.wait_for_members(max(row.members_position for row in batch.rows))
        recorded = await self.writer.submit(batch)
        return ledger_pb2.PostPayoutsResponse(
            entries=[C.recorded_entry(r) for r in recorded],
            replayed_count=sum(1 for r in recorded if r.replayed),
        )

    @rpc
    async def ReversePayout(
        self, request: ledger_pb2.ReversePayoutRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Entry:
        cmd = C.reverse_payout(request)
        return C.recorded_entry(await self.writer.submit(cmd))

    @rpc
    async def GetPayout(
        self, request: ledger_pb2.GetPayoutRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.Entry:
        entry_id = _entry_id(request.entry_id)
        app = self.app
        found = await self.server.read(app.entry, entry_id)
        return C.entry(found, reversed_by=app.reversed_by(found.id))

    @rpc
    async def GetMemberAccount(
        self, request: ledger_pb2.GetMemberAccountRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.MemberAccount:
        member = C.member_id(request.member_id)
        return C.member_account(self.app.member_account(member))

    @rpc
    async def ListMemberEntries(
        self, request: ledger_pb2.ListMemberEntriesRequest, context: grpc.aio.ServicerContext
    ) -> ledger_pb2.ListMemberEntriesResponse:
        member = C.member_id(request.member_id)
        offset, size = page_bounds(request.page if request.HasField("page") else None)
        app = self.app
        page, total = await self.server.read(app.member_entries, member, offset, size)
        return ledger_pb2.ListMemberEntriesResponse(
            entries=[C.entry(e, reversed_by=app.reversed_by(e.id)) for e in page],
            next_page_token=next_page_token(offset, len(page), total),
        )
