"""The ledger book: what the rules need to know, derived from the entries.

Budget committed per programme, what each member received per programme and
year, stored-value balances, which payouts were reversed, mutual-aid pool
balances, enrolments per period, benefits approved per member and period, bill
references already claimed, paid claims (for secondary aid), claims and
emergency-aid obligations are all folds of the event log. The writer keeps one
book in memory, validates commands against a :class:`Draft` (the book plus the
effects of commands accepted earlier in the
same transaction) and folds the events into the book once they are committed.
Because the book is a fold of the log, it is rebuilt from the log at start-up
and a rebuilt book equals a live one (tested).
"""

from __future__ import annotations

import copy
from collections.abc import MutableMapping
from dataclasses import dataclass, fields
from typing import Any
from uuid import UUID

from benefits_platform.domain_errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)

from . import claims as C
from . import entries as E
from .claim_commands import (
    ApproveClaim,
    FileClaim,
    PayClaim,
    RecordContribution,
    RecoverPayment,
    RejectClaim,
    StartReview,
    VerifyEmergencyAid,
    WithdrawClaim,
)
from .commands import PostPayout, ReversePayout
from .emergency import (
    EMERGENCY_EVENTS,
    UNVERIFIED,
    EmergencyObligation,
    ObligationStatus,
)
from .members_view import ACTIVE, GRADUAL_EXIT, OPEN, MemberState
from .programme import Programme, programme_id
from .rules import Period, add_days, capped_benefit, rule_result

GRADUAL_EXIT_PERCENT = 60

# (net received fen, payouts, reversals)
MemberStats = tuple[int, int, int]


_MISSING: Any = object()


class Overlay(MutableMapping[Any, Any]):
    """Writes go to ``own``; reads fall through to ``under``. A leaner ChainMap
    for the two-level drafts of the writer's hot path."""

    __slots__ = ("own", "under")

    def __init__(self, under: MutableMapping[Any, Any]) -> None:
        self.own: dict[Any, Any] = {}
        self.under = under

    def get(self, key: Any, default: Any = None) -> Any:
        value = self.own.get(key, _MISSING)
        return self.under.get(key, default) if value is _MISSING else value

    def __getitem__(self, key: Any) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        self.own[key] = value

    def __delitem__(self, key: Any) -> None:
        raise TypeError("a draft never deletes")

    def __iter__(self) -> Any:
        return iter({**self.under, **self.own})

    def __len__(self) -> int:
        return len({**self.under, **self.own})


def _past_empty(mapping: MutableMapping[Any, Any]) -> MutableMapping[Any, Any]:
    """The first map under ``mapping`` that holds anything (or the book's own)."""
    while isinstance(mapping, Overlay) and not mapping.own:
        mapping = mapping.under
    return mapping


# (contributed fen, contributions, claims paid fen, claims paid)
PoolStats = tuple[int, int, int, int]
# (programme id, period id, member id)
PeriodKey = tuple[UUID, str, str]
# (contribution entry id, coverage start, coverage end)
Enrolment = tuple[str, str, str]
# request id -> (body digest, claim or obligation id)
Decision = tuple[str, UUID]


@dataclass
class _Maps:
    committed: MutableMapping[UUID, int]
    counts: MutableMapping[UUID, tuple[int, int]]
    member_stats: MutableMapping[tuple[str, UUID], MemberStats]
    stored_value: MutableMapping[str, int]
    reversed_by: MutableMapping[UUID, UUID]
    pools: MutableMapping[UUID, PoolStats]
    enrolments: MutableMapping[PeriodKey, Enrolment]
    period_members: MutableMapping[tuple[UUID, str], int]
    benefits: MutableMapping[PeriodKey, int]  # approved (and paid) benefits
    paid_claims: MutableMapping[PeriodKey, int]
    bills: MutableMapping[str, UUID]  # bill key -> claim id
    claim_payouts: MutableMapping[UUID, UUID]  # payout entry id -> claim id
    recovered: MutableMapping[UUID, tuple[int, int]]  # payout -> (fen, instalments)
    decisions: MutableMapping[str, Decision]
    claims: MutableMapping[UUID, C.Claim]
    obligations: MutableMapping[UUID, EmergencyObligation]  # by payout entry id

    @classmethod
    def empty(cls) -> _Maps:
        return cls(*({} for _ in MAP_NAMES))


MAP_NAMES = tuple(f.name for f in fields(_Maps))


