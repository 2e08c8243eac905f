#!/usr/bin/env bash
# Makes the certificates docker-compose.tls.yml expects, with openssl, into ${TEMPORAL_TLS_DIR:-./temporal-tls}:
#   ca.crt/ca.key          a CA of your own (keep ca.key offline once the certificates are made)
#   server.crt/server.key  Temporal; valid for "temporal" (its name inside the compose network) and
#                          every NAME given, for both TLS server and client use (Temporal's services
#                          present it to each other)
#   client.crt/client.key  the UI, the namespace job and the gateway
#   worker-HOST.crt/.key   one per host worker named with --worker HOST (copy to that host; deploy/worker.env)
# Usage: deploy/temporal/make-tls.sh [--worker HOST]... [NAME]...   (NAME: how the workers address Temporal)
# Existing files are kept: delete the directory to make new ones.
set -euo pipefail
DIR="${TEMPORAL_TLS_DIR:-./temporal-tls}"
DAYS="${TEMPORAL_TLS_DAYS:-825}"
names=(temporal)
workers=()
while (( $# )); do
  case "$1" in
    --worker) workers+=("${2:?--worker needs a host id}"); shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) names+=("$1"); shift ;;
  esac
done
command -v openssl >/dev/null || { echo "make-tls: openssl is missing (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$DIR"
cd "$DIR"

# issue NAME CN EXTENSIONS: a P-256 key (PKCS#8, as the Java gateway and workers read it) and a certificate signed by the CA.
issue() {
  local name=$1 cn=$2 ext=$3
  if [[ -f "$name.crt" ]]; then echo "make-tls: keeping $DIR/$name.crt"; return; fi
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key" 2>/dev/null
  openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$DAYS" -sha256 \
    -extfile <(printf '%s\n' "$ext") -out "$name.crt" 2>/dev/null
  rm -f "$name.csr"
  echo "make-tls: made $DIR/$name.crt (CN=$cn)"
}

if [[ ! -f ca.crt ]]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
  openssl req -x509 -new -key ca.key -subj "/CN=PlasmaVMC Temporal CA" -days "$DAYS" -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt 2>/dev/null
  echo "make-tls: made the CA $DIR/ca.crt"
fi
san=$(printf 'DNS:%s,' "${names[@]}")
issue server "${names[${#names[@]}-1]}" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=${san%,}"
issue client plasmavmc-control "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
for host in "${workers[@]}"; do
  issue "worker-$host" "$host" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
done
# The containers read the keys as their own users (the server and the UI as uid 1000, the gateway as
# nobody), not as the owner of these files: the keys are readable by every account of this host, so
# make them on the compose host, where no one but its administrators logs in.
chmod 0711 .
chmod 0644 ./*.crt server.key client.key
chmod 0600 ca.key
echo "make-tls: done; Temporal's TLS server name is 'temporal' inside the compose network and any of: ${names[*]:1}"
echo "make-tls: start with: docker compose -f docker-compose.yml -f docker-compose.tls.yml up -d"
