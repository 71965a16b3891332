#!/bin/bash
# Records the link-type sample captures: a Linux router namespace (lt-r) between a LAN host (lt-a) and a WAN
# host (lt-b), captured with tcpdump -i any (SLL and SLL2, classic pcap) and dumpcap -i any (SLL2, pcapng) while
# lt-a pings lt-b over IPv4 and IPv6 and sends one UDP datagram. Needs root, tcpdump, dumpcap.
set -eu
out=${1:?output folder}
mkdir -p "$out"
ns="lt-a-$$ lt-r-$$ lt-b-$$"
cleanup() { for n in $ns; do ip netns del "$n" 2>/dev/null || true; done; }
trap cleanup EXIT
A=lt-a-$$ R=lt-r-$$ B=lt-b-$$
for n in $ns; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip -n $R link add lan0 type veth peer name eth0 netns $A
ip -n $R link add wan0 type veth peer name eth0 netns $B
ip -n $R link set lan0 address 02:00:00:00:01:01; ip -n $A link set eth0 address 02:00:00:00:01:02
ip -n $R link set wan0 address 02:00:00:00:02:01; ip -n $B link set eth0 address 02:00:00:00:02:02
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
for n in $A $R $B; do ip netns exec $n sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0; done
ip -n $R addr add 198.51.100.1/24 dev lan0; ip -n $R addr add 2001:db8:1::1/64 dev lan0 nodad
ip -n $R addr add 203.0.113.1/24 dev wan0;  ip -n $R addr add 2001:db8:2::1/64 dev wan0 nodad
ip -n $A addr add 198.51.100.2/24 dev eth0; ip -n $A addr add 2001:db8:1::2/64 dev eth0 nodad
ip -n $B addr add 203.0.113.2/24 dev eth0;  ip -n $B addr add 2001:db8:2::2/64 dev eth0 nodad
for n in $A $R $B; do ip -n $n link set dev $(ip -n $n -o link | awk -F': ' '$2!="lo"{print $2}' | cut -d@ -f1 | head -1) up; done
ip -n $R link set lan0 up; ip -n $R link set wan0 up
ip -n $A route add default via 198.51.100.1; ip -n $A -6 route add default via 2001:db8:1::1
ip -n $B route add default via 203.0.113.1;  ip -n $B -6 route add default via 2001:db8:2::1
ip -n $R -o link | awk -F': ' '{print $1, $2}' > "$out/router-ifindex.txt"
# warm the neighbour caches so that the captures hold IP only
ip netns exec $A ping -c1 -W1 198.51.100.1 >/dev/null; ip netns exec $A ping -6 -c1 -W1 2001:db8:1::1 >/dev/null
ip netns exec $B ping -c1 -W1 203.0.113.1 >/dev/null; ip netns exec $B ping -6 -c1 -W1 2001:db8:2::1 >/dev/null
cap() { # name, command...
  local name=$1; shift
  ip netns exec $R "$@" & local pid=$!
  sleep 1.5
  ip netns exec $A ping -c2 -i0.2 -W1 203.0.113.2 >/dev/null
  ip netns exec $A ping -6 -c2 -i0.2 -W1 2001:db8:2::2 >/dev/null
  ip netns exec $A bash -c 'echo hello > /dev/udp/203.0.113.2/5353' || true
  sleep 0.5
  kill -INT $pid; wait $pid || true
}
cap sll   tcpdump -q -i any -y LINUX_SLL  -w "$out/any-sll.pcap" 'ip or ip6'
cap sll2  tcpdump -q -i any -y LINUX_SLL2 -w "$out/any-sll2.pcap" 'ip or ip6'
cap ng    dumpcap -q -i any -y LINUX_SLL2 -w "$out/any-sll2.pcapng" -f 'ip or ip6'
cap raw   tcpdump -q -i lan0 -w "$out/lan0-ether.pcap" 'ip or ip6'
