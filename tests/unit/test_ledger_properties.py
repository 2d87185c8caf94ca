"""Random sequences of posts, batches and reversals keep the ledger's promises:
postings sum to zero, budgets and caps are never exceeded, and the book rebuilt
from the log equals the live one."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from benefits_platform.domain_errors import DomainError
from ledger.application import LedgerApplication
from ledger.domain import entries as E
from ledger.domain.book import LedgerBook
from tests.unit.ledger_helpers import batch, memory_app, open_cmd, pay, reverse

BUDGET = 1_000_000
CAP = 300_000
members = st.sampled_from(["A", "B", "C", "D", "E"])
amounts = st.integers(min_value=1, max_value=250_000)
request_ids = st.integers(min_value=0, max_value=40).map(lambda n: f"req-{n}")


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app: LedgerApplication = memory_app()
        self.app.execute([open_cmd(budget=BUDGET, cap=CAP)])
        self.app.execute([open_cmd(code="GREEN_TRAVEL", kind="SUBSIDY", budget=BUDGET // 2)])
        self.payout_ids: list[object] = []
        self.acknowledged: set[object] = set()

    def _record(self, results: list[object]) -> None:
        for result in results:
            if isinstance(result, list):
                self._record(result)
            elif not isinstance(result, DomainError):
                self.acknowledged.add(result.entry.id)
                if isinstance(result.entry, E.Payout):
                    self.payout_ids.append(result.entry.id)

    @rule(rid=request_ids, member=members, amount=amounts, subsidy=st.booleans())
    def post(self, rid: str, member: str, amount: int, subsidy: bool) -> None:
        code = "GREEN_TRAVEL" if subsidy else "WINTER_WARMTH"
        self._record(self.app.execute([pay(rid, member=member, amount=amount, code=code)]))

    @rule(rows=st.lists(st.tuples(request_ids, members, amounts), min_size=1, max_size=6))
    def post_batch(self, rows: list[tuple[str, str, int]]) -> None:
        command = batch(*(pay(r, member=m, amount=a) for r, m, a in rows))
        self._record(self.app.execute([command]))

    @rule(data=st.data(), rid=request_ids)
    def reverse_one(self, data: st.DataObject, rid: str) -> None:
        if not self.payout_ids:
            return
        target = data.draw(st.sampled_from(self.payout_ids))
        self._record(self.app.execute([reverse(f"rev-{rid}", target)]))

    @rule(rows=st.lists(st.tuples(request_ids, members, amounts), min_size=1, max_size=4))
    def group_of_commands(self, rows: list[tuple[str, str, int]]) -> None:
        self._record(self.app.execute([pay(r, member=m, amount=a) for r, m, a in rows]))

    def _entries(self) -> list[E.Payout | E.Reversal]:
        found = []
        for notification in self.app.recorder.select_notifications(start=1, limit=10_000):
            event = self.app.mapper.to_domain_event(notification)
            if isinstance(event, E.Payout.PayoutPosted | E.Reversal.PayoutReversed):
                found.append(event.mutate(None))
        return found

    @invariant()
    def postings_sum_to_zero_and_limits_hold(self) -> None:
        entries = self._entries()
        assert sum(E.postings_sum(e.postings) for e in entries) == 0
        per_programme: dict[str, int] = defaultdict(int)
        per_member: dict[tuple[str, str], int] = defaultdict(int)
        for e in entries:
            assert E.postings_sum(e.postings) == 0
            per_programme[e.program_code] += e.amount_fen
            per_member[(e.member_id, e.program_code)] += e.amount_fen
        assert per_programme["WINTER_WARMTH"] <= BUDGET
        assert per_programme["GREEN_TRAVEL"] <= BUDGET // 2
        assert all(v <= CAP for (m, code), v in per_member.items() if code == "WINTER_WARMTH")
        assert all(v >= 0 for v in per_member.values())
        for view in self.app.programme_views():
            assert view.committed_fen == per_programme[view.programme.code]
            assert 0 <= view.remaining_fen <= view.programme.budget_fen

    @invariant()
    def every_acknowledged_entry_is_recorded_once(self) -> None:
        entries = self._entries()
        assert len({e.request_id for e in entries}) == len(entries)
        assert self.acknowledged <= {e.id for e in entries}

    @invariant()
    def rebuilt_book_equals_live_book(self) -> None:
        live = self.app.book
        rebuilt = LedgerBook()
        for notification in self.app.recorder.select_notifications(start=1, limit=10_000):
            rebuilt.apply(self.app.mapper.to_domain_event(notification), notification.id)
        assert dict(rebuilt.maps.committed) == dict(live.maps.committed)
        assert dict(rebuilt.maps.member_stats) == dict(live.maps.member_stats)
        assert dict(rebuilt.maps.stored_value) == dict(live.maps.stored_value)
        assert dict(rebuilt.maps.reversed_by) == dict(live.maps.reversed_by)
        assert rebuilt.position == live.position


LedgerMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
TestLedgerProperties = LedgerMachine.TestCase
