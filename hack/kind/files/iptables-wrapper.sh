#!/bin/sh
# kube-proxy image: picks iptables-legacy or iptables-nft on first use, as kind's node entrypoint does (the mode with
# more rules in this network namespace wins, legacy on a tie), points the iptables names at it, then runs the call.
set -eu
legacy=$( (xtables-legacy-multi iptables-legacy-save; xtables-legacy-multi ip6tables-legacy-save) 2>/dev/null | grep -c '^-' || true)
nft=$( (xtables-nft-multi iptables-nft-save; xtables-nft-multi ip6tables-nft-save) 2>/dev/null | grep -c '^-' || true)
mode=legacy
[ "$nft" -gt "$legacy" ] && mode=nft
for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  ln -sf "xtables-$mode-multi" "/usr/sbin/.$t.new" && mv -f "/usr/sbin/.$t.new" "/usr/sbin/$t"
done
exec "/usr/sbin/$(basename "$0")" "$@"
