/** The Gogo shell commands in the conntrack-tools formats, and the command-line entry of the distribution. */
package org.conntrack4j.shell;
