"""The MembersService servicer: proto -> command -> application -> proto."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias, TypeVar

import grpc

from benefits_platform import identity, logs
from benefits_platform.domain_errors import PermissionDenied
from benefits_platform.paging import next_page_token, page_bounds
from benefits_platform.protos.benefits.v1 import members_pb2, members_pb2_grpc
from benefits_platform.rpc import rpc
from members.application import MemberChange, MembersApplication
from members.entrypoints import access
from members.entrypoints import converters as C

if TYPE_CHECKING:
    from members.entrypoints.server import MembersServer

log = logs.get("members.servicer")
Cmd = TypeVar("Cmd")

Context: TypeAlias = grpc.aio.ServicerContext


class MembersServicer(members_pb2_grpc.MembersServiceServicer):
    def __init__(self, server: MembersServer) -> None:
        self.server = server

    @property
    def app(self) -> MembersApplication:
        return self.server.application()

    async def _member_change(
        self, handler: Callable[[Cmd], MemberChange], cmd: Cmd, *units: tuple[str, str]
    ) -> members_pb2.MemberChange:
        """Run a member-changing command on a member (and units) in the caller's scope."""
        member_id = str(getattr(cmd, "member_id", ""))
        guarded = access.guarded(self.app, handler, member_id=member_id, units=units)
        return C.member_change(await self.server.write(guarded, cmd))

    # -- units ----------------------------------------------------------------------

    @rpc
    async def RegisterUnit(
        self, request: members_pb2.RegisterUnitRequest, context: Context
    ) -> members_pb2.UnitChange:
        cmd = C.register_unit(request)
        guarded = access.guarded(self.app, self.app.register_unit, parent_code=cmd.parent_code)
        return C.unit_change(await self.server.write(guarded, cmd))

    @rpc
    async def GetUnit(
        self, request: members_pb2.GetUnitRequest, context: Context
    ) -> members_pb2.Unit:
        code = C.unit_code(request.code)
        return C.unit(await self.server.read(self.app.unit, code))

    @rpc
    async def ListUnits(
        self, request: members_pb2.ListUnitsRequest, context: Context
    ) -> members_pb2.ListUnitsResponse:
        code = C.unit_code(request.code) if request.code else ""
        units = await self.server.read(self.app.units, code)
        return members_pb2.ListUnitsResponse(units=[C.unit(u) for u in units])

    # -- members --------------------------------------------------------------------

    @rpc
    async def EnrollMember(
        self, request: members_pb2.EnrollMemberRequest, context: Context
    ) -> members_pb2.MemberChange:
        cmd = C.enroll_member(request)
        return await self._member_change(self.app.enroll, cmd, ("unit_code", cmd.unit_code))

    @rpc
    async def GetMember(
        self, request: members_pb2.GetMemberRequest, context: Context
    ) -> members_pb2.Member:
        member_id = C.member_id(request.member_id)
        as_of = C.as_of_date(request.as_of_date)
        reveal = request.reveal_national_id
        if reveal and not access.may_reveal():
            raise PermissionDenied(
                "reveal_national_id: the caller's role may not see national ID numbers "
                "in full; ask without reveal_national_id for the masked number"
            )
        read = access.guarded(self.app, self.app.member, member_id=member_id)
        view = await self.server.read(read, member_id, as_of, reveal)
        if reveal:
            log.info(
                "member.national_id_revealed", member_id=member_id, caller=identity.current().id
            )
        return C.member(view)

    @rpc
    async def ListMembers(
        self, request: members_pb2.ListMembersRequest, context: Context
    ) -> members_pb2.ListMembersResponse:
        unit_code = C.unit_code(request.unit_code, "unit_code") if request.unit_code else ""
        offset, size = page_bounds(request.page if request.HasField("page") else None)
        unit_code = access.list_scope(identity.current(), unit_code)
        read = access.guarded(self.app, self.app.members, units=[("unit_code", unit_code)])
        page, total = await self.server.read(read, unit_code, offset, size)
        return members_pb2.ListMembersResponse(
            members=[C.member(view) for view in page],
            next_page_token=next_page_token(offset, len(page), total),
        )

    @rpc
    async def TransferMember(
        self, request: members_pb2.TransferMemberRequest, context: Context
    ) -> members_pb2.MemberChange:
        cmd = C.transfer_member(request)
        return await self._member_change(self.app.transfer, cmd, ("to_unit_code", cmd.to_unit_code))

    @rpc
    async def TerminateMembership(
        self, request: members_pb2.TerminateMembershipRequest, context: Context
    ) -> members_pb2.MemberChange:
        return await self._member_change(self.app.terminate, C.terminate_membership(request))

    @rpc
    async def ReinstateMember(
        self, request: members_pb2.ReinstateMemberRequest, context: Context
    ) -> members_pb2.MemberChange:
        return await self._member_change(self.app.reinstate, C.reinstate_member(request))

    # -- hardship files -------------------------------------------------------------

    @rpc
    async def OpenHardshipFile(
        self, request: members_pb2.OpenHardshipFileRequest, context: Context
    ) -> members_pb2.MemberChange:
        return await self._member_change(self.app.open_hardship_file, C.open_hardship_file(request))

    @rpc
    async def ChangeHardshipTier(
        self, request: members_pb2.ChangeHardshipTierRequest, context: Context
    ) -> members_pb2.MemberChange:
        return await self._member_change(
            self.app.change_hardship_tier, C.change_hardship_tier(request)
        )

    @rpc
    async def RecordHardshipReview(
        self, request: members_pb2.RecordHardshipReviewRequest, context: Context
    ) -> members_pb2.MemberChange:
        return await self._member_change(
            self.app.record_hardship_review, C.record_hardship_review(request)
        )

    @rpc
    async def CloseHardshipFile(
        self, request: members_pb2.CloseHardshipFileRequest, context: Context
    ) -> members_pb2.MemberChange:
        return await self._member_change(
            self.app.close_hardship_file, C.close_hardship_file(request)
        )

    # -- personal data --------------------------------------------------------------

    @rpc
    async def ForgetMemberPersonalData(
        self, request: members_pb2.ForgetMemberPersonalDataRequest, context: Context
    ) -> members_pb2.MemberChange:
        return await self._member_change(self.app.forget, C.forget_member(request))
