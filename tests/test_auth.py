"""Authentication and authorisation of every service, through real gRPC.

For each service: calls without a key, with a malformed, unknown, wrongly
keyed or revoked one are UNAUTHENTICATED; a key without the method's role, or
scoped to another union unit, is PERMISSION_DENIED; none of them writes an
event (store position and stream length unchanged). The key that caused an
event is recorded on it, and no metadata entry can claim another identity.
The keys file itself: hashes only, mode 0600, reloaded when it changes (a
revocation takes effect on the next call), and unreadable means nobody gets in.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
import subprocess
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from benefits_cli.client import Credentials
from benefits_cli.main import main as cli_main
from benefits_cli.stack import ensure_dev_keys
from benefits_platform import bus
from benefits_platform.auth import ALL_UNITS, ROLES, KeysFile
from benefits_platform.auth.keys import parse_token, secret_digest
from benefits_platform.config import NatsAuth, StoreConfig, with_password
from benefits_platform.domain_errors import InvalidArgument, Unauthenticated
from benefits_platform.eventstore import eventsourcing_env
from benefits_platform.protos.benefits.v1 import (
    events_pb2,
    ledger_pb2,
    ledger_pb2_grpc,
    member_events_pb2,
    members_pb2,
    reporting_pb2,
)
from ledger.domain.members_view import MembersView
from ledger.entrypoints.access import POLICY as LEDGER_POLICY
from members.domain.member import Member, member_uuid
from members.domain.units import Unit, unit_id
from members.entrypoints.access import POLICY as MEMBERS_POLICY
from reporting.entrypoints.access import POLICY as REPORTING_POLICY
from tests.conftest import RunningLedger
from tests.ledger_client import (
    claim_request,
    contribution,
    open_request,
    payout,
    pool_request,
    settled_state,
    stream_messages,
)
from tests.members_feed import enrolled
from tests.members_fixtures import (
    ID_DIGIT,
    RunningMembers,
    enrol_request,
    members,
    with_units,
)
from tests.reporting_support import (
    YEAR,
    RunningReporting,
    publish_members,
    reporting,
    unit_events,
)
from tests.support import Keys, channel, free_port, key_id, nats_server_binary, wait_port

__all__ = ["members", "reporting", "with_units"]  # fixtures, used by name

CODE = grpc.StatusCode
NOW = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
UNAUTH, DENIED = CODE.UNAUTHENTICATED, CODE.PERMISSION_DENIED


@pytest.fixture
def store(tmp_path: Path) -> StoreConfig:
    """Authentication does not depend on the store: these tests run on SQLite."""
    return StoreConfig(kind="sqlite", sqlite_path=tmp_path / "ledger" / "events.sqlite")


async def refused(call: Awaitable[Any], code: grpc.StatusCode, *fragments: str) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    details = err.value.details() or ""
    assert err.value.code() == code, details
    for fragment in fragments:
        assert fragment in details, details
    return details


async def stream_refused(
    replies: AsyncIterator[Any], code: grpc.StatusCode, *fragments: str
) -> None:
    async def drain() -> None:
        async for _reply in replies:
            pass

    await refused(drain(), code, *fragments)


def bad_credentials(keys: Keys) -> list[tuple[str | None, str]]:
    """(key sent, fragment of the refusal) for each way of not being authenticated."""
    revoked = keys.create("POSTER", "REVIEWER", "AUDITOR", "ADMIN", label="to be revoked")
    keys.revoke(revoked)
    other_secret = secrets.token_urlsafe(32)
    return [
        (None, "no credentials"),
        ("not-a-key", "not an API key"),
        (f"bk_{key_id(keys.admin)}", "not an API key"),
        (f"bk_0123456789ab_{other_secret}", "API key 0123456789ab is unknown"),
        (f"bk_{key_id(keys.admin)}_{other_secret}", "wrong secret"),
        (revoked, f"API key {key_id(revoked)} was revoked"),
    ]


# -- policies -------------------------------------------------------------------------


def test_every_method_of_every_service_has_a_policy() -> None:
    """Fail closed: a method missing from its service's policy would be refused
    to everyone, so each RPC of each service descriptor must be listed."""
    for policy in (LEDGER_POLICY, MEMBERS_POLICY, REPORTING_POLICY):
        package, _, name = policy.service.rpartition(".")
        assert package == "benefits.v1"
        module = {"LedgerService": ledger_pb2, "MembersService": members_pb2,
                  "ReportingService": reporting_pb2}[name]  # fmt: skip
        methods = [m.name for m in module.DESCRIPTOR.services_by_name[name].methods]
        assert methods, name
        missing = [m for m in methods if policy.rule(m) is None]
        assert missing == [], f"{name}: no access policy for {missing}"
        for method in methods:
            rule = policy.rule(method)
            assert rule is not None and rule.roles and rule.roles <= set(ROLES)


# -- the keys file --------------------------------------------------------------------


def test_keys_are_stored_as_hashes_in_a_private_file(tmp_path: Path) -> None:
    keys = KeysFile(tmp_path / "keys" / "api-keys.json")
    entry, key = keys.create_key(["poster", "Auditor"], "GD-SZ", "Shenzhen desk")
    assert key.startswith(f"bk_{entry.id}_") and entry.roles == ("POSTER", "AUDITOR")
    text = keys.path.read_text()
    assert parse_token(key)[1] not in text and key not in text
    assert secret_digest(parse_token(key)[1]) in text
    assert keys.path.stat().st_mode & 0o777 == 0o600
    assert keys.path.parent.stat().st_mode & 0o777 == 0o700
    caller = keys.authenticate(key)
    assert (caller.id, caller.roles, caller.unit_scope) == (
        entry.id, frozenset({"POSTER", "AUDITOR"}), "GD-SZ",
    )  # fmt: skip
    listed = json.loads(text)["keys"][0]
    assert listed["unit_scope"] == "GD-SZ" and listed["revoked_at"] == ""


@pytest.mark.parametrize(
    ("roles", "scope", "fragment"),
    [
        ([], ALL_UNITS, "roles: must be one or more"),
        (["CLERK"], ALL_UNITS, "roles: must be one or more of POSTER"),
        (["POSTER"], "", "unit_scope: must be *"),
        (["POSTER"], "GD SZ", "unit_scope: must be *"),
    ],
)
def test_a_key_needs_known_roles_and_a_scope(
    tmp_path: Path, roles: list[str], scope: str, fragment: str
) -> None:
    keys = KeysFile(tmp_path / "api-keys.json")
    with pytest.raises(InvalidArgument) as err:
        keys.create_key(roles, scope)
    assert fragment in err.value.message
    assert not keys.path.exists()


def test_a_changed_or_broken_keys_file_is_read_again_and_fails_closed(tmp_path: Path) -> None:
    path = tmp_path / "api-keys.json"
    keys = KeysFile(path)
    with pytest.raises(Unauthenticated, match="no API keys configured"):
        keys.authenticate(f"bk_0123456789ab_{secrets.token_urlsafe(32)}")
    _entry, key = keys.create_key(["POSTER"])
    reader = KeysFile(path)  # another process's view of the same file
    assert reader.authenticate(key).roles == {"POSTER"}
    keys.revoke(key_id(key))
    with pytest.raises(Unauthenticated, match="was revoked"):
        reader.authenticate(key)
    # An entry with an unknown role or no scope grants nothing; the others stay.
    _entry, second = keys.create_key(["AUDITOR"])
    document = json.loads(path.read_text())
    document["keys"][1]["roles"] = ["SUPERUSER"]
    path.write_text(json.dumps(document))
    with pytest.raises(Unauthenticated, match="is unknown"):
        reader.authenticate(second)
    path.write_text("{not json")
    with pytest.raises(Unauthenticated, match="cannot read its API keys"):
        reader.authenticate(second)


# -- the ledger -----------------------------------------------------------------------


async def ledger_units(ledger: RunningLedger) -> None:
    """The unit tree and members M1 (GD-SZ-NS-0001), M2 (GD-SZ-FT-0001), M3
    (GD-SZ-NS-0002, moved to GD-SZ-FT-0001 on 2026-07-01), and a programme."""
    await publish_members(
        ledger,
        [
            *unit_events(),
            enrolled("M1", unit="GD-SZ-NS-0001"),
            enrolled("M2", unit="GD-SZ-FT-0001"),
            enrolled("M3", unit="GD-SZ-NS-0002"),
            (
                "MemberTransferred",
                member_events_pb2.MemberTransferred(
                    member_id="M3",
                    from_unit_code="GD-SZ-NS-0002",
                    to_unit_code="GD-SZ-FT-0001",
                    effective_date="2026-07-01",
                ),
                "2026-07-01",
            ),
        ],
    )
    await ledger.stub.OpenProgram(open_request())


async def test_ledger_refuses_every_unauthenticated_call_and_writes_nothing(
    ledger: RunningLedger,
) -> None:
    await ledger_units(ledger)
    before = await settled_state(ledger)
    for key, fragment in bad_credentials(ledger.keys):
        stub = ledger.stub_for(key)
        await refused(stub.PostPayout(payout("p-1")), UNAUTH, fragment)
        await refused(stub.OpenProgram(open_request("GREEN")), UNAUTH, fragment)
        await refused(stub.ListPrograms(ledger_pb2.ListProgramsRequest()), UNAUTH, fragment)
    async with channel(ledger.server.address, None) as plain:
        basic = (("authorization", "Basic dXNlcjpwdw=="),)
        call = ledger_pb2_grpc.LedgerServiceStub(plain).PostPayout(payout("p-1"), metadata=basic)
        await refused(call, UNAUTH, "expected `Bearer <API key>`")
    assert await settled_state(ledger) == before


async def test_ledger_roles_and_scopes_are_checked_before_anything_is_written(
    ledger: RunningLedger,
) -> None:
    await ledger_units(ledger)
    keys = ledger.keys
    nanshan = keys.create("POSTER", unit="GD-SZ-NS")
    futian_admin = keys.create("ADMIN", unit="GD-SZ-FT")
    before = await settled_state(ledger)

    auditor = ledger.stub_for(keys.auditor)
    await refused(auditor.PostPayout(payout("p-1")), DENIED, "PostPayout needs the role POSTER",
                  f"caller {key_id(keys.auditor)} has AUDITOR")  # fmt: skip
    reviewer = ledger.stub_for(keys.reviewer)
    await refused(reviewer.OpenProgram(open_request("GREEN")), DENIED, "needs the role ADMIN")
    await refused(
        ledger.stub_for(futian_admin).OpenProgram(open_request("GREEN")),
        DENIED,
        "ADMIN with every unit in scope",
        "unit GD-SZ-FT and the units below it",
    )
    scoped = ledger.stub_for(nanshan)
    await refused(
        scoped.PostPayout(payout("p-2", member="M2")),
        DENIED,
        "member_id: member M2 is in unit GD-SZ-FT-0001 on 2026-01-20, outside the scope",
        "unit GD-SZ-NS and the units below it",
    )
    # M3 was in Nanshan until July: a Nanshan key posts for M3 in January, not in August.
    await refused(scoped.PostPayout(payout("p-3", member="M3", date="2026-08-01")), DENIED,
                  "member M3 is in unit GD-SZ-FT-0001 on 2026-08-01")  # fmt: skip
    batch = ledger_pb2.PostPayoutsRequest(
        payouts=[payout("b-1", member="M1"), payout("b-2", member="M2")]
    )
    await refused(scoped.PostPayouts(batch), DENIED, "payouts[1]: member_id: member M2")
    await refused(
        scoped.GetMemberAccount(ledger_pb2.GetMemberAccountRequest(member_id="M2")),
        DENIED,
        "member M2 is in unit GD-SZ-FT-0001",
    )
    assert await settled_state(ledger) == before

    # Within its scope the same key posts; the reads of its members are open to it.
    ok = await scoped.PostPayout(payout("p-4", member="M3", date="2026-01-20"))
    await scoped.PostPayout(payout("p-5", member="M1"))
    assert (await scoped.GetPayout(ledger_pb2.GetPayoutRequest(entry_id=ok.entry_id))).amount_fen
    assert (await scoped.ListPrograms(ledger_pb2.ListProgramsRequest())).programs
    # An entry belongs to the unit its member was in on its effective date: M3's
    # January payout is Nanshan's to read and reverse, not Futian's. M3's account
    # belongs to the unit M3 is in now (Futian).
    futian = ledger.stub_for(keys.create("POSTER", unit="GD-SZ-FT"))
    get = ledger_pb2.GetPayoutRequest(entry_id=ok.entry_id)
    await refused(futian.GetPayout(get), DENIED,
                  "entry_id: the entry's member_id: member M3 is in unit GD-SZ-NS-0002 on "
                  "2026-01-20")  # fmt: skip
    reverse = ledger_pb2.ReversePayoutRequest(
        request_id="x-4", entry_id=ok.entry_id, reason=ledger_pb2.REVERSAL_REASON_WRONG_MEMBER
    )
    before = await settled_state(ledger)
    await refused(futian.ReversePayout(reverse), DENIED, "the entry's member_id: member M3")
    assert await settled_state(ledger) == before
    assert (await scoped.ReversePayout(reverse)).reverses_entry_id == ok.entry_id
    account = ledger_pb2.GetMemberAccountRequest(member_id="M3")
    await refused(scoped.GetMemberAccount(account), DENIED, "member M3 is in unit GD-SZ-FT-0001")
    assert (await futian.GetMemberAccount(account)).member_id == "M3"


async def test_ledger_events_name_the_key_that_caused_them(ledger: RunningLedger) -> None:
    await ledger_units(ledger)
    poster = ledger.stub_for(ledger.keys.poster)
    # A metadata entry claiming an identity changes nothing.
    await poster.PostPayout(payout("p-1"), metadata=(("x-actor", "someone-else"),))
    await settled_state(ledger)
    envelopes = [events_pb2.EventEnvelope.FromString(m) for m in await stream_messages(
        ledger.config.nats_url)]  # fmt: skip
    opened, posted = envelopes[0], envelopes[-1]
    assert opened.event_type == "ProgramOpened" and posted.event_type == "PayoutPosted"
    message = events_pb2.PayoutPosted()
    assert posted.payload.Unpack(message)
    assert message.actor == key_id(ledger.keys.poster)
    programme = events_pb2.ProgramOpened()
    assert opened.payload.Unpack(programme)
    assert programme.actor == key_id(ledger.keys.admin)


async def test_a_revoked_key_is_refused_at_once_without_a_restart(ledger: RunningLedger) -> None:
    await ledger_units(ledger)
    key = ledger.keys.create("POSTER")
    stub = ledger.stub_for(key)
    await stub.PostPayout(payout("p-1"))
    ledger.keys.revoke(key)
    before = await settled_state(ledger)
    await refused(stub.PostPayout(payout("p-2")), UNAUTH, "was revoked")
    assert await settled_state(ledger) == before


async def test_health_is_open_and_reflection_needs_a_key(ledger: RunningLedger) -> None:
    async with channel(ledger.server.address, None) as plain:
        reply = await health_pb2_grpc.HealthStub(plain).Check(health_pb2.HealthCheckRequest())
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        anonymous = reflection_pb2_grpc.ServerReflectionStub(plain)
        await stream_refused(anonymous.ServerReflectionInfo(iter([request])), UNAUTH)
    async with channel(ledger.server.address, ledger.keys.auditor) as keyed:
        names = [
            s.name
            async for reply in reflection_pb2_grpc.ServerReflectionStub(keyed).ServerReflectionInfo(
                iter([request])
            )
            for s in reply.list_services_response.service
        ]
    assert "benefits.v1.LedgerService" in names


async def test_claims_need_a_maker_and_a_different_checker_within_their_scope(
    ledger: RunningLedger,
) -> None:
    """Filing is a POSTER's, approving a REVIEWER's; the two must be different
    keys; a reviewer scoped to another district cannot touch the claim."""
    await ledger_units(ledger)
    await ledger.stub.OpenProgram(pool_request())
    keys = ledger.keys
    maker, checker = ledger.stub_for(keys.poster), ledger.stub_for(keys.reviewer)
    await maker.RecordContribution(contribution("c-1", member="M1"))
    claim = await maker.FileClaim(claim_request("f-1", member="M1"))
    assert claim.filed_by == key_id(keys.poster)
    review = ledger_pb2.StartReviewRequest(request_id="rv-1", claim_id=claim.claim_id)
    approve = ledger_pb2.ApproveClaimRequest(request_id="ok-1", claim_id=claim.claim_id)
    before = await settled_state(ledger)
    await refused(maker.StartReview(review), DENIED, "StartReview needs the role REVIEWER")
    await refused(
        checker.FileClaim(claim_request("f-2")), DENIED, "FileClaim needs the role POSTER"
    )
    futian = ledger.stub_for(keys.create("REVIEWER", unit="GD-SZ-FT"))
    await refused(futian.StartReview(review), DENIED, "claim_id: member_id: member M1 is in unit")
    assert await settled_state(ledger) == before
    await checker.StartReview(review)
    # One key holding both roles files and cannot then approve its own claim.
    both = ledger.stub_for(keys.create("POSTER", "REVIEWER"))
    own = await both.FileClaim(claim_request("f-3", member="M1", self_paid=60_000))
    await both.StartReview(ledger_pb2.StartReviewRequest(request_id="rv-3", claim_id=own.claim_id))
    before = await settled_state(ledger)
    approve_own = ledger_pb2.ApproveClaimRequest(request_id="ok-3", claim_id=own.claim_id)
    await refused(both.ApproveClaim(approve_own), DENIED, "maker-checker")
    assert await settled_state(ledger) == before
    approved = await ledger.stub_for(keys.reviewer2).ApproveClaim(approve_own)
    assert approved.decided_by == key_id(keys.reviewer2)
    assert (await checker.ApproveClaim(approve)).decided_by == key_id(keys.reviewer)


# -- members --------------------------------------------------------------------------


async def test_members_refuses_unauthenticated_and_unauthorised_calls(
    with_units: RunningMembers,
) -> None:
    members_ = with_units
    await members_.stub.EnrollMember(enrol_request())
    keys = members_.keys
    before = await members_.settled()
    for key, fragment in bad_credentials(keys):
        stub = members_.stub_for(key)
        await refused(stub.EnrollMember(enrol_request("M2", number=ID_DIGIT)),
                      UNAUTH, fragment)  # fmt: skip
        await refused(stub.GetUnit(members_pb2.GetUnitRequest(code="GD")), UNAUTH, fragment)
    for key in (keys.poster, keys.reviewer, keys.auditor):
        stub = members_.stub_for(key)
        await refused(
            stub.TransferMember(members_pb2.TransferMemberRequest(
                member_id="M1", to_unit_code="GD-SZ-0100", effective_date="2026-01-01")),
            DENIED,
            "TransferMember needs the role ADMIN",
        )  # fmt: skip
    assert await members_.settled() == before


async def test_members_scope_limits_a_unit_admin_to_its_subtree(
    with_units: RunningMembers,
) -> None:
    members_ = with_units
    await members_.stub.EnrollMember(enrol_request())  # M1 in GD-SZ-NS-0001
    keys = members_.keys
    nanshan = members_.stub_for(keys.create("ADMIN", unit="GD-SZ-NS"))
    guangzhou = members_.stub_for(keys.create("ADMIN", "AUDITOR", unit="GD-GZ"))
    before = await members_.settled()
    transfer = members_pb2.TransferMemberRequest(
        member_id="M1", to_unit_code="GD-GZ-0001", effective_date="2026-01-01"
    )
    await refused(nanshan.TransferMember(transfer), DENIED,
                  "to_unit_code: unit GD-GZ-0001 is, outside the scope")  # fmt: skip
    await refused(guangzhou.TransferMember(transfer), DENIED,
                  "member_id: member M1 is in unit GD-SZ-NS-0001, outside the scope",
                  "unit GD-GZ and the units below it")  # fmt: skip
    await refused(guangzhou.GetMember(members_pb2.GetMemberRequest(member_id="M1")), DENIED,
                  "member M1 is in unit GD-SZ-NS-0001")  # fmt: skip
    await refused(
        nanshan.EnrollMember(enrol_request("M2", number=ID_DIGIT, unit="GD-GZ-0001")),
        DENIED,
        "unit_code: unit GD-GZ-0001 is",
    )
    unit = members_pb2.RegisterUnitRequest(
        code="GD-GZ-0002", name_zh="新工会", level=members_pb2.UNIT_LEVEL_GRASSROOTS,
        parent_code="GD-GZ",
    )  # fmt: skip
    await refused(nanshan.RegisterUnit(unit), DENIED, "parent_code: unit GD-GZ is")
    listed = await guangzhou.ListMembers(members_pb2.ListMembersRequest())
    assert list(listed.members) == []  # a scoped list covers the caller's own subtree
    await refused(guangzhou.ListMembers(members_pb2.ListMembersRequest(unit_code="GD-SZ")),
                  DENIED, "unit_code: unit GD-SZ is")  # fmt: skip
    assert await members_.settled() == before

    # Inside its subtree the unit's admin acts, and its events name its key.
    moved = await nanshan.TransferMember(
        members_pb2.TransferMemberRequest(
            member_id="M1", to_unit_code="GD-SZ-NS", effective_date="2026-01-01"
        )
    )
    assert moved.member.unit_code == "GD-SZ-NS"
    listed = await nanshan.ListMembers(members_pb2.ListMembersRequest())
    assert [m.member_id for m in listed.members] == ["M1"]


async def test_members_events_name_the_key_that_caused_them(with_units: RunningMembers) -> None:
    members_ = with_units
    admin = members_.stub_for(members_.keys.admin_only)
    await admin.EnrollMember(enrol_request(), metadata=(("x-actor", "someone-else"),))
    await members_.settled()
    envelopes = [events_pb2.EventEnvelope.FromString(m) for m in await members_.messages()]
    unit = member_events_pb2.UnitRegistered()
    assert envelopes[0].payload.Unpack(unit) and unit.actor == key_id(members_.keys.admin)
    member = member_events_pb2.MemberEnrolled()
    assert envelopes[-1].payload.Unpack(member)
    assert member.actor == key_id(members_.keys.admin_only)


# -- reporting ------------------------------------------------------------------------


async def test_reporting_refuses_unauthenticated_and_out_of_scope_reads(
    ledger: RunningLedger, reporting: RunningReporting
) -> None:
    await ledger_units(ledger)
    await ledger.stub.PostPayout(payout("p-1", member="M1"))
    await reporting.caught_up(ledger)
    app = reporting.server.app
    assert app is not None
    before = app.recorder.max_notification_id()
    annual = reporting_pb2.GetAnnualReportRequest(fiscal_year=YEAR, unit_code="GD-SZ-NS")
    for key, fragment in bad_credentials(reporting.keys):
        stub = reporting.stub_for(key)
        await refused(stub.GetAnnualReport(annual), UNAUTH, fragment)
        await stream_refused(stub.VerifyLedger(reporting_pb2.VerifyLedgerRequest()), UNAUTH)
    futian = reporting.stub_for(reporting.keys.create("AUDITOR", unit="GD-SZ-FT"))
    await refused(futian.GetAnnualReport(annual), DENIED,
                  "unit_code: unit GD-SZ-NS is, outside the scope", "unit GD-SZ-FT")  # fmt: skip
    await refused(
        futian.GetAnnualReport(reporting_pb2.GetAnnualReportRequest(fiscal_year=YEAR)),
        DENIED,
        "a report of every unit",
    )
    await refused(
        futian.GetMemberStatement(reporting_pb2.GetMemberStatementRequest(member_id="M1")),
        DENIED,
        "member M1 is in unit GD-SZ-NS-0001",
    )
    await stream_refused(
        futian.StreamEvents(reporting_pb2.StreamEventsRequest(unit_code="GD-SZ-NS")), DENIED
    )
    verify = futian.VerifyLedger(reporting_pb2.VerifyLedgerRequest())
    await stream_refused(verify, DENIED, "VerifyLedger needs the role AUDITOR or ADMIN with every")
    assert app.recorder.max_notification_id() == before

    nanshan = reporting.stub_for(reporting.keys.create("AUDITOR", unit="GD-SZ-NS"))
    report = await nanshan.GetAnnualReport(annual)
    assert report.totals.paid_fen == 200_000
    statement = await nanshan.GetMemberStatement(
        reporting_pb2.GetMemberStatementRequest(member_id="M1")
    )
    assert statement.member_id == "M1"


# -- members events recorded before callers were named ------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        Unit.UnitRegistered(
            originator_id=unit_id("GD"), originator_version=1, timestamp=NOW,
            originator_topic="members.domain.units:Unit", code="GD", name_zh="广东省总工会",
            name_en="Guangdong", level="PROVINCE", parent_code="", actor="3f9c0a1b2c3d",
        ),
        Member.MemberTransferred(
            originator_id=member_uuid("M1"), originator_version=2, timestamp=NOW,
            member_id="M1", from_unit_code="GD-SZ", to_unit_code="GD-GZ",
            effective_date="2026-01-01", actor="3f9c0a1b2c3d",
        ),
    ],
)  # fmt: skip
def test_members_events_recorded_before_actors_read_with_an_empty_actor(event: Any) -> None:
    """Events stored by the previous version (class_version 1, no actor) are
    upcast on reading: the actor is empty, everything else is as recorded."""
    mapper = Application[Any]().mapper
    stored = mapper.to_stored_event(event)
    assert mapper.to_domain_event(stored).actor == "3f9c0a1b2c3d"
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    del state["actor"]
    old = StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=json.dumps(state).encode(),
    )
    upcast = mapper.to_domain_event(old)
    assert upcast.actor == "" and type(upcast) is type(event)
    assert upcast.originator_version == event.originator_version


# -- NATS and PostgreSQL credentials ------------------------------------------------------


@pytest.fixture
def nats_with_user() -> Iterator[str]:
    """A nats-server that accepts only user ``ledger`` with password ``s3cret-pw``."""
    port = free_port()
    server = subprocess.Popen(
        [nats_server_binary(), "-a", "127.0.0.1", "-p", str(port), "--user", "ledger",
         "--pass", "s3cret-pw"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_port(port)
        yield f"nats://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


async def test_nats_user_credentials_come_from_a_file(nats_with_user: str, tmp_path: Path) -> None:
    password = tmp_path / "nats-password"
    password.write_text("s3cret-pw\n")
    auth = NatsAuth(user="ledger", password_file=password)
    nc = await bus.connect(nats_with_user, "test", auth)
    assert nc.is_connected
    await nc.close()
    password.write_text("wrong")
    # Refused: the connection never comes up (the helper keeps retrying, so give up).
    with pytest.raises(Exception):  # noqa: B017 (nats-py's own error types vary)
        await asyncio.wait_for(bus.connect(nats_with_user, "test", auth), 2)


def test_the_postgres_password_comes_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "pg-password"
    secret.write_text("p@ss/word:1\n")
    dsn = with_password("postgresql://ledger@db.internal:5432/benefits", secret)
    assert dsn == "postgresql://ledger:p%40ss%2Fword%3A1@db.internal:5432/benefits"
    assert (
        eventsourcing_env(StoreConfig(kind="postgres", postgres_dsn=dsn))["POSTGRES_PASSWORD"]
        == "p@ss/word:1"
    )
    given = "postgresql://ledger:inline@db:5432/benefits"
    assert with_password(given, secret) == given  # a DSN's own password wins
    assert with_password(given, None) == given


# -- the command line -----------------------------------------------------------------------


def test_keys_commands_show_a_key_once_and_never_list_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "keys" / "api-keys.json"
    base = ["--keys-file", str(path)]
    created = cli_main(["keys", "create", "--role", "poster,reviewer", "--unit", "GD-SZ",
                        "--label", "Shenzhen desk", *base])  # fmt: skip
    out = capsys.readouterr().out
    assert created == 0
    key = out.strip().splitlines()[-1]
    assert key.startswith("bk_") and "POSTER, REVIEWER, GD-SZ and below" in out
    caller = KeysFile(path).authenticate(key)
    assert caller.unit_scope == "GD-SZ" and caller.roles == {"POSTER", "REVIEWER"}
    assert cli_main(["keys", "create", "--cn", "office", "--role", "AUDITOR", *base]) == 0
    assert "certificate 'office' mapped" in capsys.readouterr().out
    assert cli_main(["--json", "keys", "list", *base]) == 0
    listing = capsys.readouterr().out
    assert parse_token(key)[1] not in listing and "secret" not in listing
    assert [e["kind"] for e in json.loads(listing)["keys"]] == ["key", "certificate"]
    assert cli_main(["keys", "revoke", key_id(key), *base]) == 0
    with pytest.raises(Unauthenticated, match="was revoked"):
        KeysFile(path).authenticate(key)
    assert cli_main(["keys", "create", "--role", "CLERK", *base]) == 2
    assert "roles: must be one or more of" in capsys.readouterr().err


def test_the_cli_finds_its_key_in_order(tmp_path: Path) -> None:
    """--api-key, --api-key-file, BENEFITS_API_KEY, BENEFITS_API_KEY_FILE, then the
    development key `make up` wrote under the data directory."""
    dev = tmp_path / "keys" / "dev-admin.key"
    dev.parent.mkdir()
    dev.write_text("bk_dev\n")
    given = tmp_path / "given.key"
    given.write_text("bk_file\n")
    env = {"BENEFITS_DATA_DIR": str(tmp_path)}
    assert Credentials.resolve(env=env).api_key == "bk_dev"
    env["BENEFITS_API_KEY_FILE"] = str(given)
    assert Credentials.resolve(env=env).api_key == "bk_file"
    env["BENEFITS_API_KEY"] = "bk_env"
    assert Credentials.resolve(env=env).api_key == "bk_env"
    assert Credentials.resolve(api_key_file=str(given), env=env).api_key == "bk_file"
    assert Credentials.resolve("bk_option", str(given), env=env).api_key == "bk_option"
    assert Credentials.resolve(env={"BENEFITS_DATA_DIR": str(tmp_path / "none")}).api_key == ""
    sent = Credentials.resolve("bk_option", env={}).metadata()
    assert sent == (("authorization", "Bearer bk_option"),)


def test_the_ledgers_members_view_knows_the_unit_tree() -> None:
    """UnitRegistered on the members stream builds the tree the ledger checks
    scopes against; a member's unit is judged on a date."""
    view = MembersView()
    for code, _level, parent in (("GD", 1, ""), ("GD-SZ", 2, "GD"), ("GD-SZ-NS", 3, "GD-SZ")):
        view.unit_registered(code, parent)
    view.enrolled("M1", "GD-SZ-NS", (), "H1", "2020-01-01")
    view.transferred("M1", "GD-SZ", "2026-07-01")
    assert view.unit_path("GD-SZ-NS") == ("GD", "GD-SZ", "GD-SZ-NS")
    assert view.unit_path("GD-XX") == ()
    assert (view.unit_of("M1", "2026-06-30"), view.unit_of("M1", "2026-07-01")) == (
        "GD-SZ-NS", "GD-SZ",
    )  # fmt: skip
    assert view.unit_of("M1") == "GD-SZ" and view.unit_of("M1", "2019-12-31") == ""
    assert view.unit_of("M404") is None
    view.unit_registered("LOOP-A", "LOOP-B")
    view.unit_registered("LOOP-B", "LOOP-A")  # a cycle cannot hang the check
    assert len(view.unit_path("LOOP-A")) <= 16


def test_the_stack_creates_development_keys_once(tmp_path: Path) -> None:
    """`make up`'s first start writes a key per role and one with every role,
    even when `benefits certs dev` already mapped a certificate in the file;
    later starts keep them."""
    path = tmp_path / "keys" / "api-keys.json"
    KeysFile(path).add_certificate("benefits-dev-client", ROLES)
    files = ensure_dev_keys(path)
    assert sorted(p.name for p in files.values()) == [
        "admin.key", "auditor.key", "dev-admin.key", "poster.key", "reviewer.key",
    ]  # fmt: skip
    for file in files.values():
        assert file.stat().st_mode & 0o777 == 0o600
    everything = KeysFile(path).authenticate(files["all roles"].read_text().strip())
    assert everything.roles == set(ROLES) and everything.all_units
    auditor = KeysFile(path).authenticate(files["AUDITOR"].read_text().strip())
    assert auditor.roles == {"AUDITOR"}
    before = path.read_text()
    assert ensure_dev_keys(path) == files
    assert path.read_text() == before
