/**
 * The AF_PACKET implementation: system calls through JNA direct mapping ({@link LibC}), the rings as
 * direct ByteBuffers parsed in plain Java ({@link RxRing}, {@link TxRing}), offload undoing
 * ({@link Offload}), link notifications over rtnetlink ({@link LinkMonitor}). Private to the bundle.
 */
package org.conntrack4j.io.afpacket;
