"""The writer's hot path builds payouts, stored events, digests and responses
directly rather than through the generic machinery: each is proved equal to what
the generic machinery makes, down to the stored bytes."""

from __future__ import annotations

import datetime as dt
import marshal
import random
import uuid
from dataclasses import replace
from typing import Any

import pytest
from eventsourcing.application import Application
from google.protobuf import timestamp_pb2

from benefits_platform import identity
from benefits_platform.domain_errors import DomainError, InvalidArgument
from benefits_platform.eventstore import stored_events
from benefits_platform.protos.benefits.v1 import common_pb2, ledger_pb2
from ledger.adapters.event_codec import basis as basis_message
from ledger.adapters.stored_state import STATE_JSON, payout_posted_json
from ledger.domain import entries as E
from ledger.domain.commands import PostPayout
from ledger.entrypoints import converters as C
from ledger.results import Recorded
from tests.unit.ledger_helpers import batch, memory_app, open_cmd, pay, reverse, run

WHEN = dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)

BASIS = {
    "membership_status": "ACTIVE",
    "unit_code": "GD-SZ-NS-0001",
    "member_groups": ["SANITATION", "TRANSIT"],
    "household_id": "H-7",
    "hardship_status": "GRADUAL_EXIT",
    "tier": "",
    "pre_exit_tier": "DEEP",
    "gradual_exit_until": "2026-06-30",
    "ceiling_fen": 120_000,
    "members_position": 42,
}


def payout_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "request_id": "card-2026-03:000017",
        "member_id": "M1",
        "program_code": "WINTER_WARMTH",
        "fiscal_year": 2026,
        "amount_fen": 200_000,
        "effective_date": "2026-03-01",
        "external_ref": "ext-1",
        "note": "",
        "postings": E.payout_postings(
            code="WINTER_WARMTH", fiscal_year=2026, kind="AID", member_id="M1", amount_fen=200_000
        ),
        "body_digest": "d" * 64,
        "basis": dict(BASIS),
        "actor": "poster-1",
        "claim_id": "",
    }
    fields.update(changes)
    return fields


PAYOUTS = [
    payout_fields(),
    payout_fields(
        postings=E.payout_postings(
            code="GREEN", fiscal_year=2026, kind="SUBSIDY", member_id="M1", amount_fen=5
        ),
        amount_fen=5,
        basis={},
    ),
    payout_fields(note='送温暖 "慰问" \\ 春节\u3000前', external_ref="卡-1"),
    payout_fields(
        claim_id="6f1c8a52-3f0e-4a43-9d0a-2b1c3d4e5f60",
        postings=E.payout_postings(
            code="MED_AID",
            fiscal_year=2026,
            kind="MUTUAL_AID",
            member_id="M1",
            amount_fen=150_000,
            funding_account=E.pool_account("MED_AID", 2026),
        ),
    ),
]


def created_the_generic_way(fields: dict[str, Any]) -> E.Payout:
    payout = E.Payout._create(E.Payout.PayoutPosted, timestamp=WHEN, **fields)
    assert isinstance(payout, E.Payout)
    return payout


@pytest.mark.parametrize("fields", PAYOUTS)
def test_a_posted_payout_is_the_one_the_aggregate_machinery_makes(fields):
    fast = E.Payout.posted(**payout_fields(**fields), timestamp=WHEN)
    slow = created_the_generic_way(payout_fields(**fields))
    [fast_event] = fast.pending_events
    [slow_event] = slow.pending_events
    assert type(fast_event) is type(slow_event) is E.Payout.PayoutPosted
    # attribute for attribute, in the same order (the stored JSON follows it)
    assert list(vars(fast_event).items()) == list(vars(slow_event).items())
    assert list(vars(fast).keys()) == list(vars(slow).keys())
    assert fast == slow
    mapper = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
    assert mapper.to_stored_event(fast_event) == mapper.to_stored_event(slow_event)
    # the read path (the event applied to nothing) rebuilds the same payout
    rebuilt = fast_event.mutate(None)
    fast.collect_events()
    assert rebuilt == fast
    assert rebuilt.created_on == fast.created_on == WHEN


