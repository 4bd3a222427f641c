#!/usr/bin/env bash
# Makes a certificate a consentry CLI accepts for a gateway that serves TLS itself
# (internal-tls.yaml): a private CA, and a server certificate it signs with the names
# the CLIs connect to.
#
#   collector-config/make-cert.sh DIR NAME [NAME...]     NAME: a DNS name or an IP address
#
# Writes DIR/ca.pem (give it to the CLIs: <TOOL>_TELEMETRY_CA_FILE=ca.pem, or compile it
# in), DIR/ca.key (keep it offline), DIR/gateway.pem and DIR/gateway.key
# (CONSENTRY_TLS_CERT / CONSENTRY_TLS_KEY).
#
# Why not one `openssl req -x509` certificate: OpenSSL marks it CA:TRUE, and the CLI's
# TLS stack (rustls, webpki) refuses a CA certificate as a server's certificate
# (CaUsedAsEndEntity), so nothing is delivered. webpki also ignores the common name: the
# names must be in subjectAltName, which this script writes.
set -euo pipefail
dir="${1:?usage: make-cert.sh DIR NAME [NAME...]}"
shift
(($#)) || { echo "make-cert.sh: give at least one DNS name or IP address" >&2; exit 2; }
sans=""
for name in "$@"; do
  if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then
    sans+="${sans:+,}IP:$name"
  else
    sans+="${sans:+,}DNS:$name"
  fi
done
mkdir -p "$dir"
cd "$dir"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -subj "/CN=consentry gateway CA" -keyout ca.key -out ca.pem \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=$1" -keyout gateway.key -out gateway.csr 2>/dev/null
printf '%s\n' "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature,keyEncipherment" \
  "extendedKeyUsage=serverAuth" "subjectAltName=$sans" > gateway.ext
openssl x509 -req -in gateway.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
  -sha256 -extfile gateway.ext -out gateway.pem 2>/dev/null
rm -f gateway.csr gateway.ext ca.srl
chmod 644 ca.pem gateway.pem
echo "make-cert.sh: $dir/ca.pem (for the CLIs), $dir/gateway.pem + $dir/gateway.key (for the gateway), names $sans" >&2
