"""The audit checks, over plain values: each keeps the first discrepancy it
finds (with how many it found) and what it looked at.

- :class:`ChainCheck`: positions strictly increase, each event's prev_hash is
  the hash of the event before it in the stream (else something was deleted or
  inserted before it), and its own hash is right (else it was edited).
- :class:`PostingsCheck`: every entry's postings sum to zero, the account the
  entry draws on (the programme fund, or a mutual-aid pool for claim payouts
  and contributions) moves by the entry's amount, and all postings together
  sum to zero.
- :class:`StoreCheck`: the ledger's store against its stream, event by event:
  an event edited in the store, deleted from it, inserted into it, or two
  events swapped.
- :func:`first_row_difference`: the first row where a rebuilt projection and
  the live one differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

FUND_PREFIX = "programme-fund:"
MAX_KEPT = 1000  # discrepancies kept in detail per check


@dataclass(frozen=True)
class Discrepancy:
    kind: str
    source: str = ""
    position: int = 0
    event_id: str = ""
    event_type: str = ""
    expected: str = ""
    actual: str = ""
    detail: str = ""


@dataclass
class CheckResult:
    name: str
    checked: int = 0
    found: int = 0
    first: Discrepancy | None = None
    skipped: bool = False
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.skipped or self.found == 0

    def record(self, discrepancy: Discrepancy) -> None:
        self.found += 1
        if self.first is None:
            self.first = discrepancy


@dataclass(frozen=True)
class Link:
    """One event's place in its log's hash chain, as the stream holds it."""

    position: int
    event_id: str
    event_type: str
    prev_hash: bytes
    hash: bytes
    # SHA-256(prev_hash || header || payload) recomputed from the envelope.
    computed_hash: bytes


class ChainCheck:
    def __init__(self, source: str, zero_hash: bytes) -> None:
        self.source = source
        self.result = CheckResult(f"chain:{source}")
        self.head = zero_hash
        self.position = 0
        # (position before, position after) of each broken link: where events
        # are missing from (or were inserted into) the stream.
        self.gaps: list[tuple[int, int]] = []

    def _found(self, link: Link, kind: str, expected: str, actual: str, detail: str) -> None:
        self.result.record(
            Discrepancy(
                kind, self.source, link.position, link.event_id, link.event_type,
                expected, actual, detail,
            )
        )  # fmt: skip

    def feed(self, link: Link) -> None:
        self.result.checked += 1
        if link.position <= self.position:
            self._found(
                link,
                "out-of-order",
                f"a position after {self.position}",
                str(link.position),
                "positions must strictly increase along the stream",
            )
        elif link.prev_hash != self.head:
            if len(self.gaps) < MAX_KEPT:
                self.gaps.append((self.position, link.position))
            self._found(
                link,
                "broken-link",
                self.head.hex(),
                link.prev_hash.hex(),
                f"prev_hash is not the hash of the event before (position {self.position}): "
                "an event was deleted or inserted between them",
            )
        elif link.computed_hash != link.hash:
            self._found(
                link,
                "hash-mismatch",
                link.computed_hash.hex(),
                link.hash.hex(),
                "the event's content does not give its hash: it was edited",
            )
        self.head = link.hash
        self.position = max(self.position, link.position)


@dataclass(frozen=True)
class EntryPostings:
    position: int
    event_id: str
    event_type: str
    program_code: str
    fiscal_year: int
    amount_fen: int
    postings: Sequence[tuple[str, int]]
    # The account the entry moves by its amount ("": the programme fund) and
    # by how much (None: -amount_fen, as a payout draws on its fund; a
    # contribution moves its pool by +amount_fen).
    funding_account: str = ""
    funding_moves_fen: int | None = None


class PostingsCheck:
    def __init__(self) -> None:
        self.result = CheckResult("postings")
        self.total = 0
        self.position = 0

    def feed(self, entry: EntryPostings) -> None:
        self.result.checked += 1
        self.position = entry.position
        total = sum(amount for _account, amount in entry.postings)
        self.total += total
        fund = entry.funding_account or f"{FUND_PREFIX}{entry.program_code}:{entry.fiscal_year}"
        moves = -entry.amount_fen if entry.funding_moves_fen is None else entry.funding_moves_fen
        fund_moved = sum(amount for account, amount in entry.postings if account == fund)
        if total != 0:
            kind, expected, actual = "postings-unbalanced", "0", str(total)
            detail = "the entry's postings do not sum to zero"
        elif fund_moved != moves:
            kind, expected, actual = "postings-amount", str(moves), str(fund_moved)
            detail = f"the postings move {fund} by another amount than the entry's"
        else:
            return
        self.result.record(
            Discrepancy(
                kind, "ledger", entry.position, entry.event_id, entry.event_type,
                expected, actual, detail,
            )
        )  # fmt: skip

    def finish(self) -> CheckResult:
        if self.total != 0 and self.result.found == 0:
            self.result.record(
                Discrepancy(
                    "postings-unbalanced",
                    source="ledger",
                    position=self.position,
                    expected="0",
                    actual=str(self.total),
                    detail="all postings together do not sum to zero",
                )
            )
        return self.result


@dataclass(frozen=True)
class StoredEvent:
    """An event as the store or the stream has it, for comparing the two."""

    position: int
    event_id: str
    event_type: str
    # SHA-256 of the event's header and payload, without the chain.
    digest: bytes
    payload: bytes = b""


class StoreCheck:
    """The store against the stream, fed the stream's events in order and
    pulling the store's from ``store`` (in position order) as it goes. Store
    events after the stream's last position are not compared (the relay may
    not have published them yet)."""

    def __init__(self, store: Iterator[StoredEvent], keep: int = MAX_KEPT) -> None:
        self.result = CheckResult("store")
        self._store = store
        self._next: StoredEvent | None = next(store, None)
        self._last_stream = 0
        # Mismatches kept to tell a swap from two edits.
        self.pending: list[tuple[StoredEvent | None, StoredEvent | None]] = []
        self.keep = keep
        self._gaps: Sequence[tuple[int, int]] = ()

    def _advance(self) -> None:
        self._next = next(self._store, None)

    def feed(self, streamed: StoredEvent) -> None:
        self.result.checked += 1
        self._last_stream = streamed.position
        while self._next is not None and self._next.position < streamed.position:
            self._mismatch(self._next, None)
            self._advance()
        stored = self._next
        if stored is None or stored.position > streamed.position:
            self._mismatch(None, streamed)
            return
        if stored.digest != streamed.digest:
            self._mismatch(stored, streamed)
        self._advance()

    def finish(
        self,
        describe: Callable[[str, bytes, bytes], str] | None = None,
        stream_gaps: Sequence[tuple[int, int]] = (),
    ) -> CheckResult:
        """The result. ``describe(event_type, streamed payload, stored payload)``
        names what an edit changed; ``stream_gaps`` are the stream's broken links
        (ChainCheck.gaps): a stored event inside one was deleted from the stream,
        not inserted into the store."""
        while self._next is not None and self._next.position <= self._last_stream:
            self._mismatch(self._next, None)
            self._advance()
        self._gaps = stream_gaps
        self._classify(describe)
        return self.result

    def _mismatch(self, stored: StoredEvent | None, streamed: StoredEvent | None) -> None:
        if len(self.pending) < self.keep:
            self.pending.append((stored, streamed))
        else:
            self.result.found += 1

    def _classify(self, describe: Callable[[str, bytes, bytes], str] | None) -> None:
        by_stream_id = {t.event_id: t for _s, t in self.pending if t is not None}
        stored_at = {s.position: s for s, _t in self.pending if s is not None}
        for stored, streamed in self.pending:
            if stored is None:
                assert streamed is not None
                self.result.record(
                    Discrepancy(
                        "deleted",
                        "ledger",
                        streamed.position,
                        streamed.event_id,
                        streamed.event_type,
                        expected=streamed.digest.hex(),
                        actual="",
                        detail="the stream holds this event; the store has nothing at its "
                        "position: it was deleted from the store",
                    )
                )
            elif streamed is None:
                from_stream = any(a < stored.position < b for a, b in self._gaps)
                self.result.record(
                    Discrepancy(
                        "deleted" if from_stream else "inserted",
                        "stream" if from_stream else "ledger",
                        stored.position,
                        stored.event_id,
                        stored.event_type,
                        expected=stored.digest.hex() if from_stream else "",
                        actual="" if from_stream else stored.digest.hex(),
                        detail="the store holds this event; the stream lacks it and its hash "
                        "chain breaks there: it was deleted from the stream"
                        if from_stream
                        else "the store holds an event the stream never carried at this "
                        "position: it was inserted into the store",
                    )
                )
            elif stored.event_id != streamed.event_id and stored.event_id in by_stream_id:
                other = by_stream_id[stored.event_id]
                back = stored_at.get(other.position)
                swapped = back is not None and back.event_id == streamed.event_id
                self.result.record(
                    Discrepancy(
                        "swapped" if swapped else "moved",
                        "ledger",
                        stored.position,
                        stored.event_id,
                        stored.event_type,
                        expected=streamed.event_id,
                        actual=stored.event_id,
                        detail=(
                            f"the store has the events of positions {stored.position} and "
                            f"{other.position} in each other's place"
                            if swapped
                            else f"the store has at this position the event the stream has "
                            f"at position {other.position}"
                        ),
                    )
                )
            else:
                changed = (
                    describe(stored.event_type, streamed.payload, stored.payload)
                    if (describe is not None and self.result.first is None)
                    else ""
                )
                self.result.record(
                    Discrepancy(
                        "edited",
                        "ledger",
                        stored.position,
                        stored.event_id,
                        stored.event_type,
                        expected=streamed.digest.hex(),
                        actual=stored.digest.hex(),
                        detail="the store's event differs from the one the stream carried"
                        + (f": {changed}" if changed else ""),
                    )
                )


def first_row_difference(
    table: str,
    key_width: int,
    expected: Iterable[Sequence[Any]],
    actual: Iterable[Sequence[Any]],
) -> tuple[int, Discrepancy | None]:
    """Rows compared, and the first row where ``actual`` (the live projection)
    differs from ``expected`` (the rebuild); both ordered by their first
    ``key_width`` columns."""
    compared = 0
    left, right = iter(expected), iter(actual)
    a, b = next(left, None), next(right, None)
    while a is not None or b is not None:
        compared += 1
        key_a = tuple(a[:key_width]) if a is not None else None
        key_b = tuple(b[:key_width]) if b is not None else None
        if a is not None and b is not None and key_a == key_b:
            if tuple(a) != tuple(b):
                return compared, _row_discrepancy(table, key_a, a, b)
            a, b = next(left, None), next(right, None)
            continue
        if b is None or (a is not None and key_b is not None and key_a < key_b):  # type: ignore[operator]
            return compared, _row_discrepancy(table, key_a, a, None)
        return compared, _row_discrepancy(table, key_b, None, b)
    return compared, None


def _row_discrepancy(
    table: str, key: tuple[Any, ...] | None, expected: Any, actual: Any
) -> Discrepancy:
    position = key[0] if table == "rpt_entries" and key else 0
    return Discrepancy(
        "projection-mismatch",
        source="ledger" if table != "rpt_units" and table != "rpt_members" else "members",
        position=int(position),
        expected="missing" if expected is None else repr(tuple(expected)),
        actual="missing" if actual is None else repr(tuple(actual)),
        detail=f"table {table}, row {key!r}: the live projection differs from a rebuild "
        "from the first event",
    )
