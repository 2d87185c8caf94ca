"""Reads of the mutual-aid and emergency-aid tables for the claims report,
the overdue emergency aid and the annual report's sections.

As the annual figures are, each read comes in two forms: as the projection
stands (the claims' and obligations' current rows, the running contribution
totals and pools), and "as recorded up to T" (recounted from the claims'
history, the contributions and the recoveries recorded up to T).
"""

from __future__ import annotations

from typing import Any

from reporting.adapters.tables import OBLIGATIONS, RULES, ProjectionStore
from reporting.domain.claims import (
    ClaimView,
    ContributionLeaf,
    ObligationView,
    PeriodInfo,
    PoolFigures,
    RulesRow,
    claim_benefit,
    claims_as_of,
    pool_account,
)
from reporting.domain.facts import PAID

OBLIGATION_COLUMNS = ", ".join(OBLIGATIONS.columns)


def _obligation(
    row: Any, recovered: tuple[int, int] | None = None, as_of_us: int = 0
) -> ObligationView:
    """An obligation row as it stands, or (``as_of_us``) as recorded up to
    then with ``recovered`` (fen, instalments) recorded up to then."""
    (entry_id, obligation_id, member_id, code, year, unit_code, path, amount, effective, due,
     _created_position, _created_us, _verified_on, verified_us, recovered_fen, instalments,
     _reversed_fen, reversed_us, _position) = row  # fmt: skip
    if as_of_us:
        recovered_fen, instalments = recovered or (0, 0)
        verified = 0 < int(verified_us) <= as_of_us
        reversed_ = 0 < int(reversed_us) <= as_of_us
    else:
        verified, reversed_ = int(verified_us) > 0, int(reversed_us) > 0
    return ObligationView(
        str(entry_id), str(obligation_id), str(member_id), str(code), int(year), str(unit_code),
        str(path), int(amount), str(effective), str(due), verified, int(recovered_fen),
        int(instalments), reversed_,
    )  # fmt: skip


