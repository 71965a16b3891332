package org.conntrack4j.nat;

import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.spi.ExtensionService;
import org.conntrack4j.core.spi.NetExtension;
import org.osgi.service.component.annotations.Component;

/**
 * The NAT bundle's service: the core attaches it to every engine ({@code pernet_operations}); each engine
 * gets its own {@link NatEngine}, provided as {@code Conntrack.extension(Nat.class)}. When the bundle stops, the
 * core closes every attachment: NAT's hooks and chains go, and the connections with a binding are destroyed.
 */
@Component(service = NetExtension.class)
@ExtensionService(name = "nat")
public final class NatComponent implements NetExtension {
    @Override
    public Registration attach(Conntrack net) {
        return new NatEngine(net).attach();
    }
}
