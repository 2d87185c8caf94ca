"""Pay first, verify after (先行救助): the obligation to verify an emergency payout.

A payout of a programme with emergency rules records, in the same transaction,
an obligation due ``verify_within_days`` after the payout's effective date.
Verification closes it; recoveries (clawbacks, :class:`ledger.domain.entries.Recovery`)
are entries of their own, linked to the payout. The obligation's state is
derived: REVERSED when its payout was reversed, VERIFIED once verified,
RECOVERED when everything paid was recovered, UNVERIFIED otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

OBLIGATION_NS = uuid5(NAMESPACE_URL, "urn:benefits:ledger:emergency-obligation")

UNVERIFIED = "UNVERIFIED"
VERIFIED = "VERIFIED"
RECOVERED = "RECOVERED"
REVERSED = "REVERSED"


def obligation_id_for(payout_entry_id: UUID | str) -> UUID:
    return uuid5(OBLIGATION_NS, str(payout_entry_id))


class EmergencyObligation(Aggregate):
    class EmergencyAidObligationCreated(Aggregate.Created):
        payout_entry_id: str
        request_id: str
        member_id: str
        program_code: str
        fiscal_year: int
        amount_fen: int
        effective_date: str
        due_date: str
        actor: str

    class EmergencyAidVerified(Aggregate.Event):
        payout_entry_id: str
        request_id: str
        member_id: str
        program_code: str
        fiscal_year: int
        verified_on: str
        note: str
        body_digest: str
        actor: str

        def apply(self, obligation: EmergencyObligation) -> None:
            obligation.verified_on = self.verified_on
            obligation.verified_by = self.actor

    @staticmethod
    def create_id(payout_entry_id: str) -> UUID:
        return obligation_id_for(payout_entry_id)

    @event(EmergencyAidObligationCreated)
    def __init__(
        self,
        payout_entry_id: str,
        request_id: str,
        member_id: str,
        program_code: str,
        fiscal_year: int,
        amount_fen: int,
        effective_date: str,
        due_date: str,
        actor: str,
    ) -> None:
        self.payout_entry_id = payout_entry_id
        self.request_id = request_id
        self.member_id = member_id
        self.program_code = program_code
        self.fiscal_year = fiscal_year
        self.amount_fen = amount_fen
        self.effective_date = effective_date
        self.due_date = due_date
        self.actor = actor
        self.verified_on = ""
        self.verified_by = ""

    def verify(
        self, request_id: str, verified_on: str, note: str, body_digest: str, actor: str
    ) -> None:
        self.trigger_event(
            self.EmergencyAidVerified,
            payout_entry_id=self.payout_entry_id,
            request_id=request_id,
            member_id=self.member_id,
            program_code=self.program_code,
            fiscal_year=self.fiscal_year,
            verified_on=verified_on,
            note=note,
            body_digest=body_digest,
            actor=actor,
        )


@dataclass(frozen=True)
class ObligationStatus:
    """An obligation with what the book knows about its payout."""

    obligation: EmergencyObligation
    recovered_fen: int
    instalments: int
    reversed: bool

    @property
    def state(self) -> str:
        if self.reversed:
            return REVERSED
        if self.obligation.verified_on:
            return VERIFIED
        if self.recovered_fen >= self.obligation.amount_fen:
            return RECOVERED
        return UNVERIFIED

    @property
    def outstanding_fen(self) -> int:
        return 0 if self.reversed else self.obligation.amount_fen - self.recovered_fen

    def overdue_on(self, as_of: str) -> bool:
        """Unverified, with something outstanding, and past its due date on ``as_of``."""
        return self.state == UNVERIFIED and self.obligation.due_date < as_of


EMERGENCY_EVENTS = (
    EmergencyObligation.EmergencyAidObligationCreated,
    EmergencyObligation.EmergencyAidVerified,
)
