"""Members, their memberships, units and hardship files (困难职工档案).

Every change of a member carries an effective date; a member's effective dates
never go backwards, so the changes in recording order are also in date order and
the member's state on any date is the fold of the changes effective by then
(:meth:`Member.state_on`). Transfers, terminations and hardship exits therefore
keep history: nothing is overwritten.

The member's name and national ID number are personal data. The aggregate holds
them only sealed by a :class:`PersonalData` object (under the member's own data
key, kept outside the event store); they never appear in ids, messages or
events in the clear. Forgetting a member (:meth:`Member.forget_personal_data`)
records that the member's key is to be deleted; from then on the member reads
as erased, and nothing else about the member changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from benefits_platform.domain_errors import FailedPrecondition

from . import values

MEMBER_NS = uuid5(NAMESPACE_URL, "urn:benefits:members:member")

NONE = "NONE"
ACTIVE, TERMINATED = "ACTIVE", "TERMINATED"
OPEN, GRADUAL_EXIT, EXITED = "OPEN", "GRADUAL_EXIT", "EXITED"

T = TypeVar("T")


class PersonalData(Protocol):
    """Seals personal data for the event store, bound to the member and field it
    belongs to (``field``: "name" or "national_id")."""

    def seal(self, member_id: str, field: str, plaintext: str) -> str: ...

    def open(self, member_id: str, field: str, sealed: str) -> str: ...

    def digest(self, value: str) -> str: ...


def member_uuid(member_id: str) -> UUID:
    return uuid5(MEMBER_NS, member_id)


NAME_FIELD, NATIONAL_ID_FIELD = "name", "national_id"


@dataclass(frozen=True)
class HardshipFile:
    """A hardship file as it stands from one effective date on."""

    file_id: str
    tier: str  # the current tier; empty once the file is closed
    causes: tuple[str, ...]
    opened_date: str
    review_due_date: str
    last_review_date: str = ""
    exit_date: str = ""
    gradual_exit_months: int = 0
    gradual_exit_until: str = ""
    pre_exit_tier: str = ""

    def status_on(self, on: str) -> str:
        """OPEN until the exit date; from the exit date GRADUAL_EXIT through the
        last day of the gradual-exit period, EXITED after it (or at once)."""
        if not self.exit_date:
            return OPEN
        if self.gradual_exit_until and on <= self.gradual_exit_until:
            return GRADUAL_EXIT
        return EXITED


@dataclass(frozen=True)
class MemberState:
    """A member's state on one date: the fold of the changes effective by then."""

    member_id: str
    on: str
    membership: str
    unit_code: str
    member_groups: tuple[str, ...]
    household_id: str
    join_date: str
    hardship: str
    file: HardshipFile | None
    # How many of the member's changes (in recording order) this state includes.
    changes: int

    @property
    def tier(self) -> str:
        return self.file.tier if self.file is not None and self.hardship == OPEN else ""

    @property
    def pre_exit_tier(self) -> str:
        return self.file.pre_exit_tier if self.file is not None else ""

    @property
    def gradual_exit_until(self) -> str:
        return self.file.gradual_exit_until if self.file is not None else ""


def _last_on(timeline: list[tuple[str, T]], on: str) -> T | None:
    found: T | None = None
    for date, value in timeline:
        if date > on:
            break
        found = value
    return found


def _without_actor(state: dict[str, object]) -> None:
    """Upcast an event recorded before events named who caused them."""
    state["actor"] = ""


