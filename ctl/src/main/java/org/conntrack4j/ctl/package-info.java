/**
 * The control socket of a running router: its protocol ({@link org.conntrack4j.ctl.ControlProtocol}), served by the
 * live dataplane, and the client ({@link org.conntrack4j.ctl.ControlClient}) that {@code conntrack4j ct:list} and the
 * other commands run from another terminal.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.conntrack4j.ctl;
