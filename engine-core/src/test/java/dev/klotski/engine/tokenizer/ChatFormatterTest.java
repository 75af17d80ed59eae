package dev.klotski.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Expected strings are what the real Jinja templates render (worked out by hand from the template text below;
 * the templates are quoted as the Jinja source, i.e. after JSON unescaping, so {@code \n} is backslash-n).
 */
class ChatFormatterTest {

    /**
     * Mixtral-8x7B-Instruct-v0.1 tokenizer_config.json chat_template (current revision):
     * <pre>
     * {%- if messages[0]['role'] == 'system' %}
     *     {%- set system_message = messages[0]['content'] %}
     *     {%- set loop_messages = messages[1:] %}
     * {%- else %}
     *     {%- set loop_messages = messages %}
     * {%- endif %}
     * {{- bos_token }}
     * {%- for message in loop_messages %}
     *     ... raise_exception('After the optional system message, conversation roles must alternate ...')
     *     {%- if message['role'] == 'user' %}
     *         {%- if loop.first and system_message is defined %}
     *             {{- ' [INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' }}
     *         {%- else %}
     *             {{- ' [INST] ' + message['content'] + ' [/INST]' }}
     *         {%- endif %}
     *     {%- elif message['role'] == 'assistant' %}
     *         {{- ' ' + message['content'] + eos_token}}
     *     ...
     * </pre>
     */
    static final String MIXTRAL = "{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = "
            + "messages[0]['content'] %}\n    {%- set loop_messages = messages[1:] %}\n{%- else %}\n    {%- set "
            + "loop_messages = messages %}\n{%- endif %}\n\n{{- bos_token }}\n{%- for message in loop_messages %}\n"
            + "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n        {{- raise_exception('After "
            + "the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}"
            + "\n    {%- endif %}\n    {%- if message['role'] == 'user' %}\n        {%- if loop.first and "
            + "system_message is defined %}\n            {{- ' [INST] ' + system_message + '\\n\\n' + "
            + "message['content'] + ' [/INST]' }}\n        {%- else %}\n            {{- ' [INST] ' + "
            + "message['content'] + ' [/INST]' }}\n        {%- endif %}\n    {%- elif message['role'] == 'assistant' "
            + "%}\n        {{- ' ' + message['content'] + eos_token}}\n    {%- else %}\n        {{- raise_exception("
            + "'Only user and assistant roles are supported, with the exception of an initial optional system "
            + "message!') }}\n    {%- endif %}\n{%- endfor %}\n";

    /**
     * Qwen2.5-*-Instruct chat_template, the tool-free parts:
     * <pre>
     * {%- else %}
     *     {%- if messages[0]['role'] == 'system' %}
     *         {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
     *     {%- else %}
     *         {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
     *     {%- endif %}
     * {%- endif %}
     * {%- for message in messages %}
     *     {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
     *         {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
     * ...
     * {%- if add_generation_prompt %}
     *     {{- '<|im_start|>assistant\n' }}
     * {%- endif %}
     * </pre>
     */
    static final String QWEN25 = "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] "
            + "== 'system' %}\n        {{- messages[0]['content'] }}\n    {%- else %}\n        {{- 'You are Qwen, "
            + "created by Alibaba Cloud. You are a helpful assistant.' }}\n    {%- endif %}\n    ...\n{%- else %}\n"
            + "    {%- if messages[0]['role'] == 'system' %}\n        {{- '<|im_start|>system\\n' + "
            + "messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- else %}\n        {{- '<|im_start|>system\\nYou "
            + "are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}\n    {%- endif %}\n"
            + "{%- endif %}\n{%- for message in messages %}\n    {%- if (message.role == \"user\") or (message.role == "
            + "\"system\" and not loop.first) or (message.role == \"assistant\" and not message.tool_calls) %}\n"
            + "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
            + "    ...\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n"
            + "{%- endif %}\n";

    /**
     * Qwen3 chat_template, the tool-free parts: no default system message; assistant turns are split at
     * {@code </think>}; after the last user query they are written as
     * {@code '<|im_start|>' + message.role + '\n<think>\n' + reasoning_content.strip('\n') + '\n</think>\n\n' +
     * content.lstrip('\n')} when {@code loop.last or reasoning_content}, otherwise {@code '<|im_start|>' +
     * message.role + '\n' + content}; then {@code '<|im_end|>\n'}; generation prompt {@code '<|im_start|>assistant\n'}.
     */
    static final String QWEN3 = "{%- else %}\n    {%- if messages[0].role == 'system' %}\n        {{- "
            + "'<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}\n    {%- endif %}\n{%- endif %}\n"
            + "...{%- set content = (message.content.split('</think>')|last).lstrip('\\n') %}...\n"
            + "{{- '<|im_start|>' + message.role + '\\n<think>\\n' + reasoning_content.strip('\\n') + "
            + "'\\n</think>\\n\\n' + content.lstrip('\\n') }}...{%- if add_generation_prompt %}\n    {{- "
            + "'<|im_start|>assistant\\n' }}\n    {%- if enable_thinking is defined and enable_thinking is false %}\n"
            + "        {{- '<think>\\n\\n</think>\\n\\n' }}\n    {%- endif %}\n{%- endif %}";

