import Dispatch
import LlamaSwiftEngine
import Synchronization

/// A session's settings (the C API's `llamaswift_session_params`). 0 = the default.
public struct SessionParams: Sendable, Equatable {
    /// Context length in tokens; 0 = the model's training context, at most 4096.
    public var contextLength = 0
    /// Tokens evaluated per forward chunk of a prompt; 0 = 512.
    public var batchSize = 0
    /// Worker threads; 0 = the CPUs this process may use (at most 8).
    public var threads = 0

    public init(contextLength: Int = 0, batchSize: Int = 0, threads: Int = 0) {
        self.contextLength = contextLength
        self.batchSize = batchSize
        self.threads = threads
    }
}

/// How one `generate` or `chat` call runs (the C API's `llamaswift_generate_params`).
public struct GenerateParams: Sendable, Equatable {
    /// At most this many new tokens; nil = until an end-of-generation token, a stop
    /// string or a full context.
    public var maxTokens: Int? = 256
    /// The answer ends before the first of these strings (which is not streamed).
    public var stopStrings: [String] = []
    /// Add the BOS (and EOS) tokens the model asks for to the prompt.
    public var addSpecial = true
    /// Text such as "<|im_start|>" in the prompt becomes its special token.
    public var parseSpecial = true
    /// Evaluate only the part of the prompt after what the session already holds (the
    /// common prefix of its tokens and the prompt's): the next turn of a chat evaluates
    /// only the new messages.
    public var reuseCache = true
    /// When the context fills, drop the older half of it after the first `keep` tokens
    /// (at least 4) and go on; false: stop with `StopReason.contextFull`.
    public var contextShift = true
    /// Tokens at the start that a context shift keeps.
    public var keep = 0

    public init(maxTokens: Int? = 256, stopStrings: [String] = []) {
        self.maxTokens = maxTokens
        self.stopStrings = stopStrings
    }
}

/// What ended a generation.
public enum StopReason: Sendable, Equatable {
    /// The model wrote an end-of-generation token (end of turn).
    case endOfGeneration
    /// `GenerateParams.maxTokens` were written.
    case maxTokens
    /// A stop string appeared.
    case stopString
    /// The stream's consumer went away (its task was cancelled, or it stopped iterating).
    case cancelled
    /// The context was full and `contextShift` was off (or nothing was left to shift).
    case contextFull
    /// A grammar was complete and the vocabulary has no end-of-generation token (the
    /// engine's grammar-constrained sampling; this API sets no grammar yet).
    case grammarComplete
}

/// Figures of the last finished `generate` or `chat` call of a session.
public struct GenerationStats: Sendable, Equatable {
    public var stopReason: StopReason
    /// Tokens of the prompt, and those of them evaluated (the rest came from the cache).
    public var promptTokens: Int
    public var promptTokensEvaluated: Int
    /// New tokens written.
    public var generatedTokens: Int
    /// Seconds evaluating the prompt, and generating.
    public var prefillSeconds: Double
    public var decodeSeconds: Double
    /// Context shifts during the call.
    public var contextShifts: Int

    /// Generated tokens per second of generation (0 when none).
    public var tokensPerSecond: Double { decodeSeconds > 0 ? Double(generatedTokens) / decodeSeconds : 0 }
}

/// A conversation's state on a model: its KV cache, position and tokens. One generation
/// at a time: calls queue behind each other (on the session's own thread, not Swift's
/// cooperative pool, since the forward pass blocks). Not `Sendable`: use a session from
/// one task; for parallel conversations make one session each (they share the `Model`).
public final class Session {
    public let model: Model
    let engine: LlamaSwiftEngine.Session
    /// Where the blocking engine calls run, one after another.
    let queue: DispatchQueue
    /// The last finished call's figures, written on `queue`.
    let stats = StatsBox()

    /// A new session on `model`. Throws `.invalidArgument` (a parameter out of range, a
    /// vocabulary-only model), `.outOfMemory` (the KV cache).
    public init(model: Model, params: SessionParams = SessionParams()) throws(LlamaSwiftError) {
        var o = SessionOptions()
        o.contextLength = params.contextLength
        o.batchSize = params.batchSize
        o.threads = params.threads
        self.model = model
        engine = try mapped { try LlamaSwiftEngine.Session(model: model.engine, options: o) }
        queue = DispatchQueue(label: "llamaswift.session")
    }

    /// The context length in tokens.
    public var contextLength: Int { engine.contextLength }

    /// Tokens the session holds (waits for a running generation to finish).
    public var position: Int { queue.sync { engine.position } }

    /// Worker threads of the forward pass.
    public var threads: Int { queue.sync { engine.threadCount } }

    /// Changes the thread count for the next calls (waits for a running generation).
    public func setThreads(_ n: Int) throws(LlamaSwiftError) {
        try mapped { try queue.sync { try engine.setThreads(n) } }
    }

    /// Forgets everything the session holds (waits for a running generation).
    public func reset() throws(LlamaSwiftError) {
        try mapped { try queue.sync { try engine.rewind(to: 0) } }
    }

    /// The figures of the last finished generation, nil before the first.
    public var lastStats: GenerationStats? { stats.value.withLock { $0 } }

