"""The ReportingService servicer: proto -> plain values -> application -> proto.

Reads run in worker threads (they block on the projection database); the
audit, rebuild and event stream run as tasks whose progress is relayed to the
caller as it comes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from benefits_platform import identity
from benefits_platform.aio import in_thread
from benefits_platform.domain_errors import Unavailable
from benefits_platform.paging import page_bounds
from benefits_platform.protos.benefits.v1 import reporting_pb2, reporting_pb2_grpc
from benefits_platform.rpc import rpc, rpc_stream
from reporting.application import ReportingApplication
from reporting.auditing import Auditor, EventsQuery
from reporting.domain.filters import EventFilter
from reporting.entrypoints import access
from reporting.entrypoints import converters as C

if TYPE_CHECKING:
    from reporting.entrypoints.server import ReportingServer

T = TypeVar("T")
Item = TypeVar("Item")


async def relay_progress(
    work: Callable[[Callable[[str, int, int], Awaitable[None]]], Awaitable[T]],
    as_message: Callable[[reporting_pb2.AuditProgress], Item],
) -> AsyncIterator[Item | T]:
    """Run ``work(progress)`` as a task; yield each progress report as it comes
    (the latest only, when the caller reads slower than they come), then the
    result. Cancelling the caller cancels the work."""
    queue: asyncio.Queue[reporting_pb2.AuditProgress | None] = asyncio.Queue(maxsize=1)

    async def progress(phase: str, done: int, total: int) -> None:
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
        queue.put_nowait(C.progress(phase, done, total))

    async def run() -> T:
        try:
            return await work(progress)
        finally:
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()
            queue.put_nowait(None)

    task = asyncio.create_task(run())
    try:
        while (item := await queue.get()) is not None:
            yield as_message(item)
        yield await task
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class ReportingServicer(reporting_pb2_grpc.ReportingServiceServicer):
    def __init__(self, server: ReportingServer) -> None:
        self.server = server

    @property
    def app(self) -> ReportingApplication:
        app = self.server.app
        if app is None or not self.server.ready:
            raise Unavailable("the reporting service is starting; retry shortly")
        return app

    @property
    def auditor(self) -> Auditor:
        auditor = self.server.auditor
        if auditor is None or not self.server.ready:
            raise Unavailable("the reporting service is starting; retry shortly")
        return auditor

    @rpc
    async def GetMemberStatement(
        self, request: reporting_pb2.GetMemberStatementRequest, context: Any
    ) -> reporting_pb2.MemberStatement:
        offset, limit = page_bounds(request.page if request.HasField("page") else None)
        await in_thread(access.check_member, self.app, identity.current(), request.member_id)
        found = await in_thread(
            self.app.member_statement, request.member_id, request.fiscal_year, offset, limit
        )
        return C.statement(found)

    @rpc
    async def GetProgramTotals(
        self, request: reporting_pb2.GetProgramTotalsRequest, context: Any
    ) -> reporting_pb2.ProgramReport:
        await in_thread(access.check_unit, self.app, identity.current(), request.unit_code)
        section, _positions = await in_thread(
            self.app.programme_totals,
            request.program_code,
            request.fiscal_year,
            request.unit_code,
            request.unit_depth,
        )
        return C.program_report(section)

    @rpc
    async def GetAnnualReport(
        self, request: reporting_pb2.GetAnnualReportRequest, context: Any
    ) -> reporting_pb2.AnnualReport:
        as_of = C.micros(request.as_of, "as_of") if request.HasField("as_of") else None
        await in_thread(access.check_unit, self.app, identity.current(), request.unit_code)
        report, positions = await in_thread(
            self.app.annual_report,
            request.fiscal_year,
            request.unit_code,
            request.unit_depth,
            as_of,
        )
        return C.annual_report(report, positions, dt.datetime.now(dt.UTC))

    @rpc
    async def GetClaimsReport(
        self, request: reporting_pb2.GetClaimsReportRequest, context: Any
    ) -> reporting_pb2.ClaimsReport:
        as_of = C.micros(request.as_of, "as_of") if request.HasField("as_of") else None
        await in_thread(access.check_unit, self.app, identity.current(), request.unit_code)
        report, positions = await in_thread(
            self.app.claims_report,
            request.program_code,
            request.fiscal_year,
            request.period_id,
            request.unit_code,
            request.unit_depth,
            as_of,
        )
        return C.claims_report(report, positions, dt.datetime.now(dt.UTC))

    @rpc
    async def ListOverdueEmergencyAid(
        self, request: reporting_pb2.ListOverdueEmergencyAidRequest, context: Any
    ) -> reporting_pb2.ListOverdueEmergencyAidResponse:
        offset, limit = page_bounds(request.page if request.HasField("page") else None)
        await in_thread(access.check_unit, self.app, identity.current(), request.unit_code)
        found = await in_thread(
            self.app.overdue_aid,
            request.as_of_date,
            request.program_code,
            request.fiscal_year,
            request.unit_code,
            offset,
            limit,
        )
        return C.overdue_aid(found)

    @rpc_stream
    async def StreamEvents(
        self, request: reporting_pb2.StreamEventsRequest, context: Any
    ) -> AsyncIterator[reporting_pb2.StreamEventsResponse]:
        source = C.stream_source(request)
        C.check_stream_request(request)
        await in_thread(access.check_unit, self.app, identity.current(), request.unit_code)
        query = EventsQuery(
            source=source,
            start_position=request.start_position,
            unit_code=request.unit_code,
            filter=EventFilter(
                member_id=request.member_id,
                program_code=request.program_code,
                fiscal_year=request.fiscal_year,
                effective_from=request.effective_from,
                effective_to=request.effective_to,
                recorded_from_us=C.micros(request.recorded_from, "recorded_from")
                if request.HasField("recorded_from")
                else 0,
                recorded_to_us=C.micros(request.recorded_to, "recorded_to")
                if request.HasField("recorded_to")
                else 0,
            ),
            limit=request.limit,
        )
        async for event in self.auditor.events(query):
            yield C.stream_event(
                event.envelope, event.stream_seq, event.unit_code, event.link_valid
            )

    @rpc_stream
    async def VerifyLedger(
        self, request: reporting_pb2.VerifyLedgerRequest, context: Any
    ) -> AsyncIterator[reporting_pb2.VerifyLedgerResponse]:
        auditor = self.auditor

        async def work(progress: Callable[[str, int, int], Awaitable[None]]) -> Any:
            return C.verdict(
                await auditor.verify(request.ledger_store, request.skip_projections, progress)
            )

        async for item in relay_progress(
            work, lambda p: reporting_pb2.VerifyLedgerResponse(progress=p)
        ):
            yield item

    @rpc_stream
    async def RebuildProjections(
        self, request: reporting_pb2.RebuildProjectionsRequest, context: Any
    ) -> AsyncIterator[reporting_pb2.RebuildProjectionsResponse]:
        auditor = self.auditor

        async def work(progress: Callable[[str, int, int], Awaitable[None]]) -> Any:
            return C.rebuilt(await auditor.rebuild(progress))

        async for item in relay_progress(
            work, lambda p: reporting_pb2.RebuildProjectionsResponse(progress=p)
        ):
            yield item