def _fold_entry(maps: _Maps, entry: E.Entry, stored_value: bool) -> None:
    pid = programme_id(entry.program_code, entry.fiscal_year)
    if isinstance(entry, E.Contribution):
        contributed, n, paid, n_paid = maps.pools.get(pid, (0, 0, 0, 0))
        maps.pools[pid] = (contributed + entry.amount_fen, n + 1, paid, n_paid)
        maps.enrolments[(pid, entry.period_id, entry.member_id)] = (
            str(entry.id),
            entry.coverage_start,
            entry.coverage_end,
        )
        period = (pid, entry.period_id)
        maps.period_members[period] = maps.period_members.get(period, 0) + 1
        return
    if isinstance(entry, E.Payout):
        _fold_payout(maps, pid, entry, stored_value)
        return
    amount = entry.amount_fen  # negative for a reversal or a recovery
    maps.committed[pid] = maps.committed.get(pid, 0) + amount
    payouts, reversals = maps.counts.get(pid, (0, 0))
    key = (entry.member_id, pid)
    received, n_pay, n_rev = maps.member_stats.get(key, (0, 0, 0))
    if isinstance(entry, E.Reversal):
        maps.counts[pid] = (payouts, reversals + 1)
        maps.member_stats[key] = (received + amount, n_pay, n_rev + 1)
        maps.reversed_by[UUID(entry.reverses_entry_id)] = entry.id
    else:
        maps.member_stats[key] = (received + amount, n_pay, n_rev)
        payout = UUID(entry.recovers_entry_id)
        recovered, instalments = maps.recovered.get(payout, (0, 0))
        maps.recovered[payout] = (recovered - amount, instalments + 1)
    if stored_value:
        maps.stored_value[entry.member_id] = maps.stored_value.get(entry.member_id, 0) + amount


def _fold_payout(maps: _Maps, pid: UUID, payout: E.Payout, stored_value: bool) -> None:
    """A payout of programme ``pid`` folded into the maps."""
    amount = payout.amount_fen
    member_id = payout.member_id
    committed = maps.committed
    committed[pid] = committed.get(pid, 0) + amount
    counts = maps.counts
    payouts, reversals = counts.get(pid, (0, 0))
    counts[pid] = (payouts + 1, reversals)
    key = (member_id, pid)
    member_stats = maps.member_stats
    received, n_pay, n_rev = member_stats.get(key, (0, 0, 0))
    member_stats[key] = (received + amount, n_pay + 1, n_rev)
    if payout.claim_id:
        contributed, n, paid, n_paid = maps.pools.get(pid, (0, 0, 0, 0))
        maps.pools[pid] = (contributed, n, paid + amount, n_paid + 1)
    if stored_value:
        maps.stored_value[member_id] = maps.stored_value.get(member_id, 0) + amount


def _fold_claim_event(maps: _Maps, event: Any, claim: C.Claim) -> None:
    """What a claim's event changes besides the claim itself."""
    key = (programme_id(claim.program_code, claim.fiscal_year), claim.period_id, claim.member_id)
    maps.claims[claim.id] = claim
    if isinstance(event, C.Claim.ClaimFiled):
        maps.bills[C.bill_key(claim.hospital, claim.bill_ref)] = claim.id
        return
    if isinstance(event, C.Claim.ClaimPaid):
        maps.paid_claims[key] = maps.paid_claims.get(key, 0) + 1
        maps.claim_payouts[UUID(event.payout_entry_id)] = claim.id
        return
    maps.decisions[event.request_id] = (event.body_digest, claim.id)
    if isinstance(event, C.Claim.ClaimApproved):
        maps.benefits[key] = maps.benefits.get(key, 0) + event.approved_benefit_fen
    elif isinstance(event, C.Claim.ClaimWithdrawn) and event.previous_state == C.APPROVED:
        maps.benefits[key] = maps.benefits.get(key, 0) - claim.approved_benefit_fen


def _fold_obligation_event(maps: _Maps, event: Any, obligation: EmergencyObligation) -> None:
    maps.obligations[UUID(obligation.payout_entry_id)] = obligation
    if isinstance(event, EmergencyObligation.EmergencyAidVerified):
        maps.decisions[event.request_id] = (event.body_digest, obligation.id)


