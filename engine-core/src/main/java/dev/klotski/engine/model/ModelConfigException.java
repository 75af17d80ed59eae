package dev.klotski.engine.model;

/** config.json is missing, unreadable, or describes a model the engine cannot run. */
public class ModelConfigException extends RuntimeException {
    public ModelConfigException(String message) {
        super(message);
    }

    public ModelConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
