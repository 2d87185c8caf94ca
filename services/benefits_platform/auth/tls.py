"""TLS for the gRPC ports: server credentials from PEM files, and the channel
credentials a client (the CLI, probes, tests) uses to reach a TLS server.

With a client CA the server requires every client to present a certificate
signed by it (mutual TLS); the certificate's common name then names the caller
when no API key is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ValueError(f"{what} {path}: {error.strerror}") from None


@dataclass(frozen=True)
class ServerTls:
    """The server's certificate and key, and the CA of client certificates
    (None: clients are not asked for one)."""

    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = None

    def credentials(self) -> grpc.ServerCredentials:
        pair = (
            _read(self.key_file, "BENEFITS_TLS_KEY_FILE"),
            _read(self.cert_file, "BENEFITS_TLS_CERT_FILE"),
        )
        client_ca = (
            _read(self.client_ca_file, "BENEFITS_TLS_CLIENT_CA_FILE")
            if self.client_ca_file is not None
            else None
        )
        return grpc.ssl_server_credentials(
            [pair], root_certificates=client_ca, require_client_auth=client_ca is not None
        )


@dataclass(frozen=True)
class ClientTls:
    """What a client trusts (the CA of the servers' certificates) and, for
    mutual TLS, its own certificate and key."""

    ca_file: Path
    cert_file: Path | None = None
    key_file: Path | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        chain = key = None
        if self.cert_file is not None and self.key_file is not None:
            chain = _read(self.cert_file, "client certificate")
            key = _read(self.key_file, "client key")
        return grpc.ssl_channel_credentials(
            root_certificates=_read(self.ca_file, "BENEFITS_TLS_CA_FILE"),
            private_key=key,
            certificate_chain=chain,
        )
