#!/usr/bin/env bash
# Parse-throughput comparison: the Swift parser (eager and lazy) against the C
# parsers of osip2 and sofia-sip, on the same corpus, each pinned to one core.
#
# usage: Benchmarks/run.sh [--seconds S] [--peers-only] [DIR]
#   DIR           folder of SIP messages, one per file (default Benchmarks/corpus)
#   --seconds S   time per parser (default 3)
#   --peers-only  skip the Swift benchmark (build and run only the C peers)
#
# Needs: a C compiler, pkg-config, libosip2-dev and libsofia-sip-ua-dev
# (Debian), and for the Swift part the swift toolchain.  Peers are built into
# Benchmarks/.build-peers/.
set -euo pipefail

usage() { sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

seconds=3
peers_only=0
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) [ $# -ge 2 ] || usage; seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#--seconds=}"; shift ;;
    --peers-only) peers_only=1; shift ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) [ -z "$dir" ] || usage; dir="$1"; shift ;;
  esac
done

# Resolve DIR against the caller's cwd, then work from the repo root.
if [ -n "$dir" ]; then
  [ -d "$dir" ] || { echo "run.sh: $dir is not a directory" >&2; exit 2; }
  dir="$(cd "$dir" && pwd)"
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dir="${dir:-$root/Benchmarks/corpus}"

# ---- build the C peers -------------------------------------------------------
out="$root/Benchmarks/.build-peers"
mkdir -p "$out"
command -v pkg-config >/dev/null || { echo "run.sh: pkg-config not found (apt-get install pkg-config)" >&2; exit 1; }
for pc in libosip2 sofia-sip-ua; do
  pkg-config --exists "$pc" || {
    echo "run.sh: pkg-config cannot find $pc (apt-get install libosip2-dev libsofia-sip-ua-dev)" >&2
    exit 1
  }
done
cc="${CC:-cc}"
# shellcheck disable=SC2046  # pkg-config output must be word-split
"$cc" -O2 -o "$out/osip_bench" Benchmarks/peers/osip_bench.c $(pkg-config --cflags --libs libosip2)
# shellcheck disable=SC2046
"$cc" -O2 -o "$out/sofia_bench" Benchmarks/peers/sofia_bench.c $(pkg-config --cflags --libs sofia-sip-ua)
# shellcheck disable=SC2046
"$cc" -O2 -DSOFIA_EXTENDED -o "$out/sofia_ext_bench" Benchmarks/peers/sofia_bench.c $(pkg-config --cflags --libs sofia-sip-ua)

# ---- build the Swift benchmark -------------------------------------------------
bin=""
if command -v swift >/dev/null; then
  if [ "$peers_only" = 0 ]; then
    swift build -c release --product parse-bench >&2
    swift build -c release --product ims-harness >&2
  fi
  bin="$(swift build -c release --show-bin-path 2>/dev/null || true)"
elif [ "$peers_only" = 0 ]; then
  echo "run.sh: swift not found (use --peers-only to run the C peers alone)" >&2
  exit 1
fi

# ---- run -----------------------------------------------------------------------
pin=()
if command -v taskset >/dev/null && taskset -c 0 true 2>/dev/null; then
  pin=(taskset -c 0)
fi

lines=""
if [ "$peers_only" = 0 ]; then
  lines+="$("${pin[@]}" "$bin/parse-bench" --seconds "$seconds" "$dir")"$'\n'
fi
lines+="$("${pin[@]}" "$out/osip_bench" --seconds "$seconds" "$dir")"$'\n'
lines+="$("${pin[@]}" "$out/sofia_bench" --seconds "$seconds" "$dir")"$'\n'
lines+="$("${pin[@]}" "$out/sofia_ext_bench" --seconds "$seconds" "$dir")"$'\n'
printf '%s' "$lines"

# msgs/s of the line whose first word is $1 (empty if absent)
rate() { awk -v n="$1" '$1 == n && $3 == "msgs/s" { print $2; exit }' <<<"$lines"; }
ratio() {
  local a b
  a="$(rate "$1")"; b="$(rate "$2")"
  if [ -n "$a" ] && [ -n "$b" ]; then
    awk -v a="$a" -v b="$b" -v l="$1/$2" 'BEGIN { if (b > 0) printf "%s = %.2fx\n", l, a / b }'
  fi
}
echo
if [ "$peers_only" = 0 ]; then
  ratio eager sofia-sip
  ratio lazy sofia-sip
  ratio eager sofia-sip-ext
  ratio eager osip2
  ratio lazy osip2
fi
ratio sofia-sip osip2

# ---- RFC 4475 intmeth.dat verdicts ---------------------------------------------
intmeth="$root/../shared/corpus/rfc4475/intmeth.dat"
if [ -f "$intmeth" ]; then
  echo
  echo "RFC 4475 intmeth.dat (a valid message with unusual tokens and escaped NUL/DEL):"
  for peer in osip2:osip_bench sofia-sip:sofia_bench; do
    name="${peer%%:*}"
    err="$(mktemp)"
    verdict="$("$out/${peer#*:}" --check "$intmeth" 2>"$err" || true)"
    reason="$(grep "^$name: " "$err" | head -n 1 | sed "s|^$name: [^:]*: ||" || true)"
    rm -f "$err"
    printf '  %-12s %s%s\n' "$name:" "${verdict##*: }" "${reason:+ ($reason)}"
  done
  if [ -n "$bin" ] && [ -x "$bin/ims-harness" ]; then
    said="$("$bin/ims-harness" parse "$intmeth" 2>&1)" && st=0 || st=$?
    printf '  %-12s exit %s\n' "ims-harness:" "$st"
    sed 's/^/    /' <<<"$said"
  else
    printf '  %-12s not built (swift build -c release --product ims-harness)\n' "ims-harness:"
  fi
fi
