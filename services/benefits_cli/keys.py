"""``benefits keys create|revoke|list``: the API keys and certificate identities
the services accept, kept in the keys file (BENEFITS_API_KEYS_FILE, default
``<BENEFITS_DATA_DIR or var>/keys/api-keys.json``; see
benefits_platform.auth.keys).

These commands change the file itself, on the machine (or volume) the
services read it from; the services pick a change up on their next call, so
a revoked key stops working at once, without a restart.

- ``keys create --role POSTER [--role ...] [--unit GD-SZ] --label "aid desk"``
  prints the new key once (only its hash is stored); without ``--unit`` the
  key may act on every unit. ``keys create --cn NAME --role ...`` maps the
  common name of a mutual-TLS client certificate instead (no key printed).
- ``keys revoke ID``: a key id, or a certificate's common name.
- ``keys list``: every key and certificate identity, never a secret.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benefits_cli.main import EXIT_FAILED, EXIT_OK, Cli, UsageError
from benefits_platform.auth import ALL_UNITS, ROLES, KeysFile, StoredIdentity
from benefits_platform.domain_errors import DomainError

Sub = Callable[[Any, str, Callable[[Cli], int], str], Any]


def keys_file_path(option: str = "") -> Path:
    """--keys-file, else BENEFITS_API_KEYS_FILE, else
    <BENEFITS_DATA_DIR or var>/keys/api-keys.json."""
    if option:
        return Path(option)
    env = os.environ.get("BENEFITS_API_KEYS_FILE", "").strip()
    if env:
        return Path(env)
    data_dir = os.environ.get("BENEFITS_DATA_DIR", "").strip() or "var"
    return Path(data_dir) / "keys" / "api-keys.json"


def _roles(values: list[str]) -> list[str]:
    return [r.strip().upper() for value in values for r in value.split(",") if r.strip()]


def _scope(entry: StoredIdentity) -> str:
    return "every unit" if entry.unit_scope == ALL_UNITS else f"{entry.unit_scope} and below"


def _run(cli: Cli, action: Callable[[KeysFile], int]) -> int:
    keys = KeysFile(keys_file_path(cli.args.keys_file), announce=False)
    try:
        return action(keys)
    except DomainError as error:
        raise UsageError(error.message) from None
    except (OSError, ValueError) as error:
        cli.note(f"error: {keys.path}: {error}")
        return EXIT_FAILED


def cmd_keys_create(cli: Cli) -> int:
    a = cli.args

    def create(keys: KeysFile) -> int:
        roles = _roles(a.role)
        if a.cn:
            entry = keys.add_certificate(a.cn, roles, a.unit, a.label)
            cli.emit(
                entry.public(),
                lambda: (
                    f"certificate {entry.id!r} mapped: roles {', '.join(entry.roles)}, "
                    f"{_scope(entry)} (in {keys.path})"
                ),
            )
            return EXIT_OK
        entry, key = keys.create_key(roles, a.unit, a.label)
        cli.emit(
            {**entry.public(), "key": key},
            lambda: "\n".join(
                [
                    f"key {entry.id} created: roles {', '.join(entry.roles)}, {_scope(entry)}"
                    f"{' (' + entry.label + ')' if entry.label else ''}; in {keys.path}",
                    "It is shown only now; keep it secret (send it as BENEFITS_API_KEY or "
                    "--api-key):",
                    key,
                ]
            ),
        )
        return EXIT_OK

    return _run(cli, create)


def cmd_keys_revoke(cli: Cli) -> int:
    def revoke(keys: KeysFile) -> int:
        entry = keys.revoke(cli.args.id)
        cli.emit(
            entry.public(),
            lambda: (
                f"{entry.kind} {entry.id} revoked at {entry.revoked_at}; the services "
                "refuse it from their next call"
            ),
        )
        return EXIT_OK

    return _run(cli, revoke)


def cmd_keys_list(cli: Cli) -> int:
    def listing(keys: KeysFile) -> int:
        entries = keys.entries()
        cli.emit({"keys": [e.public() for e in entries]}, lambda: _table(entries, keys.path))
        return EXIT_OK

    return _run(cli, listing)


def _table(entries: list[StoredIdentity], path: Path) -> str:
    if not entries:
        return f"no keys in {path}; create one with `benefits keys create`"
    header = ("ID / COMMON NAME", "KIND", "ROLES", "SCOPE", "CREATED", "REVOKED", "LABEL")
    rows = [
        (e.id, e.kind, ",".join(e.roles), e.unit_scope, e.created_at, e.revoked_at or "-", e.label)
        for e in entries
    ]
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header) - 1)]
    lines = []
    for row in (header, *rows):
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, str(row[-1])]).rstrip())
    return "\n".join(lines)


def _keys_file_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keys-file",
        default="",
        metavar="FILE",
        help="the keys file (env BENEFITS_API_KEYS_FILE; default "
        "<BENEFITS_DATA_DIR or var>/keys/api-keys.json)",
    )


def add_commands(commands: Any, sub: Sub) -> None:
    group = commands.add_parser("keys", help="create, revoke and list API keys")
    keys = group.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    p = sub(keys, "create", cmd_keys_create, "create an API key (printed once) or map a "
            "client certificate's common name (--cn)")  # fmt: skip
    p.add_argument(
        "--role",
        action="append",
        required=True,
        metavar="ROLE",
        help=f"one of {', '.join(ROLES)} (repeat, or comma-separate, for several)",
    )
    p.add_argument(
        "--unit",
        default=ALL_UNITS,
        metavar="CODE",
        help="the union unit whose subtree the key may act on (default: every unit)",
    )
    p.add_argument("--label", default="", help="what the key is for, e.g. 'Shenzhen aid desk'")
    p.add_argument(
        "--cn", default="", metavar="NAME", help="map this client certificate common name"
    )
    _keys_file_option(p)
    p = sub(keys, "revoke", cmd_keys_revoke, "revoke a key (by id) or a certificate identity")
    p.add_argument("id", help="key id (the part after bk_) or a certificate common name")
    _keys_file_option(p)
    p = sub(keys, "list", cmd_keys_list, "list keys and certificate identities (no secrets)")
    _keys_file_option(p)
