/// LLaMA 3 and LLaMA 4 (role in a header, content trimmed).
enum HeaderChat {
    /// `llama3` (`<|start_header_id|>` and `<|end_header_id|>`):
    /// ```
    /// <|start_header_id|>{role}<|end_header_id|>\n\n{trimmed content}<|eot_id|>   (each message)
    /// <|start_header_id|>assistant<|end_header_id|>\n\n                         (addAssistant)
    /// ```
    /// `llama4` (`<|header_start|>` and `<|header_end|>`): the same with
    /// `<|header_start|>`, `<|header_end|>` and `<|eot|>`.
    static func render(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter)
    {
        let (open, close, end) =
            style == .llama4
            ? ("<|header_start|>", "<|header_end|>", "<|eot|>")
            : ("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")
        for m in messages {
            w.write(open); w.write(m.role); w.write(close); w.write("\n\n"); w.writeTrimmed(m.content); w.write(end)
        }
        if add { w.write(open); w.write("assistant"); w.write(close); w.write("\n\n") }
    }
}
