/// What ended a generation.
public enum StopReason: Sendable {
    case endOfGeneration
    case maxTokens
    case stopString
    case callback
    case cancelled
    case contextFull
    /// The grammar is complete, allows nothing more, and the vocabulary has no
    /// end-of-generation token to end with.
    case grammarComplete
}

public struct GenerateOptions: Sendable {
    /// Tokens to generate at most; −1 = until end of generation or a full context.
    public var maxTokens = -1
    /// How the prompt is tokenized (llama.cpp's add_special / parse_special).
    public var addSpecial = true
    public var parseSpecial = true
    public var stopStrings: [[UInt8]] = []
    /// Keep the part of the session's cache that equals the start of the new prompt.
    public var reuseCache = true
    /// The prompt continues the session's tokens (a chat's next turn, its text only):
    /// no prefix comparison, nothing rewound.
    public var append = false
    /// When the context is full (during the prompt or the generation), drop the oldest
    /// half of the tokens after the first `keep` (Session.shiftContext) and go on, as
    /// llama.cpp's context shift; off: a full context ends the generation
    /// (StopReason.contextFull) or, for a prompt that does not fit, throws CONTEXT_FULL.
    public var contextShift = true
    /// Tokens at the start never dropped by a shift (at least Generator.minimumKeep).
    public var keep = 0
    /// Log-probabilities of the top n_probs tokens given to `onToken` (0: only the
    /// chosen token's). Sampler+LogProbs.swift says what they are.
    public var nProbs = 0
    public init() {}
}

/// One generated token, as `Generator.generate`'s `onToken` receives it.
public struct GeneratedToken {
    public var token: Int32
    /// The token's bytes (llama.cpp's token_to_piece with special = true; may be part of
    /// a UTF-8 character).
    public var piece: [UInt8]
    /// log p(token) under the model's raw logits (Sampler.lastLogProbs).
    public var logProb: Float
    /// The `GenerateOptions.nProbs` most probable tokens, descending.
    public var top: [TokenLogProb]
}

public struct GenerateResult: Sendable {
    public var stopReason: StopReason = .endOfGeneration
    public var promptTokens = 0
    /// Prompt tokens actually evaluated (the rest came from the cache).
    public var promptTokensEvaluated = 0
    public var generatedTokens = 0
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    /// Prompt tokens evaluated per second (0 when nothing was timed).
    public var prefillTokensPerSecond: Double {
        prefillSeconds > 0 ? Double(promptTokensEvaluated) / prefillSeconds : 0
    }
    /// Generated tokens per second (0 when nothing was timed).
    public var decodeTokensPerSecond: Double { decodeSeconds > 0 ? Double(generatedTokens) / decodeSeconds : 0 }
    public var tokens: [Int32] = []
    /// Context shifts made during the generation.
    public var contextShifts = 0
    public init() {}
}

/// prompt → tokens → prefill → (sample ⇄ decode) → streamed text.
public enum Generator {
    /// A context shift never drops the first 4 tokens, whatever `keep` says: models
    /// attend heavily to the first positions ("attention sinks", StreamingLLM), and
    /// dropping them breaks generation — SmolLM2, which adds no BOS token, wrote
    /// "The\n\nThe\n\n…" after a shift that kept none (llama.cpp keeps only a BOS).
    public static let minimumKeep = 4

    /// Streams text to `onText` (return false to stop). Throws CONTEXT_FULL if the
    /// prompt itself does not fit, CANCELLED (with `partial` filled) on a cancel. The
    /// whole call, prompt tokenization included, is the call a `session.cancel()`
    /// applies to. Every piece `onText` receives is valid UTF-8.
    public static func generate(
        session: Session, sampler: Sampler, prompt: UnsafeRawBufferPointer, options: GenerateOptions,
        result: inout GenerateResult, onToken: ((GeneratedToken) -> Bool)? = nil, onText: ([UInt8]) -> Bool
    ) throws {
        try session.running {
            try generateInCall(
                session: session, sampler: sampler, prompt: prompt, options: options, result: &result,
                onToken: onToken
            ) { onText(TextStream.validUTF8($0)) }
        }
    }

