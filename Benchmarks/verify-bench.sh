#!/usr/bin/env bash
# Identity-header verification throughput against OpenSSL's raw P-256 verify, one core each.
#
# usage: Benchmarks/verify-bench.sh [--seconds S]
#   --seconds S   time per measurement (default 3), for verify-bench and openssl speed alike
#
# Builds verify-bench in release mode, runs it pinned to core 0 (taskset, when available),
# then `openssl speed -seconds S ecdsap256` pinned to the same core (single process), and
# prints both and the ratio `verify/openssl`. The target is verify/openssl >= 0.80.
set -euo pipefail

usage_lines='4,5'
# shellcheck source=Benchmarks/bench-args.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-args.sh"
parse_seconds "$@"
cd "$root"
command -v swift >/dev/null || { echo "verify-bench.sh: swift not found" >&2; exit 1; }
command -v openssl >/dev/null || { echo "verify-bench.sh: openssl not found (apt-get install openssl)" >&2; exit 1; }

swift build -c release --product verify-bench >&2
bin="$(swift build -c release --show-bin-path)"

pin_to 0

# ---- Swift: full Identity-header verification (last line), plus the bare paths ---------
swift_out="$("${pin[@]}" "$bin/verify-bench" --seconds "$seconds")"
printf '%s\n' "$swift_out"
verify=$(printf '%s\n' "$swift_out" | tail -n 1 | awk '$1 == "verify" && $3 == "verifications/s" { print $2 }')
[ -n "$verify" ] || { echo "verify-bench.sh: unexpected last line from verify-bench" >&2; exit 1; }

# ---- OpenSSL: raw ECDSA P-256 verify, one process ---------------------------------------
# Table line: " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  51672.6  17004.7" (sign/s, verify/s last).
ossl_out="$("${pin[@]}" openssl speed -seconds "$seconds" ecdsap256 2>/dev/null)"
openssl_rate=$(printf '%s\n' "$ossl_out" | awk '/^ *256 bits ecdsa \(nistp256\)/ { print $NF }' | tail -n 1)
[ -n "$openssl_rate" ] || { echo "verify-bench.sh: no nistp256 line in openssl speed output" >&2; exit 1; }
echo "openssl $(printf '%.0f' "$openssl_rate") verifications/s ($(openssl version | awk '{ print $1, $2 }'), ecdsap256 verify/s)"

awk -v v="$verify" -v o="$openssl_rate" 'BEGIN { r = v / o; printf "verify/openssl = %.2fx (target >= 0.80x: %s)\n", r, (r >= 0.8 ? "met" : "not met") }'
