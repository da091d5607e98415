#!/usr/bin/env bash
# Installs the Debian packages a make target needs, non-interactively.
# As root: apt-get installs what is missing. Otherwise: prints the one command to run, exits 1.
# usage: scripts/install-deps.sh {demo|test|bench|live}
set -euo pipefail

case "${1:-test}" in
  demo) pkgs=(libpcap-dev libssl-dev pkg-config) ;;
  test) pkgs=(libpcap-dev libssl-dev pkg-config tshark sip-tester) ;;
  bench)     pkgs=(libpcap-dev libssl-dev pkg-config libosip2-dev libsofia-sip-ua-dev gcc) ;;
  live)      pkgs=(kamailio kamailio-ims-modules kamailio-secsipid-modules kamailio-utils-modules kamailio-tls-modules sip-tester sipsak) ;;
  *) echo "usage: $0 {demo|test|bench|live}" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages. Run this once, then try again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer before apt-get installs it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
echo "Installing ${missing[*]} with apt-get" >&2
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
