"""Thin blocking clients over the LedgerService and MembersService stubs.

Every call carries a deadline, the caller's API key (``authorization: Bearer
<key>``, see :class:`Credentials`) and an ``x-request-id`` metadata entry (the
command's own idempotency key when it has one, otherwise a fresh id), so the
server's logs can be matched with what the user ran. gRPC failures become
:class:`CallError`, which knows how to explain itself on one line.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

import grpc
from google.protobuf.message import Message

from benefits_platform.auth.tls import ClientTls
from benefits_platform.protos.benefits.v1 import (
    common_pb2,
    ledger_pb2,
    ledger_pb2_grpc,
    members_pb2,
    members_pb2_grpc,
)

REQUEST_ID_HEADER = "x-request-id"
AUTHORIZATION = "authorization"
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

    @property
    def tls_mismatch(self) -> bool:
        """True when the connection was closed during set-up: the service speaks
        TLS and this client does not, or it wants a client certificate."""
        text = self.message.lower()
        return self.status == "UNAVAILABLE" and (
            "socket closed" in text or "handshake" in text or "ssl" in text
        )

    def hint(self) -> str:
        if self.tls_mismatch:
            return (
                f"the {self.service} service at {self.address} closed the connection: it may "
                "serve TLS (pass --tls-ca / BENEFITS_TLS_CA_FILE) or require a client "
                "certificate (BENEFITS_TLS_CLIENT_CERT_FILE and BENEFITS_TLS_CLIENT_KEY_FILE)"
            )
        if self.unreachable:
            option, env = ADDRESS_OPTIONS.get(self.service, ("--ledger", "BENEFITS_LEDGER_ADDR"))
            return (
                f"no {self.service} service is listening at {self.address}; start the stack "
                f"with `make up` (or `benefits up`), or point {option} / {env} at a running "
                f"{self.service} service"
            )
        if self.status == "UNAUTHENTICATED":
            return (
                "pass an API key with --api-key or --api-key-file, or set BENEFITS_API_KEY or "
                "BENEFITS_API_KEY_FILE (`make up` writes development keys to var/keys; "
                "`benefits keys create` makes one)"
            )
        if self.status in ("UNAVAILABLE", "DEADLINE_EXCEEDED"):
            return "the outcome is unknown; retrying with the same request id is safe"
        return ""


def channel_target(address: str) -> tuple[str, list[tuple[str, str]]]:
    """The gRPC target and channel options for ``address``: one HOST:PORT, or
    several instances of one service, comma-separated (``127.0.0.1:50051,
    127.0.0.1:50061``, IP addresses), whose calls are then spread round-robin
    over the instances that are up."""
    parts = [part.strip() for part in address.split(",") if part.strip()]
    if len(parts) <= 1:
        return address, []
    return "ipv4:" + ",".join(parts), [("grpc.lb_policy_name", "round_robin")]


# Where `make up` (benefits_cli.stack) writes the development keys, under the data directory.
DEV_KEYS_DIR = "keys"
DEV_ADMIN_KEY = "dev-admin.key"
DEV_REVIEWER_KEY = "reviewer.key"


def dev_admin_key_path(env: Mapping[str, str] | None = None) -> Path:
    """The development admin key of a stack run from this directory
    (``<BENEFITS_DATA_DIR or var>/keys/dev-admin.key``)."""
    env = os.environ if env is None else env
    data_dir = env.get("BENEFITS_DATA_DIR", "").strip() or "var"
    return Path(data_dir) / DEV_KEYS_DIR / DEV_ADMIN_KEY


def read_key_file(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise CredentialsError(f"{what}: cannot read {path}: {error.strerror}") from None


class CredentialsError(Exception):
    """The credentials the user pointed at cannot be read."""


@dataclass(frozen=True)
class Credentials:
    """What a client sends: an API key (``authorization: Bearer <key>``), and
    the TLS settings of the channel (None: plaintext)."""

    api_key: str = ""
    source: str = ""
    tls: ClientTls | None = None

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return ((AUTHORIZATION, f"Bearer {self.api_key}"),) if self.api_key else ()

    @classmethod
    def resolve(
        cls,
        api_key: str = "",
        api_key_file: str = "",
        tls_ca: str = "",
        env: Mapping[str, str] | None = None,
    ) -> Credentials:
        """The key, first found of: ``api_key`` (--api-key), ``api_key_file``
        (--api-key-file), BENEFITS_API_KEY, BENEFITS_API_KEY_FILE, and the
        development admin key that `make up` writes (``var/keys/dev-admin.key``,
        under BENEFITS_DATA_DIR when set). TLS when ``tls_ca`` (--tls-ca) or
        BENEFITS_TLS_CA_FILE names the servers' CA; with
        BENEFITS_TLS_CLIENT_CERT_FILE and BENEFITS_TLS_CLIENT_KEY_FILE the client
        presents that certificate (mutual TLS)."""
        env = os.environ if env is None else env
        key, source = api_key.strip(), "--api-key"
        if not key and api_key_file:
            key, source = read_key_file(Path(api_key_file), "--api-key-file"), api_key_file
        if not key and env.get("BENEFITS_API_KEY", "").strip():
            key, source = env["BENEFITS_API_KEY"].strip(), "BENEFITS_API_KEY"
        if not key and env.get("BENEFITS_API_KEY_FILE", "").strip():
            path = Path(env["BENEFITS_API_KEY_FILE"].strip())
            key, source = read_key_file(path, "BENEFITS_API_KEY_FILE"), str(path)
        if not key:
            dev = dev_admin_key_path(env)
            if dev.is_file():
                key, source = read_key_file(dev, "development key"), str(dev)
        if not key:
            source = ""
        ca = tls_ca.strip() or env.get("BENEFITS_TLS_CA_FILE", "").strip()
        tls = None
        if ca:
            cert = env.get("BENEFITS_TLS_CLIENT_CERT_FILE", "").strip()
            private = env.get("BENEFITS_TLS_CLIENT_KEY_FILE", "").strip()
            tls = ClientTls(
                Path(ca), Path(cert) if cert else None, Path(private) if private else None
            )
        return cls(key, source, tls)


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
        credentials: Credentials | None = None,
    ) -> None:
        credentials = credentials if credentials is not None else Credentials.resolve()
        self.address = address
        self.timeout = timeout
        self.request_id_prefix = request_id_prefix
        self.metadata = (*metadata, *credentials.metadata())
        target, balancing = channel_target(address)
        options = [
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            *balancing,
        ]
        if credentials.tls is not None:
            self._channel = grpc.secure_channel(target, credentials.tls.credentials(), options)
        else:
            self._channel = grpc.insecure_channel(target, options=options)
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

    def call(self, method: str, request: Message, response_type: type[Resp]) -> Resp:
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
        return self.call("OpenProgram", request, ledger_pb2.Program)

    def close_program(self, request: ledger_pb2.CloseProgramRequest) -> ledger_pb2.Program:
        return self.call("CloseProgram", request, ledger_pb2.Program)

    def get_program(self, code: str, fiscal_year: int) -> ledger_pb2.Program:
        request = ledger_pb2.GetProgramRequest(code=code, fiscal_year=fiscal_year)
        return self.call("GetProgram", request, ledger_pb2.Program)

    def list_programs(self, fiscal_year: int = 0) -> ledger_pb2.ListProgramsResponse:
        request = ledger_pb2.ListProgramsRequest(fiscal_year=fiscal_year)
        return self.call("ListPrograms", request, ledger_pb2.ListProgramsResponse)

    # -- payouts --------------------------------------------------------------------

    def post_payout(self, request: ledger_pb2.PostPayoutRequest) -> ledger_pb2.Entry:
        return self.call("PostPayout", request, ledger_pb2.Entry)

    def post_payouts(
        self, payouts: list[ledger_pb2.PostPayoutRequest]
    ) -> ledger_pb2.PostPayoutsResponse:
        request = ledger_pb2.PostPayoutsRequest(payouts=payouts)
        return self.call("PostPayouts", request, ledger_pb2.PostPayoutsResponse)

    def reverse_payout(self, request: ledger_pb2.ReversePayoutRequest) -> ledger_pb2.Entry:
        return self.call("ReversePayout", request, ledger_pb2.Entry)

    # -- reads ----------------------------------------------------------------------

    def get_payout(self, entry_id: str) -> ledger_pb2.Entry:
        request = ledger_pb2.GetPayoutRequest(entry_id=entry_id)
        return self.call("GetPayout", request, ledger_pb2.Entry)

    def member_account(self, member_id: str) -> ledger_pb2.MemberAccount:
        request = ledger_pb2.GetMemberAccountRequest(member_id=member_id)
        return self.call("GetMemberAccount", request, ledger_pb2.MemberAccount)

    def member_entries_page(
        self, member_id: str, page_size: int, page_token: str = ""
    ) -> ledger_pb2.ListMemberEntriesResponse:
        request = ledger_pb2.ListMemberEntriesRequest(
            member_id=member_id,
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
        )
        return self.call("ListMemberEntries", request, ledger_pb2.ListMemberEntriesResponse)

    def member_entries(self, member_id: str, page_size: int) -> Iterator[ledger_pb2.Entry]:
        """Every entry of a member, following the pages to the end."""
        for page in pages(lambda token: self.member_entries_page(member_id, page_size, token)):
            yield from page.entries


class MembersClient(GrpcClient):
    """The members service (who may see national ID numbers in full follows
    from the roles of the caller's key)."""

    service = "members"
    stub_class = members_pb2_grpc.MembersServiceStub

    # -- units ----------------------------------------------------------------------

    def register_unit(self, request: members_pb2.RegisterUnitRequest) -> members_pb2.UnitChange:
        return self.call("RegisterUnit", request, members_pb2.UnitChange)

    def get_unit(self, code: str) -> members_pb2.Unit:
        return self.call("GetUnit", members_pb2.GetUnitRequest(code=code), members_pb2.Unit)

    def list_units(self, code: str = "") -> members_pb2.ListUnitsResponse:
        request = members_pb2.ListUnitsRequest(code=code)
        return self.call("ListUnits", request, members_pb2.ListUnitsResponse)

    # -- members --------------------------------------------------------------------

    def enroll(self, request: members_pb2.EnrollMemberRequest) -> members_pb2.MemberChange:
        return self.call("EnrollMember", request, members_pb2.MemberChange)

    def get_member(
        self, member_id: str, as_of: str = "", reveal: bool = False
    ) -> members_pb2.Member:
        request = members_pb2.GetMemberRequest(
            member_id=member_id, as_of_date=as_of, reveal_national_id=reveal
        )
        return self.call("GetMember", request, members_pb2.Member)

    def members_page(
        self, unit_code: str, page_size: int, page_token: str = ""
    ) -> members_pb2.ListMembersResponse:
        request = members_pb2.ListMembersRequest(
            unit_code=unit_code,
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
        )
        return self.call("ListMembers", request, members_pb2.ListMembersResponse)

    def members(self, unit_code: str, page_size: int) -> Iterator[members_pb2.Member]:
        """Every member of a unit subtree, following the pages to the end."""
        for page in pages(lambda token: self.members_page(unit_code, page_size, token)):
            yield from page.members

    def change(self, method: str, request: Message) -> members_pb2.MemberChange:
        """One of the member-changing calls (TransferMember, OpenHardshipFile, ...)."""
        return self.call(method, request, members_pb2.MemberChange)
