#!/usr/bin/env bash
# A throw-away PKI for the TLS tests (docs/SECURITY.md), made with the
# openssl command into DIR:
#   ca.pem / ca.key            the CA of servers and clients
#   server.pem / server.key    the server (SAN IP:127.0.0.1, DNS:localhost)
#   server2.pem / server2.key  a second server certificate (reload tests)
#   acme.pem / acme.key        client: tenet:tenant:acme (rights: check)
#   cedar-admin.pem / .key     client: tenet:tenant:cedar, tenet:rights:check,admin
#   acme-author.pem / .key     client: tenet:tenant:acme, tenet:rights:check,author
#   twotenants.pem / .key      client: tenet:tenant:acme and tenet:tenant:cedar
#   acme-later.pem / .key      client: tenet:tenant:acme, revoked in crl-later.pem only
#   notenant.pem / .key        client: no tenet:tenant: URI
#   expired.pem / .key         client: tenet:tenant:acme, valid only in 2020
#   revoked.pem / .key         client: tenet:tenant:acme, revoked in crl.pem
#   crl.pem                    the CA's CRL
#   other-ca.pem, other-server.pem/.key, other-client.pem/.key: another CA
#
#   tests/support/test_pki.sh DIR
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
exec 3>&2 2>pki.log  # openssl chatters on stderr; kept in pki.log

mkdir -p db
: >db/index.txt
echo 1000 >db/serial
echo 1000 >db/crlnumber
cat >ca.cnf <<'CNF'
[ca]
default_ca = test_ca
[test_ca]
dir = .
database = db/index.txt
serial = db/serial
crlnumber = db/crlnumber
new_certs_dir = db
default_md = sha256
policy = anything
default_crl_days = 3650
unique_subject = no
[anything]
commonName = supplied
CNF

ca() {  # NAME: a self-signed CA
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=tenet test $1" -keyout "$1.key" -out "$1.pem"
}
# NAME CA-NAME USAGE SAN-LINES [START END]: a certificate signed by CA-NAME;
# USAGE serverAuth or clientAuth; SAN-LINES like "URI.1 = tenet:tenant:acme"
# (one per line: a URI may hold commas).
issue() {
  local name=$1 issuer=$2 usage=$3 san=$4 start=${5:-} end=${6:-}
  printf '[ext]\nbasicConstraints = CA:FALSE\nkeyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = %s\nsubjectAltName = @san\n[san]\n%s\n' \
    "$usage" "$san" >"$name.ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
    -keyout "$name.key" -out "$name.csr"
  local dates=(-days 3650)
  [[ -n $start ]] && dates=(-startdate "$start" -enddate "$end")
  openssl ca -batch -config ca.cnf -cert "$issuer.pem" -keyfile "$issuer.key" \
    -extfile "$name.ext" -extensions ext "${dates[@]}" -in "$name.csr" -out "$name.pem" -notext
  rm -f "$name.csr" "$name.ext"
}

server_san=$'IP.1 = 127.0.0.1\nDNS.1 = localhost'
ca ca
ca other-ca
issue server ca serverAuth "$server_san"
issue server2 ca serverAuth "$server_san"
issue acme ca clientAuth "URI.1 = tenet:tenant:acme"
issue cedar-admin ca clientAuth $'URI.1 = tenet:tenant:cedar\nURI.2 = tenet:rights:check,admin'
issue acme-author ca clientAuth $'URI.1 = tenet:tenant:acme\nURI.2 = tenet:rights:check,author'
issue twotenants ca clientAuth $'URI.1 = tenet:tenant:acme\nURI.2 = tenet:tenant:cedar'
issue acme-later ca clientAuth "URI.1 = tenet:tenant:acme"
issue notenant ca clientAuth "DNS.1 = client.example"
issue expired ca clientAuth "URI.1 = tenet:tenant:acme" 20200101000000Z 20200201000000Z
issue revoked ca clientAuth "URI.1 = tenet:tenant:acme"
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -revoke revoked.pem
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -gencrl -out crl.pem
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -revoke acme-later.pem
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -gencrl -out crl-later.pem
issue other-server other-ca serverAuth "$server_san"
issue other-client other-ca clientAuth "URI.1 = tenet:tenant:acme"
exec 2>&3
