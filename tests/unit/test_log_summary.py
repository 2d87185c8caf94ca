"""A summarised log line: counts add up between lines, a line at most every
``seconds``, the first occurrence after a quiet spell at once, nothing lost."""

from __future__ import annotations

from typing import Any

from benefits_platform import logs


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Lines:
    """A logger that keeps its INFO lines (the suite's own logging is at WARNING)."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def info(self, event: str, **fields: Any) -> None:
        assert event == "entries.recorded"
        self.lines.append(fields)


def summary(clock: Clock, logger: Lines) -> logs.Summary:
    return logs.Summary(logger, "entries.recorded", 1.0, clock)


def test_counts_are_summed_into_one_line_a_second() -> None:
    clock = Clock()
    logger = Lines()
    tally = summary(clock, logger)
    tally.add(count=1, groups=1)  # the first: written at once
    for _ in range(10):
        clock.now += 0.05
        tally.add(count=4, groups=1)
    clock.now += 0.6  # 1.1 s after the first line
    tally.add(count=2, groups=1)
    clock.now += 0.1
    tally.add(count=3, groups=1)
    tally.flush()  # what is left, when the ledger closes
    tally.flush()  # nothing more to write
    assert logger.lines == [
        {"count": 1, "groups": 1},
        {"count": 42, "groups": 11},
        {"count": 3, "groups": 1},
    ]


def test_the_ledger_writes_what_it_recorded_when_it_closes(tmp_path: Any) -> None:
    from benefits_platform.config import StoreConfig
    from benefits_platform.eventstore import eventsourcing_env
    from ledger.application import LedgerApplication
    from tests.unit.ledger_helpers import enroll, open_cmd, pay

    app = LedgerApplication(eventsourcing_env(StoreConfig(sqlite_path=tmp_path / "e.sqlite")))
    enroll(app, "M1")
    logger = Lines()
    app._recorded_log.logger = logger
    app.execute([open_cmd()])
    app.execute([pay("p1", amount=100)])
    app.execute([pay("p2", amount=100), pay("p3", amount=100)])
    app.close()
    recorded = logger.lines
    assert recorded[0] == {"count": 1, "groups": 1}
    assert sum(line["count"] for line in recorded) == 4
    assert sum(line["groups"] for line in recorded) == 3


def test_a_ledger_never_closed_exits_without_an_error(tmp_path: Any) -> None:
    """An application left to the interpreter's shutdown (a script, a test) is
    closed by its __del__ then: the summary it still holds is not written, as
    logging can no longer import, rather than failing with an ignored error."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = (
        "from benefits_platform.config import StoreConfig\n"
        "from benefits_platform.eventstore import eventsourcing_env\n"
        "from ledger.application import LedgerApplication\n"
        "from pathlib import Path\n"
        "from tests.unit.ledger_helpers import enroll, open_cmd, pay\n"
        f"store = StoreConfig(sqlite_path=Path({str(tmp_path / 'e.sqlite')!r}))\n"
        "app = LedgerApplication(eventsourcing_env(store))\n"
        "enroll(app, 'M1')\n"
        "app.execute([open_cmd()])\n"
        "app.execute([pay('p1', amount=100)])\n"  # within the second: summed, not yet written
    )
    env = {"PYTHONPATH": f"{root / 'services'}:{root}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Exception ignored" not in done.stderr, done.stderr
    assert "entries.recorded" in done.stdout + done.stderr  # the first group's line
