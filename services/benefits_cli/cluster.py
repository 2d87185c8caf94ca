"""``benefits up --cluster``: the production shape on this machine's loopback.

- three nats-server nodes in one JetStream cluster (routes on loopback), each
  with its store under ``<data dir>/cluster/nats-N``; every stream at 3 replicas
  (``BENEFITS_STREAM_REPLICAS=3``), so losing any one node loses nothing and
  stops nothing;
- one PostgreSQL (initdb into ``<data dir>/cluster/pg`` on the first run, as an
  unprivileged user when run as root) holding every service's store;
- two ledger instances sharing the PostgreSQL event store (each group of
  commands is validated and written under the store's write lock:
  benefits_platform.shared_store) and one ledger relay process;
- one members and one reporting service.

Every service knows all three NATS nodes (``BENEFITS_NATS_URL`` lists them,
comma-separated). Clients spread ledger calls over both instances by naming
both: ``--ledger 127.0.0.1:50051,127.0.0.1:50061`` (or ``BENEFITS_LEDGER_ADDR``),
which the CLI turns into a gRPC round_robin channel that skips an instance that
is down. Logs go to ``<data dir>/cluster/logs``. Ctrl-C stops the services,
then the relay, then NATS and PostgreSQL.

:class:`ClusterLayout` (ports, directories, commands and environments) is also
what the fault tests build their cluster from.
"""

from __future__ import annotations

import functools
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from benefits_cli.postgres import PostgresServer, free_port
from benefits_cli.stack import (
    HOST,
    RELAY_SUFFIX,
    SignalTrap,
    Stack,
    StackError,
    check_port_free,
    nats_server_binary,
    supervised,
)

NODES = 3
LEDGER_INSTANCES = ("ledger-1", "ledger-2")
CLUSTER_NAME = "benefits"
REPLICAS = 3


@dataclass(frozen=True)
class ClusterPorts:
    nats: tuple[int, ...] = (4222, 4223, 4224)
    routes: tuple[int, ...] = (6222, 6223, 6224)
    monitor: tuple[int, ...] = (8222, 8223, 8224)
    postgres: int = 55432
    ledger: tuple[int, ...] = (50051, 50061)
    members: int = 50052
    reporting: int = 50053

    @classmethod
    def free(cls) -> ClusterPorts:
        """Free loopback ports for everything (tests)."""
        return cls(
            nats=tuple(free_port() for _ in range(NODES)),
            routes=tuple(free_port() for _ in range(NODES)),
            monitor=tuple(free_port() for _ in range(NODES)),
            postgres=free_port(),
            ledger=tuple(free_port() for _ in LEDGER_INSTANCES),
            members=free_port(),
            reporting=free_port(),
        )

    def named(self) -> dict[str, int]:
        named = {"PostgreSQL": self.postgres, "members": self.members}
        named["reporting"] = self.reporting
        for i in range(NODES):
            named[f"NATS node {i + 1}"] = self.nats[i]
            named[f"NATS node {i + 1} routes"] = self.routes[i]
            named[f"NATS node {i + 1} monitoring"] = self.monitor[i]
        for name, port in zip(LEDGER_INSTANCES, self.ledger, strict=True):
            named[name] = port
        return named


