/** The engine's implementation; private to the core bundle. */
package org.conntrack4j.core.impl;
