/** conntrackd.conf: the parser and the settings it yields. */
package org.conntrack4j.sync.config;
