"""Thin blocking clients over the LedgerService and MembersService stubs.

Every call carries a deadline and an ``x-request-id`` metadata entry (the
command's own idempotency key when it has one, otherwise a fresh id), so the
server's logs can be matched with what the user ran. gRPC failures become
:class:`CallError`, which knows how to explain itself on one line.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

import grpc
from google.protobuf.message import Message

from benefits_platform.protos.benefits.v1 import (
    common_pb2,
    ledger_pb2,
    ledger_pb2_grpc,
    members_pb2,
    members_pb2_grpc,
)

REQUEST_ID_HEADER = "x-request-id"
ROLE_HEADER = "x-role"
# The option and environment variable that point the client at each service.
ADDRESS_OPTIONS = {
    "ledger": ("--ledger", "BENEFITS_LEDGER_ADDR"),
    "members": ("--members", "BENEFITS_MEMBERS_ADDR"),
}
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0

Resp = TypeVar("Resp", bound=Message)


@dataclass(eq=False)
class CallError(Exception):
    """A refused or failed call: the status name and the server's message."""

    status: str
    message: str
    address: str
    service: str = "ledger"

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"

    @property
    def unreachable(self) -> bool:
        """True when no connection could be made (nothing listens at the address)."""
        text = self.message.lower()
        return self.status == "UNAVAILABLE" and (
            "failed to connect" in text or "connection refused" in text or "resolv" in text
        )

    def hint(self) -> str:
        if self.unreachable:
            option, env = ADDRESS_OPTIONS.get(self.service, ("--ledger", "BENEFITS_LEDGER_ADDR"))
            return (
                f"no {self.service} service is listening at {self.address}; start the stack "
                f"with `make up` (or `benefits up`), or point {option} / {env} at a running "
                f"{self.service} service"
            )
        if self.status in ("UNAVAILABLE", "DEADLINE_EXCEEDED"):
            return "the outcome is unknown; retrying with the same request id is safe"
        return ""


class Page(Protocol):
    next_page_token: str


P = TypeVar("P", bound=Page)


def pages(fetch: Callable[[str], P]) -> Iterator[P]:
    """Every page of a list call: ``fetch(token)`` from the empty token on, each
    next page by the token of the one before, until a page has none."""
    token = ""
    while True:
        page = fetch(token)
        yield page
        token = page.next_page_token
        if not token:
            return


class GrpcClient:
    """A blocking channel to one service; calls are safe from several threads."""

    service = ""
    # The generated stub class; unannotated, so each call's result is checked in _call.
    stub_class: Any = None

    def __init__(
        self,
        address: str,
        timeout: float = DEFAULT_TIMEOUT,
        request_id_prefix: str = "",
        metadata: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.address = address
        self.timeout = timeout
        self.request_id_prefix = request_id_prefix
        self.metadata = metadata
        self._channel = grpc.insecure_channel(
            address,
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ],
        )
        self._stub = self.stub_class(self._channel)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def new_request_id(self) -> str:
        return f"{self.request_id_prefix}{uuid.uuid4()}"

    def _call(self, method: str, request: Message, response_type: type[Resp]) -> Resp:
        request_id = str(getattr(request, "request_id", "")) or self.new_request_id()
        stub_method: Any = getattr(self._stub, method)
        try:
            response = stub_method(
                request,
                timeout=self.timeout,
                metadata=((REQUEST_ID_HEADER, request_id), *self.metadata),
            )
        except grpc.RpcError as error:
            raise self._error(error) from None
        if not isinstance(response, response_type):
            raise TypeError(f"{method} returned {type(response).__name__}")
        return response

    def _error(self, error: grpc.RpcError) -> CallError:
        code = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
        details = error.details() if isinstance(error, grpc.Call) else str(error)
        return CallError(code.name, details or "", self.address, self.service)


