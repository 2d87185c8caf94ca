"""Python's cyclic garbage collector kept out of the way of bulk work."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


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