class ClaimsQueries:
    def __init__(self, store: ProjectionStore) -> None:
        self.store = store
        self.db = store.db

    # -- programmes -------------------------------------------------------------------

    def rules(self, fiscal_year: int) -> dict[str, RulesRow]:
        """code -> the rules of each mutual-aid or emergency programme of the year."""
        with self.db.transaction() as cur:
            rows = cur.execute(
                f"SELECT {', '.join(RULES.columns)} FROM rpt_programme_rules"
                " WHERE fiscal_year = ? ORDER BY program_code",
                (fiscal_year,),
            ).fetchall()
        return {
            str(row[0]): RulesRow(str(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]))
            for row in rows
        }

    def periods(self, code: str, fiscal_year: int) -> list[PeriodInfo]:
        with self.db.transaction() as cur:
            rows = cur.execute(
                "SELECT period_id, start_date, end_date FROM rpt_periods"
                " WHERE program_code = ? AND fiscal_year = ? ORDER BY start_date, period_id",
                (code, fiscal_year),
            ).fetchall()
        return [PeriodInfo(str(p), str(start), str(end)) for p, start, end in rows]

    # -- claims and contributions -------------------------------------------------------

    def claims(self, code: str, fiscal_year: int, as_of_us: int | None) -> list[ClaimView]:
        with self.db.transaction() as cur:
            rows = cur.execute(
                "SELECT claim_id, period_id, unit_path, state, self_paid_fen, approved_fen,"
                " paid_fen FROM rpt_claims WHERE program_code = ? AND fiscal_year = ?",
                (code, fiscal_year),
            ).fetchall()
            current = {
                str(claim_id): ClaimView(
                    str(period), str(path), str(state), int(self_paid),
                    claim_benefit(str(state), int(approved), int(paid)),
                )
                for claim_id, period, path, state, self_paid, approved, paid in rows
            }  # fmt: skip
            if as_of_us is None:
                return list(current.values())
            history = cur.execute(
                "SELECT claim_id, state, benefit_fen FROM rpt_claim_history"
                " WHERE program_code = ? AND fiscal_year = ? AND recorded_us <= ?"
                " ORDER BY position",
                (code, fiscal_year, as_of_us),
            ).fetchall()
        return claims_as_of(((str(c), str(s), int(b)) for c, s, b in history), current)

    def contributions(
        self, code: str, fiscal_year: int, as_of_us: int | None
    ) -> list[ContributionLeaf]:
        with self.db.transaction() as cur:
            if as_of_us is None:
                rows = cur.execute(
                    "SELECT period_id, unit_path, contribution_count, amount_fen"
                    " FROM rpt_contribution_totals WHERE program_code = ? AND fiscal_year = ?",
                    (code, fiscal_year),
                ).fetchall()
            else:
                rows = cur.execute(
                    "SELECT period_id, unit_path, COUNT(*), SUM(amount_fen) FROM rpt_contributions"
                    " WHERE program_code = ? AND fiscal_year = ? AND recorded_us <= ?"
                    " GROUP BY period_id, unit_path",
                    (code, fiscal_year, as_of_us),
                ).fetchall()
        return [ContributionLeaf(str(p), str(u), int(n), int(f)) for p, u, n, f in rows]

    def pool(
        self, code: str, fiscal_year: int, overdraft_fen: int, as_of_us: int | None
    ) -> PoolFigures:
        with self.db.transaction() as cur:
            if as_of_us is None:
                row = cur.execute(
                    "SELECT contributed_fen, contribution_count, claims_paid_fen,"
                    " claims_paid_count FROM rpt_pools WHERE program_code = ? AND fiscal_year = ?",
                    (code, fiscal_year),
                ).fetchone()
                row = row if row is not None else (0, 0, 0, 0)
                figures = (int(row[0]), int(row[1]), int(row[2]), int(row[3]))
            else:
                contributed = cur.execute(
                    "SELECT COALESCE(SUM(amount_fen), 0), COUNT(*) FROM rpt_contributions"
                    " WHERE program_code = ? AND fiscal_year = ? AND recorded_us <= ?",
                    (code, fiscal_year, as_of_us),
                ).fetchone()
                paid = cur.execute(
                    "SELECT COALESCE(SUM(benefit_fen), 0), COUNT(*) FROM rpt_claim_history"
                    " WHERE program_code = ? AND fiscal_year = ? AND state = ?"
                    " AND recorded_us <= ?",
                    (code, fiscal_year, PAID, as_of_us),
                ).fetchone()
                figures = (int(contributed[0]), int(contributed[1]), int(paid[0]), int(paid[1]))
        return PoolFigures(pool_account(code, fiscal_year), *figures, overdraft_fen)

    def member_claims(self, member_id: str) -> dict[str, str]:
        """payout entry id -> claim id of the member's paid claims."""
        with self.db.transaction() as cur:
            rows = cur.execute(
                "SELECT payout_entry_id, claim_id FROM rpt_claims"
                " WHERE member_id = ? AND payout_entry_id <> ''",
                (member_id,),
            ).fetchall()
        return {str(entry): str(claim) for entry, claim in rows}

    # -- emergency aid ------------------------------------------------------------------

    def obligations(
        self, fiscal_year: int, codes: list[str], as_of_us: int | None
    ) -> list[ObligationView]:
        """The obligations of the programmes ``codes`` of the year (as recorded
        up to ``as_of_us``, when given)."""
        if not codes:
            return []
        sql = (
            f"SELECT {OBLIGATION_COLUMNS} FROM rpt_emergency_obligations"
            " WHERE fiscal_year = ? AND program_code IN ({in})"
        )
        with self.db.transaction() as cur:
            if as_of_us is None:
                rows = self.store.select_in(cur, sql, codes, fiscal_year)
                return [_obligation(row) for row in rows]
            created = OBLIGATIONS.columns.index("created_us")
            rows = [
                row
                for row in self.store.select_in(cur, sql, codes, fiscal_year)
                if int(row[created]) <= as_of_us
            ]
            recovered = {
                str(entry): (int(fen), int(count))
                for entry, fen, count in self.store.select_in(
                    cur,
                    "SELECT reverses_entry_id, -SUM(amount_fen), COUNT(*) FROM rpt_entries"
                    " WHERE kind = 'RECOVERY' AND fiscal_year = ? AND recorded_us <= ?"
                    " AND program_code IN ({in}) GROUP BY reverses_entry_id",
                    codes,
                    fiscal_year,
                    as_of_us,
                )
            }
        return [_obligation(row, recovered.get(str(row[0])), as_of_us) for row in rows]

    def unverified_due_before(self, day: str, code: str, fiscal_year: int) -> list[ObligationView]:
        """Obligations neither verified nor reversed, due before ``day``, in order
        of due date and payout (optionally of one programme and year)."""
        sql = (
            f"SELECT {OBLIGATION_COLUMNS} FROM rpt_emergency_obligations"
            " WHERE verified_us = 0 AND reversed_us = 0 AND due_date < ?"
        )
        params: list[Any] = [day]
        if code:
            sql += " AND program_code = ?"
            params.append(code)
        if fiscal_year:
            sql += " AND fiscal_year = ?"
            params.append(fiscal_year)
        with self.db.transaction() as cur:
            rows = cur.execute(sql + " ORDER BY due_date, created_position", params).fetchall()
        return [_obligation(row) for row in rows]
