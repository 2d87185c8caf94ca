"""What the ledger's service layer returns to its callers: plain values the
entrypoints turn into protobuf messages."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain import entries as E
from ledger.domain.claims import Claim
from ledger.domain.emergency import ObligationStatus
from ledger.domain.programme import Programme
from ledger.domain.rules import MutualAidRules, Period


@dataclass(frozen=True)
class Recorded:
    """An entry as the caller sees it: replayed when an earlier call recorded it."""

    entry: E.Entry
    replayed: bool


@dataclass(frozen=True)
class ProgrammeView:
    programme: Programme
    committed_fen: int
    payout_count: int
    reversal_count: int

    @property
    def remaining_fen(self) -> int:
        return self.programme.budget_fen - self.committed_fen


@dataclass(frozen=True)
class MemberAccountView:
    member_id: str
    receipts: list[tuple[Programme, tuple[int, int, int]]]
    stored_value_balance_fen: int
    entry_count: int


@dataclass(frozen=True)
class ClaimResult:
    """A claim after a command: replayed when an earlier call did the same."""

    claim: Claim
    replayed: bool = False


@dataclass(frozen=True)
class ObligationResult:
    status: ObligationStatus
    replayed: bool = False
    # The date "overdue" was judged on ("" when it was not asked).
    as_of: str = ""


@dataclass(frozen=True)
class PoolView:
    programme: Programme
    rules: MutualAidRules
    contributed_fen: int
    contribution_count: int
    claims_paid_fen: int
    claims_paid_count: int
    periods: list[tuple[Period, int]]  # each period and the members enrolled for it

    @property
    def balance_fen(self) -> int:
        return self.contributed_fen - self.claims_paid_fen

    @property
    def available_fen(self) -> int:
        return self.balance_fen + self.rules.overdraft_fen
