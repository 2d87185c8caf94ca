"""Follows the members stream into the ledger's MembersView.

An ordered JetStream consumer from the first message: the view is rebuilt from
the stream at every start (the members store stays the source of truth) and
then kept current. Envelopes at or below the view's position are skipped, so a
redelivery changes nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from benefits_platform import bus, logs
from benefits_platform.protos.benefits.v1 import common_pb2, events_pb2, member_events_pb2
from ledger.domain.members_view import MembersView

log = logs.get("ledger.members_feed")

TIER_PREFIX = "HARDSHIP_TIER_"


def _tier(value: int) -> str:
    if value == common_pb2.HARDSHIP_TIER_UNSPECIFIED:
        return ""
    return common_pb2.HardshipTier.Name(value).removeprefix(TIER_PREFIX)  # type: ignore[arg-type]


def apply_envelope(view: MembersView, envelope: events_pb2.EventEnvelope) -> None:
    """Fold one members-log envelope into the view (idempotent by position)."""
    if envelope.position <= view.position:
        return
    kind = envelope.event_type
    payload = envelope.payload
    if kind == "UnitRegistered":
        u = member_events_pb2.UnitRegistered()
        payload.Unpack(u)
        view.unit_registered(u.code, u.parent_code)
    elif kind == "MemberEnrolled":
        e = member_events_pb2.MemberEnrolled()
        payload.Unpack(e)
        view.enrolled(e.member_id, e.unit_code, tuple(e.member_groups), e.household_id, e.join_date)
    elif kind == "MemberTransferred":
        t = member_events_pb2.MemberTransferred()
        payload.Unpack(t)
        view.transferred(t.member_id, t.to_unit_code, t.effective_date)
    elif kind == "MembershipTerminated":
        m = member_events_pb2.MembershipTerminated()
        payload.Unpack(m)
        view.terminated(m.member_id, m.effective_date)
    elif kind == "MemberReinstated":
        r = member_events_pb2.MemberReinstated()
        payload.Unpack(r)
        view.reinstated(r.member_id, r.effective_date)
    elif kind == "HardshipFileOpened":
        o = member_events_pb2.HardshipFileOpened()
        payload.Unpack(o)
        view.hardship_opened(o.member_id, _tier(o.tier), o.effective_date)
    elif kind == "HardshipTierChanged":
        c = member_events_pb2.HardshipTierChanged()
        payload.Unpack(c)
        view.hardship_tier_changed(c.member_id, _tier(c.to_tier), c.effective_date)
    elif kind == "HardshipFileClosed":
        x = member_events_pb2.HardshipFileClosed()
        payload.Unpack(x)
        view.hardship_closed(
            x.member_id, _tier(x.pre_exit_tier), x.gradual_exit_until, x.effective_date
        )
    # HardshipReviewRecorded: nothing the ledger's rules read.
    view.position = envelope.position


class MembersFeed:
    def __init__(self, js: JetStreamContext, view: MembersView, replicas: int = 1) -> None:
        self.js = js
        self.view = view
        self.replicas = replicas
        self.stream_seq = 0
        self._advanced = asyncio.Event()
        self._sub: Any = None

    async def start(self) -> None:
        """Subscribe from the first message and wait until the view holds every
        message the stream had when we started."""
        await bus.ensure_stream(self.js, "members", self.replicas)
        target = (await self.js.stream_info(bus.stream_name("members"))).state.last_seq or 0
        self._sub = await self.js.subscribe(
            f"{bus.subject_prefix('members')}.>",
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
            cb=self._on_message,
        )
        while self.stream_seq < target:
            self._advanced.clear()
            await self._advanced.wait()
        log.info("members_feed.caught_up", position=self.view.position, stream_seq=self.stream_seq)

    async def _on_message(self, msg: Any) -> None:
        envelope = events_pb2.EventEnvelope.FromString(msg.data)
        apply_envelope(self.view, envelope)
        self.stream_seq = msg.metadata.sequence.stream
        self._advanced.set()

    async def wait_for(self, position: int, timeout: float) -> bool:  # noqa: ASYNC109
        """True once the view has reached ``position``; False after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.view.position < position:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._advanced.clear()
            try:
                await asyncio.wait_for(self._advanced.wait(), remaining)
            except TimeoutError:
                return False
        return True

    async def stop(self) -> None:
        if self._sub is not None:
            sub, self._sub = self._sub, None
            await sub.unsubscribe()
