package org.conntrack4j.core.spi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service property of a {@link NetExtension} registered as a Declarative Services component:
 * {@code @ExtensionService(name = "nat")} gives {@code conntrack.extension.name}, the name listings show.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface ExtensionService {
    /** Prefix of the property names. */
    String PREFIX_ = "conntrack.extension.";

    /** A name for listings ({@code conntrack.extension.name}). */
    String name();
}
