#!/usr/bin/env bash
# Instructions per parsed message, counted by valgrind's callgrind: repeatable on a busy or
# noisy machine where wall-clock msgs/s wander. Each parser runs the corpus for two
# different fixed numbers of rounds; the difference cancels start-up and loading.
#
# usage: Benchmarks/instructions.sh [DIR]     (run Benchmarks/run.sh once first to build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-$root/Benchmarks/corpus}"
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind not found (apt-get install valgrind)" >&2; exit 1; }
bin="$(cd "$root" && swift build -c release --show-bin-path)"
peers="$root/Benchmarks/.build-peers"
files=$(find "$dir" -maxdepth 1 -type f | wc -l)

refs() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/refs:/ { gsub(",", "", $NF); print $NF }'; }
per_msg() { # label, command...
  local label="$1"; shift
  local a b
  a=$(refs "$@" --rounds 20 "$dir")
  b=$(refs "$@" --rounds 60 "$dir")
  awk -v l="$label" -v a="$a" -v b="$b" -v n="$files" 'BEGIN { printf "%-14s %8.0f instructions/msg\n", l, (b - a) / (40 * n) }'
}
per_msg eager "$bin/parse-bench" --mode eager
per_msg lazy "$bin/parse-bench" --mode lazy
per_msg osip2 "$peers/osip_bench"
per_msg sofia-sip "$peers/sofia_bench"
per_msg sofia-sip-ext "$peers/sofia_ext_bench"