    private static final List<ChatMessage> MULTI_TURN = List.of(ChatMessage.system("Be brief."),
            ChatMessage.user("Hi"), ChatMessage.assistant("Hello!"), ChatMessage.user("How are you?"));

    @Test
    void mixtralMultiTurnWithSystem() {
        ChatFormatter f = ChatTemplates.select(MIXTRAL, "<s>", "</s>");
        assertInstanceOf(MistralInstructFormatter.class, f);
        assertTrue(f.startsWithBos());
        assertEquals("<s> [INST] Be brief.\n\nHi [/INST] Hello!</s> [INST] How are you? [/INST]",
                f.format(MULTI_TURN, true));
    }

    @Test
    void mixtralSingleUserTurn() {
        ChatFormatter f = ChatTemplates.select(MIXTRAL, "<s>", "</s>");
        assertEquals("<s> [INST] Hi [/INST]", f.format(List.of(ChatMessage.user("Hi")), true));
    }

    @Test
    void mixtralRejectsRolesOutOfOrderLikeTheTemplate() {
        ChatFormatter f = ChatTemplates.select(MIXTRAL, "<s>", "</s>");
        assertThrows(IllegalArgumentException.class,
                () -> f.format(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true));
    }

    @Test
    void originalMistralTemplateHasNoSpaces() {
        // Mistral-7B-Instruct-v0.1 / early Mixtral: {{ bos_token }} ... {{ '[INST] ' + message['content'] +
        // ' [/INST]' }} ... {{ message['content'] + eos_token }}
        String old = "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
                + "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
                + "{{ message['content'] + eos_token}}{% endif %}{% endfor %}";
        ChatFormatter f = ChatTemplates.select(old, "<s>", "</s>");
        assertEquals("<s>[INST] Hi [/INST]Hello!</s>[INST] How are you? [/INST]",
                f.format(MULTI_TURN.subList(1, 4), true));
    }

    @Test
    void qwen25InsertsItsDefaultSystemPrompt() {
        ChatFormatter f = ChatTemplates.select(QWEN25, null, "<|im_end|>");
        assertFalse(f.startsWithBos());
        assertEquals("You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
                ((ChatMlFormatter) f).defaultSystemPrompt());
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                + "<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                f.format(List.of(ChatMessage.user("Hi")), true));
    }

    @Test
    void qwen25MultiTurnWithSystem() {
        ChatFormatter f = ChatTemplates.select(QWEN25, null, "<|im_end|>");
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nHow are you?<|im_end|>\n"
                + "<|im_start|>assistant\n", f.format(MULTI_TURN, true));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n",
                f.format(MULTI_TURN.subList(0, 2), false));
    }

    @Test
    void qwen2DefaultSystemPromptIsReadFromItsTemplate() {
        String qwen2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
                + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
                + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
                + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n", ChatTemplates.select(qwen2, null, null)
                .format(List.of(ChatMessage.user("Hi")), true));
    }

    @Test
    void qwen3HasNoDefaultSystemPrompt() {
        ChatFormatter f = ChatTemplates.select(QWEN3, null, "<|im_end|>");
        assertNull(((ChatMlFormatter) f).defaultSystemPrompt());
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                f.format(List.of(ChatMessage.user("Hi")), true));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nHow are you?<|im_end|>\n"
                + "<|im_start|>assistant\n", f.format(MULTI_TURN, true));
    }

    @Test
    void qwen3DropsOldReasoningAndWrapsTheFinalAnswer() {
        ChatFormatter f = ChatTemplates.select(QWEN3, null, "<|im_end|>");
        List<ChatMessage> earlier = List.of(ChatMessage.user("Hi"),
                ChatMessage.assistant("<think>\nplan\n</think>\n\nHello!"), ChatMessage.user("Again"));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
                + "<|im_start|>user\nAgain<|im_end|>\n<|im_start|>assistant\n", f.format(earlier, true));
        List<ChatMessage> last = List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello!"));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello!"
                + "<|im_end|>\n", f.format(last, false));
    }

    @Test
    void unknownOrMissingTemplateIsAClearError() {
        String gemma = "{{ bos_token }}{% for message in messages %}<start_of_turn>{{ message['role'] }}\n"
                + "{{ message['content'] }}<end_of_turn>\n{% endfor %}";
        UnsupportedChatTemplateException e = assertThrows(UnsupportedChatTemplateException.class,
                () -> ChatTemplates.select(gemma, "<bos>", "<eos>"));
        assertTrue(e.getMessage().startsWith("this model's tokenizer_config.json has no chat template Klotski "
                + "knows ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("run without --chat"), e.getMessage());
        UnsupportedChatTemplateException none = assertThrows(UnsupportedChatTemplateException.class,
                () -> ChatTemplates.select(null, null, null));
        assertTrue(none.getMessage().contains("it has none"), none.getMessage());
    }
}
