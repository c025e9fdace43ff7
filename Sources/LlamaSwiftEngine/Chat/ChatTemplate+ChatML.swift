/// ChatML and its relatives (templates containing `<|im_start|>`).
enum ChatML {
    /// `chatml` (SmolLM, Qwen2, … — any template with `<|im_start|>`):
    /// ```
    /// <|im_start|>{role}\n{content}<|im_end|>\n      (each message)
    /// <|im_start|>assistant\n                        (addAssistant)
    /// ```
    static func chatml(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        for m in messages {
            w.write("<|im_start|>"); w.write(m.role); w.write("\n"); w.write(m.content); w.write("<|im_end|>\n")
        }
        if add { w.write("<|im_start|>assistant\n") }
    }

    /// `phi4` (`<|im_start|>` with `<|im_sep|>`), no newlines:
    /// ```
    /// <|im_start|>{role}<|im_sep|>{content}<|im_end|>   (each message)
    /// <|im_start|>assistant<|im_sep|>                   (addAssistant)
    /// ```
    static func phi4(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        for m in messages {
            w.write("<|im_start|>"); w.write(m.role); w.write("<|im_sep|>"); w.write(m.content); w.write("<|im_end|>")
        }
        if add { w.write("<|im_start|>assistant<|im_sep|>") }
    }

    /// `smolvlm` (`<|im_start|>` with `<end_of_utterance>`): `<|im_start|>` once, then
    /// ```
    /// {content}\n\n                               (system)
    /// User: {content}<end_of_utterance>\n         (user)
    /// Assistant: {content}<end_of_utterance>\n    (any other role)
    /// Assistant:                                  (addAssistant)
    /// ```
    static func smolvlm(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        w.write("<|im_start|>")
        for m in messages {
            if m.hasRole("system") {
                w.write(m.content); w.write("\n\n")
            } else if m.hasRole("user") {
                w.write("User: "); w.write(m.content); w.write("<end_of_utterance>\n")
            } else {
                w.write("Assistant: "); w.write(m.content); w.write("<end_of_utterance>\n")
            }
        }
        if add { w.write("Assistant:") }
    }
}
