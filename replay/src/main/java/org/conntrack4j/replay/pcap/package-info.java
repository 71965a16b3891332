/**
 * Reading and writing packet captures: classic pcap and pcapng, streaming, with strict and bounded parsing.
 * Depends on the JDK only.
 */
package org.conntrack4j.replay.pcap;