def test_posted_payouts_get_the_entry_id_and_a_fresh_timestamp():
    before = dt.datetime.now(dt.UTC)
    payout = E.Payout.posted(**payout_fields())
    assert payout.id == E.entry_id_for("card-2026-03:000017")
    assert before <= payout.created_on == payout.modified_on <= dt.datetime.now(dt.UTC)
    assert payout.version == 1


def every_stored_event(app: Any) -> list[Any]:
    notifications = app.recorder.select_notifications(start=None, limit=10_000)
    return [app.mapper.to_domain_event(n) for n in notifications]


def test_stored_events_are_the_mappers_byte_for_byte():
    app = memory_app()
    run(app, open_cmd(budget=10_000_000))
    run(app, open_cmd(code="GREEN", kind="SUBSIDY", budget=10_000_000))
    first = run(app, replace(pay("p1"), note='带"引号"的\\备注', external_ref="卡-1"))
    run(app, batch(pay("b1", member="A"), pay("b2", member="B", code="GREEN", amount=3)))
    run(app, reverse("rv1", first.entry.id))  # type: ignore[attr-defined]
    events = every_stored_event(app)
    assert len(events) == 6
    expected = [app.mapper.to_stored_event(event) for event in events]
    assert stored_events(app.mapper, events) == expected
    # and what the store holds is exactly that
    held = app.recorder.select_notifications(start=None, limit=10_000)
    assert [(n.originator_id, n.originator_version, n.topic, n.state) for n in held] == [
        (s.originator_id, s.originator_version, s.topic, s.state) for s in expected
    ]


def test_stored_events_of_a_compressing_mapper_are_the_mappers():
    app = Application(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.popo",
            "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
        }
    )
    events = E.Payout.posted(**payout_fields()).collect_events()
    assert stored_events(app.mapper, events) == [app.mapper.to_stored_event(events[0])]


DIGEST_CASES = [
    pay("r1"),
    pay("r1", member="A", amount=1, date="2026-12-31"),
    PostPayout("r2", "M1", "GREEN", 2026, 10**12, "2026-01-01", "卡 1", '慰问 "金"\t\\'),
]


@pytest.mark.parametrize("cmd", DIGEST_CASES)
def test_the_payout_digest_is_the_one_recorded_since_the_first_payout(cmd):
    assert cmd.digest() == E.digest(
        "payout",
        cmd.member_id,
        cmd.program_code,
        cmd.fiscal_year,
        cmd.amount_fen,
        cmd.effective_date,
        cmd.external_ref,
        cmd.note,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"note": "bell\x07"}, "note"),
        ({"note": "line\nbreak"}, "note"),
        ({"note": "x" * 501}, "note"),
        ({"external_ref": "ref\x00"}, "external_ref"),
        ({"external_ref": "r" * 129}, "external_ref"),
    ],
)
def test_payout_text_rules_still_hold(changes, field):
    cmd = pay("r1")
    with pytest.raises(InvalidArgument) as refused:
        replace(cmd, **changes).validate()
    assert refused.value.field == field


def test_printable_or_tabbed_text_passes():
    replace(pay("r1"), note="a\tb\u3000送温暖 ", external_ref="r" * 128).validate()


# -- entry -> proto -----------------------------------------------------------------