class Member(Aggregate):
    class MemberEnrolled(Aggregate.Created):
        member_id: str
        unit_code: str
        member_groups: list[str]
        household_id: str
        join_date: str
        effective_date: str
        national_id_digest: str
        sealed_name: str
        sealed_national_id: str
        # Who caused it: the caller's key id or certificate name ("" before v2).
        actor: str

        class_version = 2
        upcast_v1_v2 = staticmethod(_without_actor)

    class MemberTransferred(Aggregate.Event):
        member_id: str
        from_unit_code: str
        to_unit_code: str
        effective_date: str
        # Who caused it: the caller's key id or certificate name ("" before v2).
        actor: str

        class_version = 2
        upcast_v1_v2 = staticmethod(_without_actor)

    class MembershipTerminated(Aggregate.Event):
        member_id: str
        effective_date: str
        reason: str
        # Who caused it: the caller's key id or certificate name ("" before v2).
        actor: str

        class_version = 2
        upcast_v1_v2 = staticmethod(_without_actor)

    class MemberReinstated(Aggregate.Event):
        member_id: str
        effective_date: str
        # Who caused it: the caller's key id or certificate name ("" before v2).
        actor: str

        class_version = 2
        upcast_v1_v2 = staticmethod(_without_actor)

    class HardshipFileOpened(Aggregate.Event):
        member_id: str
        file_id: str
        tier: str
        causes: list[str]
        effective_date: str
        review_due_date: str
        # Who caused it: the caller's key id or certificate name ("" before v2).
        actor: str

        class_version = 2
        upcast_v1_v2 = staticmethod(_without_actor)

    class HardshipTierChanged(Aggregate.Event):
        member_id: str
        file_id: str
        from_tier: str
        to_tier: str
        effective_date: str
        reason: str
        # Who caused it: the caller's key id or certificate name ("" before v2).
        actor: str

        class_version = 2
        upcast_v1_v2 = staticmethod(_without_actor)

    class HardshipReviewRecorded(Aggregate.Event):
        member_id: str
        file_id: str
        effective_date: str
        finding: str
        next_review_due_date: str
        # Who caused it: the caller's key id or certificate name ("" before v2).
        actor: str

        class_version = 2
        upcast_v1_v2 = staticmethod(_without_actor)

    class HardshipFileClosed(Aggregate.Event):
        member_id: str
        file_id: str
        effective_date: str
        gradual_exit_months: int
        gradual_exit_until: str
        pre_exit_tier: str
        reason: str
        # Who caused it: the caller's key id or certificate name ("" before v2).
        actor: str

        class_version = 2
        upcast_v1_v2 = staticmethod(_without_actor)

    class MemberPersonalDataForgotten(Aggregate.Event):
        member_id: str
        # Who caused it: the caller's key id or certificate name ("" before v2).
        actor: str

    @staticmethod
    def create_id(member_id: str) -> UUID:
        return member_uuid(member_id)

    @classmethod
    def enroll(
        cls,
        *,
        member_id: str,
        name: str,
        national_id: str,
        unit_code: str,
        member_groups: tuple[str, ...],
        household_id: str,
        join_date: str,
        personal: PersonalData,
        actor: str,
    ) -> Member:
        """A new member; the name and number are sealed (under the member's own
        key) before any event exists. The number's digest is kept with that key,
        outside the log, so the event's ``national_id_digest`` is empty."""
        return cls(
            member_id=member_id,
            unit_code=unit_code,
            member_groups=sorted(member_groups),
            household_id=household_id,
            join_date=join_date,
            effective_date=join_date,
            national_id_digest="",
            sealed_name=personal.seal(member_id, NAME_FIELD, name),
            sealed_national_id=personal.seal(member_id, NATIONAL_ID_FIELD, national_id),
            actor=actor,
        )

    @event(MemberEnrolled)
    def __init__(
        self,
        member_id: str,
        unit_code: str,
        member_groups: list[str],
        household_id: str,
        join_date: str,
        effective_date: str,
        national_id_digest: str,
        sealed_name: str,
        sealed_national_id: str,
        actor: str,
    ) -> None:
        self.member_id = member_id
        self.enrolled_unit_code = unit_code
        self.member_groups = tuple(member_groups)
        self.household_id = household_id
        self.join_date = join_date
        self.national_id_digest = national_id_digest
        self.sealed_name = sealed_name
        self.sealed_national_id = sealed_national_id
        # Timelines of (effective date, value), in date order.
        self.dates: list[str] = [effective_date]
        self.memberships: list[tuple[str, str]] = [(effective_date, ACTIVE)]
        self.units: list[tuple[str, str]] = [(effective_date, unit_code)]
        self.files: list[tuple[str, HardshipFile]] = []
        self.files_opened = 0
        self.personal_data_forgotten = False

    # -- personal data ----------------------------------------------------------------

    def name(self, personal: PersonalData) -> str:
        """The member's name ('' once forgotten)."""
        if self.personal_data_forgotten:
            return ""
        return personal.open(self.member_id, NAME_FIELD, self.sealed_name)

    def national_id(self, personal: PersonalData) -> str:
        """The member's national ID number ('' once forgotten)."""
        if self.personal_data_forgotten:
            return ""
        return personal.open(self.member_id, NATIONAL_ID_FIELD, self.sealed_national_id)

    def forget_personal_data(self, *, actor: str) -> None:
        """Erase the member's name and number: the member's data key is deleted
        once this is recorded. Nothing else about the member changes."""
        if self.personal_data_forgotten:
            raise FailedPrecondition(
                f"member_id: member {self.member_id}'s personal data is already erased"
            )
        self._forgotten(member_id=self.member_id, actor=actor)

    @event(MemberPersonalDataForgotten)
    def _forgotten(self, member_id: str, actor: str) -> None:
        self.personal_data_forgotten = True
        self.sealed_name = ""
        self.sealed_national_id = ""

    def same_enrolment(
        self,
        *,
        name: str,
        national_id: str,
        unit_code: str,
        member_groups: tuple[str, ...],
        household_id: str,
        join_date: str,
        personal: PersonalData,
    ) -> bool:
        """Whether an enrolment request has the body this member was enrolled with
        (never, once the member's personal data is erased)."""
        return (
            not self.personal_data_forgotten
            and self.enrolled_unit_code == unit_code
            and self.member_groups == tuple(sorted(member_groups))
            and self.household_id == household_id
            and self.join_date == join_date
            and self.national_id(personal) == national_id
            and self.name(personal) == name
        )

    # -- state on a date --------------------------------------------------------------

    @property
    def last_effective_date(self) -> str:
        return self.dates[-1]

    def state_on(self, on: str) -> MemberState:
        """The member's state on ``on`` (ISO date), from the changes effective by then."""
        membership = _last_on(self.memberships, on) or NONE
        file = _last_on(self.files, on)
        return MemberState(
            member_id=self.member_id,
            on=on,
            membership=membership,
            unit_code=_last_on(self.units, on) or "",
            member_groups=self.member_groups,
            household_id=self.household_id,
            join_date=self.join_date,
            hardship=file.status_on(on) if file is not None else NONE,
            file=file,
            changes=sum(1 for date in self.dates if date <= on),
        )

    # -- rules ------------------------------------------------------------------------

    def _state_for_change(self, on: str) -> MemberState:
        """The state a change effective on ``on`` applies to; changes never go back in time."""
        if on < self.last_effective_date:
            raise FailedPrecondition(
                f"effective_date: {on} is before member {self.member_id}'s last change on "
                f"{self.last_effective_date}; a member's changes are recorded in date order"
            )
        return self.state_on(on)

    def _require_membership(self, state: MemberState, wanted: str, action: str) -> None:
        if state.membership != wanted:
            raise FailedPrecondition(
                f"member_id: member {self.member_id} is {state.membership} on {state.on}; {action}"
            )

    def _open_file(self, state: MemberState) -> HardshipFile:
        if state.file is None or state.hardship != OPEN:
            raise FailedPrecondition(
                f"member_id: member {self.member_id} has no open hardship file on {state.on} "
                f"(hardship {state.hardship}{self._file_note(state)})"
            )
        return state.file

    @staticmethod
    def _file_note(state: MemberState) -> str:
        file = state.file
        if file is None:
            return ""
        if state.hardship == GRADUAL_EXIT:
            return f", file {file.file_id}, gradual exit until {file.gradual_exit_until}"
        return f", file {file.file_id}"

    def transfer(self, to_unit_code: str, on: str, *, actor: str) -> None:
        state = self._state_for_change(on)
        self._require_membership(state, ACTIVE, "only an ACTIVE member can be transferred")
        if state.unit_code == to_unit_code:
            raise FailedPrecondition(
                f"to_unit_code: member {self.member_id} is already in unit {to_unit_code} on {on}"
            )
        self._transferred(
            member_id=self.member_id,
            from_unit_code=state.unit_code,
            to_unit_code=to_unit_code,
            effective_date=on,
            actor=actor,
        )

    @event(MemberTransferred)
    def _transferred(
        self,
        member_id: str,
        from_unit_code: str,
        to_unit_code: str,
        effective_date: str,
        actor: str,
    ) -> None:
        self.dates.append(effective_date)
        self.units.append((effective_date, to_unit_code))

    def terminate(self, on: str, reason: str, *, actor: str) -> None:
        state = self._state_for_change(on)
        self._require_membership(state, ACTIVE, "only an ACTIVE membership can be terminated")
        self._terminated(member_id=self.member_id, effective_date=on, reason=reason, actor=actor)

    @event(MembershipTerminated)
    def _terminated(self, member_id: str, effective_date: str, reason: str, actor: str) -> None:
        self.dates.append(effective_date)
        self.memberships.append((effective_date, TERMINATED))

    def reinstate(self, on: str, *, actor: str) -> None:
        state = self._state_for_change(on)
        self._require_membership(
            state, TERMINATED, "only a TERMINATED membership can be reinstated"
        )
        self._reinstated(member_id=self.member_id, effective_date=on, actor=actor)

    @event(MemberReinstated)
    def _reinstated(self, member_id: str, effective_date: str, actor: str) -> None:
        self.dates.append(effective_date)
        self.memberships.append((effective_date, ACTIVE))

    def open_hardship_file(
        self, tier: str, causes: tuple[str, ...], on: str, review_due_date: str, *, actor: str
    ) -> None:
        state = self._state_for_change(on)
        self._require_membership(
            state, ACTIVE, "a hardship file is opened for an ACTIVE member only"
        )
        if state.hardship in (OPEN, GRADUAL_EXIT):
            raise FailedPrecondition(
                f"member_id: member {self.member_id} is in hardship state {state.hardship} on "
                f"{on}{self._file_note(state)}; a new file is opened only when no file is open "
                "and no gradual-exit period is running"
            )
        self._hardship_opened(
            member_id=self.member_id,
            file_id=f"{self.member_id}-HF{self.files_opened + 1}",
            tier=tier,
            causes=list(causes),
            effective_date=on,
            review_due_date=review_due_date,
            actor=actor,
        )

    @event(HardshipFileOpened)
    def _hardship_opened(
        self,
        member_id: str,
        file_id: str,
        tier: str,
        causes: list[str],
        effective_date: str,
        review_due_date: str,
        actor: str,
    ) -> None:
        self.files_opened += 1
        file = HardshipFile(file_id, tier, tuple(causes), effective_date, review_due_date)
        self._file_change(effective_date, file)

    def _file_change(self, effective_date: str, file: HardshipFile) -> None:
        self.dates.append(effective_date)
        self.files.append((effective_date, file))

    def change_hardship_tier(self, tier: str, on: str, reason: str, *, actor: str) -> None:
        file = self._open_file(self._state_for_change(on))
        if file.tier == tier:
            raise FailedPrecondition(f"tier: hardship file {file.file_id} is already at {tier}")
        self._tier_changed(
            member_id=self.member_id,
            file_id=file.file_id,
            from_tier=file.tier,
            to_tier=tier,
            effective_date=on,
            reason=reason,
            actor=actor,
        )

    @event(HardshipTierChanged)
    def _tier_changed(
        self,
        member_id: str,
        file_id: str,
        from_tier: str,
        to_tier: str,
        effective_date: str,
        reason: str,
        actor: str,
    ) -> None:
        self._file_change(effective_date, replace(self.files[-1][1], tier=to_tier))

    def record_hardship_review(
        self, on: str, finding: str, next_review_due_date: str, *, actor: str
    ) -> None:
        file = self._open_file(self._state_for_change(on))
        self._reviewed(
            member_id=self.member_id,
            file_id=file.file_id,
            effective_date=on,
            finding=finding,
            next_review_due_date=next_review_due_date,
            actor=actor,
        )

    @event(HardshipReviewRecorded)
    def _reviewed(
        self,
        member_id: str,
        file_id: str,
        effective_date: str,
        finding: str,
        next_review_due_date: str,
        actor: str,
    ) -> None:
        file = replace(
            self.files[-1][1],
            last_review_date=effective_date,
            review_due_date=next_review_due_date,
        )
        self._file_change(effective_date, file)

    def close_hardship_file(
        self, on: str, gradual_exit_months: int, reason: str, *, actor: str
    ) -> None:
        """Exit from hardship (脱困) on ``on``, with a gradual-exit period of
        ``gradual_exit_months`` (0: none) starting on the exit date."""
        file = self._open_file(self._state_for_change(on))
        self._hardship_closed(
            member_id=self.member_id,
            file_id=file.file_id,
            effective_date=on,
            gradual_exit_months=gradual_exit_months,
            gradual_exit_until=values.gradual_exit_until(
                dt.date.fromisoformat(on), gradual_exit_months
            ),
            pre_exit_tier=file.tier,
            reason=reason,
            actor=actor,
        )

    @event(HardshipFileClosed)
    def _hardship_closed(
        self,
        member_id: str,
        file_id: str,
        effective_date: str,
        gradual_exit_months: int,
        gradual_exit_until: str,
        pre_exit_tier: str,
        reason: str,
        actor: str,
    ) -> None:
        file = replace(
            self.files[-1][1],
            tier="",
            exit_date=effective_date,
            gradual_exit_months=gradual_exit_months,
            gradual_exit_until=gradual_exit_until,
            pre_exit_tier=pre_exit_tier,
        )
        self._file_change(effective_date, file)
