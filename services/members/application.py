"""The members service layer.

:class:`MembersApplication` is the eventsourcing Application that owns the
service's own event store ("members": a SQLite file under the data directory,
or the ``members_*`` tables in PostgreSQL). Beside the aggregates it keeps a
:class:`Registry` in memory (the unit tree, the digests of enrolled national ID
numbers, the members of each unit and the log positions of each member's
changes), folded from the notification log at start and from every event it
records afterwards. The registry is only right while this application is the
store's one writer.

Each command returns the new state and the notification id (log position) of
its event; a replayed registration or enrolment returns the position of the
original event.

Personal data is sealed under per-member keys (:class:`PersonalDataKeys`, the
key table of members.adapters.keys): enrolment makes the member's key (with
the digest of the number) before the event is recorded; forgetting records
MemberPersonalDataForgotten, then deletes the key. A key whose deletion was
interrupted is deleted at the next start.

:class:`OneAtATime` runs the application's methods one at a time in a worker
thread: throughput is not the concern here, correctness is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, PersistenceError

from benefits_platform import identity, logs
from benefits_platform.aio import in_thread
from benefits_platform.domain_errors import AlreadyExists, NotFound, Unavailable
from benefits_platform.eventstore import catch_up, renew_connections
from members.domain import commands as C
from members.domain.member import Member, MemberState, PersonalData, member_uuid
from members.domain.registry import Registry
from members.domain.units import Unit, UnitRecord
from members.domain.values import mask_national_id

log = logs.get("members.application")
T = TypeVar("T")

# Event class -> log event name (the fields: ids, dates, positions; never personal data).
LOG_NAMES: dict[type, str] = {
    Unit.UnitRegistered: "unit.registered",
    Member.MemberEnrolled: "member.enrolled",
    Member.MemberTransferred: "member.transferred",
    Member.MembershipTerminated: "member.terminated",
    Member.MemberReinstated: "member.reinstated",
    Member.HardshipFileOpened: "hardship.opened",
    Member.HardshipTierChanged: "hardship.tier_changed",
    Member.HardshipReviewRecorded: "hardship.reviewed",
    Member.HardshipFileClosed: "hardship.closed",
    Member.MemberPersonalDataForgotten: "member.personal_data_forgotten",
}


class PersonalDataKeys(PersonalData, Protocol):
    """The domain's cipher, plus the per-member keys it is made of."""

    def create_key(self, member_id: str, national_id_digest: str, now: str) -> None: ...

    def forget(self, member_ids: list[str]) -> int: ...

    def known_digests(self) -> dict[str, str]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class UnitChange:
    unit: UnitRecord
    position: int
    replayed: bool


@dataclass(frozen=True)
class MemberView:
    """A member's state on a date as a caller sees it. ``national_id`` is masked
    unless it was asked for in full (and the caller was allowed to)."""

    state: MemberState
    name: str
    national_id: str
    unit_path: tuple[str, ...]
    position: int
    personal_data_erased: bool = False


@dataclass(frozen=True)
class MemberChange:
    member: MemberView
    position: int
    replayed: bool = False


