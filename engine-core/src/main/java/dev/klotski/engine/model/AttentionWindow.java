package dev.klotski.engine.model;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sliding-window attention (Mistral's {@code sliding_window}, Qwen's with {@code use_sliding_window}) lets a
 * token see only the last W positions. While a sequence is no longer than W, that is exactly full attention,
 * so the engine implements the window by holding sequences to W tokens: the context becomes
 * min(max_position_embeddings, W) and a longer prompt is refused (or truncated) like any other that does
 * not fit, instead of being attended to beyond the window the model was trained with.
 */
final class AttentionWindow {
    private static final Logger LOG = LoggerFactory.getLogger(AttentionWindow.class);

    private AttentionWindow() {
    }

    /**
     * @param on             use_sliding_window, true when absent: Qwen configs carry a sliding_window even when it
     *                       is off; Mistral's have no switch, so set means on
     * @param maxPositions   max_position_embeddings
     * @param slidingWindow  sliding_window, 0 when absent or null
     */
    static int context(boolean on, int maxPositions, int slidingWindow, Path file) {
        if (!on || slidingWindow == 0 || slidingWindow >= maxPositions) {
            return maxPositions;
        }
        LOG.info("{}: sliding_window {} is shorter than max_position_embeddings {}; sequences are held to {} "
                + "tokens, where sliding-window attention equals full attention", file, slidingWindow, maxPositions,
                slidingWindow);
        return slidingWindow;
    }
}
