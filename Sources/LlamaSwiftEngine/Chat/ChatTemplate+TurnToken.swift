/// Formats built from special turn tokens: Command-R, EXAONE, Granite.
enum TurnTokenChat {
    static func render(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter)
    {
        switch style {
        case .commandR: commandR(messages, add, &w)
        case .granite3, .granite40, .granite41: granite(style, messages, add, &w)
        default: exaone(style, messages, add, &w)
        }
    }

    /// `command-r` (c4ai-command-r-plus); contents trimmed; other roles dropped.
    /// ```
    /// <|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>{content}<|END_OF_TURN_TOKEN|>    (system)
    /// <|START_OF_TURN_TOKEN|><|USER_TOKEN|>{content}<|END_OF_TURN_TOKEN|>      (user)
    /// <|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>{content}<|END_OF_TURN_TOKEN|>   (assistant)
    /// <|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>                                 (addAssistant)
    /// ```
    static func commandR(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        for m in messages {
            let token: String
            if m.hasRole("system") {
                token = "<|SYSTEM_TOKEN|>"
            } else if m.hasRole("user") {
                token = "<|USER_TOKEN|>"
            } else if m.hasRole("assistant") {
                token = "<|CHATBOT_TOKEN|>"
            } else {
                continue
            }
            w.write("<|START_OF_TURN_TOKEN|>"); w.write(token); w.writeTrimmed(m.content);
            w.write("<|END_OF_TURN_TOKEN|>")
        }
        if add { w.write("<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>") }
    }

    /// EXAONE; contents trimmed; other roles dropped.
    /// ```
    /// exaone3, exaone4   [|system|]{content}[|endofturn|]\n   [|user|]{content}\n
    ///                    [|assistant|]{content}[|endofturn|]\n
    ///                    exaone4 only: [|tool|]{content}[|endofturn|]\n
    ///                    add: [|assistant|]
    /// exaone-moe         <|{role}|>\n{content}<|endofturn|>\n for system, user, assistant, tool
    ///                    add: <|assistant|>\n
    /// ```
    static func exaone(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter)
    {
        let moe = style == .exaoneMoE
        for m in messages {
            let known = ["system", "user", "assistant", "tool"].first { m.hasRole($0) }
            guard let role = known, role != "tool" || style != .exaone3 else { continue }
            if moe {
                w.write("<|"); w.write(role); w.write("|>\n"); w.writeTrimmed(m.content); w.write("<|endofturn|>\n")
            } else {
                w.write("[|"); w.write(role); w.write("|]"); w.writeTrimmed(m.content)
                w.write(role == "user" ? "\n" : "[|endofturn|]\n")
            }
        }
        if add { w.write(moe ? "<|assistant|>\n" : "[|assistant|]") }
    }

    /// IBM Granite.
    /// ```
    /// <|start_of_role|>{role}<|end_of_role|>{content}<|end_of_text|>\n   (each message)
    /// <|start_of_role|>assistant<|end_of_role|>                          (addAssistant)
    /// ```
    /// The role `assistant_tool_call` adds `<|tool_call|>` before the content; `granite`
    /// (3.x) keeps that role's name in the header, `granite-4.0`/`-4.1` write `assistant`.
    static func granite(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter)
    {
        for m in messages {
            let toolCall = m.hasRole("assistant_tool_call")
            w.write("<|start_of_role|>")
            w.write(toolCall && style != .granite3 ? "assistant" : m.role)
            w.write("<|end_of_role|>")
            if toolCall { w.write("<|tool_call|>") }
            w.write(m.content); w.write("<|end_of_text|>\n")
        }
        if add { w.write("<|start_of_role|>assistant<|end_of_role|>") }
    }
}