class LedgerClient(GrpcClient):
    service = "ledger"
    stub_class = ledger_pb2_grpc.LedgerServiceStub

    # -- programmes -----------------------------------------------------------------

    def open_program(self, request: ledger_pb2.OpenProgramRequest) -> ledger_pb2.Program:
        return self._call("OpenProgram", request, ledger_pb2.Program)

    def close_program(self, request: ledger_pb2.CloseProgramRequest) -> ledger_pb2.Program:
        return self._call("CloseProgram", request, ledger_pb2.Program)

    def get_program(self, code: str, fiscal_year: int) -> ledger_pb2.Program:
        request = ledger_pb2.GetProgramRequest(code=code, fiscal_year=fiscal_year)
        return self._call("GetProgram", request, ledger_pb2.Program)

    def list_programs(self, fiscal_year: int = 0) -> ledger_pb2.ListProgramsResponse:
        request = ledger_pb2.ListProgramsRequest(fiscal_year=fiscal_year)
        return self._call("ListPrograms", request, ledger_pb2.ListProgramsResponse)

    # -- payouts --------------------------------------------------------------------

    def post_payout(self, request: ledger_pb2.PostPayoutRequest) -> ledger_pb2.Entry:
        return self._call("PostPayout", request, ledger_pb2.Entry)

    def post_payouts(
        self, payouts: list[ledger_pb2.PostPayoutRequest]
    ) -> ledger_pb2.PostPayoutsResponse:
        request = ledger_pb2.PostPayoutsRequest(payouts=payouts)
        return self._call("PostPayouts", request, ledger_pb2.PostPayoutsResponse)

    def reverse_payout(self, request: ledger_pb2.ReversePayoutRequest) -> ledger_pb2.Entry:
        return self._call("ReversePayout", request, ledger_pb2.Entry)

    # -- reads ----------------------------------------------------------------------

    def get_payout(self, entry_id: str) -> ledger_pb2.Entry:
        request = ledger_pb2.GetPayoutRequest(entry_id=entry_id)
        return self._call("GetPayout", request, ledger_pb2.Entry)

    def member_account(self, member_id: str) -> ledger_pb2.MemberAccount:
        request = ledger_pb2.GetMemberAccountRequest(member_id=member_id)
        return self._call("GetMemberAccount", request, ledger_pb2.MemberAccount)

    def member_entries_page(
        self, member_id: str, page_size: int, page_token: str = ""
    ) -> ledger_pb2.ListMemberEntriesResponse:
        request = ledger_pb2.ListMemberEntriesRequest(
            member_id=member_id,
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
        )
        return self._call("ListMemberEntries", request, ledger_pb2.ListMemberEntriesResponse)

    def member_entries(self, member_id: str, page_size: int) -> Iterator[ledger_pb2.Entry]:
        """Every entry of a member, following the pages to the end."""
        for page in pages(lambda token: self.member_entries_page(member_id, page_size, token)):
            yield from page.entries


class MembersClient(GrpcClient):
    """The members service; ``role`` is sent as ``x-role`` (who may see national
    ID numbers in full, until the security issue brings real authentication)."""

    service = "members"
    stub_class = members_pb2_grpc.MembersServiceStub

    def __init__(
        self,
        address: str,
        timeout: float = DEFAULT_TIMEOUT,
        request_id_prefix: str = "",
        role: str = "",
    ) -> None:
        super().__init__(
            address, timeout, request_id_prefix, ((ROLE_HEADER, role),) if role else ()
        )

    # -- units ----------------------------------------------------------------------

    def register_unit(self, request: members_pb2.RegisterUnitRequest) -> members_pb2.UnitChange:
        return self._call("RegisterUnit", request, members_pb2.UnitChange)

    def get_unit(self, code: str) -> members_pb2.Unit:
        return self._call("GetUnit", members_pb2.GetUnitRequest(code=code), members_pb2.Unit)

    def list_units(self, code: str = "") -> members_pb2.ListUnitsResponse:
        request = members_pb2.ListUnitsRequest(code=code)
        return self._call("ListUnits", request, members_pb2.ListUnitsResponse)

    # -- members --------------------------------------------------------------------

    def enroll(self, request: members_pb2.EnrollMemberRequest) -> members_pb2.MemberChange:
        return self._call("EnrollMember", request, members_pb2.MemberChange)

    def get_member(
        self, member_id: str, as_of: str = "", reveal: bool = False
    ) -> members_pb2.Member:
        request = members_pb2.GetMemberRequest(
            member_id=member_id, as_of_date=as_of, reveal_national_id=reveal
        )
        return self._call("GetMember", request, members_pb2.Member)

    def members_page(
        self, unit_code: str, page_size: int, page_token: str = ""
    ) -> members_pb2.ListMembersResponse:
        request = members_pb2.ListMembersRequest(
            unit_code=unit_code,
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
        )
        return self._call("ListMembers", request, members_pb2.ListMembersResponse)

    def members(self, unit_code: str, page_size: int) -> Iterator[members_pb2.Member]:
        """Every member of a unit subtree, following the pages to the end."""
        for page in pages(lambda token: self.members_page(unit_code, page_size, token)):
            yield from page.members

    def change(self, method: str, request: Message) -> members_pb2.MemberChange:
        """One of the member-changing calls (TransferMember, OpenHardshipFile, ...)."""
        return self._call(method, request, members_pb2.MemberChange)