def reference_entry(
    recorded: E.Entry, replayed: bool = False, reversed_by: object = None
) -> ledger_pb2.Entry:
    """Entry -> proto the way the converter has always built it (message objects)."""
    when = recorded.created_on
    micros = (when - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
    msg = ledger_pb2.Entry(
        entry_id=str(recorded.id),
        request_id=recorded.request_id,
        member_id=recorded.member_id,
        program_code=recorded.program_code,
        fiscal_year=recorded.fiscal_year,
        amount_fen=recorded.amount_fen,
        effective_date=recorded.effective_date,
        recorded_at=timestamp_pb2.Timestamp(
            seconds=micros // 1_000_000, nanos=micros % 1_000_000 * 1000
        ),
        note=recorded.note,
        postings=[
            common_pb2.Posting(account=str(a), amount_fen=int(n)) for a, n in recorded.postings
        ],
        replayed=replayed,
        actor=recorded.actor,
    )
    if isinstance(recorded, E.Contribution):
        msg.kind = ledger_pb2.ENTRY_KIND_CONTRIBUTION
        msg.external_ref = recorded.external_ref
        msg.period_id = recorded.period_id
        if recorded.basis:
            msg.basis.CopyFrom(basis_message(recorded.basis))
    elif isinstance(recorded, E.Recovery):
        msg.kind = ledger_pb2.ENTRY_KIND_RECOVERY
        msg.recovers_entry_id = recorded.recovers_entry_id
        msg.instalment = recorded.instalment
    elif isinstance(recorded, E.Reversal):
        msg.kind = ledger_pb2.ENTRY_KIND_REVERSAL
        msg.reverses_entry_id = recorded.reverses_entry_id
        msg.reversal_reason = ledger_pb2.ReversalReason.Value("REVERSAL_REASON_" + recorded.reason)
    else:
        msg.kind = ledger_pb2.ENTRY_KIND_PAYOUT
        msg.external_ref = recorded.external_ref
        msg.claim_id = recorded.claim_id
        if recorded.basis:
            msg.basis.CopyFrom(basis_message(recorded.basis))
        if reversed_by is not None:
            msg.reversed_by_entry_id = str(reversed_by)
    return msg


@pytest.mark.parametrize("fields", PAYOUTS)
def test_payout_to_proto(fields):
    payout = E.Payout.posted(**payout_fields(**fields), timestamp=WHEN)
    assert C.entry(payout) == reference_entry(payout)
    assert C.entry(payout, replayed=True, reversed_by="x-1") == reference_entry(payout, True, "x-1")


@pytest.mark.parametrize(
    "basis",
    [
        {},
        {"membership_status": "ACTIVE"},  # fewer fields than today's rules record
        {**BASIS, "tier": "RELATIVE", "pre_exit_tier": ""},
        {**BASIS, "extra": "kept out"},
    ],
)
def test_any_recorded_basis_converts_as_before(basis):
    payout = E.Payout.posted(**payout_fields(basis=basis), timestamp=WHEN)
    assert C.entry(payout) == reference_entry(payout)


def test_every_entry_kind_to_proto_and_the_batch_response():
    app = memory_app()
    run(app, open_cmd(budget=10_000_000))
    recorded = run(app, batch(pay("b1"), pay("b2", member="A"), pay("b3", member="B")))
    assert isinstance(recorded, list)
    reversal = run(app, reverse("rv1", recorded[0].entry.id))
    assert isinstance(reversal, Recorded)
    assert C.entry(reversal.entry) == reference_entry(reversal.entry)
    replayed = run(app, batch(pay("b1"), pay("b4", member="C")))
    assert isinstance(replayed, list)
    response = C.post_payouts_response(replayed)
    assert response == ledger_pb2.PostPayoutsResponse(
        entries=[reference_entry(r.entry, r.replayed) for r in replayed], replayed_count=1
    )
    assert [e.replayed for e in response.entries] == [True, False]


@pytest.mark.parametrize(
    "basis",
    [
        BASIS,
        {},
        {"membership_status": "ACTIVE"},  # fewer fields: converted as a message
        {**BASIS, "tier": "RELATIVE", "pre_exit_tier": ""},
        {**BASIS, "extra": "kept out"},
    ],
)
def test_a_batch_answered_through_a_front_is_the_batch_response(basis):
    """The core's compact result, finished by a front, is byte for byte the
    response the core builds itself, for every kind of recorded basis."""
    posted = [
        Recorded(E.Payout.posted(**payout_fields(basis=basis), timestamp=WHEN), replayed=False),
        Recorded(
            E.Payout.posted(**payout_fields(request_id="r-2", basis=basis), timestamp=WHEN), True
        ),
        Recorded(
            E.Payout.posted(
                **payout_fields(request_id="r-3", basis=basis, note="", external_ref=""),
                timestamp=WHEN,
            ),
            False,
        ),
    ]
    request = ledger_pb2.PostPayoutsRequest(
        payouts=[
            ledger_pb2.PostPayoutRequest(
                request_id=r.entry.request_id,
                member_id=r.entry.member_id,
                program_code=r.entry.program_code,
                fiscal_year=r.entry.fiscal_year,
                amount_fen=r.entry.amount_fen,
                effective_date=r.entry.effective_date,
                external_ref=r.entry.external_ref,
                note=r.entry.note,
            )
            for r in posted
        ]
    )
    batch = C.prepared_payouts(C.prepare_payouts(request))
    finished = C.finish_payouts(request, C.prepared_payouts_result(batch, posted))
    assert finished == C.post_payouts_response(posted).SerializeToString()
    assert ledger_pb2.PostPayoutsResponse.FromString(finished).replayed_count == 1


def test_an_entry_that_is_not_its_rows_payout_is_answered_whole():
    """Whatever the core recorded for a row, the front answers exactly that
    entry (the compact form is only for a payout of the row's own fields)."""
    posted = [
        Recorded(E.Payout.posted(**payout_fields(), timestamp=WHEN), replayed=True),
        Recorded(E.Payout.posted(**payout_fields(request_id="r-2"), timestamp=WHEN), True),
    ]
    rows = [
        ledger_pb2.PostPayoutRequest(
            request_id=posted[0].entry.request_id,
            member_id="M1",
            program_code="WINTER_WARMTH",
            fiscal_year=2026,
            amount_fen=200_000,
            effective_date="2026-03-01",
            note="another note",  # differs from the recorded entry's
        ),
        ledger_pb2.PostPayoutRequest(
            request_id="r-2",
            member_id="M1",
            program_code="WINTER_WARMTH",
            fiscal_year=2026,
            amount_fen=200_000,
            effective_date="2026-03-01",
            external_ref="ext-1",
        ),
    ]
    request = ledger_pb2.PostPayoutsRequest(payouts=rows)
    batch = C.prepared_payouts(C.prepare_payouts(request))
    finished = C.finish_payouts(request, C.prepared_payouts_result(batch, posted))
    assert finished == C.post_payouts_response(posted).SerializeToString()


def test_a_front_prepares_the_rows_the_core_would_build():
    rows = [
        ledger_pb2.PostPayoutRequest(
            request_id=f"r{n}",
            member_id="M1",
            program_code="WINTER_WARMTH",
            fiscal_year=2026,
            amount_fen=100 + n,
            effective_date="2026-03-01",
            external_ref="卡-1",
            note="送温暖",
            members_position=n,
        )
        for n in range(3)
    ]
    request = ledger_pb2.PostPayoutsRequest(payouts=rows)
    token = identity.bind(identity.Caller("poster-1", frozenset({"poster"}), ""))
    try:
        direct = C.post_payouts(request)
        prepared = C.prepared_payouts(C.prepare_payouts(request))
    finally:
        identity.reset(token)
    assert prepared == direct
    assert [r.actor for r in prepared.rows] == ["poster-1"] * 3
    # The front hashed each row's body: the core's writer uses that digest,
    # which is the one the core computes itself.
    assert all(len(r.body_digest) == 64 for r in prepared.rows)
    assert not any(r.body_digest for r in direct.rows)
    assert [r.digest() for r in prepared.rows] == [r.digest() for r in direct.rows]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "payouts: must hold at least one payout"),
        ([{"amount_fen": 0}], "payouts[0]: amount_fen"),
        ([{}, {"effective_date": "2025-12-31"}], "payouts[1]: effective_date"),
        ([{}, {}, {"member_id": ""}], "payouts[2]: member_id"),
    ],
)
def test_a_front_refuses_what_the_core_would_refuse(rows, message):
    base = {
        "request_id": "r",
        "member_id": "M1",
        "program_code": "WINTER_WARMTH",
        "fiscal_year": 2026,
        "amount_fen": 100,
        "effective_date": "2026-03-01",
    }
    request = ledger_pb2.PostPayoutsRequest(
        payouts=[
            ledger_pb2.PostPayoutRequest(**{**base, "request_id": f"r{n}", **row})
            for n, row in enumerate(rows)
        ]
    )
    with pytest.raises(DomainError) as direct:
        C.post_payouts(request)
    with pytest.raises(DomainError) as prepared:
        C.prepare_payouts(request)
    assert prepared.value.message == direct.value.message
    assert prepared.value.status == direct.value.status == "INVALID_ARGUMENT"
    assert prepared.value.message.startswith(message)


