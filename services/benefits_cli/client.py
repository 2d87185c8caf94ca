"""A thin blocking client over the LedgerService stub.

Every call carries a deadline and an ``x-request-id`` metadata entry (the
command's own idempotency key when it has one, otherwise a fresh id), so the
server's logs can be matched with what the user ran. gRPC failures become
:class:`CallError`, which knows how to explain itself on one line.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from benefits_platform.protos.benefits.v1 import common_pb2, ledger_pb2, ledger_pb2_grpc

REQUEST_ID_HEADER = "x-request-id"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0

Resp = TypeVar("Resp", bound=Message)


@dataclass(eq=False)
class CallError(Exception):
    """A refused or failed call: the status name and the server's message."""

    status: str
    message: str
    address: str

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
            return (
                f"no ledger is listening at {self.address}; start the stack with `make up` "
                "(or `benefits up`), or point --ledger / BENEFITS_LEDGER_ADDR at a running ledger"
            )
        if self.status in ("UNAVAILABLE", "DEADLINE_EXCEEDED"):
            return "the outcome is unknown; retrying with the same request id is safe"
        return ""


class LedgerClient:
    def __init__(
        self, address: str, timeout: float = DEFAULT_TIMEOUT, request_id_prefix: str = ""
    ) -> None:
        self.address = address
        self.timeout = timeout
        self.request_id_prefix = request_id_prefix
        self._channel = grpc.insecure_channel(
            address,
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ],
        )
        # The generated stub is unannotated; each call's result is checked in _call.
        self._stub = ledger_pb2_grpc.LedgerServiceStub(self._channel)  # type: ignore[no-untyped-call]

    def __enter__(self) -> LedgerClient:
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
                request, timeout=self.timeout, metadata=((REQUEST_ID_HEADER, request_id),)
            )
        except grpc.RpcError as error:
            raise self._error(error) from None
        if not isinstance(response, response_type):
            raise TypeError(f"{method} returned {type(response).__name__}")
        return response

    def _error(self, error: grpc.RpcError) -> CallError:
        code = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
        details = error.details() if isinstance(error, grpc.Call) else str(error)
        return CallError(code.name, details or "", self.address)

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
        token = ""
        while True:
            page = self.member_entries_page(member_id, page_size, token)
            yield from page.entries
            token = page.next_page_token
            if not token:
                return
