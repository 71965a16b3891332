/**
 * The conntrack-tools text formats ({@link org.conntrack4j.core.text.CtFormat}): {@code conntrack -L} lines,
 * {@code conntrack -E} events, expectations and the {@code -o timestamp} prefix, from the immutable snapshots and
 * events of {@code org.conntrack4j.core.api}. Output compares line by line with a Linux box, so a difference from
 * conntrack-tools is a bug; fixing one changes this package (and its version) only, never the engine's API.
 *
 * <p>Each format also goes straight into a caller's {@link org.conntrack4j.core.text.TextBuffer} as UTF-8 bytes
 * (the {@code append...} methods), for writers of many lines; the {@code String} methods decode that same text.
 *
 * <p>Provided by the core bundle; stateless static methods, safe from any thread (a {@code TextBuffer} is one
 * thread's); nothing to implement, register or clean up.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.conntrack4j.core.text;
