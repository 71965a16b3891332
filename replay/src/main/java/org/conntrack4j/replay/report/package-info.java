/** The replay's HTML report: each connection's packets and events, beside the kernel's verdicts. */
package org.conntrack4j.replay.report;
