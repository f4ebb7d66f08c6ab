#!/bin/sh
# gen-certs.sh DIR - generate the certificates the TLS tests need into DIR,
# with openssl only (no network, no faketime):
#   ca.crt ca.key            the test CA
#   server.key               one RSA key shared by every broker certificate
#   server.crt               localhost, SAN DNS:localhost IP:127.0.0.1
#   server-noip.crt          localhost, SAN DNS:localhost only
#   expired.crt              valid 2020-01-01 .. 2021-01-01
#   future.crt               valid 2040-01-01 .. 2041-01-01
#   wrong.crt                wrong.example only
#   evil-ca.crt              a CA the tests never trust
#   untrusted.crt            localhost, issued by evil-ca
#   selfsigned.crt           localhost, self-signed
#   client.crt client.key    client certificate from the test CA
#   client-enc.key           client.key encrypted with the password in
#   client-enc.pass          (traditional PEM encryption, AES-256-CBC)
#   *.chain.pem              server certificate followed by its CA (unused
#                            by mosquitto, handy by hand)
set -eu
d=${1:?usage: gen-certs.sh DIR}
mkdir -p "$d"
cd "$d"

rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

# openssl ca wants a database; -startdate/-enddate let us backdate.
mkca() {   # mkca NAME SUBJECT
	rsa "$1.key"
	openssl req -x509 -new -key "$1.key" -sha256 -days 3650 -subj "$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.crt"
	mkdir -p "$1.db"
	: > "$1.db/index.txt"
	echo 1000 > "$1.db/serial"
	cat > "$1.cnf" <<CNF
[ca]
default_ca = this
[this]
dir = $d/$1.db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $d/$1.crt
private_key = $d/$1.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = \$ENV::SAN
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
CNF
}

# issue CA OUT KEY CN EXT SAN START END
issue() {
	openssl req -new -key "$3" -subj "/CN=$4" -out "$2.csr"
	SAN=$6 openssl ca -batch -notext -config "$1.cnf" -extensions "$5" \
		-startdate "$7" -enddate "$8" -in "$2.csr" -out "$2" 2>/dev/null
	rm -f "$2.csr"
}

now=20240101000000Z
later=20991231000000Z
mkca ca "/CN=mq test CA"
mkca evil-ca "/CN=mq untrusted CA"
rsa server.key
rsa client.key

issue ca server.crt server.key localhost server "DNS:localhost,IP:127.0.0.1" $now $later
issue ca server-noip.crt server.key localhost server "DNS:localhost" $now $later
issue ca expired.crt server.key localhost server "DNS:localhost,IP:127.0.0.1" \
	20200101000000Z 20210101000000Z
issue ca future.crt server.key localhost server "DNS:localhost,IP:127.0.0.1" \
	20400101000000Z 20410101000000Z
issue ca wrong.crt server.key wrong.example server "DNS:wrong.example" $now $later
issue evil-ca untrusted.crt server.key localhost server "DNS:localhost,IP:127.0.0.1" $now $later
SAN=x issue ca client.crt client.key mq-client client "" $now $later

openssl req -x509 -new -key server.key -sha256 -days 3650 -subj "/CN=localhost" \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -out selfsigned.crt

echo "s3cret-pass" > client-enc.pass
openssl rsa -in client.key -aes256 -traditional -passout file:client-enc.pass \
	-out client-enc.key 2>/dev/null

for c in server expired future wrong; do cat $c.crt ca.crt > $c.chain.pem; done
cat untrusted.crt evil-ca.crt > untrusted.chain.pem
