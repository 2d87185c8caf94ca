"""``benefits certs dev``: a local certificate authority and certificates for
development and tests, under ``<data dir>/certs``:

- ``ca.pem`` / ``ca-key.pem``: the CA (clients trust ca.pem: BENEFITS_TLS_CA_FILE;
  servers check client certificates against it: BENEFITS_TLS_CLIENT_CA_FILE);
- ``server.pem`` / ``server-key.pem``: the services' certificate, for localhost,
  127.0.0.1 and ::1 (BENEFITS_TLS_CERT_FILE / BENEFITS_TLS_KEY_FILE);
- ``client.pem`` / ``client-key.pem``: a client certificate whose common name
  (``benefits-dev-client``) is mapped in the keys file to every role for every
  unit, for mutual TLS without an API key (BENEFITS_TLS_CLIENT_CERT_FILE /
  BENEFITS_TLS_CLIENT_KEY_FILE for the CLI).

Private keys are written with mode 0600. Existing files are kept unless
``--force`` is given. These certificates are for a development machine only:
production certificates come from the operator's own CA.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from benefits_cli.keys import keys_file_path
from benefits_cli.main import EXIT_OK, Cli
from benefits_platform.auth import ALL_UNITS, ROLES, KeysFile

Sub = Callable[[Any, str, Callable[[Cli], int], str], Any]

DEV_CLIENT_CN = "benefits-dev-client"
VALID_DAYS = 825


@dataclass(frozen=True)
class DevCerts:
    directory: Path

    @property
    def ca(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca-key.pem"

    @property
    def server(self) -> Path:
        return self.directory / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.directory / "server-key.pem"

    @property
    def client(self) -> Path:
        return self.directory / "client.pem"

    @property
    def client_key(self) -> Path:
        return self.directory / "client-key.pem"

    def exist(self) -> bool:
        return all(
            p.exists()
            for p in (self.ca, self.ca_key, self.server, self.server_key, self.client,
                      self.client_key)
        )  # fmt: skip


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "benefits development"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _issue(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    *,
    usage: list[x509.ObjectIdentifier] | None = None,
    names: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    issuer_name, issuer_key = issuer if issuer is not None else (_name(subject), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if issuer is None:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_dev_certs(directory: Path, client_cn: str = DEV_CLIENT_CN) -> DevCerts:
    """A new CA, server certificate (localhost, 127.0.0.1, ::1) and client
    certificate (``client_cn``) in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    found = DevCerts(directory)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _issue("benefits development CA", ca_key, None)
    issuer = (ca.subject, ca_key)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _issue(
        "localhost",
        server_key,
        issuer,
        usage=[ExtendedKeyUsageOID.SERVER_AUTH],
        names=[
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ],
    )
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = _issue(client_cn, client_key, issuer, usage=[ExtendedKeyUsageOID.CLIENT_AUTH])
    for path, key in ((found.ca_key, ca_key), (found.server_key, server_key),
                      (found.client_key, client_key)):  # fmt: skip
        _write_key(path, key)
    for path, cert in ((found.ca, ca), (found.server, server), (found.client, client)):
        _write_cert(path, cert)
    return found


def issue_client_cert(certs: DevCerts, common_name: str, cert_path: Path, key_path: Path) -> None:
    """Another client certificate from the development CA of ``certs``."""
    ca = x509.load_pem_x509_certificate(certs.ca.read_bytes())
    ca_key = serialization.load_pem_private_key(certs.ca_key.read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{certs.ca_key}: not the development CA's key")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _issue(common_name, key, (ca.subject, ca_key), usage=[ExtendedKeyUsageOID.CLIENT_AUTH])
    _write_key(key_path, key)
    _write_cert(cert_path, cert)


def map_client(keys_file: Path, common_name: str = DEV_CLIENT_CN) -> bool:
    """Map the development client certificate to every role for every unit
    (False when it is already mapped)."""
    keys = KeysFile(keys_file, announce=False)
    if any(e.kind == "certificate" and e.id == common_name and not e.revoked
           for e in keys.entries()):  # fmt: skip
        return False
    keys.add_certificate(common_name, ROLES, ALL_UNITS, "development client certificate")
    return True


def cmd_certs_dev(cli: Cli) -> int:
    a = cli.args
    data_dir = Path(a.data_dir)
    certs = DevCerts(data_dir / "certs")
    if certs.exist() and not a.force:
        cli.note(f"certificates already in {certs.directory} (kept; --force makes new ones)")
    else:
        make_dev_certs(certs.directory)
        cli.note(f"created a development CA and certificates in {certs.directory}")
    keys_file = keys_file_path(a.keys_file) if a.keys_file else data_dir / "keys" / "api-keys.json"
    if map_client(keys_file):
        cli.note(f"mapped client certificate {DEV_CLIENT_CN!r} to every role in {keys_file}")
    settings = {
        "BENEFITS_TLS_CERT_FILE": str(certs.server),
        "BENEFITS_TLS_KEY_FILE": str(certs.server_key),
        "BENEFITS_TLS_CLIENT_CA_FILE": str(certs.ca),
        "BENEFITS_TLS_CA_FILE": str(certs.ca),
        "BENEFITS_TLS_CLIENT_CERT_FILE": str(certs.client),
        "BENEFITS_TLS_CLIENT_KEY_FILE": str(certs.client_key),
    }
    cli.emit(
        settings,
        lambda: (
            "# services: the first two (TLS), and the third for mutual TLS;\n"
            "# clients: BENEFITS_TLS_CA_FILE, and the client certificate for mutual TLS\n"
            + "\n".join(f"export {name}={value}" for name, value in settings.items())
        ),
    )
    return EXIT_OK


def add_commands(commands: Any, sub: Sub) -> None:
    group = commands.add_parser("certs", help="TLS certificates for development")
    certs = group.add_subparsers(dest="certs_command", required=True, metavar="COMMAND")
    p = sub(certs, "dev", cmd_certs_dev, "a local CA, a server certificate for localhost and "
            "a client certificate, under <data dir>/certs")  # fmt: skip
    p.add_argument("--data-dir", default="var", help="where the stack keeps its data")
    p.add_argument("--force", action="store_true", help="replace existing certificates")
    p.add_argument(
        "--keys-file",
        default="",
        metavar="FILE",
        help="the keys file to map the client certificate in "
        "(default <data dir>/keys/api-keys.json)",
    )
