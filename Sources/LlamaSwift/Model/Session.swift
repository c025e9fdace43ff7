import Synchronization

/// Per-session settings (the engine side of `llamaswift_session_params`). Zero means
/// "from the model" or "the default" throughout.
public struct SessionOptions: Sendable {
    /// Context length in tokens; 0 = the model's training context, at most 4096.
    public var contextLength = 0
    /// Tokens evaluated per forward chunk; 0 = 512.
    public var batchSize = 0
    /// Worker threads; 0 = the number of CPUs (at most 8).
    public var threads = 0
    /// Keep the logits of every position of a decode call, not just the last.
    public var logitsAll = false
    /// KV cache element type: nil = F32 when the attention weights are F32, else F16.
    public var kvF32: Bool? = nil
    /// RoPE overrides: scaling type (nil = the model's), base, factor, original context.
    public var ropeScaling: String? = nil
    public var ropeFreqBase: Double = 0
    public var ropeScalingFactor: Double = 0
    public var ropeOriginalContext = 0

    public init() {}

    static let maxContext = 1 << 20
    static let maxThreads = 512
    static let maxBatch = 1 << 16
}

/// A conversation's state on one model: its KV cache, position, tokens, logits and
/// scratch buffers, all allocated once at creation. One thread at a time (`cancel()`
/// excepted); any number of sessions may share a model.
public final class Session: @unchecked Sendable {
    public let model: Model
    let config: ModelConfig
    let weights: ModelWeights
    public let contextLength: Int
    public let batchSize: Int
    public let logitsAll: Bool
    /// RoPE of every layer, or of the global layers when the model has local ones.
    let rope: RoPE
    /// RoPE of the sliding-window layers (Gemma 3: their own base, no scaling); nil otherwise.
    let ropeLocal: RoPE?
    let pool: ThreadPool
    let cache: KVCache

    /// Tokens in the cache, in order (position == tokens.count).
    public internal(set) var tokens: [Int32] = []
    public var position: Int { tokens.count }
    /// Logits of the last decode call's last token (or of all its tokens with logitsAll).
    public internal(set) var logitsCount = 0
    private let cancelFlag = Atomic<Bool>(false)

    // Scratch, shapes per chunk of up to `batchSize` tokens (B), E = n_embd, Q = n_head·d,
    // KV = n_head_kv·d, F = n_ff, V = n_vocab:
    let x: ScratchBuffer<Float>  // [B, E] the residual stream
    let xb: ScratchBuffer<Float>  // [B, E] normalised input of a sub-layer
    let q: ScratchBuffer<Float>  // [B, Q]
    let k: ScratchBuffer<Float>  // [B, KV]
    let v: ScratchBuffer<Float>  // [B, KV]
    let attnOut: ScratchBuffer<Float>  // [B, Q] concatenated head outputs
    let proj: ScratchBuffer<Float>  // [B, E] output of Wo / W_down
    let gate: ScratchBuffer<Float>  // [B, F]
    let up: ScratchBuffer<Float>  // [B, F]
    let scores: ScratchBuffer<Float>  // [threads, n_ctx] attention weights per worker
    let ropeTable: ScratchBuffer<Float>  // [B, rot/2, 2] cos/sin
    let ropeTableLocal: ScratchBuffer<Float>?  // [B, rot/2, 2] for ropeLocal
    let acts: QuantizedActivations  // 8-bit activations of the current matmul input
    var logits: ScratchBuffer<Float>  // [V] or [n, V] with logitsAll

