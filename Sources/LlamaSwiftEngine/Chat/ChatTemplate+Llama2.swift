/// LLaMA 2 `[INST]` formats (`llama2`, `llama2-sys`, `llama2-sys-bos`, `llama2-sys-strip`).
///
/// The prompt opens with `[INST] ` (the BOS token is the tokenizer's business). Then:
/// ```
/// <<SYS>>\n{content}\n<</SYS>>\n\n   (system; plain `llama2`: {content}\n)
/// {content} [/INST]                  (user)
/// {content}</s>                      (any other role: ends the turn)
/// ```
/// and the first message after a finished turn reopens one with `[INST] `
/// (`llama2-sys-bos`: `<s>[INST] `). `llama2-sys-strip` trims every content's ASCII
/// whitespace first. There is no assistant opening: `addAssistant` changes nothing
/// (after `[/INST]` the model answers). Example (`llama2-sys`, system + user):
/// `[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]`.
enum Llama2Chat {
    static func render(_ style: ChatTemplateStyle, _ messages: [ChatMessage], _ w: inout ChatPromptWriter) {
        let systemTags = style != .llama2
        let bosInHistory = style == .llama2SysBos
        let strip = style == .llama2SysStrip
        var insideTurn = true
        w.write("[INST] ")
        for m in messages {
            let content = strip ? ChatText.trimmed(m.content) : Array(m.content.utf8)
            if !insideTurn {
                insideTurn = true
                w.write(bosInHistory ? "<s>[INST] " : "[INST] ")
            }
            if m.hasRole("system") {
                if systemTags {
                    w.write("<<SYS>>\n"); w.write(bytes: content); w.write("\n<</SYS>>\n\n")
                } else {
                    w.write(bytes: content); w.write("\n")
                }
            } else if m.hasRole("user") {
                w.write(bytes: content); w.write(" [/INST]")
            } else {
                w.write(bytes: content); w.write("</s>")
                insideTurn = false
            }
        }
    }
}
