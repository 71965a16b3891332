package org.conntrack4j.core.spi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service property of a {@link Helper} registered as a Declarative Services component:
 * {@code @HelperService(name = "ftp")} gives {@code conntrack.helper.name}. See {@link Helper} for the whiteboard
 * contract.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface HelperService {
    /** Prefix of the property names. */
    String PREFIX_ = "conntrack.helper.";

    /** The helper type name, as nftables' {@code ct helper} objects name it ({@code conntrack.helper.name}). */
    String name();
}
