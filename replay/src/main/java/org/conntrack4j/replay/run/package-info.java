/**
 * Replaying a capture through an engine and a router: loading a kernel case folder (or a capture with rules
 * and topology given directly), running it, and writing the outputs in the formats of the kernel cases.
 */
package org.conntrack4j.replay.run;