class LedgerBook:
    def __init__(self) -> None:
        self.programmes: dict[UUID, Programme] = {}
        self.maps = _Maps.empty()
        self.member_entries: dict[str, list[UUID]] = {}
        self.position = 0

    # -- folding committed events -------------------------------------------------

    def apply(self, event: Any, position: int | None = None) -> None:
        """Fold one committed domain event into the book."""
        if isinstance(event, Programme.ProgramOpened):
            programme = event.mutate(None)
            assert isinstance(programme, Programme)
            self.programmes[event.originator_id] = programme
        elif isinstance(event, Programme.ProgramClosed):
            programme = self.programmes[event.originator_id]
            event.mutate(programme)
        elif isinstance(event, E.ENTRY_EVENTS):
            entry = event.mutate(None)
            assert isinstance(entry, E.ENTRY_TYPES)
            self.apply_entry(entry)
        elif isinstance(event, C.CLAIM_EVENTS):
            claim = event.mutate(self.maps.claims.get(event.originator_id))
            assert isinstance(claim, C.Claim)
            _fold_claim_event(self.maps, event, claim)
        elif isinstance(event, EMERGENCY_EVENTS):
            found = self.maps.obligations.get(UUID(event.payout_entry_id))
            obligation = event.mutate(found)
            assert isinstance(obligation, EmergencyObligation)
            _fold_obligation_event(self.maps, event, obligation)
        if position is not None:
            self.position = position

    def apply_entry(self, entry: E.Entry) -> None:
        programme = self.programmes[programme_id(entry.program_code, entry.fiscal_year)]
        _fold_entry(self.maps, entry, programme.stored_value)
        self.member_entries.setdefault(entry.member_id, []).append(entry.id)

    # -- queries --------------------------------------------------------------------

    def programme(self, code: str, fiscal_year: int) -> Programme:
        try:
            return self.programmes[programme_id(code, fiscal_year)]
        except KeyError:
            raise NotFound(
                f"program_code: no programme {code} for fiscal year {fiscal_year}"
            ) from None

    def committed(self, pid: UUID) -> int:
        return self.maps.committed.get(pid, 0)

    def counts(self, pid: UUID) -> tuple[int, int]:
        return self.maps.counts.get(pid, (0, 0))

    def member_receipts(self, member_id: str) -> list[tuple[Programme, MemberStats]]:
        rows = []
        for programme in list(self.programmes.values()):
            stats = self.maps.member_stats.get((member_id, programme.id))
            if stats is not None:
                rows.append((programme, stats))
        rows.sort(key=lambda row: (row[0].fiscal_year, row[0].code))
        return rows

    def stored_value_balance(self, member_id: str) -> int:
        return self.maps.stored_value.get(member_id, 0)

    def entries_of(self, member_id: str) -> list[UUID]:
        return list(self.member_entries.get(member_id, ()))

    def claim(self, claim_id: UUID) -> C.Claim:
        found = self.maps.claims.get(claim_id)
        if found is None:
            raise NotFound(f"claim_id: no claim {claim_id}")
        return found

    def obligation_status(self, obligation: EmergencyObligation) -> ObligationStatus:
        return status_of(self.maps, obligation)

    def draft(self) -> Draft:
        return Draft(self)


