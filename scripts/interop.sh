#!/usr/bin/env bash
# Cross-checks ims-harness ES256 PASSporTs with independent implementations:
#   (i)   ims-harness signs, the openssl CLI verifies (JWS R||S converted to DER);
#   (ii)  the openssl CLI signs a canonical header+claims, ims-harness verifies;
#   (iii) Python `cryptography` signs and verifies both ways (skipped when not importable).
# usage: scripts/interop.sh [path/to/ims-harness]   (default: $IMS_HARNESS, else .build/debug/ims-harness,
#        built with `swift build` when missing). Needs openssl (and python3 for part iii).
# Prints PASS/FAIL per check, ends with "N passed, M failed"; exits 1 on any failure, 2 on setup errors.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-${IMS_HARNESS:-$root/.build/debug/ims-harness}}"
if [ ! -x "$bin" ]; then
  echo "building ims-harness ($bin not found)" >&2
  (cd "$root" && swift build --product ims-harness >&2)
fi
[ -x "$bin" ] || { echo "error: $bin is not executable" >&2; exit 2; }
command -v openssl >/dev/null || { echo "error: openssl not found on PATH" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/ims-harness-interop.XXXXXX")"
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }
# check DESCRIPTION COMMAND...: PASS when the command succeeds (its output goes to $work/last.log).
check() {
  local what="$1"; shift
  if "$@" >"$work/last.log" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/    /' "$work/last.log"; fi
}
# refute DESCRIPTION COMMAND...: PASS when the command fails.
refute() {
  local what="$1"; shift
  if "$@" >"$work/last.log" 2>&1; then fail "$what"; sed 's/^/    /' "$work/last.log"; else pass "$what"; fi
}

