"""The mutual-aid and emergency-aid part of the ledger's service layer.

Mixed into :class:`ledger.application.LedgerApplication`: the handlers run in
the single writer's group like every other command (judged in order against
the group's :class:`~ledger.domain.book.Draft`, saved in one transaction), and
the reads serve from the in-memory book.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from uuid import UUID

from benefits_platform.domain_errors import DomainError, NotFound
from ledger.domain import claims as C
from ledger.domain import entries as E
from ledger.domain.book import Draft, LedgerBook, check_decision_replay, check_replay, status_of
from ledger.domain.claim_commands import (
    ApproveClaim,
    ContributionRowError,
    FileClaim,
    PayClaim,
    RecordContribution,
    RecordContributionBatch,
    RecoverPayment,
    RejectClaim,
    StartReview,
    VerifyEmergencyAid,
    WithdrawClaim,
)
from ledger.domain.emergency import ObligationStatus
from ledger.domain.members_view import MemberState, MembersView
from ledger.results import ClaimResult, ObligationResult, PoolView, Recorded

ClaimDecision = StartReview | ApproveClaim | RejectClaim | WithdrawClaim
ClaimCommand = (
    RecordContribution
    | RecordContributionBatch
    | FileClaim
    | ClaimDecision
    | PayClaim
    | VerifyEmergencyAid
    | RecoverPayment
)
CLAIM_COMMANDS = (
    RecordContribution,
    RecordContributionBatch,
    FileClaim,
    StartReview,
    ApproveClaim,
    RejectClaim,
    WithdrawClaim,
    PayClaim,
    VerifyEmergencyAid,
    RecoverPayment,
)
ClaimOutcome = Recorded | list[Recorded] | ClaimResult | ObligationResult


def entry_ids(command: ClaimCommand) -> list[UUID]:
    """The ids of the entries a command may record (for the writer's retry)."""
    if isinstance(command, RecordContribution | PayClaim | RecoverPayment):
        return [E.entry_id_for(command.request_id)]
    if isinstance(command, RecordContributionBatch):
        return [E.entry_id_for(row.request_id) for row in command.rows]
    return []


class ClaimsService(ABC):
    book: LedgerBook
    members: MembersView

    # Provided by LedgerApplication.
    @abstractmethod
    def entry(self, entry_id: UUID) -> E.Entry:
        """The recorded entry with this id (NOT_FOUND when there is none)."""

    @abstractmethod
    def _replay_of(
        self, entry_id: UUID, draft: Draft, known: set[UUID] | None, check: bool
    ) -> E.Entry | None:
        """The entry already recorded (or pending in this group) under this id."""

    # -- writes -----------------------------------------------------------------

    def _entry_command(
        self,
        request_id: str,
        body_digest: str,
        draft: Draft,
        known: set[UUID] | None,
        attempt: Callable[[], E.Entry],
    ) -> Recorded:
        """Record the entry ``attempt`` makes, or replay the one already recorded
        under the request id (ALREADY_EXISTS when its body differs)."""
        entry_id = E.entry_id_for(request_id)
        existing = self._replay_of(entry_id, draft, known, check=False)
        if existing is None:
            try:
                return Recorded(attempt(), replayed=False)
            except DomainError:
                # A retry of a command that used the last of a budget, cap or pool
                # must replay, not be refused: look for it before refusing.
                existing = self._replay_of(entry_id, draft, known, check=True)
                if existing is None:
                    raise
        check_replay(existing, body_digest, request_id)
        return Recorded(existing, replayed=True)

    def _member_on(self, member_id: str, on: str) -> MemberState | None:
        record = self.members.record(member_id)
        return record.state_on(on) if record else None

    def _handle_claims(
        self, command: ClaimCommand, draft: Draft, known: set[UUID] | None
    ) -> ClaimOutcome:
        if isinstance(command, RecordContribution):
            return self._contribute(command, draft, known)
        if isinstance(command, RecordContributionBatch):
            nested = draft.nested()
            recorded = []
            for index, row in enumerate(command.rows):
                try:
                    recorded.append(self._contribute(row, nested, known))
                except DomainError as error:
                    raise ContributionRowError(index, error) from None
            nested.merge_into_parent()
            return recorded
        if isinstance(command, FileClaim):
            return self._file(command, draft)
        if isinstance(command, PayClaim):
            return self._pay(command, draft, known)
        if isinstance(command, VerifyEmergencyAid):
            return self._verify(command, draft)
        if isinstance(command, RecoverPayment):
            return self._recover(command, draft, known)
        return self._decide(command, draft)

    def _contribute(
        self, cmd: RecordContribution, draft: Draft, known: set[UUID] | None
    ) -> Recorded:
        def attempt() -> E.Entry:
            member = self._member_on(cmd.member_id, cmd.effective_date)
            return draft.record_contribution(cmd, member, self.members.position)

        return self._entry_command(cmd.request_id, cmd.digest(), draft, known, attempt)

    def _file(self, cmd: FileClaim, draft: Draft) -> ClaimResult:
        existing = draft.claim(C.claim_id_for(cmd.request_id))
        if existing is not None:
            check_replay(existing, cmd.digest(), cmd.request_id)
            return ClaimResult(existing, replayed=True)
        member = self._member_on(cmd.member_id, cmd.incident_date)
        return ClaimResult(draft.file_claim(cmd, member, self.members.position))

    def _decide(self, cmd: ClaimDecision, draft: Draft) -> ClaimResult:
        prior = draft.maps.decisions.get(cmd.request_id)
        if prior is not None:
            claim = draft.claim(check_decision_replay(prior, cmd.digest(), cmd.request_id))
            assert claim is not None
            return ClaimResult(claim, replayed=True)
        if isinstance(cmd, StartReview):
            return ClaimResult(draft.start_review(cmd))
        if isinstance(cmd, ApproveClaim):
            return ClaimResult(draft.approve_claim(cmd))
        if isinstance(cmd, RejectClaim):
            return ClaimResult(draft.reject_claim(cmd))
        return ClaimResult(draft.withdraw_claim(cmd))

    def _pay(self, cmd: PayClaim, draft: Draft, known: set[UUID] | None) -> ClaimResult:
        recorded = self._entry_command(
            cmd.request_id, cmd.digest(), draft, known, lambda: draft.pay_claim(cmd)
        )
        payout = recorded.entry
        assert isinstance(payout, E.Payout)
        claim = draft.claim(UUID(payout.claim_id))
        assert claim is not None
        return ClaimResult(claim, recorded.replayed)

    def _verify(self, cmd: VerifyEmergencyAid, draft: Draft) -> ObligationResult:
        entry_id = cmd.parsed_entry_id
        prior = draft.maps.decisions.get(cmd.request_id)
        if prior is not None:
            check_decision_replay(prior, cmd.digest(), cmd.request_id)
            obligation = draft.obligation(entry_id)
            assert obligation is not None
            return ObligationResult(status_of(draft.maps, obligation), replayed=True)
        if draft.obligation(entry_id) is None and draft.pending_entry(entry_id) is None:
            self.entry(entry_id)  # NOT_FOUND for an entry that does not exist
        return ObligationResult(draft.verify_emergency_aid(cmd))

    def _recover(self, cmd: RecoverPayment, draft: Draft, known: set[UUID] | None) -> Recorded:
        def attempt() -> E.Entry:
            payout = draft.pending_entry(cmd.parsed_entry_id) or self.entry(cmd.parsed_entry_id)
            return draft.recover_payment(cmd, payout)

        return self._entry_command(cmd.request_id, cmd.digest(), draft, known, attempt)

    # -- reads ------------------------------------------------------------------

    def claim(self, claim_id: UUID) -> C.Claim:
        return self.book.claim(claim_id)

    def claims(
        self,
        program_code: str,
        fiscal_year: int,
        member_id: str,
        state: str,
        offset: int,
        limit: int,
        visible: Callable[[C.Claim], bool] | None = None,
    ) -> tuple[list[C.Claim], int]:
        """Claims in filing order, filtered (empty or zero: any; ``visible``:
        what the caller may see)."""
        rows = [
            claim
            for claim in list(self.book.maps.claims.values())
            if (not program_code or claim.program_code == program_code)
            and (not fiscal_year or claim.fiscal_year == fiscal_year)
            and (not member_id or claim.member_id == member_id)
            and (not state or claim.state == state)
            and (visible is None or visible(claim))
        ]
        return rows[offset : offset + limit], len(rows)

    def pool(self, code: str, fiscal_year: int) -> PoolView:
        programme = self.book.programme(code, fiscal_year)
        rules = programme.pool()
        contributed, n, paid, n_paid = self.book.maps.pools.get(programme.id, (0, 0, 0, 0))
        periods = [
            (period, self.book.maps.period_members.get((programme.id, period.period_id), 0))
            for period in rules.periods
        ]
        return PoolView(programme, rules, contributed, n, paid, n_paid, periods)

    def obligation(self, payout_entry_id: UUID) -> ObligationStatus:
        found = self.book.maps.obligations.get(payout_entry_id)
        if found is None:
            raise NotFound(f"entry_id: no emergency-aid payout {payout_entry_id}")
        return status_of(self.book.maps, found)

    def obligations(
        self,
        program_code: str,
        fiscal_year: int,
        member_id: str,
        overdue_as_of: str,
        offset: int,
        limit: int,
        visible: Callable[[ObligationStatus], bool] | None = None,
    ) -> tuple[list[ObligationStatus], int]:
        """Obligations in payout order, filtered (empty or zero: any); with
        ``overdue_as_of``, only aid overdue on that date."""
        maps = self.book.maps
        rows = []
        for obligation in list(maps.obligations.values()):
            if (
                (program_code and obligation.program_code != program_code)
                or (fiscal_year and obligation.fiscal_year != fiscal_year)
                or (member_id and obligation.member_id != member_id)
            ):
                continue
            status = status_of(maps, obligation)
            if overdue_as_of and not status.overdue_on(overdue_as_of):
                continue
            if visible is None or visible(status):
                rows.append(status)
        return rows[offset : offset + limit], len(rows)