class Draft:
    """The book as it will be once the commands accepted so far are committed.

    Commands are checked against the draft one by one; a refused command leaves
    no trace in it. A nested draft (for an all-or-nothing batch) is merged into
    its parent only when every row was accepted.
    """

    maps: _Maps

    def __init__(self, base: LedgerBook, parent: Draft | None = None) -> None:
        self.base = base
        under: _Maps = parent.maps if parent else base.maps
        self.parent = parent
        # A nested draft reads past the parent's maps that hold nothing yet (the
        # parent is not written while its nested draft is open): one level less
        # on every read.
        self.maps = _Maps(*(Overlay(_past_empty(getattr(under, name))) for name in MAP_NAMES))
        self.pending: dict[UUID, E.Entry] = {}
        self.entries: list[E.Entry] = []
        # The events of the accepted commands, in the order they happened.
        self.events: list[Any] = []

    def nested(self) -> Draft:
        return Draft(self.base, self)

    def merge_into_parent(self) -> None:
        assert self.parent is not None
        parent = self.parent
        for name in MAP_NAMES:
            mine: Overlay = getattr(self.maps, name)
            theirs: Overlay = getattr(parent.maps, name)
            if theirs.own:
                theirs.own.update(mine.own)
            else:  # this draft is done with its maps: hand them over
                theirs.own = mine.own
        if parent.pending:
            parent.pending.update(self.pending)
        else:
            parent.pending = self.pending
        parent.entries.extend(self.entries)
        parent.events.extend(self.events)

    def commit_into_book(self) -> None:
        """Once the draft's entries are stored: make its effects the book's."""
        assert self.parent is None
        for name in MAP_NAMES:
            getattr(self.base.maps, name).update(getattr(self.maps, name).own)
        member_entries = self.base.member_entries
        for entry in self.entries:
            member_entries.setdefault(entry.member_id, []).append(entry.id)

    def pending_entry(self, entry_id: UUID) -> E.Entry | None:
        found = self.pending.get(entry_id)
        if found is None and self.parent is not None:
            return self.parent.pending_entry(entry_id)
        return found

    def _accept(self, entry: E.Entry, programme: Programme) -> None:
        _fold_entry(self.maps, entry, programme.stored_value)
        self.pending[entry.id] = entry
        self.entries.append(entry)
        self.events.extend(entry.collect_events())

    def _accept_payout(self, payout: E.Payout, programme: Programme) -> None:
        """_accept for a payout (the writer's hot path)."""
        _fold_payout(self.maps, programme.id, payout, programme.stored_value)
        self.pending[payout.id] = payout
        self.entries.append(payout)
        self.events.extend(payout.collect_events())

    def _accept_claim(self, claim: C.Claim) -> None:
        for event in claim.collect_events():
            _fold_claim_event(self.maps, event, claim)
            self.events.append(event)

    def _accept_obligation(self, obligation: EmergencyObligation) -> None:
        for event in obligation.collect_events():
            _fold_obligation_event(self.maps, event, obligation)
            self.events.append(event)

    def _changing(self, aggregates: MutableMapping[UUID, Any], key: UUID) -> Any:
        """The draft's own copy of an aggregate of the book (copy on write: the
        book's object is never changed before the group is committed)."""
        assert isinstance(aggregates, Overlay)
        own = aggregates.own.get(key)
        if own is not None:
            return own
        found = aggregates.get(key)
        if found is None:
            return None
        mine = copy.deepcopy(found)
        aggregates.own[key] = mine
        return mine

    def claim(self, claim_id: UUID) -> C.Claim | None:
        found: C.Claim | None = self.maps.claims.get(claim_id)
        return found

    def _claim_to_change(self, claim_id: UUID) -> C.Claim:
        claim = self._changing(self.maps.claims, claim_id)
        if claim is None:
            raise NotFound(f"claim_id: no claim {claim_id}")
        assert isinstance(claim, C.Claim)
        return claim

    # -- rules ----------------------------------------------------------------------

    def post_payout(
        self,
        cmd: PostPayout,
        member: MemberState | None,
        members_position: int,
        body_digest: str = "",
    ) -> E.Payout:
        """Check a validated payout command against the draft and accept it
        (``body_digest``: the command's digest, when the caller has it already)."""
        programme = self.base.programme(cmd.program_code, cmd.fiscal_year)
        programme.check_open()
        if programme.mutual_aid is not None:
            raise FailedPrecondition(
                f"program_code: programme {programme.code} {programme.fiscal_year} pays "
                "mutual-aid claims from its pool: file a claim (FileClaim) and pay it (PayClaim)"
            )
        basis = check_eligibility(
            programme, cmd.member_id, cmd.effective_date, member, members_position, cmd.amount_fen
        )
        if programme.secondary_aid_of:
            self.check_secondary_aid(programme, cmd.member_id, cmd.effective_date)
        payout = self._payout(programme, cmd, basis, body_digest or cmd.digest())
        if programme.emergency:
            self._accept_obligation(
                EmergencyObligation(
                    payout_entry_id=str(payout.id),
                    request_id=cmd.request_id,
                    member_id=cmd.member_id,
                    program_code=cmd.program_code,
                    fiscal_year=cmd.fiscal_year,
                    amount_fen=cmd.amount_fen,
                    effective_date=cmd.effective_date,
                    due_date=add_days(cmd.effective_date, programme.verify_within_days),
                    actor=cmd.actor,
                )
            )
        return payout

    def _payout(
        self,
        programme: Programme,
        cmd: PostPayout,
        basis: dict[str, object],
        body_digest: str,
        claim_id: str = "",
        funding_account: str = "",
    ) -> E.Payout:
        """The normal double-entry path: budget, per-member cap, postings."""
        pid = programme.id
        committed = self.maps.committed.get(pid, 0)
        if committed + cmd.amount_fen > programme.budget_fen:
            raise FailedPrecondition(
                f"amount_fen: budget of {cmd.program_code} {cmd.fiscal_year} exhausted: "
                f"{programme.budget_fen - committed} fen remain, {cmd.amount_fen} requested"
            )
        cap = programme.per_member_annual_cap_fen
        if cap:
            received = self.maps.member_stats.get((cmd.member_id, pid), (0, 0, 0))[0]
            if received + cmd.amount_fen > cap:
                raise FailedPrecondition(
                    f"amount_fen: per-member annual cap of {cap} fen for {cmd.program_code} "
                    f"{cmd.fiscal_year} exceeded: member has received {received} fen, "
                    f"{cmd.amount_fen} requested"
                )
        payout = E.Payout.posted(
            request_id=cmd.request_id,
            member_id=cmd.member_id,
            program_code=cmd.program_code,
            fiscal_year=cmd.fiscal_year,
            amount_fen=cmd.amount_fen,
            effective_date=cmd.effective_date,
            external_ref=cmd.external_ref,
            note=cmd.note,
            postings=E.payout_postings(
                code=cmd.program_code,
                fiscal_year=cmd.fiscal_year,
                kind=programme.kind,
                member_id=cmd.member_id,
                amount_fen=cmd.amount_fen,
                funding_account=funding_account,
            ),
            body_digest=body_digest,
            basis=basis,
            actor=cmd.actor,
            claim_id=claim_id,
        )
        self._accept_payout(payout, programme)
        return payout

    def reverse_payout(self, cmd: ReversePayout, original: E.Entry) -> E.Reversal:
        """Check a reversal of ``original`` against the draft and accept it."""
        if not isinstance(original, E.Payout):
            kind = type(original).__name__.lower()
            what = "itself a reversal" if isinstance(original, E.Reversal) else f"a {kind}"
            raise FailedPrecondition(
                f"entry_id: entry {original.id} is {what}; only payouts can be reversed"
            )
        if original.claim_id:
            raise FailedPrecondition(
                f"entry_id: payout {original.id} pays claim {original.claim_id}; "
                "a claim payout cannot be reversed"
            )
        recovered = self.maps.recovered.get(original.id)
        if recovered is not None:
            raise FailedPrecondition(
                f"entry_id: payout {original.id} has recoveries ({recovered[0]} fen in "
                f"{recovered[1]} instalments); a payout with recoveries cannot be reversed"
            )
        already = self.maps.reversed_by.get(original.id)
        if already is not None:
            raise FailedPrecondition(
                f"entry_id: payout {original.id} was already reversed by entry {already}; "
                "a payout can be reversed once"
            )
        programme = self.base.programme(original.program_code, original.fiscal_year)
        reversal = E.Reversal(
            request_id=cmd.request_id,
            reverses_entry_id=str(original.id),
            member_id=original.member_id,
            program_code=original.program_code,
            fiscal_year=original.fiscal_year,
            amount_fen=-original.amount_fen,
            effective_date=original.effective_date,
            reason=cmd.reason,
            note=cmd.note,
            postings=E.reversed_postings(original.postings),
            body_digest=cmd.digest(),
            actor=cmd.actor,
        )
        self._accept(reversal, programme)
        return reversal

    # -- secondary aid --------------------------------------------------------------

    def check_secondary_aid(self, programme: Programme, member_id: str, on: str) -> None:
        """Secondary aid needs a paid claim of the named mutual-aid programme in
        the period containing ``on`` or the one before (periods of every fiscal
        year of that programme, in date order)."""
        code = programme.secondary_aid_of
        periods: list[tuple[Period, UUID]] = sorted(
            (
                (period, mutual.id)
                for mutual in list(self.base.programmes.values())
                if mutual.code == code and mutual.mutual_aid is not None
                for period in mutual.mutual_aid.periods
            ),
            key=lambda row: row[0].start_date,
        )
        started = [i for i, (period, _pid) in enumerate(periods) if period.start_date <= on]
        candidates = periods[max(started[-1] - 1, 0) : started[-1] + 1] if started else []
        for period, pid in candidates:
            if self.maps.paid_claims.get((pid, period.period_id, member_id), 0):
                return
        looked = ", ".join(period.period_id for period, _pid in candidates) or "none"
        raise FailedPrecondition(
            f"member_id: programme {programme.code} is secondary aid for members paid by "
            f"{code}; member {member_id} has no paid {code} claim in the period of {on} or "
            f"the one before (periods looked at: {looked})"
        )

    # -- mutual aid -----------------------------------------------------------------

    def _period(self, programme: Programme, period_id: str) -> Period:
        period = programme.pool().period(period_id)
        if period is None:
            known = ", ".join(p.period_id for p in programme.pool().periods)
            raise NotFound(
                f"period_id: programme {programme.code} {programme.fiscal_year} has no period "
                f"{period_id} (its periods: {known})"
            )
        return period

    def record_contribution(
        self, cmd: RecordContribution, member: MemberState | None, members_position: int
    ) -> E.Contribution:
        programme = self.base.programme(cmd.program_code, cmd.fiscal_year)
        programme.check_open()
        rules = programme.pool()
        period = self._period(programme, cmd.period_id)
        if rules.contribution_fen and cmd.amount_fen != rules.contribution_fen:
            raise FailedPrecondition(
                f"amount_fen: the contribution to {programme.code} {programme.fiscal_year} is "
                f"{rules.contribution_fen} fen per period, got {cmd.amount_fen}"
            )
        if cmd.effective_date > period.end_date:
            raise FailedPrecondition(
                f"effective_date: period {period.period_id} ended on {period.end_date}; a "
                f"contribution for it dated {cmd.effective_date} is too late"
            )
        basis = check_eligibility(
            programme, cmd.member_id, cmd.effective_date, member, members_position
        )
        enrolled = self.maps.enrolments.get((programme.id, period.period_id, cmd.member_id))
        if enrolled is not None:
            raise FailedPrecondition(
                f"member_id: member {cmd.member_id} is already enrolled for period "
                f"{period.period_id} of {programme.code} {programme.fiscal_year} (contribution "
                f"entry {enrolled[0]}); one contribution per member and period"
            )
        coverage_start = max(period.start_date, add_days(cmd.effective_date, rules.waiting_days))
        if coverage_start > period.end_date:
            raise FailedPrecondition(
                f"effective_date: with the waiting period of {rules.waiting_days} days, coverage "
                f"would start on {coverage_start}, after period {period.period_id} ends "
                f"({period.end_date})"
            )
        contribution = E.Contribution(
            request_id=cmd.request_id,
            member_id=cmd.member_id,
            program_code=cmd.program_code,
            fiscal_year=cmd.fiscal_year,
            period_id=cmd.period_id,
            amount_fen=cmd.amount_fen,
            effective_date=cmd.effective_date,
            coverage_start=coverage_start,
            coverage_end=period.end_date,
            external_ref=cmd.external_ref,
            postings=E.contribution_postings(
                cmd.program_code, cmd.fiscal_year, cmd.member_id, cmd.amount_fen
            ),
            body_digest=cmd.digest(),
            basis=basis,
            actor=cmd.actor,
        )
        self._accept(contribution, programme)
        return contribution

    def file_claim(
        self, cmd: FileClaim, member: MemberState | None, members_position: int
    ) -> C.Claim:
        programme = self.base.programme(cmd.program_code, cmd.fiscal_year)
        programme.check_open()
        rules = programme.pool()
        period = self._period(programme, cmd.period_id)
        if rules.ratio_bp(cmd.category) is None:
            known = ", ".join(name for name, _ratio in rules.categories)
            raise FailedPrecondition(
                f"category: programme {programme.code} {programme.fiscal_year} has no claim "
                f"category {cmd.category} (its categories: {known})"
            )
        claimed = self.maps.bills.get(C.bill_key(cmd.hospital, cmd.bill_ref))
        if claimed is not None:
            raise AlreadyExists(
                f"bill_ref: this hospital's bill reference is already claimed by claim {claimed}; "
                "a bill is claimed once"
            )
        if not period.contains(cmd.incident_date):
            raise FailedPrecondition(
                f"incident_date: {cmd.incident_date} is outside period {period.period_id} "
                f"({period.start_date} to {period.end_date})"
            )
        enrolled = self.maps.enrolments.get((programme.id, period.period_id, cmd.member_id))
        if enrolled is None:
            raise FailedPrecondition(
                f"member_id: member {cmd.member_id} has no contribution for period "
                f"{period.period_id} of {programme.code} {programme.fiscal_year}, so is not covered"
            )
        if cmd.incident_date < enrolled[1]:
            raise FailedPrecondition(
                f"incident_date: member {cmd.member_id} is covered from {enrolled[1]} (after the "
                f"waiting period of {rules.waiting_days} days); an incident on "
                f"{cmd.incident_date} is before coverage"
            )
        basis = check_eligibility(
            programme, cmd.member_id, cmd.incident_date, member, members_position
        )
        claim = C.Claim(
            request_id=cmd.request_id,
            member_id=cmd.member_id,
            program_code=cmd.program_code,
            fiscal_year=cmd.fiscal_year,
            period_id=cmd.period_id,
            category=cmd.category,
            incident_date=cmd.incident_date,
            bill_total_fen=cmd.bill_total_fen,
            insurance_covered_fen=cmd.insurance_covered_fen,
            self_paid_fen=cmd.self_paid_fen,
            hospital=cmd.hospital,
            bill_ref=cmd.bill_ref,
            document_refs=list(cmd.document_refs),
            note=cmd.note,
            body_digest=cmd.digest(),
            basis=basis,
            actor=cmd.actor,
        )
        self._accept_claim(claim)
        return claim

    def start_review(self, cmd: StartReview) -> C.Claim:
        claim = self._claim_to_change(cmd.parsed_claim_id)
        claim.start_review(cmd.request_id, cmd.note, cmd.digest(), cmd.actor)
        self._accept_claim(claim)
        return claim

    def approve_claim(self, cmd: ApproveClaim) -> C.Claim:
        claim = self._claim_to_change(cmd.parsed_claim_id)
        claim.check_state((C.UNDER_REVIEW,), "approved")
        claim.check_checker(cmd.actor)
        programme = self.base.programme(claim.program_code, claim.fiscal_year)
        rules = programme.pool()
        rule_fen = rule_result(
            claim.self_paid_fen, rules.deductible_fen, rules.ratio_bp(claim.category) or 0
        )
        already = self.maps.benefits.get((programme.id, claim.period_id, claim.member_id), 0)
        computed = capped_benefit(
            rule_fen, rules.per_claim_cap_fen, rules.per_period_cap_fen, already
        )
        if computed <= 0:
            raise FailedPrecondition(
                f"claim_id: the benefit computed for claim {claim.id} is 0 fen (rule result "
                f"{rule_fen} fen; {already} fen already approved to the member for period "
                f"{claim.period_id}, per-period cap {rules.per_period_cap_fen or 'none'}); "
                "reject the claim instead"
            )
        approved = cmd.approved_benefit_fen or computed
        if approved > computed:
            raise FailedPrecondition(
                f"approved_benefit_fen: at most the computed benefit of {computed} fen can be "
                f"approved, {approved} requested"
            )
        if approved < computed and not cmd.reason.strip():
            raise InvalidArgument(
                "reason", "is required when approving less than the computed benefit"
            )
        claim.approve(
            cmd.request_id,
            rule_result_fen=rule_fen,
            computed_benefit_fen=computed,
            approved_benefit_fen=approved,
            reason=cmd.reason if approved < computed else "",
            body_digest=cmd.digest(),
            actor=cmd.actor,
        )
        self._accept_claim(claim)
        return claim

    def reject_claim(self, cmd: RejectClaim) -> C.Claim:
        claim = self._claim_to_change(cmd.parsed_claim_id)
        claim.reject(cmd.request_id, cmd.reason, cmd.note, cmd.digest(), cmd.actor)
        self._accept_claim(claim)
        return claim

    def withdraw_claim(self, cmd: WithdrawClaim) -> C.Claim:
        claim = self._claim_to_change(cmd.parsed_claim_id)
        claim.withdraw(cmd.request_id, cmd.note, cmd.digest(), cmd.actor)
        self._accept_claim(claim)
        return claim

    def pay_claim(self, cmd: PayClaim) -> E.Payout:
        """APPROVED -> PAID: the approved benefit as a payout drawn on the pool."""
        claim = self._claim_to_change(cmd.parsed_claim_id)
        claim.check_state((C.APPROVED,), "paid")
        programme = self.base.programme(claim.program_code, claim.fiscal_year)
        programme.check_open()
        rules = programme.pool()
        if not cmd.effective_date.startswith(f"{programme.fiscal_year:04d}-"):
            raise FailedPrecondition(
                f"effective_date: must fall in fiscal year {programme.fiscal_year} of "
                f"{programme.code}, got {cmd.effective_date}"
            )
        if cmd.effective_date < claim.incident_date:
            raise FailedPrecondition(
                f"effective_date: must not be before the incident date {claim.incident_date}"
            )
        amount = claim.approved_benefit_fen
        contributed, _n, paid, _n_paid = self.maps.pools.get(programme.id, (0, 0, 0, 0))
        balance = contributed - paid
        if balance - amount < -rules.overdraft_fen:
            raise FailedPrecondition(
                f"claim_id: the pool of {programme.code} {programme.fiscal_year} holds {balance} "
                f"fen (overdraft allowed: {rules.overdraft_fen} fen); paying {amount} fen would "
                f"leave {balance - amount} fen"
            )
        payout_cmd = PostPayout(
            request_id=cmd.request_id,
            member_id=claim.member_id,
            program_code=claim.program_code,
            fiscal_year=claim.fiscal_year,
            amount_fen=amount,
            effective_date=cmd.effective_date,
            actor=cmd.actor,
        )
        payout = self._payout(
            programme,
            payout_cmd,
            dict(claim.basis),
            cmd.digest(),
            claim_id=str(claim.id),
            funding_account=E.pool_account(programme.code, programme.fiscal_year),
        )
        claim.mark_paid(cmd.request_id, str(payout.id), cmd.effective_date, cmd.actor)
        self._accept_claim(claim)
        return payout

    # -- emergency aid --------------------------------------------------------------

    def obligation(self, payout_entry_id: UUID) -> EmergencyObligation | None:
        found: EmergencyObligation | None = self.maps.obligations.get(payout_entry_id)
        return found

    def _unverified(
        self, obligation: EmergencyObligation | None, entry_id: UUID
    ) -> ObligationStatus:
        if obligation is None:
            raise FailedPrecondition(
                f"entry_id: entry {entry_id} is not emergency aid (a payout of a programme with "
                "emergency rules); use ReversePayout to correct other payouts"
            )
        status = status_of(self.maps, obligation)
        if status.state != UNVERIFIED:
            raise FailedPrecondition(
                f"entry_id: emergency aid {entry_id} is {status.state}; only UNVERIFIED aid can "
                "be verified or recovered"
            )
        return status

    def verify_emergency_aid(self, cmd: VerifyEmergencyAid) -> ObligationStatus:
        entry_id = cmd.parsed_entry_id
        obligation = self._changing(self.maps.obligations, entry_id)
        status = self._unverified(obligation, entry_id)
        if cmd.verified_on < status.obligation.effective_date:
            raise FailedPrecondition(
                f"verified_on: must not be before the payout's effective date "
                f"{status.obligation.effective_date}"
            )
        obligation.verify(cmd.request_id, cmd.verified_on, cmd.note, cmd.digest(), cmd.actor)
        self._accept_obligation(obligation)
        return status_of(self.maps, obligation)

    def recover_payment(self, cmd: RecoverPayment, payout: E.Entry) -> E.Recovery:
        status = self._unverified(self.obligation(payout.id), payout.id)
        assert isinstance(payout, E.Payout)
        obligation = status.obligation
        if cmd.amount_fen > status.outstanding_fen:
            raise FailedPrecondition(
                f"amount_fen: at most {status.outstanding_fen} fen remain to recover from payout "
                f"{payout.id} (paid {obligation.amount_fen}, recovered {status.recovered_fen}), "
                f"{cmd.amount_fen} requested"
            )
        if cmd.effective_date < obligation.effective_date:
            raise FailedPrecondition(
                f"effective_date: must not be before the payout's effective date "
                f"{obligation.effective_date}"
            )
        programme = self.base.programme(payout.program_code, payout.fiscal_year)
        recovered = status.recovered_fen + cmd.amount_fen
        recovery = E.Recovery(
            request_id=cmd.request_id,
            recovers_entry_id=str(payout.id),
            member_id=payout.member_id,
            program_code=payout.program_code,
            fiscal_year=payout.fiscal_year,
            amount_fen=-cmd.amount_fen,
            effective_date=cmd.effective_date,
            instalment=status.instalments + 1,
            recovered_total_fen=recovered,
            outstanding_fen=obligation.amount_fen - recovered,
            note=cmd.note,
            postings=E.recovery_postings(payout.postings, cmd.amount_fen),
            body_digest=cmd.digest(),
            actor=cmd.actor,
        )
        self._accept(recovery, programme)
        return recovery


