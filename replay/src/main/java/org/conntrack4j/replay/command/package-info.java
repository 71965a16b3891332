/** The {@code replay} shell and command-line command; private. */
package org.conntrack4j.replay.command;
