package org.conntrack4j.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanException;
import javax.management.ReflectionException;

/**
 * The figures of the text exposition as one MBean ({@value #NAME}), read-only: one {@code long} attribute per
 * sample, named as the exposition names the series ({@code conntrack4j_connections},
 * {@code conntrack4j_invalid_packets_total{reason="..."}}), its description the family's help and type. Every read
 * collects afresh, so the attributes follow what runs (an interface or a sync node that comes or goes).
 */
final class MetricsMBean implements DynamicMBean {
    static final String NAME = "org.conntrack4j:type=Metrics";

    private final Supplier<List<Family>> figures;

    MetricsMBean(Supplier<List<Family>> figures) {
        this.figures = figures;
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        for (Family f : figures.get()) {
            for (Family.Sample s : f.samples()) {
                if (f.series(s).equals(attribute)) {
                    return s.value();
                }
            }
        }
        throw new AttributeNotFoundException(attribute);
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        List<String> wanted = List.of(attributes);
        AttributeList out = new AttributeList();
        for (Family f : figures.get()) {
            for (Family.Sample s : f.samples()) {
                String series = f.series(s);
                if (wanted.contains(series)) {
                    out.add(new Attribute(series, s.value()));
                }
            }
        }
        return out;
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException(attribute.getName() + " is read-only");
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature)
        throws MBeanException, ReflectionException {
        throw new ReflectionException(new NoSuchMethodException(actionName), "no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        List<MBeanAttributeInfo> attrs = new ArrayList<>();
        for (Family f : figures.get()) {
            for (Family.Sample s : f.samples()) {
                attrs.add(new MBeanAttributeInfo(f.series(s), "long", f.help + " (" + f.type.text() + ")", true,
                    false, false));
            }
        }
        return new MBeanInfo(MetricsMBean.class.getName(), "conntrack4j metrics, as /metrics exposes them",
            attrs.toArray(MBeanAttributeInfo[]::new), null, new MBeanOperationInfo[0],
            new MBeanNotificationInfo[0]);
    }
}
