"""The ledger book: what the rules need to know, derived from the entries.

Budget committed per programme, what each member received per programme and
year, stored-value balances and which payouts were reversed are all folds of
the event log. The writer keeps one book in memory, validates commands against
a :class:`Draft` (the book plus the effects of commands accepted earlier in the
same transaction) and folds the events into the book once they are committed.
Because the book is a fold of the log, it is rebuilt from the log at start-up
and a rebuilt book equals a live one (tested).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from benefits_platform.domain_errors import AlreadyExists, FailedPrecondition, NotFound

from . import entries as E
from .commands import PostPayout, ReversePayout
from .members_view import ACTIVE, GRADUAL_EXIT, OPEN, MemberState
from .programme import Programme, programme_id

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


MAP_NAMES = ("committed", "counts", "member_stats", "stored_value", "reversed_by")


@dataclass
class _Maps:
    committed: MutableMapping[UUID, int]
    counts: MutableMapping[UUID, tuple[int, int]]
    member_stats: MutableMapping[tuple[str, UUID], MemberStats]
    stored_value: MutableMapping[str, int]
    reversed_by: MutableMapping[UUID, UUID]


def _fold_entry(maps: _Maps, entry: E.Payout | E.Reversal, stored_value: bool) -> None:
    pid = programme_id(entry.program_code, entry.fiscal_year)
    amount = entry.amount_fen  # negative for a reversal
    maps.committed[pid] = maps.committed.get(pid, 0) + amount
    payouts, reversals = maps.counts.get(pid, (0, 0))
    key = (entry.member_id, pid)
    received, n_pay, n_rev = maps.member_stats.get(key, (0, 0, 0))
    if isinstance(entry, E.Reversal):
        maps.counts[pid] = (payouts, reversals + 1)
        maps.member_stats[key] = (received + amount, n_pay, n_rev + 1)
        maps.reversed_by[UUID(entry.reverses_entry_id)] = entry.id
    else:
        maps.counts[pid] = (payouts + 1, reversals)
        maps.member_stats[key] = (received + amount, n_pay + 1, n_rev)
    if stored_value:
        maps.stored_value[entry.member_id] = maps.stored_value.get(entry.member_id, 0) + amount


class LedgerBook:
    def __init__(self) -> None:
        self.programmes: dict[UUID, Programme] = {}
        self.maps = _Maps({}, {}, {}, {}, {})
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
        elif isinstance(event, E.Payout.PayoutPosted | E.Reversal.PayoutReversed):
            entry = event.mutate(None)
            assert isinstance(entry, E.Payout | E.Reversal)
            self.apply_entry(entry)
        if position is not None:
            self.position = position

    def apply_entry(self, entry: E.Payout | E.Reversal) -> None:
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
        self.maps = _Maps(*(Overlay(getattr(under, name)) for name in MAP_NAMES))
        self.pending: dict[UUID, E.Payout | E.Reversal] = {}
        self.entries: list[E.Payout | E.Reversal] = []

    def nested(self) -> Draft:
        return Draft(self.base, self)

    def merge_into_parent(self) -> None:
        assert self.parent is not None
        parent = self.parent
        for name in MAP_NAMES:
            getattr(parent.maps, name).update(getattr(self.maps, name).own)
        parent.pending.update(self.pending)
        parent.entries.extend(self.entries)

    def commit_into_book(self) -> None:
        """Once the draft's entries are stored: make its effects the book's."""
        assert self.parent is None
        for name in MAP_NAMES:
            getattr(self.base.maps, name).update(getattr(self.maps, name).own)
        member_entries = self.base.member_entries
        for entry in self.entries:
            member_entries.setdefault(entry.member_id, []).append(entry.id)

    def pending_entry(self, entry_id: UUID) -> E.Payout | E.Reversal | None:
        found = self.pending.get(entry_id)
        if found is None and self.parent is not None:
            return self.parent.pending_entry(entry_id)
        return found

    def _accept(self, entry: E.Payout | E.Reversal, programme: Programme) -> None:
        _fold_entry(self.maps, entry, programme.stored_value)
        self.pending[entry.id] = entry
        self.entries.append(entry)

    # -- rules ----------------------------------------------------------------------

    def post_payout(
        self, cmd: PostPayout, member: MemberState | None, members_position: int
    ) -> E.Payout:
        """Check a validated payout command against the draft and accept it."""
        programme = self.base.programme(cmd.program_code, cmd.fiscal_year)
        programme.check_open()
        basis = check_eligibility(programme, cmd, member, members_position)
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
        payout = E.Payout(
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
            ),
            body_digest=cmd.digest(),
            basis=basis,
        )
        self._accept(payout, programme)
        return payout

    def reverse_payout(self, cmd: ReversePayout, original: E.Payout | E.Reversal) -> E.Reversal:
        """Check a reversal of ``original`` against the draft and accept it."""
        if isinstance(original, E.Reversal):
            raise FailedPrecondition(
                f"entry_id: entry {original.id} is itself a reversal; only payouts can be reversed"
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
        )
        self._accept(reversal, programme)
        return reversal


def check_eligibility(
    programme: Programme, cmd: PostPayout, member: MemberState | None, members_position: int
) -> dict[str, object]:
    """The member's state on the effective date must allow the payout; the state
    used is returned as the basis recorded with the payout."""
    if member is None:
        raise FailedPrecondition(
            f"member_id: unknown member {cmd.member_id} (the ledger's view of members is at "
            f"members-log position {members_position}; pass members_position to wait for a "
            "recent enrolment)"
        )
    if member.membership != ACTIVE:
        raise FailedPrecondition(
            f"member_id: member {cmd.member_id} was not an active member on {cmd.effective_date} "
            f"(membership {member.membership}; joined {member.join_date})"
        )
    if programme.member_groups and not set(programme.member_groups) & set(member.member_groups):
        raise FailedPrecondition(
            f"member_id: programme {programme.code} is restricted to member groups "
            f"{', '.join(programme.member_groups)}; member {cmd.member_id} is in "
            f"{', '.join(member.member_groups) or 'no group'}"
        )
    ceiling = 0
    if programme.hardship_only:
        if member.hardship not in (OPEN, GRADUAL_EXIT):
            raise FailedPrecondition(
                f"member_id: programme {programme.code} is for members with an open hardship "
                f"file or gradual-exit period; member {cmd.member_id} has {member.hardship} "
                f"on {cmd.effective_date}"
            )
        if member.hardship == GRADUAL_EXIT:
            standard = programme.standard_for(member.pre_exit_tier)
            if not standard:
                raise FailedPrecondition(
                    f"program_code: programme {programme.code} has no standard amount for tier "
                    f"{member.pre_exit_tier}, so the 60% gradual-exit ceiling cannot be applied"
                )
            ceiling = standard * GRADUAL_EXIT_PERCENT // 100
            if cmd.amount_fen > ceiling:
                raise FailedPrecondition(
                    f"amount_fen: during the gradual-exit period (until "
                    f"{member.gradual_exit_until}) aid is limited to {GRADUAL_EXIT_PERCENT}% of "
                    f"the pre-exit standard for tier {member.pre_exit_tier} ({standard} fen): "
                    f"at most {ceiling} fen, {cmd.amount_fen} requested"
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
    existing: E.Payout | E.Reversal | Programme, body_digest: str, request_id: str
) -> None:
    """The same request id with the same body replays; with another body it is refused."""
    if existing.body_digest != body_digest:
        raise AlreadyExists(
            f"request_id: {request_id!r} was already used for a different request "
            f"(recorded as {type(existing).__name__.lower()} {existing.id}); "
            "use a new request id for a new request"
        )
