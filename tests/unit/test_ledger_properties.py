"""Random sequences of posts, batches, reversals, contributions, claims and
emergency aid keep the ledger's promises: postings sum to zero, budgets, caps
and the pool's overdraft are never exceeded, and the book rebuilt from the log
equals the live one."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from benefits_platform.domain_errors import DomainError
from ledger.application import LedgerApplication
from ledger.domain import claims as CL
from ledger.domain import entries as E
from ledger.domain.book import LedgerBook
from ledger.domain.claim_commands import (
    ApproveClaim,
    PayClaim,
    RecoverPayment,
    RejectClaim,
    StartReview,
    VerifyEmergencyAid,
    WithdrawClaim,
)
from ledger.domain.rules import MutualAidRules
from tests.unit.ledger_helpers import batch, memory_app, open_cmd, pay, reverse
from tests.unit.test_claims_domain import (
    assert_books_equal,
    claim_cmd,
    contribution,
    open_pool,
)

BUDGET = 1_000_000
CAP = 300_000
members = st.sampled_from(["A", "B", "C", "D", "E"])
amounts = st.integers(min_value=1, max_value=250_000)
request_ids = st.integers(min_value=0, max_value=40).map(lambda n: f"req-{n}")
POOL_RULES = MutualAidRules(
    contribution_fen=30_000,
    deductible_fen=10_000,
    categories=(("ILLNESS", 9_000),),
    per_claim_cap_fen=60_000,
    per_period_cap_fen=100_000,
    overdraft_fen=20_000,
)
actors = st.sampled_from(["maker", "checker"])


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app: LedgerApplication = memory_app()
        self.app.execute([open_cmd(budget=BUDGET, cap=CAP)])
        self.app.execute([open_cmd(code="GREEN_TRAVEL", kind="SUBSIDY", budget=BUDGET // 2)])
        self.app.execute([open_pool(POOL_RULES)])
        emergency = open_cmd(code="EMERGENCY", budget=BUDGET)
        self.app.execute([emergency.__class__(**{**emergency.__dict__, "verify_within_days": 10})])
        self.payout_ids: list[object] = []
        self.acknowledged: set[object] = set()
        self.claim_ids: list[str] = []
        self.aid_ids: list[str] = []

    def _record(self, results: list[object]) -> None:
        for result in results:
            if isinstance(result, list):
                self._record(result)
            elif hasattr(result, "claim"):
                if str(result.claim.id) not in self.claim_ids:
                    self.claim_ids.append(str(result.claim.id))
            elif not isinstance(result, DomainError) and hasattr(result, "entry"):
                self.acknowledged.add(result.entry.id)
                if isinstance(result.entry, E.Payout):
                    self.payout_ids.append(result.entry.id)
                    if result.entry.program_code == "EMERGENCY":
                        self.aid_ids.append(str(result.entry.id))

    @rule(rid=request_ids, member=members)
    def contribute(self, rid: str, member: str) -> None:
        self._record(self.app.execute([contribution(f"c-{rid}", member=member, amount=30_000)]))

    @rule(rid=request_ids, member=members, self_paid=st.integers(10_001, 120_000), actor=actors)
    def file_claim(self, rid: str, member: str, self_paid: int, actor: str) -> None:
        cmd = claim_cmd(f"f-{rid}", member=member, self_paid=self_paid, incident="2026-06-01")
        self._record(self.app.execute([cmd.__class__(**{**cmd.__dict__, "actor": actor})]))

    @rule(
        data=st.data(),
        rid=request_ids,
        action=st.sampled_from(["review", "approve", "reject", "withdraw", "pay"]),
        actor=actors,
        less=st.integers(0, 5_000),
    )
    def claim_step(self, data: st.DataObject, rid: str, action: str, actor: str, less: int) -> None:
        if not self.claim_ids:
            return
        cid = data.draw(st.sampled_from(self.claim_ids))
        command = {
            "review": lambda: StartReview(f"d-{rid}", cid, actor=actor),
            "approve": lambda: ApproveClaim(
                f"d-{rid}",
                cid,
                approved_benefit_fen=less,
                reason="part" if less else "",
                actor=actor,
            ),
            "reject": lambda: RejectClaim(f"d-{rid}", cid, reason="OTHER", actor=actor),
            "withdraw": lambda: WithdrawClaim(f"d-{rid}", cid, actor=actor),
            "pay": lambda: PayClaim(f"p-{rid}", cid, effective_date="2026-07-01", actor=actor),
        }[action]()
        self._record(self.app.execute([command]))

    @rule(
        rid=request_ids,
        member=members,
        self_paid=st.integers(10_001, 120_000),
        steps=st.integers(1, 4),
        one_group=st.booleans(),
    )
    def claim_lifecycle(
        self, rid: str, member: str, self_paid: int, steps: int, one_group: bool
    ) -> None:
        """Contribute, file, review, approve and pay, as separate groups or all
        in one group (each command judged against the ones before it)."""
        claim = claim_cmd(f"l-{rid}", member=member, self_paid=self_paid, incident="2026-06-01")
        cid = str(CL.claim_id_for(claim.request_id))
        commands: list[object] = [
            contribution(f"lc-{rid}", member=member, amount=30_000),
            claim.__class__(**{**claim.__dict__, "actor": "maker"}),
            StartReview(f"lr-{rid}", cid, actor="checker"),
            ApproveClaim(f"la-{rid}", cid, actor="checker"),
            PayClaim(f"lp-{rid}", cid, effective_date="2026-07-01", actor="maker"),
        ][: steps + 1]
        if one_group:
            self._record(self.app.execute(commands))  # type: ignore[arg-type]
        else:
            for command in commands:
                self._record(self.app.execute([command]))  # type: ignore[list-item]

    @rule(data=st.data(), rid=request_ids, actor=actors, less=st.integers(0, 3_000))
    def advance_claim(self, data: st.DataObject, rid: str, actor: str, less: int) -> None:
        """The next step of a claim's normal path (review, approve, pay)."""
        if not self.claim_ids:
            return
        cid = data.draw(st.sampled_from(self.claim_ids))
        state = self.app.claim(UUID(cid)).state
        if state == "FILED":
            command: object = StartReview(f"a-{rid}", cid, actor=actor)
        elif state == "UNDER_REVIEW":
            command = ApproveClaim(
                f"a-{rid}", cid, approved_benefit_fen=less, reason="part", actor=actor
            )
        elif state == "APPROVED":
            command = PayClaim(f"p-{rid}", cid, effective_date="2026-07-01", actor=actor)
        else:
            return
        self._record(self.app.execute([command]))

    @rule(rid=request_ids, member=members, amount=amounts)
    def emergency_aid(self, rid: str, member: str, amount: int) -> None:
        self._record(
            self.app.execute([pay(f"e-{rid}", member=member, amount=amount, code="EMERGENCY")])
        )

    @rule(data=st.data(), rid=request_ids, amount=amounts, verify=st.booleans())
    def settle_aid(self, data: st.DataObject, rid: str, amount: int, verify: bool) -> None:
        if not self.aid_ids:
            return
        target = data.draw(st.sampled_from(self.aid_ids))
        command = (
            VerifyEmergencyAid(f"v-{rid}", target, "2026-02-01")
            if verify
            else RecoverPayment(f"r-{rid}", target, amount, "2026-02-01")
        )
        self._record(self.app.execute([command]))

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

    def _entries(self) -> list[E.Entry]:
        found = []
        for notification in self.app.recorder.select_notifications(start=1, limit=10_000):
            event = self.app.mapper.to_domain_event(notification)
            if isinstance(event, E.ENTRY_EVENTS):
                found.append(event.mutate(None))
        return found

    @invariant()
    def postings_sum_to_zero_and_limits_hold(self) -> None:
        entries = self._entries()
        assert sum(E.postings_sum(e.postings) for e in entries) == 0
        per_programme: dict[str, int] = defaultdict(int)
        per_member: dict[tuple[str, str], int] = defaultdict(int)
        pool = 0
        for e in entries:
            assert E.postings_sum(e.postings) == 0
            pool += sum(int(n) for a, n in e.postings if str(a).startswith("mutual-aid-pool:"))
            if isinstance(e, E.Contribution):
                continue
            per_programme[e.program_code] += e.amount_fen
            per_member[(e.member_id, e.program_code)] += e.amount_fen
        assert pool >= -POOL_RULES.overdraft_fen
        assert pool == self.app.pool("MED_AID", 2026).balance_fen
        assert all(v <= POOL_RULES.per_period_cap_fen for v in self.app.book.maps.benefits.values())
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
        assert_books_equal(rebuilt, live)


LedgerMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
TestLedgerProperties = LedgerMachine.TestCase
