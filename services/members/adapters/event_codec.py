"""Domain events of the members log as protobuf messages on the wire
(member_events.proto).

Each wire message is filled field by field from the domain event's attribute
of the same name (read from the event, or from its stored state by the outbox
relay: benefits_platform.envelopes.EventCodec), so an event puts on the wire
exactly the fields its message declares and nothing else: the sealed name and
number of an enrolment have no field there, only the keyed digest of the number
has. Enum fields (levels, tiers, causes) are converted from the domain's names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from google.protobuf.message import Message

from benefits_platform.envelopes import EventCodec, EventParts, StateEncoder
from benefits_platform.protos.benefits.v1 import member_events_pb2 as W
from members.adapters.proto_enums import CAUSE, LEVEL, TIER
from members.domain.member import Member
from members.domain.units import Unit

# Domain event class -> (aggregate type, wire message class).
WIRE: dict[type, tuple[str, type[Message]]] = {
    Unit.UnitRegistered: ("Unit", W.UnitRegistered),
    Member.MemberEnrolled: ("Member", W.MemberEnrolled),
    Member.MemberTransferred: ("Member", W.MemberTransferred),
    Member.MembershipTerminated: ("Member", W.MembershipTerminated),
    Member.MemberReinstated: ("Member", W.MemberReinstated),
    Member.HardshipFileOpened: ("Member", W.HardshipFileOpened),
    Member.HardshipTierChanged: ("Member", W.HardshipTierChanged),
    Member.HardshipReviewRecorded: ("Member", W.HardshipReviewRecorded),
    Member.HardshipFileClosed: ("Member", W.HardshipFileClosed),
    Member.MemberPersonalDataForgotten: ("Member", W.MemberPersonalDataForgotten),
}

# Wire field -> conversion of the domain's value.
CONVERT: dict[str, Callable[[Any], Any]] = {
    "level": LEVEL.value,
    "tier": TIER.value,
    "from_tier": TIER.value,
    "to_tier": TIER.value,
    "pre_exit_tier": TIER.value,
    "causes": lambda causes: [CAUSE.value(cause) for cause in causes],
}


def _encoder(aggregate_type: str, message_class: type[Message]) -> StateEncoder:
    """The encoder of one event class: its state's values under the wire
    message's field names, enums converted."""
    event_type = message_class.DESCRIPTOR.name
    fields = [(f.name, CONVERT.get(f.name)) for f in message_class.DESCRIPTOR.fields]

    def encode_state(state: Mapping[str, Any], _aggregate_id: str) -> EventParts:
        values = {
            name: convert(state[name]) if convert is not None else state[name]
            for name, convert in fields
        }
        return EventParts(
            event_type=event_type,
            aggregate_type=aggregate_type,
            effective_date=state.get("effective_date", ""),
            request_id="",
            payload=message_class(**values),
        )

    return encode_state


encode = EventCodec(
    {cls: _encoder(aggregate_type, message) for cls, (aggregate_type, message) in WIRE.items()}
)
