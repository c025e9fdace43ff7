/// Formats of Hunyuan (Tencent) and openPangu-Embedded, whose markup uses full-width
/// and CJK characters. None but pangu has an assistant opening.
enum CJKChat {
    static func render(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter)
    {
        switch style {
        case .hunyuanMoE: hunyuanMoE(messages, &w)
        case .hunyuanDense: hunyuanDense(messages, &w)
        case .hunyuanVL: hunyuanVL(messages, &w)
        default: pangu(messages, add, &w)
        }
    }

    /// `hunyuan-moe` (Hunyuan-A13B):
    /// ```
    /// <|startoftext|>{content}<|extra_4|>   (system)
    /// {content}<|eos|>                      (assistant)
    /// <|startoftext|>{content}<|extra_0|>   (any other role)
    /// ```
    static func hunyuanMoE(_ messages: [ChatMessage], _ w: inout ChatPromptWriter) {
        for m in messages {
            if m.hasRole("system") {
                w.write("<|startoftext|>"); w.write(m.content); w.write("<|extra_4|>")
            } else if m.hasRole("assistant") {
                w.write(m.content); w.write("<|eos|>")
            } else {
                w.write("<|startoftext|>"); w.write(m.content); w.write("<|extra_0|>")
            }
        }
    }

    /// `hunyuan-dense` (Hunyuan-4B); a system message counts only as the first message:
    /// ```
    /// {content}<｜hy_place▁holder▁no▁3｜>           (system, first message only)
    /// <｜hy_User｜>{content}<｜hy_Assistant｜>           (user)
    /// <｜hy_Assistant｜>{content}<｜hy_place▁holder▁no▁2｜>   (assistant)
    /// ```
    static func hunyuanDense(_ messages: [ChatMessage], _ w: inout ChatPromptWriter) {
        for (i, m) in messages.enumerated() {
            if i == 0 && m.hasRole("system") {
                w.write(m.content); w.write("<｜hy_place▁holder▁no▁3｜>")
            }
            if m.hasRole("assistant") {
                w.write("<｜hy_Assistant｜>"); w.write(m.content); w.write("<｜hy_place▁holder▁no▁2｜>")
            } else if m.hasRole("user") {
                w.write("<｜hy_User｜>"); w.write(m.content); w.write("<｜hy_Assistant｜>")
            }
        }
    }

    /// `hunyuan-vl` (HunyuanOCR, HunyuanVL): `<｜hy_begin▁of▁sentence｜>`, then
    /// ```
    /// {content}<｜hy_place▁holder▁no▁3｜>   (system, first message only)
    /// {content}<｜hy_User｜>                 (user)
    /// {content}<｜hy_Assistant｜>            (assistant)
    /// ```
    static func hunyuanVL(_ messages: [ChatMessage], _ w: inout ChatPromptWriter) {
        w.write("<｜hy_begin▁of▁sentence｜>")
        for (i, m) in messages.enumerated() {
            if i == 0 && m.hasRole("system") {
                w.write(m.content); w.write("<｜hy_place▁holder▁no▁3｜>")
                continue
            }
            if m.hasRole("user") {
                w.write(m.content); w.write("<｜hy_User｜>")
            } else if m.hasRole("assistant") {
                w.write(m.content); w.write("<｜hy_Assistant｜>")
            }
        }
    }

    /// `pangu-embedded`: an empty system turn first unless the first message is a system
    /// message; other roles than these five are dropped.
    /// ```
    /// [unused9]系统：{content}[unused10]   (system)    [unused9]用户：{content}[unused10]   (user)
    /// [unused9]助手：{content}[unused10]   (assistant) [unused9]工具：{content}[unused10]   (tool)
    /// [unused9]方法：{content}[unused10]   (function)  [unused9]助手：   (addAssistant)
    /// ```
    static func pangu(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        let labels = [("system", "系统"), ("user", "用户"), ("assistant", "助手"), ("tool", "工具"), ("function", "方法")]
        for (i, m) in messages.enumerated() {
            if i == 0 && !m.hasRole("system") { w.write("[unused9]系统：[unused10]") }
            guard let label = labels.first(where: { m.hasRole($0.0) })?.1 else { continue }
            w.write("[unused9]"); w.write(label); w.write("："); w.write(m.content); w.write("[unused10]")
        }
        if add { w.write("[unused9]助手：") }
    }
}
