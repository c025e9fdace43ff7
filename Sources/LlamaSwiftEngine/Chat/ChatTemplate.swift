/// Chat prompts: (role, content) messages rendered with a model's chat template, exactly
/// as llama.cpp's `llama_chat_apply_template` renders them (llama-cpp-python 0.3.36).
///
/// llama.cpp does not run the Jinja template a GGUF carries in `tokenizer.chat_template`;
/// it recognises the template's family by marker strings and renders that family's fixed
/// format (see `ChatTemplateStyle.detect`). This does the same, so a prompt built here
/// tokenizes to the same ids as llama.cpp's. The formats, with their exact shapes, are
/// documented in the `ChatTemplate+*.swift` files.
public enum ChatTemplate {
    /// Renders `messages` as a prompt.
    ///
    /// - `name`: a built-in template name (`builtInNames`: chatml, llama2, llama3,
    ///   mistral-v7, zephyr, phi3, gemma, …), or nil to use `modelTemplate`. As in
    ///   llama.cpp, a name that is not a built-in one is itself put through detection
    ///   (so a caller may pass a Jinja template text here too).
    /// - `modelTemplate`: the model's `tokenizer.chat_template`, used when `name` is nil;
    ///   its family is detected with llama.cpp's rules. When both are nil the format is
    ///   ChatML, as llama.cpp does for a NULL template.
    /// - `addAssistant`: end with the opening of an assistant turn, so the model answers
    ///   next. Templates that have no such opening (mistral-v7, orion, minicpm, hunyuan,
    ///   deepseek-ocr, rwkv-world) ignore it, as in llama.cpp.
    ///
    /// An unknown name or an unrecognised template throws `LlamaError` `.unsupported`.
    /// Role and content are used as given, byte for byte (no escaping: markup in a message
    /// stays markup, as in llama.cpp).
    public static func render(
        name: String?, modelTemplate: String?, messages: [ChatMessage], addAssistant: Bool
    ) throws -> String {
        let style = try resolve(name: name, modelTemplate: modelTemplate)
        var out = ChatPromptWriter()
        style.render(messages, addAssistant: addAssistant, into: &out)
        return out.text
    }

    /// The names `render(name:…)` accepts, in byte order (llama.cpp's list, same spelling).
    public static var builtInNames: [String] { ChatTemplateStyle.builtInNames }

    /// The canonical built-in name of the format `render` would use (for a detected
    /// template: the name of its family), or nil for the one family llama.cpp only
    /// detects (dots1). Throws like `render` when the template is not recognised.
    public static func resolvedName(name: String?, modelTemplate: String?) throws -> String? {
        try resolve(name: name, modelTemplate: modelTemplate).name
    }

    static func resolve(name: String?, modelTemplate: String?) throws -> ChatTemplateStyle {
        if let name {
            if let style = ChatTemplateStyle.detect(name) { return style }
            throw LlamaError(
                .unsupported, "chat template '\(excerpt(name))' is not supported; built-in names: \(namesList)")
        }
        guard let modelTemplate else { return .chatml }
        if let style = ChatTemplateStyle.detect(modelTemplate) { return style }
        throw LlamaError(
            .unsupported,
            "chat template '\(excerpt(modelTemplate))' (the model's tokenizer.chat_template) is not supported; "
                + "name a built-in one instead: \(namesList)")
    }

    private static var namesList: String { builtInNames.joined(separator: ", ") }

    /// A one-line excerpt for an error message: control characters escaped, at most 60
    /// characters.
    private static func excerpt(_ text: String) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == 60 { out += "…"; break }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { out += "?" } else { out.unicodeScalars.append(scalar) }
            }
            count += 1
        }
        return out
    }
}
