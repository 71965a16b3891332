/**
 * Metrics of a running instance (Prometheus text exposition and a platform MBean): private, nothing exported.
 */
package org.conntrack4j.metrics;
