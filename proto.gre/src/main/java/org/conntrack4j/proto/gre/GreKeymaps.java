package org.conntrack4j.proto.gre;

import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.spi.ExtensionService;
import org.conntrack4j.core.spi.NetExtension;
import org.conntrack4j.proto.gre.keymap.GreKeymap;
import org.osgi.service.component.annotations.Component;

/**
 * Gives every engine its own GRE key map, as Linux keeps one per network namespace: the core attaches this
 * extension to each engine, which then offers the map as {@code net.services().extension(GreKeymap.class)} to the
 * GRE tracker and the PPTP helper. When the bundle stops (or the engine closes), the map leaves with its entries.
 */
@Component(service = NetExtension.class)
@ExtensionService(name = "gre-keymap")
public final class GreKeymaps implements NetExtension {
    @Override
    public Registration attach(Conntrack net) {
        Keymap map = new Keymap();
        Registration provided = net.services().provideExtension(GreKeymap.class, map);
        return () -> {
            provided.close();
            map.clear();
        };
    }
}
