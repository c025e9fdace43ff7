/// Recognising a template from its text, with llama.cpp's rules (`llm_chat_detect_template`).
///
/// llama.cpp does not run Jinja: it takes the template string, first as a built-in name
/// (exact match), and otherwise looks for marker substrings, in a fixed order; the first
/// rule that matches wins. The same rules apply here, byte for byte and in the same
/// order, so a GGUF's `tokenizer.chat_template` maps to the same format as in llama.cpp.
/// Some consequences worth knowing (they are llama.cpp's):
/// - any template containing `<|im_start|>` is ChatML (unless it also has `<|im_sep|>`:
///   Phi-4, or `<end_of_utterance>`: SmolVLM); the Jinja's own extras (SmolLM2's and
///   Qwen2's default system message) are not rendered;
/// - a string that starts with `mistral` or contains `[INST]` is a Mistral or LLaMA 2
///   variant, so e.g. `mistral-foo` renders as `llama2`;
/// - Phi-3's template (`<|assistant|>` and `<|end|>`) renders every role, including
///   system, in `<|role|>` form.
extension ChatTemplateStyle {
    /// The style for `template` (a built-in name or a Jinja template text), or nil when
    /// llama.cpp would not recognise it either.
    static func detect(_ template: String) -> ChatTemplateStyle? {
        if let named = named(template) { return named }
        let t = Array(template.utf8)
        func has(_ marker: String) -> Bool { ChatText.contains(t, marker) }

        if has("<|im_start|>") {
            if has("<|im_sep|>") { return .phi4 }
            if has("<end_of_utterance>") { return .smolvlm }
            return .chatml
        }
        if ChatText.hasPrefix(t, "mistral") || has("[INST]") {
            if has("[SYSTEM_PROMPT]") { return .mistralV7 }
            if has("' [INST] ' + system_message") || has("[AVAILABLE_TOOLS]") {
                if has(" [INST]") { return .mistralV1 }
                if has("\"[INST]\"") { return .mistralV3Tekken }
                return .mistralV3
            }
            if has("content.strip()") { return .llama2SysStrip }
            if has("bos_token + '[INST]") { return .llama2SysBos }
            if has("<<SYS>>") { return .llama2Sys }
            return .llama2
        }
        if has("<|assistant|>") && has("<|end|>") { return .phi3 }
        if has("[gMASK]<sop>") { return .chatglm4 }
        if has("<|assistant|>") && has("<|user|>") {
            if has("<|tool_declare|>") { return .exaoneMoE }
            return has("</s>") ? .falcon3 : .glmedge
        }
        if has("<|{{ item['role'] }}|>") && has("<|begin_of_image|>") { return .glmedge }
        if has("<|user|>") && has("<|endoftext|>") { return .zephyr }
        if has("bos_token + message['role']") { return .monarch }
        if has("<start_of_turn>") { return .gemma }
        if has("'\\n\\nAssistant: ' + eos_token") { return .orion }
        if has("GPT4 Correct ") { return .openchat }
        if has("USER: ") && has("ASSISTANT: ") { return has("SYSTEM: ") ? .vicunaOrca : .vicuna }
        if has("### Instruction:") && has("<|EOT|>") { return .deepseek }
        if has("<|START_OF_TURN_TOKEN|>") && has("<|USER_TOKEN|>") { return .commandR }
        if has("<|start_header_id|>") && has("<|end_header_id|>") { return .llama3 }
        if has("[gMASK]sop") { return .chatglm3 }
        if has("<用户>") { return .minicpm }
        if has("'Assistant: ' + message['content'] + eos_token") { return .deepseek2 }
        if has("<｜Assistant｜>") && has("<｜User｜>") && has("<｜end▁of▁sentence｜>") { return .deepseek3 }
        if has("[|system|]") && has("[|assistant|]") && has("[|endofturn|]") {
            return has("[|tool|]") ? .exaone4 : .exaone3
        }
        if has("rwkv-world") || has("{{- 'User: ' + message['content']|trim + '\\n\\n' -}}") { return .rwkvWorld }
        if has("<|start_of_role|>") {
            if has("<tool_call>") || has("<tools>") {
                return has("g4_default_system_message") ? .granite40 : .granite41
            }
            return .granite3
        }
        if has("message['role'] + additional_special_tokens[0] + message['content'] + additional_special_tokens[1]") {
            return .gigachat
        }
        if has("<|role_start|>") { return .megrez }
        if has(" Ассистент:") { return .yandex }
        if has("<role>ASSISTANT</role>") && has("'HUMAN'") { return .bailing }
        if has("<role>ASSISTANT</role>") && has("\"HUMAN\"") && has("<think>") { return .bailingThink }
        if has("<role>ASSISTANT</role>") && has("<role>HUMAN</role>") && has("<|role_end|>") { return .bailing2 }
        if has("<|header_start|>") && has("<|header_end|>") { return .llama4 }
        if has("<|endofuserprompt|>") { return .dots1 }
        if has("<|extra_0|>") && has("<|extra_4|>") { return .hunyuanMoE }
        if has("<|start|>") && has("<|channel|>") { return .gptOSS }
        if has("<｜hy_Assistant｜>") && has("<｜hy_begin▁of▁sentence｜>") { return .hunyuanVL }
        if has("<｜hy_Assistant｜>") && has("<｜hy_place▁holder▁no▁3｜>") { return .hunyuanDense }
        if has("<|im_assistant|>assistant<|im_middle|>") { return .kimiK2 }
        if has("<seed:bos>") { return .seedOSS }
        if has("'Assistant: '  + message['content'] + '<|separator|>") { return .grok2 }
        if has("[unused9]系统：[unused10]") { return .panguEmbedded }
        if has("<|begin|>") && has("<|end|>") && has("<|content|>") { return .solarOpen }
        return nil
    }
}
