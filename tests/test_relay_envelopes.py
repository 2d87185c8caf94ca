"""The relay's envelopes: what it reads straight from the stored state, writes
as bytes and queues on the connection in one go is exactly what rebuilding each
domain event, encoding it and building the envelope message gives (the path
the relay took before), for every ledger and members event type, on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

import nats
import pytest
from eventsourcing.persistence import StoredEvent

from benefits_platform import bus
from benefits_platform.envelopes import (
    ZERO_HASH,
    EnvelopeWriter,
    EventParts,
    build_envelope,
    event_id,
    event_id_of_text,
    micros,
    verify_chain,
)
from benefits_platform.eventstore import eventsourcing_env
from benefits_platform.protos.benefits.v1 import events_pb2
from benefits_platform.relay import OutboxRelay, Outgoing, header_value, publish_together
from benefits_platform.relay_process import EventLog
from benefits_platform.sqlstore import Database, RelayCheckpoints
from ledger.adapters.event_codec import encode
from ledger.application import LedgerApplication
from ledger.domain.claim_commands import (
    RecoverPayment,
    RejectClaim,
    VerifyEmergencyAid,
    WithdrawClaim,
)
from ledger.domain.commands import CloseProgram, OpenProgram
from members.adapters import keys as members_keys
from members.adapters.event_codec import encode as encode_members
from members.application import MembersApplication
from members.domain import commands as MC
from tests.members_fixtures import TODAY, national_id
from tests.test_members_domain import close_file, enrol_cmd, open_file
from tests.unit.ledger_helpers import enroll, pay, reverse, run
from tests.unit.test_claims_domain import (
    CHECKER,
    MAKER,
    approved_claim,
    contribution,
    file,
    open_pool,
    pay_claim,
    review,
)

YEAR = 2026
LONG_NOTE = "困难职工冬季慰问" * 30  # > 127 bytes: multi-byte lengths


def record_every_ledger_event(app: LedgerApplication) -> uuid.UUID:
    """Every event type of the ledger, programmes of every shape, a payout
    recorded by an older class version (its id is returned), long and non-ASCII
    text."""
    for member in ("M1", "A", "B", "C"):
        enroll(app, member, groups=("sanitation_worker",))
    app.members.hardship_opened("C", "DEEP", "2020-06-01")
    run(app, open_pool())
    for member in ("M1", "A", "B"):
        run(app, contribution(f"c-{member}", member=member))
    pay_claim(app, approved_claim(app, "f1", self_paid=80_000))
    rejected = review(app, file(app, "f2", member="A"))
    run(app, RejectClaim("rj", str(rejected.id), "NOT_COVERED", actor=CHECKER))
    run(app, WithdrawClaim("wd", str(file(app, "f3", member="B").id), note="撤回", actor=MAKER))
    run(
        app,
        OpenProgram(
            "EMERGENCY", YEAR, "临时救助", "Emergency aid", "AID", 10_000_000,
            request_id="open-emergency", verify_within_days=30, actor="admin",
        ),
    )  # fmt: skip
    verified = run(app, pay("e1", amount=250_000, code="EMERGENCY", date="2026-02-10")).entry  # type: ignore[attr-defined]
    run(app, VerifyEmergencyAid("v1", str(verified.id), "2026-03-01", note="核实", actor=CHECKER))
    recovered = run(app, pay("e2", amount=250_000, code="EMERGENCY", date="2026-02-10")).entry  # type: ignore[attr-defined]
    run(app, RecoverPayment("r1", str(recovered.id), 100_000, "2026-04-01", actor=MAKER))
    hardship = OpenProgram(
        "HARDSHIP_AID", YEAR, "困难帮扶", "Hardship aid", "IN_KIND", 10_000_000,
        standard_amount_fen=100_000, per_member_annual_cap_fen=900_000,
        member_groups=("sanitation_worker",), hardship_only=True,
        tier_standards=(("DEEP", 200_000),), request_id="open-hardship",
    )  # fmt: skip
    run(app, hardship)
    run(app, replace(pay("h1", member="C", amount=200_000, code="HARDSHIP_AID"), note=LONG_NOTE))
    run(
        app,
        OpenProgram(
            "SECOND_AID", YEAR, "二次救助", "Secondary aid", "AID", 1_000_000,
            request_id="open-second", secondary_aid_of="MED_AID",
        ),
    )  # fmt: skip
    run(app, pay("s1", amount=1_000, code="SECOND_AID", date="2026-03-01"))
    run(app, OpenProgram("WINTER", YEAR, "送温暖", "Winter", "SUBSIDY", 1_000_000, request_id="w"))
    plain = run(app, pay("w1", code="WINTER")).entry  # type: ignore[attr-defined]
    run(app, replace(reverse("rev", plain.id), note=LONG_NOTE))
    run(app, CloseProgram("WINTER", YEAR, reason="年终", actor="admin"))
    # A payout recorded before eligibility and callers (class version 1): the
    # mapper upcasts it.
    stored = next(
        n
        for n in app.recorder.select_notifications(start=1, limit=10_000)
        if n.originator_id == plain.id
    )
    state = app.mapper.transcoder.decode(stored.state)
    for name in ("basis", "actor", "claim_id"):
        del state[name]
    state["class_version"] = 1
    old_id = uuid.uuid4()
    app.recorder.insert_events(
        [StoredEvent(old_id, 1, stored.topic, app.mapper.transcoder.encode(state))]
    )
    return old_id


def rebuilt_messages(app: Any, source: str = "ledger", codec: Any = encode) -> list[Outgoing]:
    """Every event as the relay published it before it read states straight:
    domain event -> codec -> envelope message -> bytes, headers from the parts."""
    messages: list[Outgoing] = []
    head = ZERO_HASH
    for seq, notification in enumerate(app.recorder.select_notifications(start=1, limit=10_000)):
        event = app.mapper.to_domain_event(notification)
        parts = codec(event)
        envelope = build_envelope(
            source=source,
            position=notification.id,
            aggregate_id=event.originator_id,
            aggregate_version=event.originator_version,
            recorded_at=event.timestamp,
            parts=parts,
            prev_hash=head,
        )
        head = envelope.hash
        headers = {
            bus.MSG_ID: f"{source}-{notification.id}",
            bus.EXPECTED_LAST_SEQ: str(seq),
            bus.POSITION_HEADER: str(notification.id),
        }
        if parts.request_id:
            headers[bus.REQUEST_ID_HEADER] = parts.request_id
        messages.append(
            (
                f"{bus.subject_prefix(source)}.{parts.event_type}",
                envelope.SerializeToString(deterministic=True),
                headers,
            )
        )
    return messages


@pytest.fixture
async def nc(nats_server):
    connection = await nats.connect(nats_server.url)
    yield connection
    await connection.close()


def relay_messages(relay: OutboxRelay) -> list[Outgoing]:
    """Every message of the log as the relay publishes it, in batches."""
    published: list[Outgoing] = []
    position, seq, head = 0, 0, ZERO_HASH
    while True:
        messages, position, head = relay._next_messages(position, seq, head)
        if not messages:
            return published
        published += messages
        seq += len(messages)


async def test_every_event_type_is_published_as_the_rebuilt_event_was(store, tmp_path, nc):
    env = eventsourcing_env(store)
    app = LedgerApplication(env)
    try:
        old_id = record_every_ledger_event(app)
    finally:
        app.close()
    log = EventLog(LedgerApplication, env)
    db = Database(store, tmp_path / "relay.sqlite")
    try:
        expected = rebuilt_messages(log)
        relay = OutboxRelay(
            source="ledger",
            recorder=log.recorder,
            mapper=log.mapper,
            codec=encode,
            nc=nc,
            checkpoints=RelayCheckpoints(db),
            batch_size=7,  # several batches, the chain carried across them
        )
        published = relay_messages(relay)
    finally:
        log.close()
        db.close()
    assert published == expected
    # every event read straight from its state, but the one the mapper upcasts
    assert (relay.reader.read_straight, relay.reader.rebuilt) == (len(expected) - 1, 1)
    assert relay.reader.reads_sql
    envelopes = [events_pb2.EventEnvelope.FromString(p) for _, p, _ in published]
    assert verify_chain(envelopes) is None
    assert {e.event_type for e in envelopes} == {cls.__name__ for cls in encode.classes}
    [upcast] = [e for e in envelopes if e.aggregate_id == str(old_id)]
    posted = events_pb2.PayoutPosted()
    assert upcast.payload.Unpack(posted) and posted.actor == "" and posted.member_id == "M1"


def test_the_envelope_writer_writes_what_the_message_serialises():
    """Edge values of every field: zero and empty (left out), lengths past one
    varint byte, non-ASCII text, times before 1970 and on a second."""
    writer = EnvelopeWriter("ledger")
    payload = events_pb2.ProgramClosed(code="X" * 300, reason="年终")
    aggregate = uuid.UUID("0b2c8f5e-3f4a-4d6b-9c1e-2a3b4c5d6e7f")
    cases = [
        (0, 0, dt.datetime(1970, 1, 1, tzinfo=dt.UTC), "", "", ""),
        (1, 1, dt.datetime(1969, 12, 31, 23, 59, 59, 5, tzinfo=dt.UTC), "2026-03-01", "r", "a"),
        (2**40, 300, dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC), "", "r" * 200, "调用者"),
        (127, 128, dt.datetime(2026, 3, 1, 8, 0, 0, 1, tzinfo=dt.UTC), "2026-12-31", "", ""),
    ]  # fmt: skip
    for n in (2**7, 2**14, 2**21, 2**28, 2**35, 2**42, 2**49, 2**56, 2**62):
        moment = dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=n % 10**9)
        cases += [(n - 1, n + 1, moment, "", "", ""), (n, n - 1, moment, "", "", "")]
    head = ZERO_HASH
    for position, version, recorded, date, request_id, actor in cases:
        parts = EventParts("ProgramClosed", "Programme", date, request_id, payload, actor)
        message = build_envelope(
            source="ledger",
            position=position,
            aggregate_id=aggregate,
            aggregate_version=version,
            recorded_at=recorded,
            parts=parts,
            prev_hash=head,
        )
        written, link = writer.write(
            position,
            str(aggregate),
            version,
            micros(recorded),
            parts,
            payload.SerializeToString(deterministic=True),
            head,
        )
        assert written == message.SerializeToString(deterministic=True)
        assert link == message.hash
        assert event_id_of_text(str(aggregate), version) == event_id(aggregate, version)
        head = link
    assert writer.write(1, str(aggregate), 1, 0, parts, b"", b"")[0] == build_envelope(
        source="ledger",
        position=1,
        aggregate_id=aggregate,
        aggregate_version=1,
        recorded_at=dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        parts=parts._replace(payload=events_pb2.ProgramClosed()),
        prev_hash=b"",
    ).SerializeToString(deterministic=True)


READY = "t.ready"


async def live_subscription(listener: Any, publisher: Any, subject: str) -> Any:
    """A core subscription known to be in place on the server: a probe from
    ``publisher`` (on READY, which ``subject`` must match) has come through it.
    ``listener.flush()`` is no such proof: nats-py 2.16 writes a flush's PING
    straight to the socket, ahead of a SUB still queued for its flusher task, so
    the PONG can come back before the server has the subscription (messages
    published meanwhile reach no one; ~1 run in 10 here)."""
    sub = await listener.subscribe(subject)
    while True:
        await publisher.publish(READY, b"")
        try:
            if (await sub.next_msg(timeout=0.2)).subject == READY:
                return sub
        except nats.errors.TimeoutError:
            continue


async def test_core_publishes_queued_together_arrive_as_client_publishes(nats_server, nc):
    """The relay's batch of core publishes, written to the connection at once,
    reaches subscribers exactly as nats-py's Client.publish of each message
    (header values included: surrounding space and line breaks)."""
    received: list[Any] = []
    listener = await nats.connect(nats_server.url)
    try:
        sub = await live_subscription(listener, nc, "t.>")
        messages: list[Outgoing] = [
            (
                f"x.v1.Event{i}",
                bytes(range(i % 256)) * (i + 1),
                {
                    bus.MSG_ID: f"ledger-{i}",
                    bus.EXPECTED_LAST_SEQ: str(i),
                    bus.POSITION_HEADER: str(i),
                    **({bus.REQUEST_ID_HEADER: f" r-{i}:请求\r\n.x "} if i % 2 else {}),
                },
            )
            for i in range(1, 40)
        ]
        with pytest.raises(ValueError, match="line break"):
            await publish_together(nc, messages[:2])  # values not as nats-py sends them
        await publish_together(
            nc,
            [
                (f"t.together.{s}", p, {k: header_value(v) for k, v in h.items()})
                for s, p, h in messages
            ],
        )
        for subject, payload, headers in messages:
            await nc.publish(f"t.client.{subject}", payload, headers=headers)
        await nc.flush()
        while len(received) < 2 * len(messages):
            msg = await sub.next_msg(timeout=30)
            if msg.subject != READY:  # a late probe
                received.append(msg)
    finally:
        await listener.close()
    together = [(m.subject[len("t.together.") :], m.data, m.headers) for m in received[:39]]
    client = [(m.subject[len("t.client.") :], m.data, m.headers) for m in received[39:]]
    assert together == client
    assert [s for s, _, _ in together] == [s for s, _, _ in messages]
    assert nc.stats["out_msgs"] >= 2 * len(messages)


async def test_every_members_event_type_is_published_as_the_rebuilt_event_was(store, tmp_path, nc):
    env = eventsourcing_env(store)
    app = MembersApplication(members_keys.in_memory(), env, today=lambda: TODAY)
    try:
        for code, level, parent in [
            ("GD", "PROVINCE", ""),
            ("GD-SZ", "CITY", "GD"),
            ("GD-SZ-NS", "COUNTY", "GD-SZ"),
            ("GD-SZ-NS-0001", "GRASSROOTS", "GD-SZ-NS"),
            ("GD-SZ-0100", "GRASSROOTS", "GD-SZ"),
        ]:
            app.register_unit(MC.RegisterUnit(code, f"{code} 工会", code, level, parent))
        app.enroll(enrol_cmd("M1"))
        app.enroll(enrol_cmd("M2", national_id=national_id("44030519900101123")))
        app.transfer(MC.TransferMember("M1", "GD-SZ-0100", "2025-01-01"))
        app.terminate(MC.TerminateMembership("M1", "2025-02-01", "moved away"))
        app.reinstate(MC.ReinstateMember("M1", "2025-03-01"))
        open_file(app, tier="GENERAL")
        app.change_hardship_tier(MC.ChangeHardshipTier("M1", "ACCIDENT", "2026-04-01", "受伤"))
        app.record_hardship_review(MC.RecordHardshipReview("M1", "2026-05-01", "ok", "2026-11-01"))
        close_file(app, "2026-06-30", 6)
        app.forget(MC.ForgetMemberPersonalData("M2"))
    finally:
        app.close()
    log = EventLog(MembersApplication, env)
    db = Database(store, tmp_path / "relay.sqlite")
    try:
        expected = rebuilt_messages(log, "members", encode_members)
        relay = OutboxRelay(
            source="members",
            recorder=log.recorder,
            mapper=log.mapper,
            codec=encode_members,
            nc=nc,
            checkpoints=RelayCheckpoints(db),
            batch_size=4,
        )
        published = relay_messages(relay)
    finally:
        log.close()
        db.close()
    assert published == expected
    assert (relay.reader.read_straight, relay.reader.rebuilt) == (len(expected), 0)
    assert relay.reader.reads_sql
    types = {events_pb2.EventEnvelope.FromString(p).event_type for _, p, _ in published}
    assert types == {cls.__name__ for cls in encode_members.classes}
