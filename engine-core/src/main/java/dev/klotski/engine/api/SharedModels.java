package dev.klotski.engine.api;

import java.util.HashMap;
import java.util.Map;

/**
 * Opens engines that share loaded models: an engine opened here reuses the weights, tokenizer and compute threads
 * of an open engine of the same model folder, device, expert offloading and trace, whatever its kernels mode
 * (batch-invariant or fast), thread count or group. A host that needs several option sets of one model (a Spark
 * executor whose queries ask for different kernels) holds the model once. A model is freed when the last engine
 * on it closes. Engines on one model with offloaded experts take turns pass by pass (they share the expert
 * slots); on resident experts they run at once. Thread-safe.
 */
public final class SharedModels {
    private final Map<LoadedModel.Key, Loading> models = new HashMap<>(); // guarded by this

    /** One key's model: loaded by the first caller, outside the registry's lock; the others wait for it. */
    private final class Loading {
        private final LoadedModel.Key key;
        private volatile LoadedModel model; // written under this

        Loading(LoadedModel.Key key) {
            this.key = key;
        }

        synchronized LoadedModel holdOrLoad(EngineOptions options) {
            if (model != null && model.acquire()) {
                return model;
            }
            model = null;
            LoadedModel loaded = LoadedModel.load(options); // a failure leaves none: the next caller tries again
            loaded.onFreed(() -> forget(this));
            model = loaded;
            remember(this); // again, if the previous model's last engine closed meanwhile
            return loaded;
        }

        boolean held() {
            LoadedModel m = model;
            return m != null && m.held();
        }
    }

    /** An engine on the options' model, loading it unless an open engine here already holds it. */
    public KlotskiEngine open(EngineOptions options) {
        KlotskiEngine.checkDevice(options);
        Loading loading;
        synchronized (this) {
            loading = models.computeIfAbsent(LoadedModel.Key.of(options), Loading::new);
        }
        LoadedModel model = loading.holdOrLoad(options);
        try {
            return KlotskiEngine.on(model, options);
        } catch (RuntimeException | Error e) {
            model.release();
            throw e;
        }
    }

    /** Models held now by at least one engine. */
    public synchronized int loadedModels() {
        return (int) models.values().stream().filter(Loading::held).count();
    }

    private synchronized void remember(Loading loading) {
        models.putIfAbsent(loading.key, loading);
    }

    /** The loading's model was freed: forget it unless a new load has put another model there since. */
    private synchronized void forget(Loading loading) {
        if (!loading.held()) {
            models.remove(loading.key, loading);
        }
    }
}
