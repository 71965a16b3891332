#!/usr/bin/env bash
# conntrack4j as a router, in one command (as root): builds three network namespaces (a LAN host, the router, a
# WAN host) joined by two veth pairs, starts `conntrack4j router` on the router's two devices with
# tools/router/ruleset.nft (the kernel's forwarding off there: only conntrack4j forwards), pings through it in both
# families, downloads 10 MB over HTTP through its masquerade and checks the checksum, shows its connection table
# with `conntrack4j ct:list` from outside, stops it and removes everything, also when a step fails.
#   sudo tools/router/demo.sh
# Needs iproute2, curl and python3; the addresses are documentation ones (192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
ct=$here/../../conntrack4j
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run it as root (it makes network namespaces)" >&2; exit 1; }
for tool in ip curl python3 sha256sum; do
  command -v "$tool" >/dev/null || { echo "demo.sh: $tool is missing" >&2; exit 1; }
done

tag=$$
lan=ct4j-demo-lan-$tag rtr=ct4j-demo-rtr-$tag wan=ct4j-demo-wan-$tag
instance=demo-$tag
work=$(mktemp -d)
router_pid="" http_pid=""
cleanup() {
  [ -z "$router_pid" ] || { kill -TERM "$router_pid" 2>/dev/null; wait "$router_pid" 2>/dev/null || :; }
  [ -z "$http_pid" ] || { kill "$http_pid" 2>/dev/null; wait "$http_pid" 2>/dev/null || :; }
  for ns in "$lan" "$rtr" "$wan"; do ip netns del "$ns" 2>/dev/null || :; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
step() { printf '\n== %s\n' "$*"; }

step "building conntrack4j (first time only)"
"$ct" --version >/dev/null

step "namespaces $lan, $rtr, $wan"
for ns in "$lan" "$rtr" "$wan"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip netns exec "$rtr" sysctl -qw net.ipv4.ip_forward=0
ip -n "$rtr" link add lan type veth peer name lan0 netns "$lan"
ip -n "$rtr" link add wan type veth peer name wan0 netns "$wan"
for dev in lan wan; do
  # the kernel has no address here and no IPv6: the devices are conntrack4j's
  ip netns exec "$rtr" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
  ip -n "$rtr" link set "$dev" up
done
host() { # ns dev addr4 addr6 [gw4 gw6]
  ip netns exec "$1" sysctl -qw "net.ipv6.conf.all.accept_dad=0" "net.ipv6.conf.$2.accept_dad=0"
  ip -n "$1" addr add "$3" dev "$2"
  ip -n "$1" -6 addr add "$4" dev "$2" nodad
  ip -n "$1" link set "$2" up
  if [ $# -gt 4 ]; then ip -n "$1" route add default via "$5"; ip -n "$1" -6 route add default via "$6"; fi
}
host "$lan" lan0 192.0.2.10/24 2001:db8:1::10/64 192.0.2.1 2001:db8:1::1
host "$wan" wan0 198.51.100.10/24 2001:db8:2::10/64

step "conntrack4j router (instance $instance)"
ip netns exec "$rtr" "$ct" router --instance "$instance" \
  --iface lan=lan,192.0.2.1/24,2001:db8:1::1/64 \
  --iface wan=wan,198.51.100.1/24,2001:db8:2::1/64 \
  --rules "$here/ruleset.nft" >"$work/router.log" 2>&1 &
router_pid=$!
for _ in $(seq 300); do
  grep -q "router ready" "$work/router.log" && break
  kill -0 "$router_pid" 2>/dev/null || { cat "$work/router.log" >&2; exit 1; }
  sleep 0.1
done
grep "router ready" "$work/router.log" || { echo "demo.sh: the router did not start in 30 s" >&2; cat "$work/router.log" >&2; exit 1; }

step "ping and ping6 from the LAN host to the WAN host, through conntrack4j"
ip netns exec "$lan" ping -c 3 -i 0.2 -W 2 198.51.100.10
ip netns exec "$lan" ping -6 -c 3 -i 0.2 -W 2 2001:db8:2::10

step "10 MB over HTTP from the WAN host's python http.server, through masquerade"
mkdir "$work/www"
head -c 10485760 /dev/urandom >"$work/www/blob"
ip netns exec "$wan" python3 -m http.server 80 --bind 198.51.100.10 --directory "$work/www" >/dev/null 2>&1 &
http_pid=$!
for _ in $(seq 100); do ip netns exec "$wan" ss -Hltn 'sport = :80' | grep -q . && break; sleep 0.1; done
ip netns exec "$lan" curl -sS --max-time 60 -o "$work/got" -w 'curl: %{size_download} bytes at %{speed_download} B/s\n' \
  http://198.51.100.10/blob
want=$(sha256sum <"$work/www/blob") got=$(sha256sum <"$work/got")
[ "$want" = "$got" ] || { echo "demo.sh: checksum differs" >&2; exit 1; }
echo "sha256 matches: ${got%% *}"

step "conntrack4j --instance $instance ct:list (from outside the namespaces, through the control socket)"
"$ct" --instance "$instance" ct:list
step "conntrack4j --instance $instance ct:stats"
"$ct" --instance "$instance" ct:stats

step "stopping the router and removing the namespaces"
kill -TERM "$router_pid"
status=0
wait "$router_pid" || status=$?
router_pid=""
echo "router exited with status $status"
