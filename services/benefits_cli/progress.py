"""A progress bar for long batches, on stderr.

On a terminal the bar is redrawn in place with ``\\r``; anywhere else (a log
file, CI, a pipe) one line is written each time another tenth of the rows is
done, so logs stay short and readable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 24
# A rate over less time than this says nothing (a first update right after the
# start would claim millions of rows a second): "?" until then.
MIN_RATE_SECONDS = 0.25


def _duration(seconds: float) -> str:
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


class Progress:
    def __init__(
        self,
        total: int,
        stream: TextIO,
        clock: Callable[[], float] = time.monotonic,
        tty: bool | None = None,
        done: int = 0,
    ) -> None:
        """``done``: rows already done before this bar started (shown, but not
        counted in the rate)."""
        self.total = total
        self.stream = stream
        self.clock = clock
        self.tty = stream.isatty() if tty is None else tty
        self.started = clock()
        self.done = done
        self._base = done
        self._tenths = -1 if done else 0  # a bar that starts part-done shows it at once
        self._drawn = False

    def line(self) -> str:
        """'[#####---] 1,000/2,500 rows  40%  812 rows/s  ETA 0:00:02'."""
        fraction = self.done / self.total if self.total else 1.0
        filled = int(fraction * BAR_WIDTH)
        elapsed = self.clock() - self.started
        counted = self.done - self._base
        rate = counted / elapsed if elapsed >= MIN_RATE_SECONDS and counted > 0 else 0.0
        left = self.total - self.done
        eta = _duration(left / rate) if rate > 0 else ("0:00:00" if left <= 0 else "?")
        shown = f"{rate:,.0f}" if rate > 0 else "?"
        return (
            f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {self.done:,}/{self.total:,} rows"
            f"  {int(fraction * 100):3d}%  {shown} rows/s  ETA {eta}"
        )

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.tty:
            self.stream.write("\r" + self.line() + "\x1b[K")
            self._drawn = True
            self.stream.flush()
            return
        tenths = self.done * 10 // self.total if self.total else 10
        if tenths > self._tenths:
            self._tenths = tenths
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def finish(self) -> None:
        """End the in-place line so later output starts on a fresh line."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
