"""The members domain and service layer, in memory (eventsourcing.popo): value
rules, the unit tree, enrolment, transfers, memberships and hardship files."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benefits_platform.domain_errors import (
    AlreadyExists,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from benefits_platform.protos.benefits.v1 import common_pb2, member_events_pb2, members_pb2
from members.adapters import keys
from members.adapters.event_codec import encode
from members.adapters.keys import ServiceKeys
from members.application import MembersApplication
from members.domain import commands as C
from members.domain import values
from members.domain.registry import Registry
from tests.members_fixtures import ID_DIGIT, ID_X, TODAY, national_id

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
NAME = "王小明"
UNIT = "GD-SZ-NS-0001"


@pytest.fixture
def app() -> MembersApplication:
    app = MembersApplication(keys.in_memory(), POPO, today=lambda: TODAY)
    for code, level, parent in [
        ("GD", "PROVINCE", ""),
        ("GD-SZ", "CITY", "GD"),
        ("GD-SZ-NS", "COUNTY", "GD-SZ"),
        (UNIT, "GRASSROOTS", "GD-SZ-NS"),
        ("GD-SZ-0100", "GRASSROOTS", "GD-SZ"),
        ("GD-GZ", "CITY", "GD"),
    ]:
        app.register_unit(C.RegisterUnit(code, f"{code} 工会", code, level, parent))
    return app


def enrol_cmd(member_id: str = "M1", **changes: Any) -> C.EnrollMember:
    fields: dict[str, Any] = {
        "member_id": member_id,
        "name": NAME,
        "national_id": ID_X,
        "unit_code": UNIT,
        "member_groups": ["courier"],
        "household_id": "H1",
        "join_date": "2020-03-01",
    }
    fields.update(changes)
    return C.EnrollMember.of(**fields)


@pytest.fixture
def member(app: MembersApplication) -> MembersApplication:
    app.enroll(enrol_cmd())
    return app


def refused(error: type[DomainError], call: Callable[[], object], *fragments: str) -> str:
    with pytest.raises(error) as caught:
        call()
    message = caught.value.message
    for fragment in fragments:
        assert fragment in message, message
    return message


def max_position(app: MembersApplication) -> int:
    return app.recorder.max_notification_id() or 0


# -- national ID numbers (GB 11643) ---------------------------------------------------


@pytest.mark.parametrize("number", [ID_X, ID_DIGIT, national_id("32010219990228456")])
def test_valid_national_ids_pass(number: str) -> None:
    assert values.national_id(number) == number


def test_a_lower_case_x_is_the_same_number() -> None:
    assert values.national_id(ID_X.lower()) == ID_X


@pytest.mark.parametrize(
    ("number", "rule"),
    [
        (ID_X[:-1] + "1", "check character does not match"),
        (ID_DIGIT[:-1] + "X", "check character does not match"),
        (ID_X[:17], "must be 18 characters, got 17"),
        (ID_X + "1", "must be 18 characters, got 19"),
        (national_id("11010519490230002"), "birth date (characters 7-14) is not a date"),
        (national_id("11010519491331002"), "birth date (characters 7-14) is not a date"),
        (national_id("11010518991231002"), "birth date (characters 7-14) is before 1900"),
        ("1101051949X231002X", "first 17 characters must be digits"),
        (ID_X[:-1] + "Y", "last character must be a digit or X"),
        ("", "is required"),
    ],
)
def test_bad_national_ids_are_refused_without_echoing_them(number: str, rule: str) -> None:
    message = refused(InvalidArgument, lambda: values.national_id(number), "national_id: ", rule)
    if number:
        assert number not in message and number[:17] not in message


def test_the_number_is_masked_but_for_region_and_last_four() -> None:
    assert values.mask_national_id(ID_X) == "110105********002X"


# -- the unit tree --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "parent", "error", "fragment"),
    [
        ("GD-X", "CITY", "", InvalidArgument, "parent_code: is required for a CITY unit"),
        ("SC", "PROVINCE", "GD", InvalidArgument, "parent_code: must be empty for a PROVINCE"),
        ("GD-X", "COUNTY", "GD", FailedPrecondition, "level: a COUNTY unit sits directly under"),
        ("GD-X", "CITY", "GD-SZ", FailedPrecondition, "parent GD-SZ is a CITY unit"),
        ("GD-X", "GRASSROOTS", "GD", FailedPrecondition, "under a COUNTY or CITY unit"),
        ("GD-X", "GRASSROOTS", UNIT, FailedPrecondition, "is a GRASSROOTS unit"),
        ("GD-X", "CITY", "XZ", NotFound, "parent_code: no unit XZ"),
        ("GD", "PROVINCE", "", AlreadyExists, "code: unit GD is already registered"),
    ],
)
def test_each_level_sits_directly_under_its_parents_level(
    app: MembersApplication,
    code: str,
    level: str,
    parent: str,
    error: type[DomainError],
    fragment: str,
) -> None:
    before = max_position(app)
    cmd = C.RegisterUnit(code, "新工会", "", level, parent)
    cmd.validate()
    refused(error, lambda: app.register_unit(cmd), fragment)
    assert max_position(app) == before


def test_grassroots_unions_sit_under_a_county_or_directly_under_a_city(
    app: MembersApplication,
) -> None:
    assert app.unit(UNIT).path == ("GD", "GD-SZ", "GD-SZ-NS", UNIT)
    assert app.unit("GD-SZ-0100").path == ("GD", "GD-SZ", "GD-SZ-0100")


def test_units_list_depth_first_in_code_order(app: MembersApplication) -> None:
    assert [u.code for u in app.units()] == [
        "GD", "GD-GZ", "GD-SZ", "GD-SZ-0100", "GD-SZ-NS", UNIT]  # fmt: skip
    assert [u.code for u in app.units("GD-SZ")] == ["GD-SZ", "GD-SZ-0100", "GD-SZ-NS", UNIT]
    refused(NotFound, lambda: app.units("XX"), "code: no unit XX")


def test_registering_the_same_unit_again_replays(app: MembersApplication) -> None:
    first = app.register_unit(C.RegisterUnit("GD-FS", "佛山市总工会", "Foshan", "CITY", "GD"))
    again = app.register_unit(C.RegisterUnit("GD-FS", "佛山市总工会", "Foshan", "CITY", "GD"))
    assert again.replayed and not first.replayed
    assert again.position == first.position == max_position(app)
    refused(
        AlreadyExists,
        lambda: app.register_unit(C.RegisterUnit("GD-FS", "佛山", "Foshan", "CITY", "GD")),
        "with a different body",
    )


@pytest.mark.parametrize(
    ("cmd", "fragment"),
    [
        (C.RegisterUnit("gd", "x", "", "PROVINCE"), "code: must be 1-32 characters"),
        (C.RegisterUnit("-GD", "x", "", "PROVINCE"), "code: must be 1-32 characters"),
        (C.RegisterUnit("G" * 33, "x", "", "PROVINCE"), "code: must be 1-32 characters"),
        (C.RegisterUnit("GD", " ", "", "PROVINCE"), "name_zh: is required"),
        (C.RegisterUnit("GD", "x", "", ""), "level: must be one of PROVINCE, CITY"),
        (C.RegisterUnit("GD-1", "x", "", "CITY", "g d"), "parent_code: must be"),
    ],
)
def test_unit_fields_are_checked(cmd: C.RegisterUnit, fragment: str) -> None:
    refused(InvalidArgument, cmd.validate, fragment)


# -- enrolment ------------------------------------------------------------------------


def test_enrolment_seals_the_name_and_number(member: MembersApplication) -> None:
    view = member.member("M1")
    assert view.name == NAME and view.national_id == "110105********002X"
    assert member.member("M1", reveal=True).national_id == ID_X
    stored = b"".join(n.state for n in member.recorder.select_notifications(start=1, limit=100))
    assert b"M1" in stored  # the events are readable here ...
    assert NAME.encode() not in stored and ID_X.encode() not in stored  # ... but not these
    assert ID_X[:17].encode() not in stored


def test_the_same_enrolment_replays_with_the_original_position(
    member: MembersApplication,
) -> None:
    original = member.registry.positions["M1"][0]
    before = max_position(member)
    again = member.enroll(enrol_cmd(national_id=ID_X.lower(), name=f" {NAME} "))
    assert again.replayed and again.position == original
    assert max_position(member) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "王小红"},
        {"national_id": ID_DIGIT},
        {"unit_code": "GD-SZ-0100"},
        {"member_groups": ["courier", "migrant_worker"]},
        {"household_id": "H2"},
        {"join_date": "2020-03-02"},
    ],
)
def test_the_same_member_id_with_another_body_is_refused(
    member: MembersApplication, changes: dict[str, Any]
) -> None:
    before = max_position(member)
    message = refused(
        AlreadyExists,
        lambda: member.enroll(enrol_cmd(**changes)),
        "member_id: member M1 is already enrolled with a different body",
    )
    assert ID_X not in message and ID_DIGIT not in message
    assert max_position(member) == before


def test_one_person_one_membership(member: MembersApplication) -> None:
    before = max_position(member)
    message = refused(
        AlreadyExists,
        lambda: member.enroll(enrol_cmd("M2", national_id=ID_X.lower(), name="另一个名字")),
        "national_id: this person is already enrolled as member M1",
    )
    assert ID_X not in message and ID_X[:17] not in message
    assert max_position(member) == before
    member.terminate(C.TerminateMembership("M1", "2025-01-01"))
    refused(AlreadyExists, lambda: member.enroll(enrol_cmd("M2")), "as member M1")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"member_id": ""}, "member_id: is required"),
        ({"member_id": "a b"}, "member_id: must be 1-64 characters"),
        ({"name": "  "}, "name: is required"),
        ({"name": "张\x00三"}, "name: must not contain control characters"),
        ({"name": "张" * 101}, "name: must be at most 100 characters"),
        ({"unit_code": ""}, "unit_code: is required"),
        ({"member_groups": ["pilot"]}, "member_groups[0]: must be one of courier, delivery_rider"),
        ({"member_groups": ["courier", "courier"]}, "member_groups[1]: courier is listed twice"),
        ({"household_id": "h 1"}, "household_id: must be"),
        ({"join_date": "2020-02-30"}, "join_date: must be an ISO date"),
        ({"join_date": "1949-12-31"}, "join_date: must be after the birth date"),
        ({"join_date": "2101-01-01"}, "join_date: must fall in the years 1900 to 2100"),
    ],
)
def test_enrolment_fields_are_checked(changes: dict[str, Any], fragment: str) -> None:
    message = refused(InvalidArgument, lambda: enrol_cmd(**changes), fragment)
    assert NAME not in message and ID_X not in message


def test_the_vocabulary_of_member_groups_is_listed() -> None:
    message = refused(InvalidArgument, lambda: values.member_groups(["pilot"]))
    for group in values.MEMBER_GROUPS:
        assert group in message


def test_the_unit_must_exist(app: MembersApplication) -> None:
    refused(NotFound, lambda: app.enroll(enrol_cmd(unit_code="GD-XX")), "unit_code: no unit GD-XX")


def test_the_name_and_number_stay_out_of_the_commands_repr() -> None:
    text = repr(enrol_cmd())
    assert NAME not in text and ID_X not in text and "M1" in text


# -- memberships and transfers --------------------------------------------------------


def test_a_transfer_keeps_history(member: MembersApplication) -> None:
    moved = member.transfer(C.TransferMember("M1", "GD-SZ-0100", "2026-04-01"))
    assert moved.member.state.unit_code == "GD-SZ-0100"
    assert moved.member.unit_path == ("GD", "GD-SZ", "GD-SZ-0100")
    before = member.member("M1", "2026-03-31")
    after = member.member("M1", "2026-04-01")
    assert (before.state.unit_code, after.state.unit_code) == (UNIT, "GD-SZ-0100")
    assert before.position == member.registry.positions["M1"][0]
    assert after.position == moved.position
    assert member.member("M1", "2020-02-29").state.membership == "NONE"
    assert member.registry.members_under("GD-SZ-NS") == []
    assert member.registry.members_under("GD-SZ") == ["M1"]


def test_terminate_and_reinstate_keep_history(member: MembersApplication) -> None:
    member.terminate(C.TerminateMembership("M1", "2025-06-30", "left the company"))
    member.reinstate(C.ReinstateMember("M1", "2026-01-15"))
    dates = ("2020-02-29", "2020-03-01", "2025-06-29", "2025-06-30", "2026-01-14", "2026-01-15")
    on = {d: member.member("M1", d).state.membership for d in dates}
    assert on == {
        "2020-02-29": "NONE",
        "2020-03-01": "ACTIVE",
        "2025-06-29": "ACTIVE",
        "2025-06-30": "TERMINATED",
        "2026-01-14": "TERMINATED",
        "2026-01-15": "ACTIVE",
    }


# -- hardship files -------------------------------------------------------------------


def open_file(app: MembersApplication, on: str = "2026-03-10", tier: str = "DEEP") -> None:
    app.open_hardship_file(C.OpenHardshipFile("M1", tier, ("ILLNESS",), on, "2026-09-10"))


def close_file(app: MembersApplication, on: str, months: int) -> None:
    app.close_hardship_file(C.CloseHardshipFile("M1", on, months, "income recovered"))


def hardship_on(app: MembersApplication, on: str) -> tuple[str, str, str, str]:
    state = app.member("M1", on).state
    return state.hardship, state.tier, state.pre_exit_tier, state.gradual_exit_until


def test_hardship_states_on_the_boundary_dates(member: MembersApplication) -> None:
    open_file(member, "2026-03-10", "RELATIVE")
    member.change_hardship_tier(C.ChangeHardshipTier("M1", "DEEP", "2026-05-01", "surgery"))
    close_file(member, "2026-06-30", 3)
    until = "2026-09-29"  # 2026-06-30 + 3 months - 1 day
    assert hardship_on(member, "2026-03-09") == ("NONE", "", "", "")
    assert hardship_on(member, "2026-03-10") == ("OPEN", "RELATIVE", "", "")
    assert hardship_on(member, "2026-05-01") == ("OPEN", "DEEP", "", "")
    assert hardship_on(member, "2026-06-29") == ("OPEN", "DEEP", "", "")
    assert hardship_on(member, "2026-06-30") == ("GRADUAL_EXIT", "", "DEEP", until)
    assert hardship_on(member, until) == ("GRADUAL_EXIT", "", "DEEP", until)
    assert hardship_on(member, "2026-09-30") == ("EXITED", "", "DEEP", until)


def test_no_gradual_exit_means_exited_on_the_exit_date(member: MembersApplication) -> None:
    open_file(member)
    close_file(member, "2026-06-30", 0)
    assert hardship_on(member, "2026-06-29")[0] == "OPEN"
    assert hardship_on(member, "2026-06-30") == ("EXITED", "", "DEEP", "")


def test_a_review_moves_the_due_date(member: MembersApplication) -> None:
    open_file(member)
    member.record_hardship_review(
        C.RecordHardshipReview("M1", "2026-09-01", "still in hardship", "2027-03-01")
    )
    file = member.member("M1", "2026-09-01").state.file
    assert file is not None
    assert (file.last_review_date, file.review_due_date) == ("2026-09-01", "2027-03-01")
    earlier = member.member("M1", "2026-08-31").state.file
    assert earlier is not None and earlier.review_due_date == "2026-09-10"


def test_a_new_file_opens_after_the_gradual_exit_period(member: MembersApplication) -> None:
    open_file(member)
    close_file(member, "2026-04-30", 1)  # gradual exit through 2026-05-29
    refused(
        FailedPrecondition,
        lambda: open_file(member, "2026-05-29"),
        "hardship state GRADUAL_EXIT on 2026-05-29",
        "gradual exit until 2026-05-29",
    )
    open_file(member, "2026-05-30", "ACCIDENT")
    state = member.member("M1", "2026-05-30").state
    assert state.hardship == "OPEN" and state.file is not None
    assert state.file.file_id == "M1-HF2" and state.tier == "ACCIDENT"


@pytest.mark.parametrize(
    ("exit_date", "months", "until"),
    [
        ("2026-01-31", 1, "2026-02-27"),  # + 1 month clamps to 2026-02-28, less a day
        ("2028-01-31", 1, "2028-02-28"),  # leap year: 2028-02-29, less a day
        ("2026-03-15", 1, "2026-04-14"),
        ("2026-06-30", 3, "2026-09-29"),
        ("2026-08-31", 6, "2027-02-27"),
        ("2026-12-15", 1, "2027-01-14"),
        ("2026-12-31", 2, "2027-02-27"),
        ("2026-05-31", 1, "2026-06-29"),
        ("2026-05-20", 0, ""),
    ],
)
def test_the_last_day_of_the_gradual_exit_period(exit_date: str, months: int, until: str) -> None:
    assert values.gradual_exit_until(dt.date.fromisoformat(exit_date), months) == until


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert values.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert values.add_months(dt.date(2026, 10, 31), 6) == dt.date(2027, 4, 30)
    assert values.add_months(dt.date(2026, 7, 15), 6) == dt.date(2027, 1, 15)


# -- illegal transitions --------------------------------------------------------------

ILLEGAL: list[tuple[str, list[Callable[[MembersApplication], object]], Callable[[MembersApplication], object], str]] = [  # noqa: E501
    ("terminate twice",
     [lambda a: a.terminate(C.TerminateMembership("M1", "2025-01-01"))],
     lambda a: a.terminate(C.TerminateMembership("M1", "2025-02-01")),
     "member M1 is TERMINATED on 2025-02-01; only an ACTIVE membership can be terminated"),
    ("reinstate an active member", [],
     lambda a: a.reinstate(C.ReinstateMember("M1", "2025-02-01")),
     "member M1 is ACTIVE on 2025-02-01; only a TERMINATED membership can be reinstated"),
    ("transfer a terminated member",
     [lambda a: a.terminate(C.TerminateMembership("M1", "2025-01-01"))],
     lambda a: a.transfer(C.TransferMember("M1", "GD-SZ-0100", "2025-02-01")),
     "member M1 is TERMINATED on 2025-02-01; only an ACTIVE member can be transferred"),
    ("transfer to the same unit", [],
     lambda a: a.transfer(C.TransferMember("M1", UNIT, "2025-02-01")),
     f"to_unit_code: member M1 is already in unit {UNIT}"),
    ("open a file for a terminated member",
     [lambda a: a.terminate(C.TerminateMembership("M1", "2025-01-01"))],
     lambda a: open_file(a),
     "member M1 is TERMINATED on 2026-03-10; a hardship file is opened for an ACTIVE member"),
    ("open a second file", [open_file],
     lambda a: open_file(a, "2026-04-01"),
     "hardship state OPEN on 2026-04-01, file M1-HF1"),
    ("change the tier without a file", [],
     lambda a: a.change_hardship_tier(C.ChangeHardshipTier("M1", "DEEP", "2026-04-01")),
     "member M1 has no open hardship file on 2026-04-01 (hardship NONE)"),
    ("change to the same tier", [open_file],
     lambda a: a.change_hardship_tier(C.ChangeHardshipTier("M1", "DEEP", "2026-04-01")),
     "tier: hardship file M1-HF1 is already at DEEP"),
    ("review without a file", [],
     lambda a: a.record_hardship_review(C.RecordHardshipReview("M1", "2026-04-01", "", "2026-10-01")),  # noqa: E501
     "no open hardship file on 2026-04-01 (hardship NONE)"),
    ("close without a file", [],
     lambda a: close_file(a, "2026-04-01", 1),
     "no open hardship file on 2026-04-01 (hardship NONE)"),
    ("close twice", [open_file, lambda a: close_file(a, "2026-06-30", 2)],
     lambda a: close_file(a, "2026-07-15", 1),
     "(hardship GRADUAL_EXIT, file M1-HF1, gradual exit until 2026-08-29)"),
    ("change the tier after the exit", [open_file, lambda a: close_file(a, "2026-06-30", 0)],
     lambda a: a.change_hardship_tier(C.ChangeHardshipTier("M1", "GENERAL", "2026-07-01")),
     "(hardship EXITED, file M1-HF1)"),
    ("a date before the last change",
     [lambda a: a.transfer(C.TransferMember("M1", "GD-SZ-0100", "2026-04-01"))],
     lambda a: a.terminate(C.TerminateMembership("M1", "2026-03-31")),
     "effective_date: 2026-03-31 is before member M1's last change on 2026-04-01"),
    ("a date before joining", [],
     lambda a: a.terminate(C.TerminateMembership("M1", "2020-02-29")),
     "effective_date: 2020-02-29 is before member M1's last change on 2020-03-01"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("setup", "call", "fragment"),
    [case[1:] for case in ILLEGAL],
    ids=[case[0] for case in ILLEGAL],
)
def test_illegal_transitions_name_the_current_state(
    member: MembersApplication,
    setup: list[Callable[[MembersApplication], object]],
    call: Callable[[MembersApplication], object],
    fragment: str,
) -> None:
    for step in setup:
        step(member)
    before = max_position(member)
    refused(FailedPrecondition, lambda: call(member), fragment)
    assert max_position(member) == before


def test_changes_of_an_unknown_member_are_not_found(app: MembersApplication) -> None:
    refused(NotFound, lambda: app.reinstate(C.ReinstateMember("M9", "2026-01-01")), "no member M9")
    refused(NotFound, lambda: app.member("M9"), "member_id: no member M9")


@pytest.mark.parametrize(
    ("cmd", "fragment"),
    [
        (C.OpenHardshipFile("M1", "", ("ILLNESS",), "2026-03-10", "2026-09-10"), "tier: is required"),  # noqa: E501
        (C.OpenHardshipFile("M1", "DEEP", (), "2026-03-10", "2026-09-10"), "causes: must name at least one"),  # noqa: E501
        (C.OpenHardshipFile("M1", "DEEP", ("",), "2026-03-10", "2026-09-10"), "causes[0]: must be one of ILLNESS"),  # noqa: E501
        (C.OpenHardshipFile("M1", "DEEP", ("ILLNESS",), "2026-03-10", "2026-03-10"), "review_due_date: must be after effective_date 2026-03-10"),  # noqa: E501
        (C.OpenHardshipFile("M1", "DEEP", ("ILLNESS",), "2026-03-10", ""), "review_due_date: is required"),  # noqa: E501
        (C.CloseHardshipFile("M1", "2026-03-10", 7), "gradual_exit_months: must be 0 to 6, got 7"),
        (C.CloseHardshipFile("M1", "2026-03-10", -1), "gradual_exit_months: must be 0 to 6, got -1"),  # noqa: E501
        (C.RecordHardshipReview("M1", "2026-03-10", "", "2026-01-01"), "next_review_due_date: must be after"),  # noqa: E501
        (C.ChangeHardshipTier("M1", "SEVERE", "2026-03-10"), "tier: is required: one of DEEP"),
        (C.TransferMember("M1", "GD-SZ-0100", "2026/03/10"), "effective_date: must be an ISO date"),
        (C.TerminateMembership("M1", "2026-03-10", "x" * 501), "reason: must be at most 500"),
    ],
)  # fmt: skip
def test_command_fields_are_checked(cmd: C.MemberCommand, fragment: str) -> None:
    refused(InvalidArgument, cmd.validate, fragment)


# -- the registry is a fold of the log ------------------------------------------------


def test_a_registry_rebuilt_from_the_log_equals_the_live_one(member: MembersApplication) -> None:
    member.enroll(enrol_cmd("M2", national_id=ID_DIGIT, unit_code="GD-SZ-0100"))
    member.transfer(C.TransferMember("M1", "GD-GZ", "2026-02-01"))
    open_file(member)
    rebuilt = Registry()
    for notification in member.recorder.select_notifications(start=1, limit=1000):
        rebuilt.apply(member.mapper.to_domain_event(notification), notification.id)
    assert rebuilt.people == {}  # the digests are kept with the members' keys
    for member_id, digest in member.personal.known_digests().items():
        rebuilt.add_person(digest, member_id)
    live = member.registry
    assert rebuilt.people == live.people and len(live.people) == 2
    assert rebuilt.positions == live.positions
    assert rebuilt.member_units == live.member_units == {"M1": "GD-GZ", "M2": "GD-SZ-0100"}
    assert rebuilt.unit_members == live.unit_members
    assert rebuilt.tree.units == live.tree.units
    assert rebuilt.position == live.position == max_position(member)


# -- the service's keys (adapter) -----------------------------------------------------


def test_the_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "members" / "keys.json"
    first = keys.load_or_create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    content = path.read_bytes()
    second = keys.load_or_create(path)
    assert path.read_bytes() == content  # never replaced
    sealed = first.encrypt(NAME, "members/M1/name")
    assert second.decrypt(sealed, "members/M1/name") == NAME
    assert first.digest(ID_X) == second.digest(ID_X)
    assert not keys.create(path)


def test_the_key_file_path_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(keys.KEY_FILE_ENV, raising=False)
    assert keys.key_file_path(tmp_path) == tmp_path / "members" / "keys.json"
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(tmp_path / "secret" / "k.json"))
    assert keys.key_file_path(tmp_path) == tmp_path / "secret" / "k.json"


@pytest.mark.parametrize(
    ("mode", "document", "fragment"),
    [
        (0o644, None, "may be read or written by other users"),
        (0o600, "not json", "is not a JSON key file"),
        (0o600, json.dumps({"data_key": "AAAA"}), "data_key in the key file must be 32 bytes"),
        (0o600, json.dumps({"data_key": base64.b64encode(bytes(32)).decode()}), "no hmac_key"),
        (
            0o600,
            json.dumps({"data_key": "%%", "hmac_key": "%%"}),
            "data_key in the key file is not",
        ),
    ],
)
def test_a_bad_key_file_stops_the_service(
    tmp_path: Path, mode: int, document: str | None, fragment: str
) -> None:
    path = tmp_path / "keys.json"
    keys.create(path)
    if document is not None:
        path.write_text(document)
    path.chmod(mode)
    with pytest.raises(keys.KeyFileError, match=re.escape(fragment)):
        keys.load_or_create(path)


def test_sealed_values_open_only_with_the_key_in_their_context() -> None:
    service = ServiceKeys.generate()
    sealed = service.encrypt(ID_X, "members/M1/national_id")
    assert sealed != service.encrypt(ID_X, "members/M1/national_id")  # a fresh nonce each time
    assert ID_X not in sealed
    assert service.decrypt(sealed, "members/M1/national_id") == ID_X
    with pytest.raises(keys.SealedValueError):
        service.decrypt(sealed, "members/M2/national_id")
    with pytest.raises(keys.SealedValueError):
        ServiceKeys.generate().decrypt(sealed, "members/M1/national_id")
    assert service.digest(ID_X) != ServiceKeys.generate().digest(ID_X)  # keyed
    assert len(service.digest(ID_X)) == 64
    assert ID_X not in repr(service) and "hidden" in repr(service)


# -- the wire form of every event (adapter) -------------------------------------------


def test_every_event_has_a_wire_form_without_personal_data(member: MembersApplication) -> None:
    member.transfer(C.TransferMember("M1", "GD-SZ-0100", "2025-01-01"))
    member.terminate(C.TerminateMembership("M1", "2025-02-01", "moved away"))
    member.reinstate(C.ReinstateMember("M1", "2025-03-01"))
    open_file(member, tier="GENERAL")
    member.change_hardship_tier(C.ChangeHardshipTier("M1", "ACCIDENT", "2026-04-01", "injury"))
    member.record_hardship_review(C.RecordHardshipReview("M1", "2026-05-01", "ok", "2026-11-01"))
    close_file(member, "2026-06-30", 6)
    encoded = {}
    levels = set()
    for notification in member.recorder.select_notifications(start=1, limit=100):
        event = member.mapper.to_domain_event(notification)
        parts = encode(event)
        assert parts.event_type == type(event).__name__ == parts.payload.DESCRIPTOR.name
        assert parts.effective_date == getattr(event, "effective_date", "")
        raw = parts.payload.SerializeToString()
        assert NAME.encode() not in raw and ID_X.encode() not in raw
        encoded[parts.event_type] = (parts.aggregate_type, parts.payload)
        if isinstance(parts.payload, member_events_pb2.UnitRegistered):
            levels.add(parts.payload.level)
    assert set(encoded) == set(WIRE_NAMES)
    assert {a for a, _ in encoded.values()} == {"Unit", "Member"}
    assert levels == {1, 2, 3, 4}  # province, city, county, grassroots
    enrolled = encoded["MemberEnrolled"][1]
    assert isinstance(enrolled, member_events_pb2.MemberEnrolled)
    assert enrolled.national_id_digest == ""  # kept with the member's key, outside the log
    changed = encoded["HardshipTierChanged"][1]
    assert isinstance(changed, member_events_pb2.HardshipTierChanged)
    assert (changed.from_tier, changed.to_tier, changed.reason) == (
        common_pb2.HARDSHIP_TIER_GENERAL,
        common_pb2.HARDSHIP_TIER_ACCIDENT,
        "injury",
    )
    opened = encoded["HardshipFileOpened"][1]
    assert isinstance(opened, member_events_pb2.HardshipFileOpened)
    assert list(opened.causes) == [members_pb2.HARDSHIP_CAUSE_ILLNESS]
    closed = encoded["HardshipFileClosed"][1]
    assert isinstance(closed, member_events_pb2.HardshipFileClosed)
    assert (closed.gradual_exit_months, closed.gradual_exit_until) == (6, "2026-12-29")
    assert closed.pre_exit_tier == common_pb2.HARDSHIP_TIER_ACCIDENT
    with pytest.raises(TypeError, match="no wire form"):
        encode(object())


WIRE_NAMES = [
    "UnitRegistered",
    "MemberEnrolled",
    "MemberTransferred",
    "MembershipTerminated",
    "MemberReinstated",
    "HardshipFileOpened",
    "HardshipTierChanged",
    "HardshipReviewRecorded",
    "HardshipFileClosed",
]