class MembersApplication(Application[UUID]):
    name = "members"

    def __init__(
        self,
        personal: PersonalDataKeys,
        env: dict[str, str] | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__(env)
        self.personal = personal
        self.today = today
        self.registry = Registry()
        self.catch_up()
        self._load_people()

    def _load_people(self) -> None:
        """Add the digests kept with the members' keys to the registry, and
        delete the keys of forgotten members that are still there."""
        digests = self.personal.known_digests()
        for member_id, digest in digests.items():
            self.registry.add_person(digest, member_id)
        stale = [m for m in self.registry.forgotten if m in digests]
        if stale:
            self.personal.forget(stale)
            log.warning("members.forgotten_keys_deleted", members=len(stale))

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.personal.close()

    # -- the registry ---------------------------------------------------------------

    def catch_up(self) -> int:
        """Fold every event recorded after the registry's position into it."""
        return catch_up(self, self.registry)

    def _save(self, aggregate: Unit | Member) -> int:
        """Record the aggregate's new events; fold them; return the last one's position."""
        try:
            recordings = self.save(aggregate)
        except IntegrityError as error:
            self.catch_up()
            raise Unavailable(
                "the members log was changed by another writer; retry the same request"
            ) from error
        except PersistenceError as error:
            log.error("members.store_failed", error=type(error).__name__)
            renew_connections(self.recorder)
            self.catch_up()  # the commit may or may not have happened: the log decides
            raise Unavailable("the event store is unavailable; retry the same request") from error
        for recording in recordings:
            event: Any = recording.domain_event
            position = recording.notification.id
            self.registry.apply(event, position)
            if isinstance(event, Unit.UnitRegistered):
                subject = {"unit": event.code, "unit_level": event.level}
            else:
                subject = {"member_id": event.member_id}
                if hasattr(event, "effective_date"):
                    subject["effective_date"] = event.effective_date
            log.info(LOG_NAMES.get(type(event), "members.recorded"), position=position, **subject)
        return recordings[-1].notification.id

    # -- units ----------------------------------------------------------------------

    def register_unit(self, cmd: C.RegisterUnit) -> UnitChange:
        tree = self.registry.tree
        existing = tree.check_register(
            cmd.code, cmd.name_zh, cmd.name_en, cmd.level, cmd.parent_code
        )
        if existing is not None:
            return UnitChange(existing, self.registry.unit_positions[cmd.code], replayed=True)
        unit = Unit(
            code=cmd.code,
            name_zh=cmd.name_zh,
            name_en=cmd.name_en,
            level=cmd.level,
            parent_code=cmd.parent_code,
            actor=actor(),
        )
        position = self._save(unit)
        return UnitChange(tree.get(cmd.code), position, replayed=False)

    def unit(self, code: str) -> UnitRecord:
        return self.registry.tree.get(code)

    def units(self, code: str = "") -> list[UnitRecord]:
        return self.registry.tree.subtree(code)

    # -- members: reads -------------------------------------------------------------

    def _member(self, member_id: str) -> Member:
        if member_id not in self.registry.positions:
            raise NotFound(f"member_id: no member {member_id}")
        try:
            found: Any = self.repository.get(member_uuid(member_id))
        except AggregateNotFoundError:
            raise NotFound(f"member_id: no member {member_id}") from None
        assert isinstance(found, Member)
        return found

    def _view(self, member: Member, on: str, reveal: bool = False) -> MemberView:
        state = member.state_on(on)
        number = member.national_id(self.personal)
        unit_path = self.registry.tree.units[state.unit_code].path if state.unit_code else ()
        return MemberView(
            state=state,
            name=member.name(self.personal),
            national_id=number if reveal or not number else mask_national_id(number),
            unit_path=unit_path,
            position=self.registry.position_of(member.member_id, state.changes),
            personal_data_erased=member.personal_data_forgotten,
        )

    def member(self, member_id: str, as_of: str = "", reveal: bool = False) -> MemberView:
        """The member's state on ``as_of`` (today when empty)."""
        member = self._member(member_id)
        return self._view(member, as_of or self.today().isoformat(), reveal)

    def members(self, unit_code: str, offset: int, limit: int) -> tuple[list[MemberView], int]:
        """A page of the members of a unit subtree (by their latest unit), in member
        id order, each as of today; and how many there are in all."""
        if unit_code:
            self.registry.tree.get(unit_code, "unit_code")
        ids = self.registry.members_under(unit_code)
        today = self.today().isoformat()
        page = [self._view(self._member(m), today) for m in ids[offset : offset + limit]]
        return page, len(ids)

    # -- members: commands ----------------------------------------------------------

    def _changed(self, member: Member, on: str, position: int, replayed: bool) -> MemberChange:
        """The member as of the change's effective date or today, whichever is later."""
        as_of = max(on, self.today().isoformat())
        return MemberChange(self._view(member, as_of), position, replayed)

    def enroll(self, cmd: C.EnrollMember) -> MemberChange:
        """Enrol a member. The same member id with the same body replays; another
        body, or a person already enrolled under any member id, is ALREADY_EXISTS."""
        self.registry.tree.get(cmd.unit_code, "unit_code")
        if cmd.member_id in self.registry.positions:
            member = self._member(cmd.member_id)
            if not member.same_enrolment(
                name=cmd.name,
                national_id=cmd.national_id,
                unit_code=cmd.unit_code,
                member_groups=cmd.member_groups,
                household_id=cmd.household_id,
                join_date=cmd.join_date,
                personal=self.personal,
            ):
                if member.personal_data_forgotten:
                    raise AlreadyExists(
                        f"member_id: member {cmd.member_id}'s personal data was erased; a "
                        "member id is never reused: enrol the person under a new member id"
                    )
                raise AlreadyExists(
                    f"member_id: member {cmd.member_id} is already enrolled with a different "
                    "body; use a new member id for another person"
                )
            original = self.registry.positions[cmd.member_id][0]
            return self._changed(member, member.join_date, original, replayed=True)
        digest = self.personal.digest(cmd.national_id)
        enrolled_as = self.registry.people.get(digest)
        if enrolled_as is not None:
            raise AlreadyExists(
                f"national_id: this person is already enrolled as member {enrolled_as}; one "
                "person has one membership (reinstate or transfer that member instead)"
            )
        # The key (with the digest) is stored before the event that needs it; a
        # key left by an enrolment that was never recorded is replaced here.
        self.personal.create_key(cmd.member_id, digest, dt.datetime.now(dt.UTC).isoformat())
        member = Member.enroll(
            member_id=cmd.member_id,
            name=cmd.name,
            national_id=cmd.national_id,
            unit_code=cmd.unit_code,
            member_groups=cmd.member_groups,
            household_id=cmd.household_id,
            join_date=cmd.join_date,
            personal=self.personal,
            actor=actor(),
        )
        position = self._save(member)
        self.registry.add_person(digest, cmd.member_id)
        return self._changed(member, cmd.join_date, position, replayed=False)

    def _change(self, member_id: str, on: str, change: Callable[[Member], None]) -> MemberChange:
        member = self._member(member_id)
        change(member)
        return self._changed(member, on, self._save(member), replayed=False)

    def transfer(self, cmd: C.TransferMember) -> MemberChange:
        self.registry.tree.get(cmd.to_unit_code, "to_unit_code")
        return self._change(
            cmd.member_id,
            cmd.effective_date,
            lambda m: m.transfer(cmd.to_unit_code, cmd.effective_date, actor=actor()),
        )

    def terminate(self, cmd: C.TerminateMembership) -> MemberChange:
        return self._change(
            cmd.member_id,
            cmd.effective_date,
            lambda m: m.terminate(cmd.effective_date, cmd.reason, actor=actor()),
        )

    def reinstate(self, cmd: C.ReinstateMember) -> MemberChange:
        return self._change(
            cmd.member_id,
            cmd.effective_date,
            lambda m: m.reinstate(cmd.effective_date, actor=actor()),
        )

    def open_hardship_file(self, cmd: C.OpenHardshipFile) -> MemberChange:
        return self._change(
            cmd.member_id,
            cmd.effective_date,
            lambda m: m.open_hardship_file(
                cmd.tier, cmd.causes, cmd.effective_date, cmd.review_due_date, actor=actor()
            ),
        )

    def change_hardship_tier(self, cmd: C.ChangeHardshipTier) -> MemberChange:
        return self._change(
            cmd.member_id,
            cmd.effective_date,
            lambda m: m.change_hardship_tier(
                cmd.tier, cmd.effective_date, cmd.reason, actor=actor()
            ),
        )

    def record_hardship_review(self, cmd: C.RecordHardshipReview) -> MemberChange:
        return self._change(
            cmd.member_id,
            cmd.effective_date,
            lambda m: m.record_hardship_review(
                cmd.effective_date, cmd.finding, cmd.next_review_due_date, actor=actor()
            ),
        )

    def close_hardship_file(self, cmd: C.CloseHardshipFile) -> MemberChange:
        return self._change(
            cmd.member_id,
            cmd.effective_date,
            lambda m: m.close_hardship_file(
                cmd.effective_date, cmd.gradual_exit_months, cmd.reason, actor=actor()
            ),
        )

    def forget(self, cmd: C.ForgetMemberPersonalData) -> MemberChange:
        """Erase the member's personal data: record MemberPersonalDataForgotten,
        then delete the member's key. Forgetting a forgotten member replays."""
        member = self._member(cmd.member_id)
        today = self.today().isoformat()
        if member.personal_data_forgotten:
            self.personal.forget([cmd.member_id])  # in case a deletion was interrupted
            position = self.registry.forgotten[cmd.member_id]
            return MemberChange(self._view(member, today), position, replayed=True)
        member.forget_personal_data(actor=actor())
        position = self._save(member)
        self.personal.forget([cmd.member_id])
        return MemberChange(self._view(member, today), position, replayed=False)


def actor() -> str:
    """Who causes the event being recorded: the caller authentication bound to
    the RPC (the worker thread runs in a copy of the RPC's context)."""
    return identity.current().id


class OneAtATime:
    """Runs the application's methods one at a time, each in a worker thread.

    Commands and reads alike take the lock: the registry is plain dicts that a
    command changes, so a read never sees one half-way.
    """

    def __init__(self, app: MembersApplication) -> None:
        self.app = app
        self._lock = asyncio.Lock()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        async with self._lock:
            return await in_thread(fn, *args)
