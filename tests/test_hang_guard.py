"""The suite's guard against hangs (pyproject: faulthandler_timeout with
faulthandler_exit_on_timeout), on a test that sleeps past the limit (1 s
here): the run ends with a failure and every thread's stack, instead of
waiting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_test_that_hangs_ends_the_run_with_every_stack(tmp_path: Path) -> None:
    (tmp_path / "test_stuck.py").write_text(
        "import time\n\n\ndef test_stuck():\n    time.sleep(120)\n", encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-c", str(ROOT / "pyproject.toml"),
         "--rootdir", str(ROOT), "-o", "faulthandler_timeout=1", "-p", "no:cacheprovider",
         str(tmp_path / "test_stuck.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "Timeout" in done.stderr, done.stderr[-2000:]
    assert "test_stuck" in done.stderr
