"""Event envelopes on the wire and the tamper-evident hash chain (decision 9).

hash = SHA-256(prev_hash || header || payload bytes), header being the UTF-8
lines position, event id, event type, aggregate id, aggregate version,
effective date and recorded time in integer microseconds (see events.proto).
The chain is computed once, in log order, by the relay, and can be recomputed
by anyone from the envelopes alone or from the store.

An event's id is the name-based UUID (version 5, RFC 9562 section 5.5) whose
namespace is the aggregate id and whose name is the aggregate version in
decimal ASCII: ``str(uuid.uuid5(aggregate_id, str(version)))`` in Python, the
same in any language with a UUIDv5 function. It is a stable function of
(aggregate id, version) alone, so a consumer can recompute it, and the same
event always gets the same id whichever relay publishes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from uuid import UUID

from google.protobuf.message import Message

from benefits_platform.protos.benefits.v1 import events_pb2

ENVELOPE_VERSION = 1
ZERO_HASH = bytes(32)
TYPE_URL_PREFIX = "type.googleapis.com/"  # what Any.Pack() writes


@dataclass(frozen=True)
class EventParts:
    """What a service's codec says about one domain event."""

    event_type: str
    aggregate_type: str
    effective_date: str
    request_id: str
    payload: Message
    actor: str = ""


def event_id(aggregate_id: UUID, version: int) -> str:
    """``str(uuid5(aggregate_id, str(version)))``, computed straight from the
    SHA-1 digest instead of through UUID objects (about 3x faster)."""
    digest = bytearray(hashlib.sha1(aggregate_id.bytes + b"%d" % version).digest()[:16])  # noqa: S324 (UUIDv5 is defined on SHA-1)
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def micros(when: dt.datetime) -> int:
    return int(when.timestamp()) * 1_000_000 + when.microsecond


def link_hash(
    prev_hash: bytes,
    position: int,
    event_id_: str,
    event_type: str,
    aggregate_id: str,
    aggregate_version: int,
    effective_date: str,
    recorded_us: int,
    payload: bytes,
) -> bytes:
    """One link of the chain, from plain values (see the module docstring)."""
    digest = hashlib.sha256(prev_hash)
    digest.update(
        f"{position}\n{event_id_}\n{event_type}\n{aggregate_id}\n{aggregate_version}\n"
        f"{effective_date}\n{recorded_us}\n".encode()
    )
    digest.update(payload)
    return digest.digest()


def chain_hash(prev_hash: bytes, envelope: events_pb2.EventEnvelope) -> bytes:
    recorded = envelope.recorded_at
    return link_hash(
        prev_hash,
        envelope.position,
        envelope.event_id,
        envelope.event_type,
        envelope.aggregate_id,
        envelope.aggregate_version,
        envelope.effective_date,
        recorded.seconds * 1_000_000 + recorded.nanos // 1000,
        envelope.payload.value,
    )


_type_urls: dict[type[Message], str] = {}


def type_url(message: Message) -> str:
    """The Any type URL of ``message``, as Any.Pack() writes it (cached per type)."""
    url = _type_urls.get(type(message))
    if url is None:
        url = _type_urls[type(message)] = TYPE_URL_PREFIX + message.DESCRIPTOR.full_name
    return url


def build_envelope(
    *,
    source: str,
    position: int,
    aggregate_id: UUID,
    aggregate_version: int,
    recorded_at: dt.datetime,
    parts: EventParts,
    prev_hash: bytes,
) -> events_pb2.EventEnvelope:
    """The envelope of one event, its hash linked to ``prev_hash``.

    The payload is serialised once; the hash is computed from that byte string
    and the plain values, not read back from the message."""
    payload = parts.payload.SerializeToString(deterministic=True)
    us = micros(recorded_at)
    eid = event_id(aggregate_id, aggregate_version)
    aggregate = str(aggregate_id)
    envelope = events_pb2.EventEnvelope(
        envelope_version=ENVELOPE_VERSION,
        source=source,
        position=position,
        event_id=eid,
        event_type=parts.event_type,
        aggregate_type=parts.aggregate_type,
        aggregate_id=aggregate,
        aggregate_version=aggregate_version,
        effective_date=parts.effective_date,
        request_id=parts.request_id,
        actor=parts.actor,
        prev_hash=prev_hash,
        hash=link_hash(
            prev_hash,
            position,
            eid,
            parts.event_type,
            aggregate,
            aggregate_version,
            parts.effective_date,
            us,
            payload,
        ),
    )
    # Sub-messages filled in place: no temporary message copied in.
    recorded = envelope.recorded_at
    recorded.seconds, micro = divmod(us, 1_000_000)
    recorded.nanos = micro * 1000
    packed = envelope.payload
    packed.type_url = type_url(parts.payload)
    packed.value = payload
    return envelope


def verify_chain(
    envelopes: list[events_pb2.EventEnvelope], prev_hash: bytes = ZERO_HASH
) -> int | None:
    """Position of the first envelope whose chain link does not hold, else None."""
    last_position = 0
    for envelope in envelopes:
        if envelope.position <= last_position or envelope.prev_hash != prev_hash:
            return envelope.position
        if chain_hash(prev_hash, envelope) != envelope.hash:
            return envelope.position
        prev_hash = envelope.hash
        last_position = envelope.position
    return None
