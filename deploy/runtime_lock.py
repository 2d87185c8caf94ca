"""Print the part of requirements.lock that the services need at run time.

    python deploy/runtime_lock.py requirements.lock pyproject.toml > runtime.lock
    python deploy/runtime_lock.py requirements.lock pyproject.toml --packages setuptools

requirements.lock pins every package of the project *and* of its ``dev``
extra (test and lint tools), each with its hashes and a ``# via`` note naming
the packages that require it. The image installs only the run-time part: the
project's own ``[project].dependencies`` (or the ``--packages`` given) and,
following the ``# via`` notes, everything they require, with the lock's exact
lines, pins and hashes. ``pip install --require-hashes -r`` on the output then
fails if anything a run-time package needs is missing, so a wrong subset cannot
build. Standard library only: it runs in the image's build stage before
anything is installed.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    """PEP 503 normalised package name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Pin:
    name: str
    lines: list[str] = field(default_factory=list)  # the requirement and its hashes
    via: list[str] = field(default_factory=list)  # who requires it (normalised names)


def parse_lock(text: str) -> dict[str, Pin]:
    """Each pinned package of a ``uv pip compile`` / pip-compile lock file."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    in_via = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not line[0].isspace() and not line.startswith("#"):
            match = _NAME.match(line)
            if match is None:
                raise ValueError(f"cannot read this lock line: {line!r}")
            current = Pin(normalise(match.group(1)), [line])
            pins[current.name] = current
            in_via = False
            continue
        if current is None:
            continue  # the header comments
        if stripped.startswith("--hash="):
            current.lines.append(line)
        elif stripped.startswith("# via"):
            rest = stripped.removeprefix("# via").strip()
            in_via = not rest
            if rest:
                current.via.append(rest)
        elif in_via and stripped.startswith("#"):
            current.via.append(stripped.lstrip("#").strip())
    for pin in pins.values():
        # "benefits-ledger (pyproject.toml)" -> "benefits-ledger"; "-r file" stays as is.
        pin.via = [normalise(entry.split(" ", 1)[0]) for entry in pin.via]
    return pins


def project_dependencies(pyproject: Path) -> list[str]:
    """The names in ``[project].dependencies`` (extras and versions dropped)."""
    document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    names = []
    for requirement in document["project"]["dependencies"]:
        match = _NAME.match(requirement.strip())
        if match is None:
            raise ValueError(f"cannot read the dependency {requirement!r}")
        names.append(normalise(match.group(1)))
    return names


def closure(pins: dict[str, Pin], roots: Iterable[str]) -> list[Pin]:
    """``roots`` and every pin required by one already taken, in lock order."""
    wanted = {normalise(name) for name in roots}
    missing = sorted(wanted - pins.keys())
    if missing:
        raise KeyError(f"not in the lock: {', '.join(missing)}")
    changed = True
    while changed:
        changed = False
        for pin in pins.values():
            if pin.name not in wanted and wanted.intersection(pin.via):
                wanted.add(pin.name)
                changed = True
    return [pin for pin in pins.values() if pin.name in wanted]


def render(selected: list[Pin], source: str) -> str:
    header = f"# The run-time part of {source}, selected by deploy/runtime_lock.py.\n"
    return header + "".join("\n".join(pin.lines).rstrip(" \\") + "\n" for pin in selected)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lock", type=Path, help="requirements.lock")
    parser.add_argument("pyproject", type=Path, help="pyproject.toml")
    parser.add_argument(
        "--packages",
        default="",
        help="comma-separated names to select instead of the project's dependencies",
    )
    args = parser.parse_args(argv)
    pins = parse_lock(args.lock.read_text(encoding="utf-8"))
    roots = [p for p in args.packages.split(",") if p.strip()] or project_dependencies(
        args.pyproject
    )
    sys.stdout.write(render(closure(pins, roots), args.lock.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
