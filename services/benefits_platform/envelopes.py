"""Event envelopes on the wire and the tamper-evident hash chain (decision 9).

hash = SHA-256(prev_hash || header || payload bytes), header being the UTF-8
lines position, event id, event type, aggregate id, aggregate version,
effective date and recorded time in integer microseconds (see events.proto).
The chain is computed once, in log order, by the relay, and can be recomputed
by anyone from the envelopes alone or from the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from uuid import UUID, uuid5

from google.protobuf import any_pb2, timestamp_pb2
from google.protobuf.message import Message

from benefits_platform.protos.benefits.v1 import events_pb2

ENVELOPE_VERSION = 1
ZERO_HASH = bytes(32)


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
    return str(uuid5(aggregate_id, str(version)))


def micros(when: dt.datetime) -> int:
    return int(when.timestamp()) * 1_000_000 + when.microsecond


def chain_hash(prev_hash: bytes, envelope: events_pb2.EventEnvelope) -> bytes:
    header = (
        f"{envelope.position}\n{envelope.event_id}\n{envelope.event_type}\n"
        f"{envelope.aggregate_id}\n{envelope.aggregate_version}\n"
        f"{envelope.effective_date}\n"
        f"{envelope.recorded_at.seconds * 1_000_000 + envelope.recorded_at.nanos // 1000}\n"
    )
    digest = hashlib.sha256(prev_hash)
    digest.update(header.encode())
    digest.update(envelope.payload.value)
    return digest.digest()


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
    payload = any_pb2.Any()
    payload.Pack(parts.payload, deterministic=True)
    recorded = timestamp_pb2.Timestamp()
    us = micros(recorded_at)
    recorded.seconds, recorded.nanos = divmod(us, 1_000_000)
    recorded.nanos *= 1000
    envelope = events_pb2.EventEnvelope(
        envelope_version=ENVELOPE_VERSION,
        source=source,
        position=position,
        event_id=event_id(aggregate_id, aggregate_version),
        event_type=parts.event_type,
        aggregate_type=parts.aggregate_type,
        aggregate_id=str(aggregate_id),
        aggregate_version=aggregate_version,
        effective_date=parts.effective_date,
        recorded_at=recorded,
        request_id=parts.request_id,
        actor=parts.actor,
        prev_hash=prev_hash,
        payload=payload,
    )
    envelope.hash = chain_hash(prev_hash, envelope)
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
