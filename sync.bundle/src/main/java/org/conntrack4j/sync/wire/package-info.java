/** conntrackd's wire format: the message header, the attribute TLVs, encoding and checked decoding. */
package org.conntrack4j.sync.wire;
