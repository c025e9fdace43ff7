import LlamaSwiftEngine

/// How a model is loaded (the C API's `llamaswift_model_params`).
public struct ModelParams: Sendable {
    /// Load only the tokenizer (tokenize, detokenize, chat templates; no sessions).
    public var vocabOnly = false
    /// Lock the weights in memory (`mlock`), so that they are never paged out; fails with
    /// `.outOfMemory` (and says why) when RLIMIT_MEMLOCK is too small.
    public var lockMemory = false
    /// Called on the loading thread with the fraction done (0 first, 1 last, increasing);
    /// returning false cancels the load (`.cancelled`).
    public var progress: (@Sendable (Double) -> Bool)? = nil

    public init(vocabOnly: Bool = false, lockMemory: Bool = false, progress: (@Sendable (Double) -> Bool)? = nil) {
        self.vocabOnly = vocabOnly
        self.lockMemory = lockMemory
        self.progress = progress
    }
}

/// A GGUF model loaded into memory: the file mapped, the tokenizer built, the weights
/// checked (and repacked for the kernels where that pays). Immutable, so `Sendable`: one
/// model serves any number of `Session`s on any threads.
public final class Model: Sendable {
    let engine: LlamaSwiftEngine.Model

    /// Loads the GGUF file at `path`. Blocks while loading (memory-maps the file; a 135M
    /// model takes well under a second, a 7B model seconds); call it off the main actor.
    /// Throws `.io` (missing, unreadable), `.format` (not GGUF, corrupt), `.unsupported`
    /// (architecture, tensor type), `.cancelled` (the progress callback said stop),
    /// `.outOfMemory`.
    public init(path: String, params: ModelParams = ModelParams()) throws(LlamaSwiftError) {
        var o = LoadOptions()
        o.vocabOnly = params.vocabOnly
        o.lockMemory = params.lockMemory
        if let progress = params.progress { o.progress = { progress($0) } }
        engine = try mapped { try LlamaSwiftEngine.Model(path: path, options: o) }
    }

    /// The architecture as GGUF names it (`general.architecture`: "llama", "qwen2", "gemma3", …).
    public var architecture: String {
        engine.config?.architecture.rawValue ?? (try? engine.gguf.string("general.architecture")) ?? ""
    }

    /// The context length the model was trained with (0 for a vocabulary-only load).
    public var trainedContextLength: Int { engine.config?.contextLength ?? 0 }

    /// Tokens in the vocabulary.
    public var vocabularySize: Int { engine.vocabularySize }

    /// The chat template `Session.chat` uses when given none: the file's
    /// `tokenizer.chat_template`, or the family's built-in format; nil = ChatML.
    public var chatTemplate: String? { engine.chatTemplate }

    /// The tokens of `text`. `addSpecial`: add the BOS (and EOS) tokens the model asks for;
    /// `parseSpecial`: text such as "<|im_start|>" becomes its special token.
    public func tokenize(
        _ text: String, addSpecial: Bool = false, parseSpecial: Bool = false
    ) throws(LlamaSwiftError)
        -> [Int32]
    {
        try mapped { try engine.tokenizer.tokenize(text, addSpecial: addSpecial, parseSpecial: parseSpecial) }
    }

    /// The text of `tokens` (invalid UTF-8 from partial tokens is replaced by U+FFFD).
    /// Throws `.invalidArgument` for a token outside the vocabulary.
    public func detokenize(_ tokens: [Int32]) throws(LlamaSwiftError) -> String {
        String(decoding: try mapped { try engine.tokenizer.detokenize(tokens) }, as: UTF8.self)
    }
}
