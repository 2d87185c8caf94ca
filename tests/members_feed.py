"""Put members into the ledger's view the way production does: MemberEnrolled
(and hardship) envelopes on the members stream, as the members service's relay
publishes them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

import nats
from google.protobuf.message import Message

from benefits_platform import bus
from benefits_platform.envelopes import ZERO_HASH, EventParts, build_envelope
from benefits_platform.protos.benefits.v1 import events_pb2, member_events_pb2

UNIT = "GD-SZ-NS-0001"


async def publish_member_events(nats_url: str, events: Iterable[tuple[str, Message, str]]) -> int:
    """Publish (event_type, payload, effective_date) as the next envelopes of the
    members log; returns the position of the last one."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await bus.ensure_stream(js, "members", 1)
        info = await js.stream_info(bus.stream_name("members"))
        position, head = 0, ZERO_HASH
        if info.state.last_seq:
            last = await js.get_msg(bus.stream_name("members"), seq=info.state.last_seq)
            envelope = events_pb2.EventEnvelope.FromString(last.data or b"")
            position, head = envelope.position, envelope.hash
        futures = []
        for event_type, payload, effective_date in events:
            position += 1
            envelope = build_envelope(
                source="members",
                position=position,
                aggregate_id=uuid.uuid5(uuid.NAMESPACE_URL, getattr(payload, "member_id", "x")),
                aggregate_version=position,
                recorded_at=dt.datetime.now(dt.UTC),
                parts=EventParts(event_type, "Member", effective_date, "", payload),
                prev_hash=head,
            )
            head = envelope.hash
            futures.append(
                await js.publish_async(
                    f"{bus.subject_prefix('members')}.{event_type}", envelope.SerializeToString()
                )
            )
        for future in futures:
            await future
        return position
    finally:
        await nc.close()


def enrolled(
    member_id: str,
    *,
    groups: Iterable[str] = (),
    household: str = "",
    join_date: str = "2020-01-01",
    unit: str = UNIT,
) -> tuple[str, Message, str]:
    return (
        "MemberEnrolled",
        member_events_pb2.MemberEnrolled(
            member_id=member_id,
            unit_code=unit,
            member_groups=list(groups),
            household_id=household or f"H-{member_id}",
            join_date=join_date,
        ),
        join_date,
    )


async def enroll(running: object, member_ids: Iterable[str], **options: object) -> int:
    """Enrol members and wait until the running ledger's view has them."""
    server = running.server  # type: ignore[attr-defined]
    position = await publish_member_events(
        running.config.nats_url,  # type: ignore[attr-defined]
        [enrolled(m, **options) for m in member_ids],  # type: ignore[arg-type]
    )
    assert await server.members_feed.wait_for(position, 30)
    return position