def test_the_core_takes_only_a_batch_of_rows_from_a_front():
    for payload in (marshal.dumps(()), marshal.dumps([("r",)]), marshal.dumps(((),) * 10_001)):
        with pytest.raises(InvalidArgument):
            C.prepared_payouts(payload)


@pytest.mark.parametrize(
    "request_id", ["r1", "card-2026-03:000017", "a.b_c:d-e", "x" * 128, "M" * 37 + "-9"]
)
def test_entry_ids_are_uuid5_of_the_request_id(request_id):
    expected = uuid.uuid5(E.ENTRY_NS, request_id)
    found = E.entry_id_for.__wrapped__(request_id)
    assert found == expected
    assert str(found) == str(expected) and hash(found) == hash(expected)
    assert found.version == 5 and found.variant == uuid.RFC_4122


# -- the stored JSON of a PayoutPosted, written directly ----------------------------

ALPHABET = 'aZ09 -_:."\\/\n\t\x00\x1f\x7f\u2028é中文送温暖😀'


def random_text(rng: random.Random, longest: int = 12) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, longest)))


def random_payout(rng: random.Random) -> dict[str, Any]:
    member = random_text(rng)
    amount = rng.choice([1, 200_000, 10**12, -5, 0])
    basis: dict[str, Any] = {
        "membership_status": random_text(rng),
        "unit_code": random_text(rng),
        "member_groups": [random_text(rng) for _ in range(rng.randint(0, 3))],
        "household_id": random_text(rng),
        "hardship_status": random_text(rng),
        "tier": rng.choice(["", "DEEP", random_text(rng)]),
        "pre_exit_tier": rng.choice(["", "GENERAL"]),
        "gradual_exit_until": rng.choice(["", "2026-06-30"]),
        "ceiling_fen": rng.choice([0, 120_000]),
        "members_position": rng.randint(0, 10**9),
    }
    shape = rng.randint(0, 4)
    if shape == 1:
        basis = {}
    elif shape == 2:
        basis.pop("tier")  # an older shape: left to the transcoder
    elif shape == 3:
        basis = dict(reversed(list(basis.items())))
    return payout_fields(
        request_id=random_text(rng),
        member_id=member,
        program_code=random_text(rng),
        amount_fen=amount,
        effective_date=random_text(rng),
        external_ref=random_text(rng),
        note=random_text(rng, 40),
        postings=E.payout_postings(
            code=random_text(rng),
            fiscal_year=2026,
            kind=rng.choice(["SUBSIDY", "AID", "IN_KIND"]),
            member_id=member,
            amount_fen=amount,
        ),
        body_digest=random_text(rng),
        basis=basis,
        actor=random_text(rng),
        claim_id=random_text(rng),
    )


