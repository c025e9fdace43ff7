/// `gemma` (`<start_of_turn>`). Gemma has no system turn: system contents (trimmed) are
/// gathered and put at the start of the next non-assistant turn, followed by `\n\n`;
/// the role `assistant` is written `model`; every content is trimmed.
/// ```
/// <start_of_turn>{role}\n[{system}\n\n]{trimmed content}<end_of_turn>\n   (each non-system message)
/// <start_of_turn>model\n                                                (addAssistant)
/// ```
/// Example (system + user): `<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n`.
/// A system message with no later user turn is dropped.
enum GemmaChat {
    static func render(_ messages: [ChatMessage], _ add: Bool, _ w: inout ChatPromptWriter) {
        var system: [UInt8] = []
        for m in messages {
            if m.hasRole("system") {
                system.append(contentsOf: ChatText.trimmed(m.content))
                continue
            }
            let role = m.hasRole("assistant") ? "model" : m.role
            w.write("<start_of_turn>"); w.write(role); w.write("\n")
            if !system.isEmpty && !ChatText.same(role, "model") {
                w.write(bytes: system); w.write("\n\n")
                system = []
            }
            w.writeTrimmed(m.content); w.write("<end_of_turn>\n")
        }
        if add { w.write("<start_of_turn>model\n") }
    }
}