    /// Streams the model's continuation of `prompt` (raw text: no chat template), piece by
    /// piece as the tokens are sampled; every piece is whole UTF-8 text. The stream ends
    /// at an end-of-generation token, `params.maxTokens`, a stop string or a full context
    /// (`lastStats.stopReason` says which), and throws a `LlamaSwiftError` on failure
    /// (`.contextFull` when the prompt does not fit, `.invalidArgument` for an empty
    /// prompt or a bad parameter).
    ///
    /// Cancelling the task that iterates the stream (or leaving the loop) cancels the
    /// generation: the engine stops at its next check (between layers, within
    /// milliseconds), and the session keeps what it had evaluated.
    public func generate(
        prompt: String, sampler: Sampler = Sampler(), params: GenerateParams = GenerateParams()
    ) -> AsyncThrowingStream<String, Error> {
        stream(prompt: { prompt }, sampler: sampler, params: params)
    }

    /// Streams the assistant's answer to `messages`, rendered with `template` (a built-in
    /// name such as "chatml", "llama3", "gemma", or a Jinja template text as GGUF files
    /// carry) or, when nil, the model's own template (`Model.chatTemplate`). The session
    /// keeps the conversation's tokens, so the next call with the answer and a new
    /// message appended evaluates only those. Errors as `generate`, and `.unsupported` for
    /// a template the engine does not know.
    public func chat(
        messages: [ChatMessage], template: String? = nil, sampler: Sampler = Sampler(),
        params: GenerateParams = GenerateParams()
    ) -> AsyncThrowingStream<String, Error> {
        let modelTemplate = model.chatTemplate
        return stream(
            prompt: {
                try ChatTemplate.render(
                    name: template, modelTemplate: modelTemplate,
                    messages: messages.map { LlamaSwiftEngine.ChatMessage(role: $0.role, content: $0.content) },
                    addAssistant: true)
            }, sampler: sampler, params: params)
    }

    /// Runs one generation on `queue`, feeding the stream. `prompt` is made there too (a
    /// chat template's errors reach the stream).
    private func stream(
        prompt: @escaping @Sendable () throws -> String, sampler: Sampler, params: GenerateParams
    ) -> AsyncThrowingStream<String, Error> {
        let engine = self.engine
        let stats = self.stats
        let cancelled = CancelFlag()
        var o = GenerateOptions()
        o.maxTokens = params.maxTokens ?? -1
        o.stopStrings = params.stopStrings.map { Array($0.utf8) }
        o.addSpecial = params.addSpecial
        o.parseSpecial = params.parseSpecial
        o.reuseCache = params.reuseCache
        o.contextShift = params.contextShift
        o.keep = params.keep
        let options = o
        return AsyncThrowingStream { continuation in
            continuation.onTermination = { reason in
                // The consumer's task was cancelled or it stopped iterating: stop the engine
                // (a prefill in progress included; a no-op when no call is running).
                if case .cancelled = reason {
                    cancelled.set()
                    engine.cancel()
                }
            }
            queue.async {
                var result = GenerateResult()
                do {
                    guard !cancelled.isSet else { throw LlamaError(.cancelled, "cancelled before it started") }
                    guard options.maxTokens >= -1 else {
                        throw LlamaError(.invalidArgument, "maxTokens \(options.maxTokens) must be ≥ 0")
                    }
                    let text = try prompt()
                    let smp = try sampler.makeEngineSampler()
                    try Array(text.utf8).withUnsafeBytes { p in
                        try Generator.generate(
                            session: engine, sampler: smp, prompt: p, options: options, result: &result
                        ) {
                            piece in
                            if case .terminated = continuation.yield(String(decoding: piece, as: UTF8.self)) {
                                return false
                            }
                            return !cancelled.isSet
                        }
                    }
                    if cancelled.isSet { result.stopReason = .cancelled }
                    stats.value.withLock { $0 = GenerationStats(result) }
                    continuation.finish()
                } catch {
                    if cancelled.isSet { result.stopReason = .cancelled }
                    stats.value.withLock { $0 = GenerationStats(result) }
                    continuation.finish(throwing: LlamaSwiftError(error))
                }
            }
        }
    }
}

/// A session's last figures, shared with the closures that run its generations.
final class StatsBox: Sendable {
    let value = Mutex<GenerationStats?>(nil)
}

/// Set once when a stream's consumer goes away; read by the generating thread.
final class CancelFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .releasing) }
    var isSet: Bool { flag.load(ordering: .acquiring) }
}

extension GenerationStats {
    init(_ r: GenerateResult) {
        let reason: StopReason =
            switch r.stopReason {
            case .endOfGeneration: .endOfGeneration
            case .maxTokens: .maxTokens
            case .stopString: .stopString
            case .callback, .cancelled: .cancelled
            case .contextFull: .contextFull
            case .grammarComplete: .grammarComplete
            }
        self.init(
            stopReason: reason, promptTokens: r.promptTokens, promptTokensEvaluated: r.promptTokensEvaluated,
            generatedTokens: r.generatedTokens, prefillSeconds: r.prefillSeconds, decodeSeconds: r.decodeSeconds,
            contextShifts: r.contextShifts)
    }
}