    public init(model: Model, options: SessionOptions = SessionOptions()) throws {
        guard let config = model.config, let weights = model.weights else {
            throw LlamaError(.invalidArgument, "the model was loaded with vocab_only: it has no weights to run")
        }
        self.model = model
        self.config = config
        self.weights = weights
        let o = options
        guard (0...SessionOptions.maxContext).contains(o.contextLength) else {
            throw LlamaError(.invalidArgument, "n_ctx \(o.contextLength) is out of range (0 … \(SessionOptions.maxContext))")
        }
        guard (0...SessionOptions.maxThreads).contains(o.threads) else {
            throw LlamaError(.invalidArgument, "n_threads \(o.threads) is out of range (0 … \(SessionOptions.maxThreads))")
        }
        guard (0...SessionOptions.maxBatch).contains(o.batchSize) else {
            throw LlamaError(.invalidArgument, "n_batch \(o.batchSize) is out of range (0 … \(SessionOptions.maxBatch))")
        }
        contextLength = o.contextLength > 0 ? o.contextLength : min(config.contextLength, 4096)
        batchSize = min(o.batchSize > 0 ? o.batchSize : 512, contextLength)
        logitsAll = o.logitsAll
        let threads = o.threads > 0 ? o.threads : min(8, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

        // RoPE: the model's settings, each overridable.
        let base = o.ropeFreqBase > 0 ? o.ropeFreqBase : config.ropeFreqBase
        guard base.isFinite, base > 1 else { throw LlamaError(.invalidArgument, "rope_freq_base \(base) must be > 1") }
        var scaling = config.ropeScaling
        if o.ropeScaling != nil || o.ropeScalingFactor > 0 || o.ropeOriginalContext > 0 {
            let typeName: String?
            switch (o.ropeScaling, config.ropeScaling) {
            case (let t?, _): typeName = t
            case (nil, .none): typeName = "none"
            case (nil, .linear): typeName = "linear"
            case (nil, .dynamic): typeName = "dynamic"
            }
            let factor = o.ropeScalingFactor > 0 ? o.ropeScalingFactor : config.ropeScaling.factor
            let orig = o.ropeOriginalContext > 0 ? o.ropeOriginalContext : config.ropeOriginalContext
            do {
                scaling = try ModelConfig.scaling(type: typeName, factor: factor, originalContext: orig)
            } catch let e as LlamaError {
                throw LlamaError(.invalidArgument, e.message)
            }
        }
        let style = config.architecture.ropeStyle
        rope = RoPE(
            dims: config.ropeDimensionCount, base: base, scaling: scaling, style: style, freqFactors: weights.ropeFreqs)
        ropeLocal =
            config.slidingWindow > 0
            ? RoPE(dims: config.ropeDimensionCount, base: config.ropeFreqBaseLocal, scaling: .none, style: style, freqFactors: nil)
            : nil

        pool = try ThreadPool(threads: threads)
        let attnF32 = weights.blocks.first.map { $0.wk.type == .f32 && $0.wv.type == .f32 } ?? false
        cache = try KVCache(
            layers: config.blockCount, contextLength: contextLength, width: config.kvWidth,
            type: (o.kvF32 ?? attnF32) ? .f32 : .f16)

        let b = batchSize, e = config.embeddingLength
        x = try ScratchBuffer(b * e, what: "activations")
        xb = try ScratchBuffer(b * e, what: "activations")
        q = try ScratchBuffer(b * config.qWidth, what: "queries")
        k = try ScratchBuffer(b * config.kvWidth, what: "keys")
        v = try ScratchBuffer(b * config.kvWidth, what: "values")
        attnOut = try ScratchBuffer(b * config.qWidth, what: "attention output")
        proj = try ScratchBuffer(b * e, what: "projections")
        gate = try ScratchBuffer(b * config.feedForwardLength, what: "feed-forward")
        up = try ScratchBuffer(b * config.feedForwardLength, what: "feed-forward")
        scores = try ScratchBuffer(threads * contextLength, what: "attention scores")
        ropeTable = try ScratchBuffer(b * config.ropeDimensionCount, what: "rope table")
        ropeTableLocal = ropeLocal == nil ? nil : try ScratchBuffer(b * config.ropeDimensionCount, what: "rope table")
        acts = try QuantizedActivations(
            maxTokens: b, maxCols: max(e, config.qWidth, config.feedForwardLength))
        logits = try ScratchBuffer(config.vocabularySize, what: "logits")
        tokens.reserveCapacity(contextLength)
    }

    public var threadCount: Int { pool.threadCount }
    public var kvCacheBytes: Int { cache.bytes }
    public var kvIsF16: Bool { cache.type == .f16 }

    /// Appends `input` to the context and computes logits (of the last token, or of all
    /// of them with logitsAll). All or nothing: on any error — invalid token, context
    /// full, cancelled — the position, cache contents up to it, tokens and logits are
    /// as before the call.
    public func decode(_ input: UnsafeBufferPointer<Int32>) throws {
        guard input.count > 0 else { throw LlamaError(.invalidArgument, "no tokens to decode (n = 0)") }
        let nVocab = config.vocabularySize
        for (i, t) in input.enumerated() where t < 0 || Int(t) >= nVocab {
            throw LlamaError(.invalidArgument, "token \(t) at index \(i) is out of range (vocabulary \(nVocab))")
        }
        let start = position
        guard input.count <= contextLength - start else {
            throw LlamaError(
                .contextFull,
                "context full: \(start) tokens in the cache + \(input.count) new > n_ctx \(contextLength); rewind the session")
        }
        if logitsAll && logits.count < input.count * nVocab {
            logits = try ScratchBuffer(input.count * nVocab, what: "logits of every position")
        }
        try checkCancel()
        let seqLen = start + input.count
        var done = 0
        while done < input.count {
            let n = min(batchSize, input.count - done)
            let out = logitsAll ? logits.pointer + done * nVocab : logits.pointer
            try forward(
                tokens: UnsafeBufferPointer(rebasing: input[done..<(done + n)]), start: start + done, seqLen: seqLen,
                logitsAll: logitsAll, logitsOut: (logitsAll || done + n == input.count) ? out : nil)
            done += n
        }
        tokens.append(contentsOf: input)
        logitsCount = logitsAll ? input.count : 1
    }

    /// One chunk through the model's family's forward pass.
    func forward(
        tokens: UnsafeBufferPointer<Int32>, start: Int, seqLen: Int, logitsAll: Bool,
        logitsOut: UnsafeMutablePointer<Float>?
    ) throws {
        switch config.architecture {
        case .llama, .qwen2, .phi3:
            try llamaForward(tokens: tokens, start: start, seqLen: seqLen, logitsAll: logitsAll, logitsOut: logitsOut)
        case .gemma3:
            try gemma3Forward(tokens: tokens, start: start, seqLen: seqLen, logitsAll: logitsAll, logitsOut: logitsOut)
        }
    }

    public func decode(_ input: [Int32]) throws {
        try input.withUnsafeBufferPointer { try decode($0) }
    }

    /// Drops the cache after `position` tokens. Logits become unavailable until the next
    /// decode.
    public func rewind(to newPosition: Int) throws {
        guard newPosition >= 0, newPosition <= position else {
            throw LlamaError(.invalidArgument, "cannot rewind to \(newPosition): the session holds \(position) tokens")
        }
        tokens.removeSubrange(newPosition...)
        logitsCount = 0
    }

    /// Logits of the last decode (n_vocab floats per kept position), nil if none.
    public var currentLogits: UnsafePointer<Float>? { logitsCount > 0 ? UnsafePointer(logits.pointer) : nil }

    /// Logits of the last token of the last decode call.
    public var lastLogits: UnsafeBufferPointer<Float>? {
        guard logitsCount > 0 else { return nil }
        return UnsafeBufferPointer(start: logits.pointer + (logitsCount - 1) * config.vocabularySize, count: config.vocabularySize)
    }

    public var vocabularySize: Int { config.vocabularySize }

    /// Requests that the running (or next) decode stop with CANCELLED. Any thread.
    public func cancel() { cancelFlag.store(true, ordering: .relaxed) }

    /// Throws CANCELLED (once) if a cancel was requested.
    func checkCancel() throws {
        if cancelFlag.exchange(false, ordering: .relaxed) {
            throw LlamaError(.cancelled, "cancelled by llamaswift_session_cancel")
        }
    }

    public var cancelRequested: Bool { cancelFlag.load(ordering: .relaxed) }
    public func consumeCancel() -> Bool { cancelFlag.exchange(false, ordering: .relaxed) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
