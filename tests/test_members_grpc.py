"""The members service over real gRPC, with a real nats-server, on SQLite and
PostgreSQL: units, enrolment, transfers, hardship files, the events on the
members stream, refusals that write and publish nothing, and personal data."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import nats
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from benefits_platform.envelopes import verify_chain
from benefits_platform.protos.benefits.v1 import (
    common_pb2,
    events_pb2,
    member_events_pb2,
    members_pb2,
    members_pb2_grpc,
)
from tests.ledger_client import stream_messages
from tests.members_fixtures import (
    ID_DIGIT,
    ID_X,
    STREAM,
    UNITS,
    RunningMembers,
    enrol_request,
    members,
    national_id,
    refusal,
    start_members,
    stop_members,
    unit_request,
    with_units,
)
from tests.support import NatsServer, channel, free_port, keys_for

__all__ = ["members", "with_units"]  # fixtures

CODE = grpc.StatusCode
M = members_pb2
NAME = "王小明"


def get(member_id: str = "M1", as_of: str = "", reveal: bool = False) -> Any:
    return M.GetMemberRequest(member_id=member_id, as_of_date=as_of, reveal_national_id=reveal)


def open_request(member_id: str = "M1", on: str = "2026-03-10", **extra: Any) -> Any:
    fields: dict[str, Any] = {
        "member_id": member_id,
        "tier": common_pb2.HARDSHIP_TIER_DEEP,
        "causes": [M.HARDSHIP_CAUSE_ILLNESS, M.HARDSHIP_CAUSE_EDUCATION_COSTS],
        "effective_date": on,
        "review_due_date": "2026-09-10",
    }
    fields.update(extra)
    return M.OpenHardshipFileRequest(**fields)


def close_request(on: str, months: int, member_id: str = "M1") -> Any:
    return M.CloseHardshipFileRequest(
        member_id=member_id, effective_date=on, gradual_exit_months=months, reason="recovered"
    )


def envelopes(messages: list[bytes]) -> list[events_pb2.EventEnvelope]:
    return [events_pb2.EventEnvelope.FromString(m) for m in messages]


# -- units ----------------------------------------------------------------------------


async def test_units_form_a_tree(with_units: RunningMembers) -> None:
    stub = with_units.stub
    unit = await stub.GetUnit(M.GetUnitRequest(code="GD-SZ-NS-0001"))
    assert unit.level == M.UNIT_LEVEL_GRASSROOTS and unit.name_zh == "快递员工会"
    assert list(unit.path) == ["GD", "GD-SZ", "GD-SZ-NS", "GD-SZ-NS-0001"]
    direct = await stub.GetUnit(M.GetUnitRequest(code="GD-SZ-0100"))
    assert direct.parent_code == "GD-SZ" and list(direct.path) == ["GD", "GD-SZ", "GD-SZ-0100"]
    city = await stub.ListUnits(M.ListUnitsRequest(code="GD-SZ"))
    assert [u.code for u in city.units] == ["GD-SZ", "GD-SZ-0100", "GD-SZ-NS", "GD-SZ-NS-0001"]
    everything = await stub.ListUnits(M.ListUnitsRequest())
    assert [u.code for u in everything.units] == [
        "GD",
        "GD-GZ",
        "GD-GZ-0001",
        "GD-SZ",
        "GD-SZ-0100",
        "GD-SZ-NS",
        "GD-SZ-NS-0001",
    ]


async def test_registering_a_unit_again_replays(with_units: RunningMembers) -> None:
    settled = await with_units.settled()
    again = await with_units.stub.RegisterUnit(
        unit_request("GD-SZ", "深圳市总工会", "Shenzhen", M.UNIT_LEVEL_CITY, "GD")
    )
    assert again.log_position == 2 and again.unit.code == "GD-SZ"
    assert await with_units.settled() == settled


# -- enrolment ------------------------------------------------------------------------


async def test_enrol_replay_and_one_membership_per_person(with_units: RunningMembers) -> None:
    stub = with_units.stub
    first = await stub.EnrollMember(enrol_request())
    member = first.member
    assert first.log_position == member.log_position == len(UNITS) + 1
    assert member.status == M.MEMBERSHIP_STATUS_ACTIVE and member.name == NAME
    assert member.national_id == "110105********002X"
    assert list(member.unit_path) == ["GD", "GD-SZ", "GD-SZ-NS", "GD-SZ-NS-0001"]
    assert member.hardship.status == M.HARDSHIP_STATUS_NONE
    settled = await with_units.settled()

    again = await stub.EnrollMember(enrol_request(number=ID_X.lower()))
    assert again.log_position == first.log_position and again.member == member
    assert await with_units.settled() == settled  # nothing written, nothing published

    other_body = await refusal(
        stub.EnrollMember(enrol_request(household="H2")),
        CODE.ALREADY_EXISTS,
        "member_id: member M1 is already enrolled with a different body",
    )
    same_person = await refusal(
        stub.EnrollMember(enrol_request("M2", name="王晓明")),
        CODE.ALREADY_EXISTS,
        "national_id: this person is already enrolled as member M1",
    )
    for details in (other_body, same_person):
        assert ID_X not in details and ID_X[:17] not in details and NAME not in details
    assert await with_units.settled() == settled

    second = await stub.EnrollMember(enrol_request("M2", number=ID_DIGIT, household="H2"))
    assert second.log_position == first.log_position + 1


async def test_a_transfer_keeps_history(with_units: RunningMembers) -> None:
    stub = with_units.stub
    await stub.EnrollMember(enrol_request())
    moved = await stub.TransferMember(
        M.TransferMemberRequest(
            member_id="M1", to_unit_code="GD-GZ-0001", effective_date="2026-04-01"
        )
    )
    assert moved.member.unit_code == "GD-GZ-0001"
    before = await stub.GetMember(get(as_of="2026-03-31"))
    after = await stub.GetMember(get(as_of="2026-04-01"))
    assert (before.unit_code, list(before.unit_path)) == (
        "GD-SZ-NS-0001",
        ["GD", "GD-SZ", "GD-SZ-NS", "GD-SZ-NS-0001"],
    )
    assert (after.unit_code, list(after.unit_path)) == ("GD-GZ-0001", ["GD", "GD-GZ", "GD-GZ-0001"])
    assert before.log_position < after.log_position == moved.log_position
    assert (before.as_of_date, after.as_of_date) == ("2026-03-31", "2026-04-01")
    not_yet = await stub.GetMember(get(as_of="2020-02-29"))
    assert not_yet.status == M.MEMBERSHIP_STATUS_NONE and not_yet.log_position == 0
    today = await stub.GetMember(get())
    assert today.as_of_date == "2026-11-23" and today.unit_code == "GD-GZ-0001"

    async def listed(unit: str) -> list[str]:
        page = await stub.ListMembers(M.ListMembersRequest(unit_code=unit))
        return [m.member_id for m in page.members]

    assert await listed("GD-SZ") == [] and await listed("GD-GZ") == ["M1"]
    assert await listed("GD") == ["M1"] and await listed("") == ["M1"]


async def test_members_are_listed_by_unit_subtree_in_pages(with_units: RunningMembers) -> None:
    stub = with_units.stub
    for n in range(7):
        unit = "GD-SZ-NS-0001" if n % 2 else "GD-SZ-0100"
        number = national_id(f"44030519900101{n}12")
        await stub.EnrollMember(enrol_request(f"M{n}", number=number, unit=unit, household=f"H{n}"))
    seen, token = [], ""
    while True:
        page = await stub.ListMembers(
            M.ListMembersRequest(
                unit_code="GD-SZ", page=common_pb2.PageRequest(page_size=3, page_token=token)
            )
        )
        seen += [(m.member_id, m.national_id[6:14]) for m in page.members]
        token = page.next_page_token
        if not token:
            break
    assert [m for m, _ in seen] == [f"M{n}" for n in range(7)]
    assert {masked for _, masked in seen} == {"********"}
    district = await stub.ListMembers(M.ListMembersRequest(unit_code="GD-SZ-NS"))
    assert [m.member_id for m in district.members] == ["M1", "M3", "M5"]


# -- hardship files -------------------------------------------------------------------


async def test_hardship_states_on_the_boundary_dates(with_units: RunningMembers) -> None:
    stub = with_units.stub
    await stub.EnrollMember(enrol_request())
    opened = await stub.OpenHardshipFile(open_request(on="2026-03-10"))
    assert opened.member.hardship.status == M.HARDSHIP_STATUS_OPEN
    assert opened.member.hardship.file_id == "M1-HF1"
    await stub.ChangeHardshipTier(
        M.ChangeHardshipTierRequest(
            member_id="M1", tier=common_pb2.HARDSHIP_TIER_RELATIVE, effective_date="2026-05-01"
        )
    )
    await stub.RecordHardshipReview(
        M.RecordHardshipReviewRequest(
            member_id="M1",
            effective_date="2026-06-01",
            finding="unchanged",
            next_review_due_date="2026-12-01",
        )
    )
    closed = await stub.CloseHardshipFile(close_request("2026-06-30", 2))
    until = "2026-08-29"
    assert closed.member.hardship.gradual_exit_until == until

    async def on(date: str) -> members_pb2.HardshipState:
        return (await stub.GetMember(get(as_of=date))).hardship

    assert (await on("2026-03-09")).status == M.HARDSHIP_STATUS_NONE
    first_day = await on("2026-03-10")
    assert first_day.status == M.HARDSHIP_STATUS_OPEN
    assert first_day.tier == common_pb2.HARDSHIP_TIER_DEEP and first_day.opened_date == "2026-03-10"
    assert list(first_day.causes) == [M.HARDSHIP_CAUSE_ILLNESS, M.HARDSHIP_CAUSE_EDUCATION_COSTS]
    last_open = await on("2026-06-29")
    assert last_open.status == M.HARDSHIP_STATUS_OPEN
    assert last_open.tier == common_pb2.HARDSHIP_TIER_RELATIVE
    assert (last_open.last_review_date, last_open.review_due_date) == ("2026-06-01", "2026-12-01")
    for date in ("2026-06-30", until):
        gradual = await on(date)
        assert gradual.status == M.HARDSHIP_STATUS_GRADUAL_EXIT, date
        assert gradual.pre_exit_tier == common_pb2.HARDSHIP_TIER_RELATIVE
        assert (gradual.exit_date, gradual.gradual_exit_until) == ("2026-06-30", until)
        assert gradual.tier == common_pb2.HARDSHIP_TIER_UNSPECIFIED
    after = await on("2026-08-30")
    assert after.status == M.HARDSHIP_STATUS_EXITED
    assert after.pre_exit_tier == common_pb2.HARDSHIP_TIER_RELATIVE


async def test_no_gradual_exit_means_exited_at_once(with_units: RunningMembers) -> None:
    stub = with_units.stub
    await stub.EnrollMember(enrol_request())
    await stub.OpenHardshipFile(open_request(on="2026-03-10"))
    closed = await stub.CloseHardshipFile(close_request("2026-06-30", 0))
    assert closed.member.hardship.gradual_exit_until == ""
    exit_day = (await stub.GetMember(get(as_of="2026-06-30"))).hardship
    assert exit_day.status == M.HARDSHIP_STATUS_EXITED
    assert exit_day.pre_exit_tier == common_pb2.HARDSHIP_TIER_DEEP


async def test_illegal_transitions_are_failed_preconditions(with_units: RunningMembers) -> None:
    stub = with_units.stub
    await stub.EnrollMember(enrol_request())
    await stub.TerminateMembership(
        M.TerminateMembershipRequest(member_id="M1", effective_date="2025-12-31", reason="left")
    )
    settled = await with_units.settled()
    await refusal(
        stub.TerminateMembership(
            M.TerminateMembershipRequest(member_id="M1", effective_date="2026-01-05")
        ),
        CODE.FAILED_PRECONDITION,
        "member M1 is TERMINATED on 2026-01-05",
    )
    await refusal(
        stub.OpenHardshipFile(open_request()),
        CODE.FAILED_PRECONDITION,
        "member M1 is TERMINATED on 2026-03-10",
    )
    await refusal(
        stub.ReinstateMember(M.ReinstateMemberRequest(member_id="M1", effective_date="2025-12-30")),
        CODE.FAILED_PRECONDITION,
        "effective_date: 2025-12-30 is before member M1's last change",
        "on 2025-12-31",
    )
    await refusal(
        stub.CloseHardshipFile(close_request("2026-01-10", 1)),
        CODE.FAILED_PRECONDITION,
        "no open hardship file on 2026-01-10 (hardship NONE)",
    )
    assert await with_units.settled() == settled
    back = await stub.ReinstateMember(
        M.ReinstateMemberRequest(member_id="M1", effective_date="2026-01-02")
    )
    assert back.member.status == M.MEMBERSHIP_STATUS_ACTIVE
    gap = await stub.GetMember(get(as_of="2026-01-01"))
    assert gap.status == M.MEMBERSHIP_STATUS_TERMINATED


# -- the members stream ---------------------------------------------------------------


async def test_every_event_reaches_the_stream_once_without_personal_data(
    with_units: RunningMembers,
) -> None:
    stub = with_units.stub
    await stub.EnrollMember(enrol_request())
    await stub.EnrollMember(enrol_request())  # a replay publishes nothing
    await stub.TransferMember(
        M.TransferMemberRequest(
            member_id="M1", to_unit_code="GD-SZ-0100", effective_date="2026-02-01"
        )
    )
    await stub.OpenHardshipFile(open_request())
    await stub.CloseHardshipFile(close_request("2026-06-30", 1))
    position, length = await with_units.settled()
    assert length == position == 11
    found = envelopes(await with_units.messages())
    assert [e.event_type for e in found][7:] == [
        "MemberEnrolled",
        "MemberTransferred",
        "HardshipFileOpened",
        "HardshipFileClosed",
    ]
    assert {e.event_type for e in found[:7]} == {"UnitRegistered"}
    assert [e.position for e in found] == list(range(1, 12))
    assert verify_chain(found) is None
    assert {e.source for e in found} == {"members"}
    assert [e.aggregate_type for e in found][7:] == ["Member"] * 4

    enrolled = member_events_pb2.MemberEnrolled()
    assert found[7].payload.Unpack(enrolled)
    assert (enrolled.member_id, enrolled.unit_code, enrolled.join_date) == (
        "M1",
        "GD-SZ-NS-0001",
        "2020-03-01",
    )
    assert list(enrolled.member_groups) == ["courier"] and enrolled.household_id == "H1"
    assert enrolled.national_id_digest == ""  # kept with the member's key, outside the log
    assert found[7].effective_date == "2020-03-01"
    closed = member_events_pb2.HardshipFileClosed()
    assert found[10].payload.Unpack(closed)
    assert (closed.gradual_exit_months, closed.gradual_exit_until) == (1, "2026-07-29")
    assert closed.pre_exit_tier == common_pb2.HARDSHIP_TIER_DEEP

    nc_subjects = await stream_subjects(with_units)
    assert nc_subjects[7:] == [
        "benefits.members.v1.MemberEnrolled",
        "benefits.members.v1.MemberTransferred",
        "benefits.members.v1.HardshipFileOpened",
        "benefits.members.v1.HardshipFileClosed",
    ]
    for raw in await with_units.messages():
        assert NAME.encode() not in raw and ID_X.encode() not in raw


async def stream_subjects(running: RunningMembers) -> list[str]:
    nc = await nats.connect(running.config.nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(STREAM)
        return [
            (await js.get_msg(STREAM, seq=seq)).subject
            for seq in range(info.state.first_seq, info.state.last_seq + 1)
        ]
    finally:
        await nc.close()


async def test_the_store_holds_names_and_numbers_only_sealed(with_units: RunningMembers) -> None:
    await with_units.stub.EnrollMember(enrol_request())
    app = with_units.server.app
    assert app is not None
    states = b"".join(n.state for n in app.recorder.select_notifications(start=1, limit=100))
    assert "快递员工会".encode() in states  # the store is readable text ...
    assert NAME.encode() not in states and ID_X.encode() not in states  # ... but not these
    store = with_units.config.store
    if not store.is_postgres:
        files = store.sqlite_path.parent.glob("*.sqlite*")
        raw = b"".join(path.read_bytes() for path in files)
        assert "快递员工会".encode() in raw
        assert NAME.encode() not in raw and ID_X.encode() not in raw


# -- reading national ID numbers ------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "reveal", "expected"),
    [
        ("poster", False, "110105********002X"),
        ("admin_only", False, "110105********002X"),
        ("admin_only", True, ID_X),
        ("auditor", True, ID_X),
        ("admin", True, ID_X),
        ("poster", True, None),
        ("reviewer", True, None),
    ],
)
async def test_numbers_are_masked_unless_revealed_to_a_role_that_may_see_them(
    with_units: RunningMembers, key: str, reveal: bool, expected: str | None
) -> None:
    await with_units.stub.EnrollMember(enrol_request())
    stub = with_units.stub_for(getattr(with_units.keys, key))
    # A role header claims nothing: only the key's roles count.
    call = stub.GetMember(get(reveal=reveal), metadata=(("x-role", "admin"),))
    if expected is None:
        details = await refusal(call, CODE.PERMISSION_DENIED, "reveal_national_id")
        assert ID_X not in details
    else:
        member = await call
        assert member.national_id == expected and member.name == NAME


# -- restarts -------------------------------------------------------------------------


async def test_a_restarted_service_knows_every_person_and_unit(with_units: RunningMembers) -> None:
    await with_units.stub.EnrollMember(enrol_request())
    settled = await with_units.settled()
    config = with_units.config
    await stop_members(with_units)
    restarted = await start_members(config)
    try:
        replay = await restarted.stub.EnrollMember(enrol_request())
        assert replay.log_position == 8 and replay.member.name == NAME  # the same key file
        await refusal(
            restarted.stub.EnrollMember(enrol_request("M2")),
            CODE.ALREADY_EXISTS,
            "already enrolled as member M1",
        )
        assert await restarted.settled() == settled
        unit = await restarted.stub.GetUnit(M.GetUnitRequest(code="GD-SZ-NS-0001"))
        assert len(unit.path) == 4
    finally:
        await stop_members(restarted)


# -- bad input: refused, nothing written, nothing published ---------------------------

IA, NF, FP = CODE.INVALID_ARGUMENT, CODE.NOT_FOUND, CODE.FAILED_PRECONDITION
AE, PD = CODE.ALREADY_EXISTS, CODE.PERMISSION_DENIED
CITY, COUNTY, PROVINCE = M.UNIT_LEVEL_CITY, M.UNIT_LEVEL_COUNTY, M.UNIT_LEVEL_PROVINCE
GENERAL = common_pb2.HARDSHIP_TIER_GENERAL


def transfer(unit: str = "GD-GZ", on: str = "2026-01-01") -> Any:
    return M.TransferMemberRequest(member_id="M8", to_unit_code=unit, effective_date=on)


def page(size: int = 0, token: str = "") -> Any:
    return M.ListMembersRequest(page=common_pb2.PageRequest(page_size=size, page_token=token))


BAD_INPUT: list[tuple[str, str, Any, grpc.StatusCode, str]] = [
    ("unit code lower case", "RegisterUnit",
     unit_request("gd-x", "x", "", CITY, "GD"), IA, "code: must be"),
    ("unit without name", "RegisterUnit",
     unit_request("GD-X", "", "", CITY, "GD"), IA, "name_zh: is required"),
    ("unit without level", "RegisterUnit",
     unit_request("GD-X", "x", "", 0, "GD"), IA, "level: must be one of"),
    ("unit level out of range", "RegisterUnit",
     unit_request("GD-X", "x", "", 9, "GD"), IA, "level: must be one of"),
    ("province with a parent", "RegisterUnit",
     unit_request("SC", "x", "", PROVINCE, "GD"), IA, "parent_code: must be empty"),
    ("city without a parent", "RegisterUnit",
     unit_request("GD-X", "x", "", CITY, ""), IA, "parent_code: is required"),
    ("unknown parent", "RegisterUnit",
     unit_request("GD-X", "x", "", CITY, "XZ"), NF, "parent_code: no unit XZ"),
    ("county under a province", "RegisterUnit",
     unit_request("GD-X", "x", "", COUNTY, "GD"), FP, "level: a COUNTY unit"),
    ("unit code taken", "RegisterUnit",
     unit_request("GD-SZ", "深圳", "", CITY, "GD"), AE, "code: unit GD-SZ is already"),
    ("missing member id", "EnrollMember", enrol_request(""), IA, "member_id: is required"),
    ("bad member id", "EnrollMember", enrol_request("../M1"), IA, "member_id: must be"),
    ("missing name", "EnrollMember", enrol_request(name=""), IA, "name: is required"),
    ("17-character number", "EnrollMember",
     enrol_request(number=ID_X[:17]), IA, "national_id: must be 18 characters"),
    ("wrong check character", "EnrollMember",
     enrol_request(number=ID_X[:17] + "5"), IA, "national_id: the check character"),
    ("impossible birth date", "EnrollMember",
     enrol_request(number=national_id("11010519490229002")), IA, "national_id: the birth date"),
    ("unknown group", "EnrollMember",
     enrol_request(groups=("pilot",)), IA, "member_groups[0]: must be one of courier"),
    ("bad join date", "EnrollMember",
     enrol_request(join_date="2020-13-01"), IA, "join_date: must be an ISO date"),
    ("unknown unit", "EnrollMember", enrol_request(unit="GD-XX"), NF, "unit_code: no unit GD-XX"),
    ("same person again", "EnrollMember",
     enrol_request("M9", number=ID_DIGIT), AE, "national_id: this person is already"),
    ("unknown member", "TransferMember",
     M.TransferMemberRequest(member_id="M404", to_unit_code="GD-GZ", effective_date="2026-01-01"),
     NF, "member_id: no member M404"),
    ("transfer to unknown unit", "TransferMember", transfer("GD-XX"), NF, "to_unit_code: no unit"),
    ("transfer without date", "TransferMember", transfer(on=""), IA, "effective_date: is required"),
    ("transfer back in time", "TransferMember", transfer(on="2019-01-01"),
     FP, "effective_date: 2019-01-01 is before member M8's last change on 2020-03-01"),
    ("reinstate an active member", "ReinstateMember",
     M.ReinstateMemberRequest(member_id="M8", effective_date="2026-01-01"),
     FP, "is ACTIVE on 2026-01-01"),
    ("terminate with a long reason", "TerminateMembership",
     M.TerminateMembershipRequest(member_id="M8", effective_date="2026-01-01", reason="r" * 501),
     IA, "reason: must be at most 500"),
    ("file without tier", "OpenHardshipFile",
     open_request("M8", tier=0), IA, "tier: is required"),
    ("file without causes", "OpenHardshipFile",
     open_request("M8", causes=[]), IA, "causes: must name at least one"),
    ("file with unknown cause", "OpenHardshipFile",
     open_request("M8", causes=[42]), IA, "causes[0]: must be one of"),
    ("review due on the opening day", "OpenHardshipFile",
     open_request("M8", review_due_date="2026-03-10"), IA, "review_due_date: must be after"),
    ("tier change without file", "ChangeHardshipTier",
     M.ChangeHardshipTierRequest(member_id="M8", tier=GENERAL, effective_date="2026-01-01"),
     FP, "no open hardship file on 2026-01-01 (hardship NONE)"),
    ("review without next due date", "RecordHardshipReview",
     M.RecordHardshipReviewRequest(member_id="M8", effective_date="2026-01-01"),
     IA, "next_review_due_date: is required"),
    ("gradual exit of 7 months", "CloseHardshipFile",
     close_request("2026-06-30", 7, "M8"), IA, "gradual_exit_months: must be 0 to 6, got 7"),
    ("negative gradual exit", "CloseHardshipFile",
     close_request("2026-06-30", -1, "M8"), IA, "gradual_exit_months: must be 0 to 6"),
    ("close without file", "CloseHardshipFile",
     close_request("2026-06-30", 1, "M8"), FP, "no open hardship file"),
    ("bad as-of date", "GetMember", get("M8", as_of="tomorrow"), IA, "as_of_date: must be"),
    ("unknown member read", "GetMember", get("M404"), NF, "member_id: no member M404"),
    ("unknown unit read", "GetUnit", M.GetUnitRequest(code="GD-XX"), NF, "code: no unit GD-XX"),
    ("bad unit read", "ListUnits", M.ListUnitsRequest(code="g d"), IA, "code: must be"),
    ("page too large", "ListMembers", page(size=501), IA, "page.page_size"),
    ("bad page token", "ListMembers", page(token="x"), IA, "page.page_token"),
    ("list unknown unit", "ListMembers",
     M.ListMembersRequest(unit_code="GD-XX"), NF, "unit_code: no unit GD-XX"),
]  # fmt: skip


@pytest.fixture
async def one_member(with_units: RunningMembers) -> RunningMembers:
    await with_units.stub.EnrollMember(enrol_request("M8", number=ID_DIGIT, household="H8"))
    return with_units


@pytest.mark.parametrize(
    ("method", "request_", "code", "fragment"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
async def test_bad_input_is_refused_and_writes_nothing(
    one_member: RunningMembers,
    method: str,
    request_: Any,
    code: grpc.StatusCode,
    fragment: str,
) -> None:
    before = await one_member.settled()
    details = await refusal(getattr(one_member.stub, method)(request_), code, fragment)
    assert ID_DIGIT not in details and ID_X not in details and NAME not in details
    assert await one_member.settled() == before


# -- personal data in a running process: store, stream and logs -----------------------


async def wait_serving(address: str, process: subprocess.Popen[bytes]) -> None:
    deadline = asyncio.get_running_loop().time() + 60
    async with grpc.aio.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while True:
            assert process.poll() is None, "the members service exited"
            with contextlib.suppress(grpc.aio.AioRpcError):
                reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            assert asyncio.get_running_loop().time() < deadline, "never SERVING"
            await asyncio.sleep(0.1)


def leaks(data: bytes, *secrets: str) -> list[str]:
    """Which secrets ``data`` holds, as UTF-8 or as JSON \\u escapes."""
    found = []
    for secret in secrets:
        forms = {secret.encode(), json.dumps(secret)[1:-1].encode()}
        if any(form in data for form in forms):
            found.append(secret)
    return found


@contextlib.contextmanager
def members_process(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The members service as its own process, stopped with SIGTERM (it must exit 0)."""
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "members.entrypoints.server"],
            env=env,
            stdout=log_file,
            stderr=log_file,
        )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0