@dataclass(frozen=True)
class ClusterLayout:
    """Where everything of one cluster lives and how each process is started."""

    root: Path  # <data dir>/cluster
    ports: ClusterPorts = field(default_factory=ClusterPorts)
    durable: bool = True  # PostgreSQL with fsync (off only for tests)

    @property
    def nats_urls(self) -> list[str]:
        return [f"nats://{HOST}:{port}" for port in self.ports.nats]

    @property
    def nats_url(self) -> str:
        """BENEFITS_NATS_URL: every node, comma-separated."""
        return ",".join(self.nats_urls)

    @property
    def ledger_addresses(self) -> list[str]:
        return [f"{HOST}:{port}" for port in self.ports.ledger]

    @property
    def ledger_target(self) -> str:
        """What a client is given to spread its calls over both ledger instances."""
        return ",".join(self.ledger_addresses)

    def nats_dir(self, node: int) -> Path:
        return self.root / f"nats-{node + 1}"

    def nats_command(self, node: int, binary: Path | None = None) -> list[str]:
        """nats-server for node 0, 1 or 2: JetStream on, routes to the others."""
        routes = ",".join(
            f"nats://{HOST}:{port}" for i, port in enumerate(self.ports.routes) if i != node
        )
        return [
            str(binary or nats_server_binary()),
            "-js",
            "-n",
            f"{CLUSTER_NAME}-{node + 1}",
            "-a",
            HOST,
            "-p",
            str(self.ports.nats[node]),
            "-m",
            str(self.ports.monitor[node]),
            "-sd",
            str(self.nats_dir(node)),
            "--cluster_name",
            CLUSTER_NAME,
            "--cluster",
            f"nats://{HOST}:{self.ports.routes[node]}",
            "--routes",
            routes,
        ]

    def postgres(self) -> PostgresServer:
        """The cluster's PostgreSQL; its password is made up on the first run and
        kept in ``<root>/postgres-password`` (mode 0600)."""
        self.root.mkdir(parents=True, exist_ok=True)
        password_file = self.root / "postgres-password"
        if not password_file.exists():
            password_file.touch(mode=0o600)
            password_file.write_text(secrets.token_urlsafe(18))
        return PostgresServer(
            self.root / "pg",
            self.ports.postgres,
            password=password_file.read_text().strip(),
            durable=self.durable,
        )

    def service_env(
        self, service: str, port: int, postgres_dsn: str, base: Mapping[str, str]
    ) -> dict[str, str]:
        """The environment of one service process (or of the ledger's relay)."""
        env = dict(base)
        env.update({
            "BENEFITS_DATA_DIR": str(self.root),
            "BENEFITS_NATS_URL": self.nats_url,
            "BENEFITS_STREAM_REPLICAS": str(REPLICAS),
            "BENEFITS_STORE": "postgres",
            "BENEFITS_POSTGRES_DSN": postgres_dsn,
            f"BENEFITS_{service.upper()}_HOST": HOST,
            f"BENEFITS_{service.upper()}_PORT": str(port),
            "PYTHONUNBUFFERED": "1",
        })
        if service == "ledger":
            env["BENEFITS_RELAY"] = "process"
        return env