def status_of(maps: _Maps, obligation: EmergencyObligation) -> ObligationStatus:
    payout = UUID(obligation.payout_entry_id)
    recovered, instalments = maps.recovered.get(payout, (0, 0))
    return ObligationStatus(obligation, recovered, instalments, payout in maps.reversed_by)


def check_eligibility(
    programme: Programme,
    member_id: str,
    on: str,
    member: MemberState | None,
    members_position: int,
    amount_fen: int | None = None,
) -> dict[str, object]:
    """The member's state on the date ``on`` must allow a payout (of
    ``amount_fen``, when one is paid); the state used is returned as the basis
    recorded with the entry."""
    if member is None:
        raise FailedPrecondition(
            f"member_id: unknown member {member_id} (the ledger's view of members is at "
            f"members-log position {members_position}; pass members_position to wait for a "
            "recent enrolment)"
        )
    if member.membership != ACTIVE:
        raise FailedPrecondition(
            f"member_id: member {member_id} was not an active member on {on} "
            f"(membership {member.membership}; joined {member.join_date})"
        )
    if programme.member_groups and not set(programme.member_groups) & set(member.member_groups):
        raise FailedPrecondition(
            f"member_id: programme {programme.code} is restricted to member groups "
            f"{', '.join(programme.member_groups)}; member {member_id} is in "
            f"{', '.join(member.member_groups) or 'no group'}"
        )
    ceiling = 0
    if programme.hardship_only:
        if member.hardship not in (OPEN, GRADUAL_EXIT):
            raise FailedPrecondition(
                f"member_id: programme {programme.code} is for members with an open hardship "
                f"file or gradual-exit period; member {member_id} has {member.hardship} "
                f"on {on}"
            )
        if member.hardship == GRADUAL_EXIT and amount_fen is not None:
            standard = programme.standard_for(member.pre_exit_tier)
            if not standard:
                raise FailedPrecondition(
                    f"program_code: programme {programme.code} has no standard amount for tier "
                    f"{member.pre_exit_tier}, so the 60% gradual-exit ceiling cannot be applied"
                )
            ceiling = standard * GRADUAL_EXIT_PERCENT // 100
            if amount_fen > ceiling:
                raise FailedPrecondition(
                    f"amount_fen: during the gradual-exit period (until "
                    f"{member.gradual_exit_until}) aid is limited to {GRADUAL_EXIT_PERCENT}% of "
                    f"the pre-exit standard for tier {member.pre_exit_tier} ({standard} fen): "
                    f"at most {ceiling} fen, {amount_fen} requested"
                )
    return {
        "membership_status": member.membership,
        "unit_code": member.unit_code,
        "member_groups": list(member.member_groups),
        "household_id": member.household_id,
        "hardship_status": member.hardship,
        "tier": member.tier,
        "pre_exit_tier": member.pre_exit_tier,
        "gradual_exit_until": member.gradual_exit_until,
        "ceiling_fen": ceiling,
        "members_position": members_position,
    }


def check_replay(
    existing: E.Entry | Programme | C.Claim, body_digest: str, request_id: str
) -> None:
    """The same request id with the same body replays; with another body it is refused."""
    if existing.body_digest != body_digest:
        raise AlreadyExists(
            f"request_id: {request_id!r} was already used for a different request "
            f"(recorded as {type(existing).__name__.lower()} {existing.id}); "
            "use a new request id for a new request"
        )


def check_decision_replay(prior: Decision, body_digest: str, request_id: str) -> UUID:
    """A decision (claim transition, verification) already taken under this
    request id: the same body replays (returns what it decided on), another is
    refused."""
    if prior[0] != body_digest:
        raise AlreadyExists(
            f"request_id: {request_id!r} was already used for a different request (on "
            f"{prior[1]}); use a new request id for a new request"
        )
    return prior[1]
