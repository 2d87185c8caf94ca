"""Python's cyclic garbage collector kept out of the way of bulk work."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# Net allocations of container objects between two collections of the youngest
# generation in a service process. CPython's default, 700, is sized for
# scripts: a service's request or batch makes thousands of objects that live
# until it is answered, and every young collection walks all of them. With
# collections paused during a batch (collection_paused) the pile-up set one off
# as soon as they resumed, and its survivors set off the next generation's: in
# the ledger's writer, 3 collections per 1,000-row batch, a tenth of its time.
# Reference counting frees almost everything; the cyclic collector only has to
# find the rare cycle, which it still does, every YOUNG_THRESHOLD allocations.
YOUNG_THRESHOLD = 50_000


def tune_collector() -> None:
    """Collect the youngest generation every YOUNG_THRESHOLD allocations (the
    older generations keep their ratios to it)."""
    _young, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a batch of work is done:
    a group of commands built and stored, a batch of events applied to the
    projections. Every object a batch makes (aggregates, events, rows) lives
    until the batch is stored: the collections its allocations would trigger
    free nothing and only promote those objects to older generations, which
    then fill and set off full collections of the whole heap every few
    batches. Reference counting still frees everything else; collections
    resume when the batch is done."""
    if not gc.isenabled():  # off already (or paused by another thread): left as it is
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def freeze_long_lived() -> None:
    """What start-up loaded (the ledger's book, the members registry) lives as
    long as the process: move it out of the collector's way, so that a full
    collection no longer walks millions of long-lived objects."""
    gc.collect()
    gc.freeze()
