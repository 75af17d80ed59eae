package dev.klotski.engine.model.layers;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The listeners an expert source tells about routing; safe to change while events are delivered. */
public final class RoutingListeners implements RoutingListener {
    private final List<RoutingListener> listeners = new CopyOnWriteArrayList<>();

    public void add(RoutingListener listener) {
        listeners.add(listener);
    }

    public void remove(RoutingListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void routed(RoutingEvent event) {
        for (RoutingListener l : listeners) {
            l.routed(event);
        }
    }

    @Override
    public void requestEnded(long requestId) {
        for (RoutingListener l : listeners) {
            l.requestEnded(requestId);
        }
    }
}
