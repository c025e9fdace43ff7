/// Mistral's official formats. None has an assistant opening: `addAssistant` changes
/// nothing (after `[/INST]` the model answers).
enum MistralChat {
    /// `mistral-v1`, `mistral-v3`, `mistral-v3-tekken`. A turn opens before the first
    /// message and after each assistant message with `{lead}[INST]{trail}`; then
    /// ```
    /// {content}\n\n                    (system)
    /// {content}{lead}[/INST]           (user)
    /// {trail}{content}</s>             (any other role: ends the turn)
    /// ```
    /// where v1: lead " ", trail " "; v3: lead "", trail " ", and the assistant's content
    /// is trimmed; v3-tekken: lead "", trail "". Example (v1, user then assistant):
    /// ` [INST] Hi [/INST] Hello</s>`.
    static func v1v3(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ w: inout ChatPromptWriter) {
        let lead = style == .mistralV1 ? " " : ""
        let trail = style == .mistralV3Tekken ? "" : " "
        let trimAssistant = style == .mistralV3
        var insideTurn = false
        for m in messages {
            if !insideTurn {
                w.write(lead); w.write("[INST]"); w.write(trail)
                insideTurn = true
            }
            if m.hasRole("system") {
                w.write(m.content); w.write("\n\n")
            } else if m.hasRole("user") {
                w.write(m.content); w.write(lead); w.write("[/INST]")
            } else {
                w.write(trail)
                if trimAssistant { w.writeTrimmed(m.content) } else { w.write(m.content) }
                w.write("</s>")
                insideTurn = false
            }
        }
    }

    /// `mistral-v7` (sp = " ") and `mistral-v7-tekken` (sp = ""), detected by
    /// `[SYSTEM_PROMPT]`:
    /// ```
    /// [SYSTEM_PROMPT]{sp}{content}[/SYSTEM_PROMPT]   (system)
    /// [INST]{sp}{content}[/INST]                     (user)
    /// {sp}{content}</s>                              (any other role)
    /// ```
    static func v7(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ w: inout ChatPromptWriter) {
        let sp = style == .mistralV7 ? " " : ""
        for m in messages {
            if m.hasRole("system") {
                w.write("[SYSTEM_PROMPT]"); w.write(sp); w.write(m.content); w.write("[/SYSTEM_PROMPT]")
            } else if m.hasRole("user") {
                w.write("[INST]"); w.write(sp); w.write(m.content); w.write("[/INST]")
            } else {
                w.write(sp); w.write(m.content); w.write("</s>")
            }
        }
    }
}
