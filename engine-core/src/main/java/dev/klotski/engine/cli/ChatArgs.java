package dev.klotski.engine.cli;

import dev.klotski.engine.api.GenerationRequest;
import picocli.CommandLine.Option;

/** Chat-template options, shared by generate and batch. */
final class ChatArgs {
    @Option(names = "--chat", description = "Wrap the prompt in the model's chat template as a user message.")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message before the prompt (with --chat).")
    String system;

    /** The request with chat formatting applied as asked. */
    GenerationRequest apply(GenerationRequest request) {
        if (system != null && !chat) {
            throw new IllegalArgumentException("--system needs --chat: a system message only exists in a chat template");
        }
        return request.withChat(chat).withSystem(system);
    }
}
