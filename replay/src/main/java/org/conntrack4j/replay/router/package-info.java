/**
 * The replay's router: forwards packets between its interfaces as Linux does (routing from the interface
 * prefixes, TTL / hop limit, the netfilter hooks in order), answers what is addressed to itself (echo, and
 * the ICMP errors and TCP resets of a host with no listening sockets), and writes Ethernet frames out.
 */
package org.conntrack4j.replay.router;
