/** The sync modes as protocol machines over a channel: FTFW, NOTRACK and ALARM, with their queues and timers. */
package org.conntrack4j.sync.mode;
