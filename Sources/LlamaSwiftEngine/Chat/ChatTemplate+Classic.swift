/// Plain-text "speaker:" formats from older chat models.
enum ClassicChat {
    static func render(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter)
    {
        switch style {
        case .vicuna, .vicunaOrca: vicuna(orca: style == .vicunaOrca, messages, add, &w)
        case .orion: orion(messages, &w)
        case .openchat: openchat(messages, add, &w)
        default: monarch(messages, add, &w)
        }
    }

    /// `vicuna` (`USER: ` and `ASSISTANT: `) and `vicuna-orca` (also `SYSTEM: `):
    /// ```
    /// {content}\n\n            (system; vicuna-orca: SYSTEM: {content}\n)
    /// USER: {content}\n        (user)
    /// ASSISTANT: {content}</s>\n   (assistant; other roles are dropped)
    /// ASSISTANT:               (addAssistant)
    /// ```
    static func vicuna(orca: Bool, _ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        for m in messages {
            if m.hasRole("system") {
                if orca {
                    w.write("SYSTEM: "); w.write(m.content); w.write("\n")
                } else {
                    w.write(m.content); w.write("\n\n")
                }
            } else if m.hasRole("user") {
                w.write("USER: "); w.write(m.content); w.write("\n")
            } else if m.hasRole("assistant") {
                w.write("ASSISTANT: "); w.write(m.content); w.write("</s>\n")
            }
        }
        if add { w.write("ASSISTANT:") }
    }

    /// `orion` (Orion-14B-Chat): system contents are gathered and put at the start of the
    /// next user turn; no assistant opening (`addAssistant` changes nothing).
    /// ```
    /// Human: [{system}\n\n]{content}\n\nAssistant: </s>   (user)
    /// {content}</s>                                       (any other role)
    /// ```
    static func orion(_ messages: [ChatMessage], _ w: inout ChatPromptWriter) {
        var system: [UInt8] = []
        for m in messages {
            if m.hasRole("system") {
                system.append(contentsOf: m.content.utf8)
            } else if m.hasRole("user") {
                w.write("Human: ")
                if !system.isEmpty { w.write(bytes: system); w.write("\n\n"); system = [] }
                w.write(m.content); w.write("\n\nAssistant: </s>")
            } else {
                w.write(m.content); w.write("</s>")
            }
        }
    }

    /// `openchat` (openchat-3.5, `GPT4 Correct `): the role's first letter upper-cased
    /// (ASCII only).
    /// ```
    /// {content}<|end_of_turn|>                       (system)
    /// GPT4 Correct {Role}: {content}<|end_of_turn|>   (any other role)
    /// GPT4 Correct Assistant:                        (addAssistant)
    /// ```
    static func openchat(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        for m in messages {
            if m.hasRole("system") {
                w.write(m.content); w.write("<|end_of_turn|>")
            } else {
                w.write("GPT4 Correct "); w.write(bytes: ChatText.upperFirstASCII(m.role)); w.write(": ")
                w.write(m.content); w.write("<|end_of_turn|>")
            }
        }
        if add { w.write("GPT4 Correct Assistant:") }
    }

    /// `monarch` (AlphaMonarch-7B, `bos_token + message['role']`): `<s>` before every
    /// message but the first.
    /// ```
    /// [<s>]{role}\n{content}</s>\n   (each message)
    /// <s>assistant\n                 (addAssistant)
    /// ```
    static func monarch(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        for (i, m) in messages.enumerated() {
            if i > 0 { w.write("<s>") }
            w.write(m.role); w.write("\n"); w.write(m.content); w.write("</s>\n")
        }
        if add { w.write("<s>assistant\n") }
    }
}
