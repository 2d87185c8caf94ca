#!/usr/bin/env bash
# Make every secret the compose shape (deploy/compose.yaml) reads, into
# deploy/secrets/ (or the directory given), with openssl:
#
#   deploy/make-secrets.sh [DIR]
#
#   ca.crt, ca.key                   a private CA (keep ca.key offline once done)
#   {ledger,members,reporting}.crt/.key  each gRPC service's certificate (names: the
#                                    service, localhost, 127.0.0.1; server and client use)
#   nats.crt, nats.key               the NATS nodes' certificate (compose: nats-1..3;
#                                    Kubernetes: nats-0..2.nats-headless; nats, localhost)
#   nats-auth.conf                   NATS users and passwords (deploy/nats/cluster/auth.conf.example)
#   nats-{ledger,members,reporting}-password   each service's NATS password
#   postgres-password                PostgreSQL's password for the user benefits
#   members-keys.json                the members service's keys for personal data
#   api-keys.json                    the API keys file, empty: add keys with the CLI
#   cli-api-key                      the key compose's cli service sends, empty: paste one in
#
# An existing file is never overwritten (run it again to fill in what is
# missing). Every file is mode 0600. The services run as uid 10001 and compose
# bind-mounts secret files as they are on the host, so run this as root (or
# with sudo) to have them owned by 10001; otherwise it prints the chown to run.
# For a real deployment use the organisation's CA and a secret manager: this
# is the shape the files must have.
set -euo pipefail
umask 077

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/secrets}"
days="${CERT_DAYS:-825}"
service_uid=10001
mkdir -p "$out"
cd "$out"

new() { [ ! -e "$1" ]; }
random() { printf "%s" "$(openssl rand -hex 24)"; }

if new ca.key; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -keyout ca.key -out ca.crt -days "$days" -subj "/CN=benefits ledger CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

# leaf NAME SAN...: a certificate for NAME signed by the CA, for server and client use.
leaf() {
  local name="$1"; shift
  new "$name.key" || return 0
  local san="" entry
  for entry in "$@"; do
    if [[ "$entry" =~ ^[0-9.]+$ ]]; then san+="IP:$entry,"; else san+="DNS:$entry,"; fi
  done
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -keyout "$name.key" -out "$name.csr" -subj "/CN=$name" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' \
    "${san%,}" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
    -out "$name.crt" -days "$days" -sha256 -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

for service in ledger members reporting; do
  leaf "$service" "$service" localhost 127.0.0.1
done
leaf nats nats-1 nats-2 nats-3 nats localhost 127.0.0.1 \
  nats-0.nats-headless nats-1.nats-headless nats-2.nats-headless

for user in ledger members reporting admin; do
  new "nats-$user-password" && random > "nats-$user-password"
done
new postgres-password && random > postgres-password

if new nats-auth.conf; then
  sed -e "s/REPLACE_WITH_LEDGER_PASSWORD/$(cat nats-ledger-password)/" \
      -e "s/REPLACE_WITH_MEMBERS_PASSWORD/$(cat nats-members-password)/" \
      -e "s/REPLACE_WITH_REPORTING_PASSWORD/$(cat nats-reporting-password)/" \
      -e "s/REPLACE_WITH_ADMIN_PASSWORD/$(cat nats-admin-password)/" \
      "$here/nats/cluster/auth.conf.example" > nats-auth.conf
fi

if new members-keys.json; then
  printf '{"version": 1, "data_key": "%s", "hmac_key": "%s"}\n' \
    "$(openssl rand -base64 32)" "$(openssl rand -base64 32)" > members-keys.json
fi
new api-keys.json && printf '{"version": 1, "keys": [], "certificates": []}\n' > api-keys.json
# The CLI's API key (compose's cli service): empty until a key is made for it.
new cli-api-key && : > cli-api-key

chmod 0600 ./*
rm -f ca.srl
if [ "$(id -u)" -eq 0 ]; then
  chown "$service_uid:$service_uid" ./*
  echo "secrets in $out (owned by $service_uid, mode 0600)"
else
  echo "secrets in $out; now make them readable by the services (uid $service_uid):"
  echo "  sudo chown $service_uid:$service_uid $out/*"
fi
