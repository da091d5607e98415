#!/usr/bin/env bash
# Simulated signed calls per second, with two yardsticks measured on the same core in the same
# run: ES256 alone (one sign and one verify a call, printed by call-bench) and Sofia-SIP
# parsing the same number of SIP messages as a call delivers, each once.
#
# usage: Benchmarks/call-bench.sh [--seconds S]
#   --seconds S   time for call-bench and for the Sofia-SIP parse (default 3)
#
# Builds call-bench in release mode (scratch .build-perf) and the Sofia-SIP peer of run.sh,
# runs both pinned to core 1 (taskset, when available) and prints call-bench's lines, the
# Sofia-SIP rate on Benchmarks/corpus and the comparison. The issue's target is 5,000 calls/s.
set -euo pipefail

usage_lines='6,7'
# shellcheck source=Benchmarks/bench-args.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-args.sh"
parse_seconds "$@"
cd "$root"
command -v swift >/dev/null || { echo "call-bench.sh: swift not found" >&2; exit 1; }
command -v pkg-config >/dev/null && pkg-config --exists sofia-sip-ua || {
  echo "call-bench.sh: pkg-config cannot find sofia-sip-ua (apt-get install pkg-config libsofia-sip-ua-dev)" >&2
  exit 1
}

swift build -c release --scratch-path .build-perf --product call-bench >&2
peers="$root/Benchmarks/.build-peers"
mkdir -p "$peers"
# shellcheck disable=SC2046  # pkg-config output must be word-split
"${CC:-cc}" -O2 -o "$peers/sofia_bench" Benchmarks/peers/sofia_bench.c $(pkg-config --cflags --libs sofia-sip-ua)

pin_to 1

calls_out="$("${pin[@]}" .build-perf/release/call-bench --seconds "$seconds")"
printf '%s\n' "$calls_out"
# "calls 1414 calls/s" (the last line) and "messages per call 51.0 (...)". Both sides are wall
# rates on the same core: a slower core slows both alike.
rate=$(printf '%s\n' "$calls_out" | tail -n 1 | awk '$1 == "calls" && $3 == "calls/s" { print $2 }')
messages=$(printf '%s\n' "$calls_out" | awk '$1 == "messages" && $2 == "per" && $3 == "call" { print $4 }')
[ -n "$rate" ] && [ -n "$messages" ] || { echo "call-bench.sh: unexpected output from call-bench" >&2; exit 1; }

# "sofia-sip 85862 msgs/s 124.5 MB/s"
sofia_out="$("${pin[@]}" "$peers/sofia_bench" --seconds "$seconds" Benchmarks/corpus)"
sofia_rate=$(printf '%s\n' "$sofia_out" | awk '$1 == "sofia-sip" && $3 == "msgs/s" { print $2 }' | tail -n 1)
[ -n "$sofia_rate" ] || { echo "call-bench.sh: unexpected output from sofia_bench" >&2; exit 1; }
echo "sofia-sip $sofia_rate msgs/s parsed (Benchmarks/corpus, one core)"

awk -v c="$rate" -v m="$messages" -v r="$sofia_rate" 'BEGIN {
  parse = m * 1e6 / r; call = 1e6 / c
  printf "sofia-sip parsing %.0f messages once: %.1f us; a whole simulated call: %.1f us (%.2fx)\n", m, parse, call, call / parse
}'
