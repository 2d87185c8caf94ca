"""Summarise a py-spy raw profile of the ledger (``bench_posting.py --profile DIR``).

Prints, as shares of all samples in the file:
  - by thread (MainThread = the asyncio event loop; asyncio_N = ``asyncio.to_thread``
    workers: the writer's group commits, the relay's store reads and checkpoints);
  - by component of the ledger and its relay (first matching rule below);
  - the top functions by self time and by inclusive time (line numbers folded).

    .venv/bin/python benchmarks/profile_summary.py /tmp/prof/ledger-sqlite-unary-gil.txt

With ``--profile-mode gil`` (the default) every sample is a moment some thread held
the GIL, so the shares say where the Python CPU goes. Cython and C code (grpc.aio's
call machinery, protobuf's upb) has no Python frame: its time shows as the self time
of the Python frame that called it, usually ``Handle._run`` (an asyncio callback).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

Frames = list[str]

_LINE = re.compile(r":\d+\)$")


def fold(frame: str) -> str:
    """'fn (path.py:123)' -> 'fn (path.py)'."""
    return _LINE.sub(")", frame)


def has(frames: Frames, *needles: str) -> bool:
    return any(n in f for f in frames for n in needles)


def below(frames: Frames, anchor: str) -> Frames:
    """The frames called from the first frame containing ``anchor``."""
    for i, f in enumerate(frames):
        if anchor in f:
            return frames[i + 1 :]
    return []


def _relay(frames: Frames) -> str | None:
    if not has(frames, "OutboxRelay."):
        return None
    inner = below(frames, "OutboxRelay.publish_next_batch")
    if has(inner, "to_domain_event", "LogReader._decode"):
        return "relay: decode stored events (eventsourcing mapper, JSON)"
    if has(inner, "LogReader.rows", "select_notifications"):
        return "relay: read notifications from the store"
    if has(
        inner,
        "encode (ledger/adapters",
        "(ledger/adapters/event_codec",
        "build_envelope",
        "chain_hash",
        "EnvelopeWriter.",
    ):
        return "relay: event -> protobuf envelope + hash chain"
    if has(inner, "publish_together", "publish_async", "nats/"):
        return "relay: nats publish_async"
    return "relay: loop, acks, other"


def _worker_thread(frames: Frames) -> str | None:
    if not has(frames, "_WorkItem.run"):
        return None
    if has(frames, "RelayCheckpoints."):
        return "relay: checkpoint save (thread)"
    if has(frames, "select_notifications") and not has(frames, "LedgerApplication."):
        return "relay: read notifications from the store (thread)"
    if has(frames, "LedgerApplication.execute"):
        inner = below(frames, "LedgerApplication._execute")
        if has(inner, "Application.save"):
            save = below(frames, "Application.save")
            if has(
                save, "insert_events", "Connection.commit", "Transaction.__exit__", "Cursor.execute"
            ):
                return "writer: store insert + commit (SQL)"
            if has(save, "to_stored_event", "Mapper.", "Transcoder", "JSON"):
                return "writer: events -> stored events (mapper, JSON)"
            return "writer: eventsourcing save, other (collect events, ...)"
        if has(inner, "LedgerApplication._handle"):
            return "writer: domain (rules, drafts, aggregates)"
        if has(inner, "apply_entry"):
            return "writer: fold into the book"
        return "writer: group, other"
    return "worker thread, other"


def _idle(frames: Frames) -> str | None:
    """Waits (seen with --profile-mode wall, where idle threads are sampled too)."""
    leaf = frames[-1] if frames else ""
    if leaf.startswith("_worker (concurrent/futures/thread.py"):
        return "idle: worker threads waiting for work"
    if leaf.startswith("EpollSelector.select"):
        return "idle: event loop waiting in epoll"
    if leaf.startswith("Thread.run (threading.py") or "_poll_wrapper" in leaf:
        return "idle/C: grpc.aio poller thread (no Python frame)"
    if leaf.startswith(("Condition.wait", "Event.wait", "Lock.acquire")):
        return "idle: waiting on a lock"
    return None


RULES: list[tuple[str, Callable[[Frames], str | None]]] = [
    ("idle", _idle),
    (
        "start-up",
        lambda f: (
            "start-up (imports, book rebuild)"
            if has(f, "_find_and_load", "catch_up", "_bring_up")
            else None
        ),
    ),
    ("relay", _relay),
    ("thread", _worker_thread),
    (
        "writer loop",
        lambda f: "writer: queue + futures (loop)" if has(f, "CommandWriter.") else None,
    ),
    (
        "servicer",
        lambda f: (
            "servicer: entries -> proto responses"
            if has(
                f, "recorded_entry", "entry (ledger/entrypoints", "timestamp (ledger/entrypoints"
            )
            else "servicer: proto -> commands + validation"
            if has(f, "post_payout", "validate")
            else "servicer: other (await writer)"
            if has(f, "LedgerServicer.")
            else None
        ),
    ),
    (
        "rpc",
        lambda f: (
            "rpc wrapper (metadata, structlog contextvars)"
            if has(f, "rpc.<locals>.wrapper")
            else None
        ),
    ),
    ("nats", lambda f: "nats client (flusher, reader)" if has(f, "nats/") else None),
    ("grpc py", lambda f: "grpc.aio Python frames" if has(f, "grpc/") else None),
    (
        "callbacks",
        lambda f: (
            "asyncio callbacks: grpc.aio Cython / C (no Python frame)"
            if f and f[-1].startswith("Handle._run")
            else None
        ),
    ),
    ("loop", lambda f: "asyncio event loop" if has(f, "asyncio/") else None),
]


def component(frames: Frames) -> str:
    for _name, rule in RULES:
        found = rule(frames)
        if found:
            return found
    return "other"


def load(path: Path) -> list[tuple[str, Frames, int]]:
    samples = []
    for raw in path.read_text().splitlines():
        if not raw.strip():
            continue
        stack, _, count = raw.rpartition(" ")
        frames = stack.split(";")
        thread = frames[0]
        if thread.startswith("thread ("):
            thread = thread.split(": ", 1)[1] if ": " in thread else thread
            frames = frames[1:]
        if thread.startswith("process "):
            frames = frames[1:]
        samples.append((thread, frames, int(count)))
    return samples


def thread_kind(name: str) -> str:
    if name.startswith("asyncio_"):
        return "asyncio.to_thread workers"
    if name == "MainThread":
        return "MainThread (event loop)"
    return name


def table(title: str, counter: Counter[str], total: int, top: int) -> None:
    print(f"\n{title}")
    for key, n in counter.most_common(top):
        print(f"  {100 * n / total:5.1f}%  {key}")


def summarise(path: Path, top: int) -> None:
    samples = load(path)
    total = sum(n for _, _, n in samples)
    if not total:
        print(f"{path}: no samples")
        return
    threads: Counter[str] = Counter()
    parts: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for thread, frames, n in samples:
        threads[thread_kind(thread)] += n
        parts[component(frames)] += n
        if frames:
            self_time[fold(frames[-1])] += n
        for f in {fold(f) for f in frames}:
            inclusive[f] += n
    print(f"{path}: {total} samples")
    table("by thread", threads, total, top)
    table("by component", parts, total, 40)
    table(f"top {top} functions by self time", self_time, total, top)
    boring = (
        "Thread._bootstrap",
        "Thread.run",
        "_worker (",
        "<module>",
        "main (",
        "run (",
        "Runner.run",
        "run_until_complete",
        "run_forever",
        "_run_once",
        "_run_module",
        "_run_code",
        "serve (ledger/entrypoints",
        "run_until_signalled",
        "_WorkItem.run",
        "Handle._run",
        "Thread._bootstrap_inner",
    )
    filtered = Counter({k: v for k, v in inclusive.items() if not any(b in k for b in boring)})
    table(f"top {top} functions by inclusive time (runner frames left out)", filtered, total, top)


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("profiles", nargs="+", type=Path, help="py-spy raw files (--format raw)")
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args(argv)
    for i, path in enumerate(args.profiles):
        if i:
            print("\n" + "=" * 78 + "\n")
        summarise(path, args.top)


if __name__ == "__main__":
    main()