class ClusterStack(Stack):
    """The stack runner's supervision, stop order and logs, for the cluster."""

    def __init__(
        self, layout: ClusterLayout, extra_env: Mapping[str, str] | None, trap: SignalTrap
    ) -> None:
        ports = layout.ports
        super().__init__(
            layout.root,
            ports.nats[0],
            ports.monitor[0],
            {"ledger": ports.ledger[0], "members": ports.members, "reporting": ports.reporting},
            extra_env,
            trap,
        )
        self.layout = layout
        self.ports.update(zip(LEDGER_INSTANCES, ports.ledger, strict=True))
        self.pg: PostgresServer | None = None

    @staticmethod
    def is_infrastructure(name: str) -> bool:
        return name.startswith("nats-") or name == "postgres"

    def start(self) -> None:
        named = self.layout.ports.named()
        if len(set(named.values())) != len(named):
            raise StackError(f"ports must all differ, got {named}")
        for what, port in named.items():
            check_port_free(port, what)
        binary = nats_server_binary()
        try:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            for node in range(NODES):
                self.layout.nats_dir(node).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StackError(f"cannot create {self.layout.root}: {error.strerror}") from None

        # All three nodes first: JetStream is ready only once they have met.
        nodes = []
        for node in range(NODES):
            self._say(
                f"starting NATS node {node + 1} on {self.layout.nats_urls[node]} "
                f"(JetStream store {self.layout.nats_dir(node)})"
            )
            nodes.append(
                self._spawn(f"nats-{node + 1}", self.layout.nats_command(node, binary),
                            dict(os.environ))
            )  # fmt: skip
        for node, child in enumerate(nodes):
            monitor = self.layout.ports.monitor[node]
            self._wait_until(child, functools.partial(self._nats_healthy, monitor))

        pg = self.layout.postgres()
        self._say(f"starting PostgreSQL on {HOST}:{pg.port} (data {pg.data_dir})")
        try:
            pg.init()
        except (RuntimeError, OSError) as error:
            raise StackError(f"PostgreSQL could not be set up: {error}") from None
        self.pg = pg
        postgres = self._spawn("postgres", pg.command(), dict(os.environ), **pg.popen_options())
        self._wait_until(postgres, pg.ready)

        for name, port in zip(LEDGER_INSTANCES, self.layout.ports.ledger, strict=True):
            self._start_service(name, "ledger", port)
        if self.trap.stop_requested:
            return
        self._say("starting the ledger's relay")
        self._spawn(
            "ledger" + RELAY_SUFFIX,
            [sys.executable, "-m", "ledger.entrypoints.relay"],
            self._cluster_env("ledger", self.layout.ports.ledger[0]),
        )
        self._start_service("members", "members", self.layout.ports.members)
        self._start_service("reporting", "reporting", self.layout.ports.reporting)

    def _start_service(self, name: str, service: str, port: int) -> None:
        if self.trap.stop_requested:
            return
        self._say(f"starting {name} on {HOST}:{port}")
        child = self._spawn(
            name,
            [sys.executable, "-m", f"{service}.entrypoints.server"],
            self._cluster_env(service, port),
        )
        self._wait_until(child, functools.partial(self._serving, name))

    def _cluster_env(self, service: str, port: int) -> dict[str, str]:
        assert self.pg is not None
        base = self._service_env(service)
        return self.layout.service_env(service, port, self.pg.dsn, base)

    def keys_note(self) -> str:
        """The stack's note on the development keys, less its default-key line:
        the CLI looks for that key under var/keys, not var/cluster/keys."""
        lines = super().keys_note().splitlines()
        files: dict[str, Path] = getattr(self, "key_files", {})
        kept = [line for line in lines if not line.startswith("  the CLI sends")]
        if "all roles" in files:
            kept.append(
                f"  clients send a key with  export BENEFITS_API_KEY_FILE={files['all roles']}"
            )
        return "\n".join([*kept, ""])

    def banner(self) -> str:
        ports = self.layout.ports
        lines = ["", "benefits cluster is up. Press Ctrl-C to stop it.", ""]
        lines += [
            "  gRPC services",
            f"    ledger     {'  '.join(self.layout.ledger_addresses)}"
            "  (two instances, one PostgreSQL store)",
            f"    members    {HOST}:{ports.members}",
            f"    reporting  {HOST}:{ports.reporting}",
            "  clients spread ledger calls over both instances with",
            f"    export BENEFITS_LEDGER_ADDR={self.layout.ledger_target}",
            f"  NATS JetStream cluster '{CLUSTER_NAME}' (streams at {REPLICAS} replicas)",
        ]
        for node in range(NODES):
            lines.append(
                f"    node {node + 1}     {self.layout.nats_urls[node]}"
                f"  monitor http://{HOST}:{ports.monitor[node]}"
            )
        lines.append(f"    clients    BENEFITS_NATS_URL={self.layout.nats_url}")
        if self.pg is not None:
            lines.append(
                f"  PostgreSQL   {HOST}:{self.pg.port}, database {self.pg.database}, "
                f"user {self.pg.user} (password in {self.layout.root / 'postgres-password'})"
            )
        lines += [f"  data    {self.data_dir}", f"  logs    {self.log_dir}"]
        width = max((len(child.name) for child in self.children), default=0)
        for child in self.children:
            lines.append(f"    {child.name:<{width}}  {child.log_path}")
        lines.append("")
        return "\n".join(lines)


def run_cluster(
    data_dir: Path = Path("var"),
    ports: ClusterPorts | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> int:
    """Run the cluster until SIGINT or SIGTERM; everything under
    ``<data_dir>/cluster``. Returns 0 after a requested stop, 1 when it could not
    start or a process died on its own (like :func:`benefits_cli.stack.run_stack`)."""
    layout = ClusterLayout(Path(os.path.abspath(data_dir)) / "cluster", ports or ClusterPorts())
    return supervised(lambda trap: ClusterStack(layout, extra_env, trap))
