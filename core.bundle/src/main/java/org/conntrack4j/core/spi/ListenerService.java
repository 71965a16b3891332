package org.conntrack4j.core.spi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service property of a {@link ConntrackListener} registered as a Declarative Services component:
 * {@code @ListenerService(delivery = ListenerService.SYNC)} gives {@code conntrack.listener.delivery}. See
 * {@link ConntrackListener} for what each delivery means.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface ListenerService {
    /** Prefix of the property names. */
    String PREFIX_ = "conntrack.listener.";
    /** Delivery on the thread that caused the event. */
    String SYNC = "sync";
    /** Delivery from the listener's own thread through a bounded queue (the default). */
    String ASYNC = "async";

    /** {@link #SYNC} or {@link #ASYNC} ({@code conntrack.listener.delivery}). */
    String delivery() default ASYNC;
}
