package org.conntrack4j.core.spi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service properties of an {@link L4Tracker} registered as a Declarative Services component:
 * {@code @TrackerService(l4proto = 47)} on the component class gives {@code conntrack.l4proto} (Integer) and
 * {@code conntrack.l3proto} (String[]). See {@link L4Tracker} for the whiteboard contract.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface TrackerService {
    /** Prefix of the property names. */
    String PREFIX_ = "conntrack.";

    /** The IP protocol number served, 0..255 ({@code conntrack.l4proto}). */
    int l4proto();

    /** The families served, {@code ipv4} and/or {@code ipv6} ({@code conntrack.l3proto}). */
    String[] l3proto() default {"ipv4", "ipv6"};
}
