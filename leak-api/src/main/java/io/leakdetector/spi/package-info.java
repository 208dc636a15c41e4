/**
 * The service provider interface: heap event sources, symbol resolvers and snapshot exporters, each
 * found with {@link java.util.ServiceLoader} through its provider.
 *
 * <p>A source decodes the operating system's allocation events and feeds them, one thread at a
 * time, to a {@link io.leakdetector.spi.HeapEventSink}. The sink's callbacks take primitives only,
 * so that nothing is allocated per event. The rest of what a source has to say — modules mapped,
 * the target's exit, its own failure — goes to a {@link io.leakdetector.spi.StreamListener}.
 */
package io.leakdetector.spi;