def test_payout_posted_json_is_the_transcoders_byte_for_byte():
    rng = random.Random(20260301)
    mapper = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
    written = 0
    for _ in range(400):
        [event] = E.Payout.posted(**random_payout(rng)).collect_events()
        # the stored state: the event's fields but its id and version, then its class version
        state = dict(list(vars(event).items())[2:]) | {"class_version": 3}
        expected = mapper.to_stored_event(event)
        text = payout_posted_json(state, lambda value: mapper.transcoder.encoder.encode(value))
        if text is not None:
            written += 1
            assert text.encode("utf8") == expected.state
        assert stored_events(mapper, [event], STATE_JSON) == [expected]
    assert written == 400  # every state the writer makes is written directly


@pytest.mark.parametrize(
    "changes",
    [
        {"amount_fen": True},
        {"fiscal_year": 2026.0},
        {"note": None},
        {"postings": (("a", 1), ("b", -1))},
        {"basis": {**BASIS, "ceiling_fen": False}},
        {"basis": {**BASIS, "member_groups": ("A",)}},
        {"basis": {**BASIS, "unit_code": 7}},
    ],
)
def test_unusual_payout_states_are_left_to_the_transcoder(changes):
    mapper = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
    [event] = E.Payout.posted(**payout_fields(**changes), timestamp=WHEN).collect_events()
    assert stored_events(mapper, [event], STATE_JSON) == [mapper.to_stored_event(event)]


def test_a_transcoder_writing_ascii_only_keeps_its_own_encoding():
    app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    app.mapper.transcoder.encoder.ensure_ascii = True
    [event] = E.Payout.posted(**payout_fields(note="送温暖"), timestamp=WHEN).collect_events()
    [stored] = stored_events(app.mapper, [event], STATE_JSON)
    assert stored == app.mapper.to_stored_event(event)
    assert b"\\u9001" in stored.state
