/** The {@code soak} command: the router and engine of a replay, fed churning traffic for minutes, watched for growth. */
package org.conntrack4j.replay.soak;
