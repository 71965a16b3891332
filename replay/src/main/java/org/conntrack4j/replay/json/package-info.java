/** A small strict JSON reader returning plain Java values; depends on the JDK only. */
package org.conntrack4j.replay.json;
