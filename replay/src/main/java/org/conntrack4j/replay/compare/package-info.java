/**
 * Scoring a replay against a kernel oracle case: a Java port of the oracle's compare.py. Depends on the JDK and
 * the replay's own pcap and json packages only.
 */
package org.conntrack4j.replay.compare;
