"""The reporting service layer.

:class:`ReportingApplication` is the eventsourcing Application of the service
(its own event store, "reporting": a SQLite file under the data directory or
the ``reporting_*`` tables in PostgreSQL, where it records each audit verdict
and rebuild) and owns the projection tables (``projections.sqlite`` beside it,
or the same PostgreSQL database). Its methods are the reports and statements,
each read in one consistent view of the projections and stamped with the
stream positions it was built from; they block, and the server runs them in
worker threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from benefits_platform import values
from benefits_platform.domain_errors import InvalidArgument, NotFound
from benefits_platform.paging import next_page_token
from benefits_platform.sqlstore import Database
from reporting.adapters.claims_queries import ClaimsQueries
from reporting.adapters.queries import Receipt, ReportQueries
from reporting.adapters.tables import ProjectionStore
from reporting.domain.claims import (
    ClaimsReport,
    ObligationView,
    RulesRow,
    assemble_claims,
    claims_rollup,
    emergency_figures,
    in_subtree,
)
from reporting.domain.report import (
    AnnualReport,
    ProgrammeInfo,
    Section,
    UnitNode,
    assemble,
    check_request,
)
from reporting.domain.statement import SUBSIDY, StatementLine, statement

Positions = dict[str, tuple[int, int]]  # source -> (position, stream sequence)


@dataclass(frozen=True)
class Statement:
    member_id: str
    unit_code: str
    household_id: str
    lines: list[StatementLine]
    next_page_token: str
    line_count: int
    receipts: list[Receipt]
    stored_value_balance_fen: int
    positions: Positions
    # payout entry id -> the claim it paid
    claims: dict[str, str]


@dataclass(frozen=True)
class OverdueAid:
    as_of_date: str
    obligations: list[ObligationView]  # the page asked for
    next_page_token: str
    total_count: int
    paid_fen: int
    recovered_fen: int
    outstanding_fen: int
    positions: Positions


def no_programme(code: str, fiscal_year: int, positions: Positions) -> NotFound:
    year = f" for fiscal year {fiscal_year}" if fiscal_year else ""
    return NotFound(
        f"program_code: no programme {code}{year} (the reporting service has read the "
        f"ledger up to position {positions['ledger'][0]})"
    )


class Verification(Aggregate):
    """One VerifyLedger run and its verdict: the record of audits is itself an
    event log (checks as [name, ok, checked, first discrepancy kind, position])."""

    class VerificationRecorded(Aggregate.Created):
        ok: bool
        checks: list[list[Any]]
        positions: dict[str, list[int]]
        ledger_store: str
        actor: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """v1 runs were recorded before callers were authenticated."""
            state["actor"] = ""

    @event(VerificationRecorded)
    def __init__(
        self,
        ok: bool,
        checks: list[list[Any]],
        positions: dict[str, list[int]],
        ledger_store: str,
        actor: str,
    ) -> None:
        self.ok = ok
        self.checks = checks
        self.positions = positions
        self.ledger_store = ledger_store
        self.actor = actor


class Rebuild(Aggregate):
    """One RebuildProjections run."""

    class RebuildRecorded(Aggregate.Created):
        events: int
        positions: dict[str, list[int]]
        seconds: float
        actor: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """v1 runs were recorded before callers were authenticated."""
            state["actor"] = ""

    @event(RebuildRecorded)
    def __init__(
        self, events: int, positions: dict[str, list[int]], seconds: float, actor: str
    ) -> None:
        self.events = events
        self.positions = positions
        self.seconds = seconds
        self.actor = actor


class ReportingApplication(Application[UUID]):
    name = "reporting"

    def __init__(self, env: dict[str, str] | None, projections: Database) -> None:
        super().__init__(env)
        self.store = ProjectionStore(projections)
        self.queries = ReportQueries(self.store)
        self.claims = ClaimsQueries(self.store)

    def close(self) -> None:
        self.store.close()
        super().close()

    # -- the audit record --------------------------------------------------------------

    def record_verification(
        self,
        ok: bool,
        checks: list[list[Any]],
        positions: Positions,
        ledger_store: str,
        actor: str,
    ) -> UUID:
        """Record a VerifyLedger run, with the caller (``actor``) that asked for it."""
        run = Verification(
            ok, checks, {k: list(v) for k, v in positions.items()}, ledger_store, actor
        )
        self.save(run)
        return run.id

    def record_rebuild(self, events: int, positions: Positions, seconds: float, actor: str) -> UUID:
        """Record a RebuildProjections run, with the caller (``actor``) that asked for it."""
        run = Rebuild(events, {k: list(v) for k, v in positions.items()}, round(seconds, 3), actor)
        self.save(run)
        return run.id

    # -- reads ----------------------------------------------------------------------------

    def _root(self, unit_code: str) -> UnitNode:
        root = self.queries.unit(unit_code)
        if root is None:
            members_at = self.store.positions()["members"][0]
            raise NotFound(
                f"unit_code: no unit {unit_code!r} (the reporting service has read the "
                f"members log up to position {members_at})"
            )
        return root

    def annual_report(
        self,
        fiscal_year: int,
        unit_code: str,
        depth: int,
        as_of_us: int | None = None,
        recount: bool = False,
    ) -> tuple[AnnualReport, Positions]:
        """The annual report (as recorded up to ``as_of_us``); ``recount``: the
        as-of figures recounted from every entry, the reference the fast path
        (the as-of buckets) is checked against."""
        check_request(fiscal_year, depth, as_of_us=as_of_us)
        with self.store.db.serialized():
            positions = self.store.positions()
            root = self._root(unit_code)
            nodes = self.queries.units_below(root, depth)
            committed = None
            if as_of_us is None:
                figures, months = self.queries.current_figures(fiscal_year, root, nodes)
            elif recount:
                figures, months, committed = self.queries.recounted_as_of(
                    fiscal_year, as_of_us, root
                )
            else:
                figures, months, committed = self.queries.figures_as_of(
                    fiscal_year, as_of_us, root, nodes
                )
            programmes = self.queries.programmes(fiscal_year, as_of_us, committed)
            report = assemble(
                fiscal_year, root, depth, as_of_us, programmes, nodes, figures, months
            )
            self._aid_sections(report, programmes)
        return report, positions

    def _aid_sections(self, report: AnnualReport, programmes: list[ProgrammeInfo]) -> None:
        """The annual report's mutual-aid and emergency-aid sections."""
        year, root, as_of_us = report.fiscal_year, report.root, report.as_of_us
        rules = self.claims.rules(year)
        emergency = []
        for programme in sorted(programmes, key=lambda p: p.code):
            found = rules.get(programme.code)
            if found is None:
                continue
            if found.mutual_aid:
                report.mutual_aid.append(
                    self._claims_report(programme, found, root, 0, as_of_us, "")
                )
            if found.verify_within_days:
                emergency.append((programme, found.verify_within_days))
        views = self.claims.obligations(year, [p.code for p, _days in emergency], as_of_us)
        figures = emergency_figures(
            [(p.code, year, days) for p, days in emergency], views, root.code
        )
        report.emergency = [(p, f) for (p, _days), f in zip(emergency, figures, strict=True)]

    def _claims_report(
        self,
        programme: ProgrammeInfo,
        rules: RulesRow,
        root: UnitNode,
        depth: int,
        as_of_us: int | None,
        period_id: str,
    ) -> ClaimsReport:
        code, year = programme.code, programme.fiscal_year
        periods = self.claims.periods(code, year)
        shown = [p for p in periods if p.period_id == period_id] if period_id else periods
        if period_id and not shown:
            raise NotFound(
                f"period_id: no period {period_id!r} in {code} {year} (its periods: "
                f"{', '.join(p.period_id for p in periods) or 'none'})"
            )
        figures = claims_rollup(
            self.claims.claims(code, year, as_of_us),
            self.claims.contributions(code, year, as_of_us),
        )
        return assemble_claims(
            programme,
            root,
            depth,
            as_of_us,
            shown,
            not period_id,
            self.queries.units_below(root, depth),
            figures,
            self.claims.pool(code, year, rules.overdraft_fen, as_of_us),
        )

    def claims_report(
        self,
        code: str,
        fiscal_year: int,
        period_id: str,
        unit_code: str,
        depth: int,
        as_of_us: int | None = None,
    ) -> tuple[ClaimsReport, Positions]:
        if not code:
            raise InvalidArgument("program_code", "is required")
        check_request(fiscal_year, depth, as_of_us=as_of_us)
        with self.store.db.serialized():
            positions = self.store.positions()
            root = self._root(unit_code)
            programme = next(
                (p for p in self.queries.programmes(fiscal_year, as_of_us) if p.code == code),
                None,
            )
            if programme is None:
                raise no_programme(code, fiscal_year, positions)
            rules = self.claims.rules(fiscal_year).get(code)
            if rules is None or not rules.mutual_aid:
                raise InvalidArgument(
                    "program_code",
                    f"{code} {fiscal_year} has no mutual-aid pool "
                    "(it was opened without mutual_aid rules)",
                )
            report = self._claims_report(programme, rules, root, depth, as_of_us, period_id)
        return report, positions

    def overdue_aid(
        self,
        as_of_date: str,
        code: str,
        fiscal_year: int,
        unit_code: str,
        offset: int,
        limit: int,
    ) -> OverdueAid:
        """Emergency aid unverified past its due date on ``as_of_date``, with
        what was paid, recovered and is outstanding."""
        day = values.iso_date(as_of_date, "as_of_date").isoformat()
        if fiscal_year and not 2000 <= fiscal_year <= 2100:
            raise InvalidArgument("fiscal_year", "must be 0 (every year) or 2000 to 2100")
        with self.store.db.serialized():
            positions = self.store.positions()
            root = self._root(unit_code)
            if code and not self.queries.programme_exists(code, fiscal_year):
                raise no_programme(code, fiscal_year, positions)
            candidates = self.claims.unverified_due_before(day, code, fiscal_year)
        overdue = [
            o for o in candidates if o.overdue_on(day) and in_subtree(o.unit_path, root.code)
        ]
        page = overdue[offset : offset + limit]
        return OverdueAid(
            day,
            page,
            next_page_token(offset, len(page), len(overdue)),
            len(overdue),
            sum(o.amount_fen for o in overdue),
            sum(o.recovered_fen for o in overdue),
            sum(o.outstanding_fen for o in overdue),
            positions,
        )

    def programme_totals(
        self, code: str, fiscal_year: int, unit_code: str, depth: int
    ) -> tuple[Section, Positions]:
        if not code:
            raise InvalidArgument("program_code", "is required")
        report, positions = self.annual_report(fiscal_year, unit_code, depth)
        for section in report.programmes:
            if section.programme is not None and section.programme.code == code:
                return section, positions
        raise no_programme(code, fiscal_year, positions)

    def member_statement(
        self, member_id: str, fiscal_year: int, offset: int, limit: int
    ) -> Statement:
        values.member_id(member_id)
        if fiscal_year and not 2000 <= fiscal_year <= 2100:
            raise InvalidArgument("fiscal_year", "must be 0 (every year) or 2000 to 2100")
        with self.store.db.serialized():
            positions = self.store.positions()
            member = self.queries.member(member_id)
            entries = self.queries.member_entries(member_id, fiscal_year)
            receipts = self.queries.receipts(member_id)
            kinds = self.queries.programme_kinds()
            claims = self.claims.member_claims(member_id)
        if member is None and not entries:
            raise NotFound(
                f"member_id: no member {member_id} in the members log (read up to position "
                f"{positions['members'][0]}) and no entry in the ledger"
            )
        lines = statement(entries, kinds)
        balance = sum(r.received_fen for r in receipts if r.kind == SUBSIDY)
        if fiscal_year:
            receipts = [r for r in receipts if r.fiscal_year == fiscal_year]
        unit, household = member or ("", "")
        page = lines[offset : offset + limit]
        return Statement(
            member_id,
            unit,
            household,
            page,
            next_page_token(offset, len(page), len(lines)),
            len(lines),
            receipts,
            balance,
            positions,
            claims,
        )
