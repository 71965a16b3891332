package org.conntrack4j.helper.sip;

import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.spi.Helper;
import org.conntrack4j.core.spi.HelperService;
import org.osgi.service.component.annotations.Component;

/**
 * The SIP helper over TCP ({@code sip_help_tcp}): {@link SipHelper}'s reading of each message of a segment, with
 * its own counters. Linux registers SIP for UDP and TCP as two helpers of one name; so does this bundle.
 */
@Component(service = Helper.class)
@HelperService(name = "sip")
public final class SipTcpHelper extends SipHelper {
    public SipTcpHelper() {
        super(IpProto.TCP);
    }

    @Override
    public String toString() {
        return "SipTcpHelper";
    }
}