    private static func generateInCall(
        session: Session, sampler: Sampler, prompt: UnsafeRawBufferPointer, options: GenerateOptions,
        result: inout GenerateResult, onToken: ((GeneratedToken) -> Bool)?, onText: ([UInt8]) -> Bool
    ) throws {
        guard session.embeddingOptions == nil else {
            throw LlamaError(.invalidArgument, "the session computes embeddings, not logits: it cannot generate")
        }
        let model = session.model
        let tok = model.tokenizer
        let checked = try tok.tokenizeChecked(
            prompt, addSpecial: options.addSpecial, parseSpecial: options.parseSpecial)
        guard checked.count > 0 else { throw LlamaError(.invalidArgument, "the prompt is empty (no tokens)") }
        result = GenerateResult()
        result.promptTokens = checked.count
        // Tokens a context shift keeps: the caller's count, at least the first
        // `Generator.minimumKeep` (attention sinks).
        let shiftKeep = max(options.keep, Generator.minimumKeep)
        let room =
            options.contextShift ? session.contextLength - min(shiftKeep, session.position) : session.contextLength
        guard checked.count <= room else {
            throw LlamaError(
                .contextFull, "the prompt has \(checked.count) tokens; the context holds \(session.contextLength)")
        }
        let promptTokens = checked.array  // at most the context length

        // Reuse the cached prefix; always re-evaluate at least the last prompt token (we
        // need its logits). Appending keeps the whole cache.
        var keep = 0
        if !options.append {
            if options.reuseCache {
                let cached = session.tokens
                while keep < cached.count && keep < promptTokens.count && cached[keep] == promptTokens[keep] {
                    keep += 1
                }
                keep = min(keep, promptTokens.count - 1)
            }
            try session.rewind(to: keep)
        }
        let pending = promptTokens[keep...]
        if pending.count > session.contextLength - session.position {
            guard options.contextShift, session.position > shiftKeep else {
                throw LlamaError(.contextFull, "the prompt does not fit in the context")
            }
            // Drop half of what follows the kept tokens, or more if the prompt needs it.
            let need = pending.count - (session.contextLength - session.position)
            let discard = min(session.position - shiftKeep, max(need, (session.position - shiftKeep) / 2))
            guard need <= discard else { throw LlamaError(.contextFull, "the prompt does not fit in the context") }
            try session.shiftContext(keep: shiftKeep, discard: discard)
        }
        let fresh = Array(pending)
        // Penalties see the prompt, as in llama.cpp.
        for t in promptTokens { sampler.accept(t) }
        // The grammar describes the generated text: it starts afresh with each call.
        sampler.grammar?.reset()

        var t0 = Syscalls.now()
        do {
            try session.decode(fresh)
        } catch let e as LlamaError where e.kind == .cancelled {
            result.stopReason = .cancelled
            throw e
        }
        result.promptTokensEvaluated = fresh.count
        result.prefillSeconds = Syscalls.now() - t0

        var stream = TextStream(stops: options.stopStrings)
        // One reusable buffer for the token fed back each step (no array per token).
        var next: [Int32] = [0]
        t0 = Syscalls.now()
        defer { result.decodeSeconds = Syscalls.now() - t0 }
        while true {
            if options.maxTokens >= 0 && result.generatedTokens >= options.maxTokens {
                result.stopReason = .maxTokens
                break
            }
            if session.consumeCancel() {
                result.stopReason = .cancelled
                _ = onText(stream.flush())
                throw LlamaError(.cancelled, "cancelled by llamaswift_session_cancel")
            }
            guard let logits = session.lastLogits else { throw LlamaError(.internalError, "no logits after decode") }
            if let g = sampler.grammar, g.isCompleteOnly, !g.hasEndOfGeneration {
                result.stopReason = .grammarComplete
                break
            }
            let token = try sampler.sample(logits)
            if tok.isEndOfGeneration(token) {
                result.stopReason = .endOfGeneration
                break
            }
            result.generatedTokens += 1
            result.tokens.append(token)
            // Stop strings see every token's text; control and unknown tokens are not shown.
            let text = tok.piece(for: token, renderSpecial: true) ?? []
            // The token callback sees each token (and its log-probabilities) before its text.
            if let onToken, let lp = sampler.lastLogProbs(top: options.nProbs),
                !onToken(GeneratedToken(token: token, piece: text, logProb: lp.logProb, top: lp.top))
            {
                result.stopReason = .callback
                let held = stream.flush()  // earlier tokens' text held for stop strings
                if !held.isEmpty { _ = onText(held) }
                return
            }
            switch stream.push(text, shown: !tok.isHiddenWhenStreamed(token)) {
            case .stop(let before):
                if !before.isEmpty { _ = onText(before) }
                result.stopReason = .stopString
                return
            case .emit(let text):
                if !text.isEmpty && !onText(text) {
                    result.stopReason = .callback
                    return
                }
            }
            if session.position >= session.contextLength {
                guard options.contextShift, session.position - shiftKeep >= 2 else {
                    result.stopReason = .contextFull
                    break
                }
                try session.shiftContext(keep: shiftKeep, discard: (session.position - shiftKeep) / 2)
                result.contextShifts += 1
            }
            do {
                next[0] = token
                try session.decode(next)
            } catch let e as LlamaError where e.kind == .cancelled {
                result.stopReason = .cancelled
                _ = onText(stream.flush())
                throw e
            }
        }
        let rest = stream.flush()
        if !rest.isEmpty { _ = onText(rest) }
    }
}
