"""Domain events of the members log as protobuf messages on the wire
(member_events.proto).

Each wire message is filled field by field from the domain event's attribute
of the same name, so an event puts on the wire exactly the fields its message
declares and nothing else: the sealed name and number of an enrolment have no
field there, only the keyed digest of the number has. Enum fields (levels,
tiers, causes) are converted from the domain's names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message

from benefits_platform.envelopes import EventParts
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


def encode(event: Any) -> EventParts:
    try:
        aggregate_type, message_class = WIRE[type(event)]
    except KeyError:
        raise TypeError(f"no wire form for {type(event).__qualname__}") from None
    values: dict[str, Any] = {}
    for wire_field in message_class.DESCRIPTOR.fields:
        value = getattr(event, wire_field.name)
        convert = CONVERT.get(wire_field.name)
        values[wire_field.name] = convert(value) if convert is not None else value
    return EventParts(
        event_type=message_class.DESCRIPTOR.name,
        aggregate_type=aggregate_type,
        effective_date=getattr(event, "effective_date", ""),
        request_id="",
        payload=message_class(**values),
    )