b64url_encode() { base64 | tr -d '\n=' | tr '+/' '-_'; }            # stdin bytes -> stdout text
b64url_decode() {                                                    # $1 text -> stdout bytes
  local s="${1//-/+}"; s="${s//_//}"
  case $(( ${#s} % 4 )) in 2) s="$s==" ;; 3) s="$s=" ;; 1) return 1 ;; esac
  printf '%s' "$s" | base64 -d
}
hex_of() { od -An -v -tx1 "$1" | tr -d ' \n'; }                      # file -> lowercase hex
unhex() { printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }      # hex -> stdout bytes

# Raw 64-byte R||S file $1 -> DER ECDSA-Sig-Value file $2, with openssl asn1parse -genconf.
raw_to_der() {
  local hex; hex="$(hex_of "$1")"
  [ ${#hex} -eq 128 ] || { echo "raw signature is $(( ${#hex} / 2 )) bytes, expected 64" >&2; return 1; }
  printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "${hex:0:64}" "${hex:64:64}" >"$work/sig.cnf"
  openssl asn1parse -genconf "$work/sig.cnf" -out "$2" -noout >/dev/null
}
# DER ECDSA-Sig-Value file $1 -> raw 64-byte R||S on stdout (each INTEGER left-padded to 32 bytes).
der_to_raw() {
  local ints=() line v
  while IFS= read -r line; do
    case "$line" in *"prim: INTEGER"*) v="${line##*:}"; ints+=("$v") ;; esac
  done < <(openssl asn1parse -inform DER -in "$1")
  [ ${#ints[@]} -eq 2 ] || { echo "expected two INTEGERs in the DER signature" >&2; return 1; }
  local out="" i
  for i in "${ints[@]}"; do
    [ ${#i} -le 64 ] || { echo "INTEGER longer than 32 bytes" >&2; return 1; }
    out+="$(printf '%064s' "$i" | tr ' ' 0)"
  done
  unhex "$(printf '%s' "$out" | tr 'A-F' 'a-f')"
}
# Verdict of `ims-harness passport verify --json` for token $1 at time $2 ("valid", "invalid", or the error).
verdict() {
  local out
  out="$("$bin" passport verify "$1" --trust-anchor "$pki/root.pem" --certs "$pki/certs.yaml" --at "$2" --json 2>&1)" || true
  case "$out" in *'"verdict":"valid"'*) echo valid ;; *'"verdict":"invalid"'*) echo "invalid $out" ;; *) echo "error $out" ;; esac
}
is_valid() { local v; v="$(verdict "$1" "$2")"; echo "$v"; [ "$v" = valid ]; }
is_invalid() { local v; v="$(verdict "$1" "$2")"; echo "$v"; [ "${v%% *}" = invalid ]; }

# --- converters on a fixed edge case: R with two leading zero bytes, S with its top bit set -------
edge="0000$(printf '01%.0s' $(seq 30))80$(printf '11%.0s' $(seq 31))"
unhex "$edge" >"$work/edge.raw"
check "(conv) R||S with short R and high-bit S converts to DER" raw_to_der "$work/edge.raw" "$work/edge.der"
check "(conv) DER is SEQUENCE{INTEGER(30 bytes), INTEGER(00 80 ..., 33 bytes)}" \
  test "$(hex_of "$work/edge.der" | cut -c1-8),$(hex_of "$work/edge.der" | cut -c69-76)" = "3043021e,02210080"
check "(conv) DER converts back to the same R||S" test "$(der_to_raw "$work/edge.der" | od -An -v -tx1 | tr -d ' \n')" = "$edge"

pki="$work/pki"
"$bin" pki init "$pki" >/dev/null
x5u="https://certs.test.invalid/delegate.pem"
now="$(date +%s)"
origid="123e4567-e89b-12d3-a456-426614174000"
openssl x509 -in "$pki/delegate.pem" -pubkey -noout >"$work/pub.pem"

# --- (i) ims-harness signs, openssl verifies -------------------------------------------------------
token="$("$bin" passport sign --key "$pki/delegate.key.pem" --x5u "$x5u" --orig 12025550123 --dest 12025550155 \
  --attest A --origid "$origid" --iat "$now")"
IFS=. read -r h p s <<<"$token"
printf '%s.%s' "$h" "$p" >"$work/input"
b64url_decode "$s" >"$work/sig.raw"
check "(i) ims-harness token verifies with ims-harness" is_valid "$token" "$now"
check "(i) signature is 64 bytes raw R||S" test "$(wc -c <"$work/sig.raw")" -eq 64
check "(i) R||S converts to DER" raw_to_der "$work/sig.raw" "$work/sig.der"
check "(i) openssl dgst -sha256 -verify accepts the ims-harness signature" \
  openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/sig.der" "$work/input"
printf '%s.%s' "$h" "$(printf '{"attest":"A","dest":{"tn":["12025550155"]},"iat":%s,"orig":{"tn":"12025550199"},"origid":"%s"}' \
  "$now" "$origid" | b64url_encode)" >"$work/input.tampered"
refute "(i) openssl rejects the signature over a tampered payload" \
  openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/sig.der" "$work/input.tampered"

# --- (ii) openssl signs, ims-harness verifies ------------------------------------------------------
header='{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"'"$x5u"'"}'
claims='{"attest":"A","dest":{"tn":["12025550155"]},"iat":'"$now"',"orig":{"tn":"12025550123"},"origid":"'"$origid"'"}'
h2="$(printf '%s' "$header" | b64url_encode)"
p2="$(printf '%s' "$claims" | b64url_encode)"
check "(ii) canonical header+claims match ims-harness byte for byte" test "$h2.$p2" = "$h.$p"
printf '%s.%s' "$h2" "$p2" >"$work/input2"
check "(ii) openssl dgst -sha256 -sign with delegate.key.pem" \
  openssl dgst -sha256 -sign "$pki/delegate.key.pem" -out "$work/sig2.der" "$work/input2"
der_to_raw "$work/sig2.der" >"$work/sig2.raw" || true
check "(ii) DER converts to 64-byte R||S" test "$(wc -c <"$work/sig2.raw")" -eq 64
token2="$h2.$p2.$(b64url_encode <"$work/sig2.raw")"
check "(ii) ims-harness passport verify --json: openssl-signed token is valid" is_valid "$token2" "$now"
token2der="$h2.$p2.$(b64url_encode <"$work/sig2.der")"
check "(ii) ims-harness rejects the unconverted DER signature" is_invalid "$token2der" "$now"
tampered2="$h2.$(printf '%s' "${claims/12025550123/12025550199}" | b64url_encode).$(b64url_encode <"$work/sig2.raw")"
check "(ii) ims-harness rejects the openssl signature over a tampered payload" is_invalid "$tampered2" "$now"

# --- (iii) Python cryptography ---------------------------------------------------------------------
if ! command -v python3 >/dev/null; then
  echo "skipped: (iii) python3 not found on PATH"
elif ! python3 -c 'import cryptography' 2>/dev/null; then
  echo "skipped: (iii) Python module 'cryptography' is not importable"
else
  cat >"$work/jws.py" <<'PY'
import base64, json, sys
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def unb64u(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
def canonical(o): return json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

cmd = sys.argv[1]
if cmd == "sign":  # sign KEY.pem X5U IAT ORIGID -> token
    _, _, keyfile, x5u, iat, origid = sys.argv
    key = serialization.load_pem_private_key(open(keyfile, "rb").read(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    header = {"alg": "ES256", "typ": "passport", "ppt": "shaken", "x5u": x5u}
    claims = {"orig": {"tn": "12025550123"}, "dest": {"tn": ["12025550155"]}, "iat": int(iat), "attest": "B", "origid": origid}
    signing_input = b64u(canonical(header)) + "." + b64u(canonical(claims))
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    print(signing_input + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big")))
elif cmd == "verify":  # verify CHAIN.pem TOKEN -> exit 0 when the leaf's key verifies the token
    _, _, chainfile, token = sys.argv
    pub = x509.load_pem_x509_certificate(open(chainfile, "rb").read()).public_key()
    h, p, sig = token.split(".")
    raw = unb64u(sig)
    assert len(raw) == 64, f"signature is {len(raw)} bytes"
    header = json.loads(unb64u(h))
    assert header["alg"] == "ES256" and header["typ"] == "passport", header
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        pub.verify(der, (h + "." + p).encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        sys.exit("InvalidSignature")
    print("verified", json.loads(unb64u(p)))
PY
  py() { python3 "$work/jws.py" "$@"; }
  if token3="$(py sign "$pki/delegate.key.pem" "$x5u" "$now" "$origid" 2>"$work/py.err")"; then
    pass "(iii) Python cryptography signs a PASSporT with delegate.key.pem"
    check "(iii) ims-harness verifies the Python-signed token" is_valid "$token3" "$now"
    check "(iii) Python verifies its own token against delegate.pem" py verify "$pki/delegate.pem" "$token3"
  else
    fail "(iii) Python cryptography signs a PASSporT with delegate.key.pem"; sed 's/^/    /' "$work/py.err"
  fi
  check "(iii) Python verifies the ims-harness token" py verify "$pki/delegate.pem" "$token"
  check "(iii) Python verifies the openssl-signed token" py verify "$pki/delegate.pem" "$token2"
  refute "(iii) Python rejects the tampered openssl-signed token" py verify "$pki/delegate.pem" "$tampered2"
  refute "(iii) Python rejects the ims-harness token against another key (sp.pem)" py verify "$pki/sp.pem" "$token"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