async def test_personal_data_stays_out_of_store_stream_and_logs(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    """The service as its own process, logging at DEBUG: after enrolments,
    replays, refusals and reveals, neither the name nor the number (in full, or
    its first 17 characters) is in the SQLite files, the stream or the log."""
    data, port = tmp_path / "data", free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENEFITS_")}
    env |= {"BENEFITS_DATA_DIR": str(data), "BENEFITS_NATS_URL": nats_server.url,
            "BENEFITS_MEMBERS_PORT": str(port), "BENEFITS_LOG_LEVEL": "DEBUG"}  # fmt: skip
    log_path = tmp_path / "members.log"
    address = f"127.0.0.1:{port}"
    near_miss = ID_X[:16] + "35"  # the same person mistyped: refused, never logged
    published = len(UNITS) + 1
    keys = keys_for(data / "keys" / "api-keys.json")
    with members_process(env, log_path) as process:
        await wait_serving(address, process)
        async with (
            channel(address, keys.admin_only) as admin,
            channel(address, keys.auditor) as auditor,
            channel(address, keys.poster) as poster,
        ):
            stub = members_pb2_grpc.MembersServiceStub(admin)
            for unit in UNITS:
                await stub.RegisterUnit(unit_request(*unit))
            await stub.EnrollMember(enrol_request())
            await stub.EnrollMember(enrol_request())
            for request in (enrol_request("M2"), enrol_request("M3", number=near_miss)):
                with pytest.raises(grpc.aio.AioRpcError):
                    await stub.EnrollMember(request)
            shown = await members_pb2_grpc.MembersServiceStub(auditor).GetMember(get(reveal=True))
            assert shown.national_id == ID_X and shown.name == NAME
            with pytest.raises(grpc.aio.AioRpcError):
                await members_pb2_grpc.MembersServiceStub(poster).GetMember(get(reveal=True))
            await stub.ListMembers(M.ListMembersRequest(unit_code="GD"))
        for _ in range(200):
            messages = await stream_messages(nats_server.url, STREAM)
            if len(messages) == published:
                break
            await asyncio.sleep(0.05)
        assert len(messages) == published
    secrets = (NAME, ID_X, ID_X[:17], near_miss, keys.admin_only, keys.auditor, keys.poster)
    log = log_path.read_bytes()
    for event in (b"member.enrolled", b"rpc.refused", b"member.national_id_revealed"):
        assert event in log  # the log saw all of it ...
    assert leaks(log, *secrets) == []  # ... and names none of it
    stored = b"".join(p.read_bytes() for p in (data / "members").glob("*.sqlite*"))
    assert leaks(stored, "快递员工会", "M1") == ["快递员工会", "M1"]
    assert leaks(stored, *secrets) == []
    assert leaks(b"".join(messages), "M1") == ["M1"]
    assert leaks(b"".join(messages), *secrets) == []
    assert (data / "members" / "keys.json").stat().st_mode & 0o777 == 0o600
