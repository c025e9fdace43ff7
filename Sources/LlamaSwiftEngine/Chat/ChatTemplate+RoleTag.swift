/// Formats that write the role as `<|{role}|>` (every role, as given).
///
/// ```
/// phi3      <|{role}|>\n{content}<|end|>\n          add: <|assistant|>\n
/// falcon3   <|{role}|>\n{content}\n                 add: <|assistant|>\n
/// zephyr    <|{role}|>\n{content}<|endoftext|>\n    add: <|assistant|>\n
/// glmedge   <|{role}|>\n{content}                   add: <|assistant|>
/// chatglm4  [gMASK]<sop> once, then <|{role}|>\n{content}      add: <|assistant|>\n
/// chatglm3  [gMASK]sop once, then <|{role}|>\n {content}       add: <|assistant|>
/// ```
/// (`phi3` is what Phi-3's GGUF template is detected as: its system messages, which the
/// Jinja would drop, are rendered as `<|system|>` turns, as in llama.cpp.)
enum RoleTagChat {
    static func render(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter)
    {
        let afterRole: String, afterContent: String, assistant: String
        switch style {
        case .phi3: (afterRole, afterContent, assistant) = ("\n", "<|end|>\n", "<|assistant|>\n")
        case .falcon3: (afterRole, afterContent, assistant) = ("\n", "\n", "<|assistant|>\n")
        case .zephyr: (afterRole, afterContent, assistant) = ("\n", "<|endoftext|>\n", "<|assistant|>\n")
        case .chatglm4:
            w.write("[gMASK]<sop>")
            (afterRole, afterContent, assistant) = ("\n", "", "<|assistant|>\n")
        case .chatglm3:
            w.write("[gMASK]sop")
            (afterRole, afterContent, assistant) = ("\n ", "", "<|assistant|>")
        default: (afterRole, afterContent, assistant) = ("\n", "", "<|assistant|>")  // glmedge
        }
        for m in messages {
            w.write("<|"); w.write(m.role); w.write("|>"); w.write(afterRole); w.write(m.content); w.write(afterContent)
        }
        if add { w.write(assistant) }
    }
}
