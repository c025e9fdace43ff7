/// Formats that are mostly plain text: MiniCPM, RWKV World, YandexGPT, Grok 2, GigaChat,
/// Seed-OSS.
enum PlainTextChat {
    static func render(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter)
    {
        switch style {
        case .minicpm: minicpm(messages, &w)
        case .rwkvWorld: rwkvWorld(messages, &w)
        case .yandex: yandex(messages, add, &w)
        case .grok2: grok2(messages, add, &w)
        case .gigachat: gigachat(messages, add, &w)
        default: seedOSS(messages, add, &w)
        }
    }

    /// `minicpm` (`<用户>`); contents trimmed; no assistant opening.
    /// ```
    /// <用户>{content}<AI>   (user)
    /// {content}            (any other role)
    /// ```
    static func minicpm(_ messages: [ChatMessage], _ w: inout ChatPromptWriter) {
        for m in messages {
            if m.hasRole("user") {
                w.write("<用户>"); w.writeTrimmed(m.content); w.write("<AI>")
            } else {
                w.writeTrimmed(m.content)
            }
        }
    }

    /// `rwkv-world`; contents trimmed; other roles dropped. `Assistant:` follows the
    /// last message when it is a user's, whatever `addAssistant` says.
    /// ```
    /// System: {content}\n\n   User: {content}\n\n   Assistant: {content}\n\n
    /// ```
    static func rwkvWorld(_ messages: [ChatMessage], _ w: inout ChatPromptWriter) {
        for (i, m) in messages.enumerated() {
            if m.hasRole("system") {
                w.write("System: "); w.writeTrimmed(m.content); w.write("\n\n")
            } else if m.hasRole("user") {
                w.write("User: "); w.writeTrimmed(m.content); w.write("\n\n")
                if i == messages.count - 1 { w.write("Assistant:") }
            } else if m.hasRole("assistant") {
                w.write("Assistant: "); w.writeTrimmed(m.content); w.write("\n\n")
            }
        }
    }

    /// `yandex` (` Ассистент:`); only user and assistant messages are kept.
    /// ```
    ///  Пользователь: {content}\n\n   (user)
    ///  Ассистент: {content}\n\n      (assistant)
    ///  Ассистент:[SEP]               (addAssistant)
    /// ```
    static func yandex(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        for m in messages {
            if m.hasRole("user") {
                w.write(" Пользователь: "); w.write(m.content); w.write("\n\n")
            } else if m.hasRole("assistant") {
                w.write(" Ассистент: "); w.write(m.content); w.write("\n\n")
            }
        }
        if add { w.write(" Ассистент:[SEP]") }
    }

    /// `grok-2`; system and user contents trimmed, the assistant's not; other roles dropped.
    /// ```
    /// System: {content}<|separator|>\n\n   Human: {content}<|separator|>\n\n
    /// Assistant: {content}<|separator|>\n\n   add: Assistant:
    /// ```
    static func grok2(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        for m in messages {
            if m.hasRole("system") {
                w.write("System: "); w.writeTrimmed(m.content); w.write("<|separator|>\n\n")
            } else if m.hasRole("user") {
                w.write("Human: "); w.writeTrimmed(m.content); w.write("<|separator|>\n\n")
            } else if m.hasRole("assistant") {
                w.write("Assistant: "); w.write(m.content); w.write("<|separator|>\n\n")
            }
        }
        if add { w.write("Assistant:") }
    }

    /// `gigachat`: `<s>`, then the first message's content and `<|message_sep|>` if it
    /// is a system message; after that only user and assistant messages are kept:
    /// ```
    /// user<|role_sep|>{content}<|message_sep|>available functions<|role_sep|>[]<|message_sep|>
    /// assistant<|role_sep|>{content}<|message_sep|>
    /// assistant<|role_sep|>   (addAssistant)
    /// ```
    static func gigachat(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        let hasSystem = messages.first?.hasRole("system") ?? false
        w.write("<s>")
        if hasSystem, let first = messages.first { w.write(first.content); w.write("<|message_sep|>") }
        for m in messages.dropFirst(hasSystem ? 1 : 0) {
            if m.hasRole("user") {
                w.write("user<|role_sep|>"); w.write(m.content)
                w.write("<|message_sep|>available functions<|role_sep|>[]<|message_sep|>")
            } else if m.hasRole("assistant") {
                w.write("assistant<|role_sep|>"); w.write(m.content); w.write("<|message_sep|>")
            }
        }
        if add { w.write("assistant<|role_sep|>") }
    }

    /// `seed_oss` (`<seed:bos>`); the assistant's content trimmed.
    /// ```
    /// <seed:bos>{role}\n{content}<seed:eos>   (each message)
    /// <seed:bos>assistant\n                   (addAssistant)
    /// ```
    static func seedOSS(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        for m in messages {
            w.write("<seed:bos>"); w.write(m.role); w.write("\n")
            if m.hasRole("assistant") { w.writeTrimmed(m.content) } else { w.write(m.content) }
            w.write("<seed:eos>")
        }
        if add { w.write("<seed:bos>assistant\n") }
    }
}
