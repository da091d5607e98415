# Sourced by verify-bench.sh and call-bench.sh: their `--seconds S` option and the pinning to
# one core. The caller sets `usage_lines`, the lines of its header comment that are its usage.

name="$(basename "$0")"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() { sed -n "${usage_lines}p" "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# Sets `seconds` (default 3) from the arguments: a positive integer, as `openssl speed` needs.
parse_seconds() {
  seconds=3
  while [ $# -gt 0 ]; do
    case "$1" in
      --seconds) [ $# -ge 2 ] || usage; seconds="$2"; shift 2 ;;
      --seconds=*) seconds="${1#--seconds=}"; shift ;;
      -h|--help) usage ;;
      *) usage ;;
    esac
  done
  case "$seconds" in ''|*[!0-9]*) echo "$name: --seconds takes a positive integer" >&2; exit 2 ;; esac
  [ "$seconds" -gt 0 ] || { echo "$name: --seconds must be positive" >&2; exit 2; }
}

# Sets `pin` to `taskset -c CORE` when taskset can pin, else to nothing (with a warning).
pin_to() {
  pin=()
  if command -v taskset >/dev/null && taskset -c "$1" true 2>/dev/null; then
    pin=(taskset -c "$1")
  else
    echo "$name: taskset not available; running unpinned" >&2
  fi
}
