/**
 * The live dataplane: the router fed by Linux devices ({@code Dataplane}), the {@code router} command and its
 * Configuration Admin component, and the control socket through which another process lists and changes the
 * running instance.
 */
package org.conntrack4j.dataplane;
