/// Formats of newer models that wrap each message in their own role markup: Megrez,
/// Ling/Bailing, dots.llm1, gpt-oss (Harmony), Kimi K2, Solar Open.
enum MarkupChat {
    static func render(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter)
    {
        switch style {
        case .bailing, .bailingThink, .bailing2: bailing(style, messages, add, &w)
        case .dots1: dots1(messages, add, &w)
        case .kimiK2: kimiK2(messages, add, &w)
        case .megrez:
            // <|role_start|>{role}<|role_end|>{content}<|turn_end|>   add: <|role_start|>assistant<|role_end|>
            wrap(messages, "<|role_start|>", "<|role_end|>", { _ in "<|turn_end|>" }, &w)
            if add { w.write("<|role_start|>assistant<|role_end|>") }
        case .gptOSS:
            // <|start|>{role}<|message|>{content}<|end|>  (assistant: ...<|return|>)   add: <|start|>assistant
            wrap(messages, "<|start|>", "<|message|>", { $0.hasRole("assistant") ? "<|return|>" : "<|end|>" }, &w)
            if add { w.write("<|start|>assistant") }
        default:
            // solar-open: <|begin|>{role}<|content|>{content}<|end|>   add: <|begin|>assistant
            wrap(messages, "<|begin|>", "<|content|>", { _ in "<|end|>" }, &w)
            if add { w.write("<|begin|>assistant") }
        }
    }

    /// `{open}{role}{middle}{content}{end(message)}` for each message.
    static func wrap(
        _ messages: [ChatMessage], _ open: String, _ middle: String,
        _ end: (ChatMessage) -> String, _ w: inout ChatPromptWriter
    ) {
        for m in messages {
            w.write(open); w.write(m.role); w.write(middle); w.write(m.content); w.write(end(m))
        }
    }

    /// `bailing`, `bailing-think`, `bailing2` (Ling/Ring): the role upper-cased (ASCII),
    /// `user` written `HUMAN`.
    /// ```
    /// bailing, bailing-think   <role>{ROLE}</role>{content}
    ///                          add: <role>ASSISTANT</role>  (bailing-think: ...<think>)
    /// bailing2                 <role>SYSTEM</role>detailed thinking off<|role_end|>  (if the first
    ///                          message is not a system one), then <role>{ROLE}</role>{content}<|role_end|>
    ///                          add: <role>ASSISTANT</role>
    /// ```
    static func bailing(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter)
    {
        let v2 = style == .bailing2
        if v2 && !(messages.first?.hasRole("system") ?? false) {
            w.write("<role>SYSTEM</role>detailed thinking off<|role_end|>")
        }
        for m in messages {
            w.write("<role>")
            if m.hasRole("user") { w.write("HUMAN") } else { w.write(bytes: ChatText.upperASCII(m.role)) }
            w.write("</role>"); w.write(m.content)
            if v2 { w.write("<|role_end|>") }
        }
        if add {
            w.write("<role>ASSISTANT</role>")
            if style == .bailingThink { w.write("<think>") }
        }
    }

    /// dots.llm1 (detected by `<|endofuserprompt|>`; it has no built-in name).
    /// ```
    /// <|system|>{content}<|endofsystem|>           (system)
    /// <|userprompt|>{content}<|endofuserprompt|>   (user)
    /// <|response|>{content}<|endofresponse|>       (any other role)
    /// <|response|>                                 (addAssistant)
    /// ```
    static func dots1(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        for m in messages {
            if m.hasRole("system") {
                w.write("<|system|>"); w.write(m.content); w.write("<|endofsystem|>")
            } else if m.hasRole("user") {
                w.write("<|userprompt|>"); w.write(m.content); w.write("<|endofuserprompt|>")
            } else {
                w.write("<|response|>"); w.write(m.content); w.write("<|endofresponse|>")
            }
        }
        if add { w.write("<|response|>") }
    }

    /// `kimi-k2`: a header per known role, then `{content}<|im_end|>` (for an unknown
    /// role the content is written with no header).
    /// ```
    /// <|im_system|>system<|im_middle|>   <|im_user|>user<|im_middle|>
    /// <|im_assistant|>assistant<|im_middle|>   <|im_system|>tool<|im_middle|>
    /// add: <|im_assistant|>assistant<|im_middle|>
    /// ```
    static func kimiK2(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        for m in messages {
            if m.hasRole("system") {
                w.write("<|im_system|>system<|im_middle|>")
            } else if m.hasRole("user") {
                w.write("<|im_user|>user<|im_middle|>")
            } else if m.hasRole("assistant") {
                w.write("<|im_assistant|>assistant<|im_middle|>")
            } else if m.hasRole("tool") {
                w.write("<|im_system|>tool<|im_middle|>")
            }
            w.write(m.content); w.write("<|im_end|>")
        }
        if add { w.write("<|im_assistant|>assistant<|im_middle|>") }
    }
}
