#!/bin/sh
# Router namespace for probing the kernel's ICMP conntrack. Peer ends of the veths stay in the same namespace,
# without addresses, and everything they receive is dropped before conntrack, so frames injected on them
# reach the router's lan/wan interfaces exactly once.
set -e
NS=ic-rtr
ip netns add $NS
X="ip netns exec $NS"
$X ip link add lan address 02:00:00:00:01:01 type veth peer name lanpeer address 02:00:00:00:01:02
$X ip link add wan address 02:00:00:00:02:01 type veth peer name wanpeer address 02:00:00:00:02:02
for d in lanpeer wanpeer; do $X sysctl -qw net.ipv6.conf.$d.disable_ipv6=1; done
$X ip link set lo up
for d in lan wan lanpeer wanpeer; do $X ip link set $d up; done
$X ip addr add 198.51.100.1/24 dev lan
$X ip addr add 203.0.113.1/24 dev wan
$X ip addr add 2001:db8:1::1/64 dev lan nodad
$X ip addr add 2001:db8:2::1/64 dev wan nodad
$X sysctl -qw net.ipv4.ip_forward=1
$X sysctl -qw net.ipv6.conf.all.forwarding=1
for a in 198.51.100.10 198.51.100.11; do $X ip neigh replace $a lladdr 02:00:00:00:01:02 dev lan nud permanent; done
for a in 203.0.113.10 203.0.113.254; do $X ip neigh replace $a lladdr 02:00:00:00:02:02 dev wan nud permanent; done
for a in 2001:db8:1::10 2001:db8:1::11 fe80::10; do $X ip neigh replace $a lladdr 02:00:00:00:01:02 dev lan nud permanent; done
for a in 2001:db8:2::10 2001:db8:2::fe; do $X ip neigh replace $a lladdr 02:00:00:00:02:02 dev wan nud permanent; done
$X sysctl -qw net.netfilter.nf_conntrack_log_invalid=255
echo nfnetlink_log | $X tee /proc/sys/net/netfilter/nf_log/2 >/dev/null
echo nfnetlink_log | $X tee /proc/sys/net/netfilter/nf_log/10 >/dev/null
$X nft -f - <<'NFT'
table inet probe {
  chain peers {
    type filter hook prerouting priority -500; policy accept;
    iifname { "lanpeer", "wanpeer" } drop
  }
  chain ctlog {
    type filter hook prerouting priority -150; policy accept;
    ct state invalid counter comment "invalid/none"
    ct state untracked counter comment "untracked/none"
    ct state new ct direction original counter comment "new/original"
    ct state new ct direction reply counter comment "new/reply"
    ct state established ct direction original counter comment "established/original"
    ct state established ct direction reply counter comment "established/reply"
    ct state related ct direction original counter comment "related/original"
    ct state related ct direction reply counter comment "related/reply"
  }
}
NFT
