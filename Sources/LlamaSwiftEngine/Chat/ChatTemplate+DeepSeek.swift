/// DeepSeek formats. Roles other than system, user and assistant are dropped.
///
/// ```
/// deepseek (coder)  system: {content}
///                   user: ### Instruction:\n{content}\n
///                   assistant: ### Response:\n{content}\n<|EOT|>\n
///                   add: ### Response:\n
/// deepseek2         system: {content}\n\n    user: User: {content}\n\n
///                   assistant: Assistant: {content}<｜end▁of▁sentence｜>    add: Assistant:
/// deepseek3         system: {content}\n\n    user: <｜User｜>{content}
///                   assistant: <｜Assistant｜>{content}<｜end▁of▁sentence｜>    add: <｜Assistant｜>
/// deepseek-ocr      every content, concatenated (no markup, no assistant opening)
/// ```
enum DeepSeekChat {
    static func render(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter)
    {
        let eos = "<｜end▁of▁sentence｜>"
        switch style {
        case .deepseekOCR:
            for m in messages { w.write(m.content) }
        case .deepseek:
            for m in messages {
                if m.hasRole("system") {
                    w.write(m.content)
                } else if m.hasRole("user") {
                    w.write("### Instruction:\n"); w.write(m.content); w.write("\n")
                } else if m.hasRole("assistant") {
                    w.write("### Response:\n"); w.write(m.content); w.write("\n<|EOT|>\n")
                }
            }
            if add { w.write("### Response:\n") }
        case .deepseek2:
            for m in messages {
                if m.hasRole("system") {
                    w.write(m.content); w.write("\n\n")
                } else if m.hasRole("user") {
                    w.write("User: "); w.write(m.content); w.write("\n\n")
                } else if m.hasRole("assistant") {
                    w.write("Assistant: "); w.write(m.content); w.write(eos)
                }
            }
            if add { w.write("Assistant:") }
        default:  // deepseek3
            for m in messages {
                if m.hasRole("system") {
                    w.write(m.content); w.write("\n\n")
                } else if m.hasRole("user") {
                    w.write("<｜User｜>"); w.write(m.content)
                } else if m.hasRole("assistant") {
                    w.write("<｜Assistant｜>"); w.write(m.content); w.write(eos)
                }
            }
            if add { w.write("<｜Assistant｜>") }
        }
    }
}
