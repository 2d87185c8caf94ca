"""Deterministic simulation: the ledger, the outbox relays and the reporting
projections under injected faults, seed by seed (tests/simulation/world.py).

Each run drives the real code (LedgerApplication and MembersApplication on
SQLite, OutboxRelay, the ledger's MembersFeed, the reporting StreamConsumer
and ProjectionStore) over an in-memory JetStream model that dedupes by
Nats-Msg-Id within a window and honours Nats-Expected-Last-Sequence, with
duplicate publishes, lost publishes and acks, late copies, dropped connections,
crashes between commit and publish, zombie and second relays, redeliveries,
reordered deliveries and reporting crashes around its commit. Invariants are
checked after every step and at the end (see the world module's docstring).

Seeds: ``BENEFITS_SIM_SEED`` (else a random one) is the first; runs use
consecutive seeds. ``BENEFITS_SIM_RUNS`` (default 30, or 1 when a seed is
given) and ``BENEFITS_SIM_STEPS`` (default 200) set the size. Every failure
message starts with ``simulation seed=<n>`` and ends with the command that
replays it, e.g.::

    BENEFITS_SIM_SEED=1234 BENEFITS_SIM_STEPS=200 \
        .venv/bin/pytest -q tests/test_simulation.py -k profile

The long profile, ``make simulate`` (300 seeds of 1000 steps unless
BENEFITS_SIM_RUNS / BENEFITS_SIM_STEPS / BENEFITS_SIM_SEED say otherwise), is::

    BENEFITS_SIM_RUNS=300 BENEFITS_SIM_STEPS=1000 \
        .venv/bin/pytest -q tests/test_simulation.py -k profile

A profile sized from the environment prints its totals (steps taken, faults
injected, outcomes) when it passes.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from benefits_platform.bus import EXPECTED_LAST_SEQ
from benefits_platform.relay import OutboxRelay
from tests.simulation.world import SimulationFailure, run_simulation


def profile() -> tuple[int, int, int]:
    """(first seed, runs, steps) from the environment."""
    given = os.environ.get("BENEFITS_SIM_SEED", "").strip()
    seed = int(given) if given else secrets.randbelow(2**31)
    runs = int(os.environ.get("BENEFITS_SIM_RUNS", "1" if given else "30"))
    steps = int(os.environ.get("BENEFITS_SIM_STEPS", "200"))
    return seed, runs, steps


async def test_simulation_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, runs, steps = profile()
    totals: Counter[str] = Counter()
    for seed in range(first, first + runs):
        workdir = tmp_path / f"seed-{seed}"
        summary = await run_simulation(seed, steps, workdir)
        totals.update(summary.counts)
        shutil.rmtree(workdir, ignore_errors=True)  # kept only when a run fails
    if any(os.environ.get(f"BENEFITS_SIM_{name}") for name in ("SEED", "RUNS", "STEPS")):
        with capsys.disabled():
            print(f"\nsimulation: seeds {first}..{first + runs - 1}, {steps} steps each")
            for name, count in sorted(totals.items()):
                print(f"  {name:48} {count}")
    assert totals["recorded"] > 0 and totals["events in the ledger log"] > 0
    if runs * steps >= 3000:
        # A profile this size has met every kind of fault at least once.
        for fault in (
            "core publish lost",
            "publish delivered twice",
            "late copy delivered",
            "ack lost after store",
            "connection dropped mid-batch",
            "batch reordered",
            "delivered again",
            "ack lost",
            "ledger restarted",
            "zombie relay",
            "reporting restarted after-commit",
            "answer lost",
            "replayed",
        ):
            assert totals[fault] > 0, f"no {fault!r} in {runs} runs of {steps} steps"


async def test_same_seed_same_run(tmp_path: Path) -> None:
    """A seed replays exactly: the same steps with the same outcomes."""
    seed = secrets.randbelow(2**31)
    one = await run_simulation(seed, 120, tmp_path / "one")
    two = await run_simulation(seed, 120, tmp_path / "two")
    assert one.trace == two.trace, f"simulation seed={seed}: two runs of one seed differ"
    assert one.counts == two.counts


class RelayIgnoringExpectedSequence(OutboxRelay):
    """A broken relay: it leaves out Nats-Expected-Last-Sequence, so the stream
    no longer refuses a message that is not the next one in log order."""

    def _next_messages(self, *args: Any) -> Any:
        messages, last_position, head = super()._next_messages(*args)
        stripped = [
            (subject, payload, {k: v for k, v in headers.items() if k != EXPECTED_LAST_SEQ})
            for subject, payload, headers in messages
        ]
        return stripped, last_position, head


async def test_the_simulation_catches_a_broken_relay(tmp_path: Path) -> None:
    for seed in range(1, 11):
        try:
            await run_simulation(
                seed, 200, tmp_path / f"seed-{seed}", RelayIgnoringExpectedSequence
            )
        except SimulationFailure as failure:
            message = str(failure)
            assert message.startswith(f"simulation seed={seed} "), message
            assert "BENEFITS_SIM_SEED=" in message
            return
    pytest.fail("ten runs with a relay that ignores the expected sequence found nothing wrong")
