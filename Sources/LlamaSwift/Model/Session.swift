#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import Synchronization

/// Per-session settings (the engine side of `llamaswift_session_params`). Zero means
/// "from the model" or "the default" throughout.
public struct SessionOptions: Sendable {
    /// Context length in tokens; 0 = the model's training context, at most 4096.
    public var contextLength = 0
    /// Tokens evaluated per forward chunk; 0 = 512.
    public var batchSize = 0
    /// Worker threads; 0 = the number of CPUs (at most 8). More than the CPUs this
    /// process may use is capped to them: the workers spin between steps, so threads
    /// beyond the cores only wait for each other (64 threads on 2 cores were 40× slower
    /// than 1). Results do not depend on the count.
    public var threads = 0
    /// Tests only: keep a thread count above the usable CPUs (to check that results do
    /// not depend on it).
    var allowOversubscription = false
    /// Keep the logits of every position of a decode call, not just the last.
    public var logitsAll = false
    /// KV cache element type: nil = F32 when the attention weights are F32, else F16.
    public var kvF32: Bool? = nil
    /// RoPE overrides: scaling type (nil = the model's), base, factor, original context.
    public var ropeScaling: RopeScaling.Kind? = nil
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
    /// Replaced (with `scores`, and in `matmul`) by setThreads between calls.
    private(set) var pool: ThreadPool
    let cache: KVCache

    /// Tokens in the cache, in order (position == tokens.count).
    public internal(set) var tokens: [Int32] = []
    public var position: Int { tokens.count }
    /// Logits of the last decode call's last token (or of all its tokens with logitsAll).
    public internal(set) var logitsCount = 0
    /// Cancel state of the call in progress: 0 none running, 1 running, 2 running and
    /// cancel requested. `cancel()` moves only 1 → 2, so a cancel with no call running
    /// is ignored (as sqlite3_interrupt), and the outermost call resets it to 0 when it
    /// ends, so no request outlives the call it was meant for.
    private let callState = Atomic<Int>(0)
    /// Nesting depth of `running` (generate runs decodes); touched by the owning thread only.
    private var callDepth = 0

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
    var scores: ScratchBuffer<Float>  // [threads, n_ctx] attention weights per worker
    let ropeTable: ScratchBuffer<Float>  // [B, rot/2, 2] cos/sin
    let ropeTableLocal: ScratchBuffer<Float>?  // [B, rot/2, 2] for ropeLocal
    let matmul: Matmul  // quantize activation rows, multiply by weight matrices (its 8-bit buffers)
    var logits: ScratchBuffer<Float>  // [V] or [n, V] with logitsAll: the published logits
    /// Where a decode (or a state load) writes its logits; swapped with `logits` only when
    /// the whole call succeeded, so a failed or cancelled call leaves the published
    /// logits — values and address — as they were.
    var pendingLogits: ScratchBuffer<Float>  // [V] or [n, V]

    public init(model: Model, options: SessionOptions = SessionOptions()) throws {
        guard let config = model.config, let weights = model.weights else {
            throw LlamaError(.invalidArgument, "the model was loaded with vocab_only: it has no weights to run")
        }
        self.model = model
        self.config = config
        self.weights = weights
        let o = options
        guard (0...SessionOptions.maxContext).contains(o.contextLength) else {
            throw LlamaError(
                .invalidArgument, "n_ctx \(o.contextLength) is out of range (0 … \(SessionOptions.maxContext))")
        }
        guard (0...SessionOptions.maxThreads).contains(o.threads) else {
            throw LlamaError(
                .invalidArgument, "n_threads \(o.threads) is out of range (0 … \(SessionOptions.maxThreads))")
        }
        guard (0...SessionOptions.maxBatch).contains(o.batchSize) else {
            throw LlamaError(
                .invalidArgument, "n_batch \(o.batchSize) is out of range (0 … \(SessionOptions.maxBatch))")
        }
        contextLength = o.contextLength > 0 ? o.contextLength : min(config.contextLength, 4096)
        batchSize = min(o.batchSize > 0 ? o.batchSize : 512, contextLength)
        logitsAll = o.logitsAll
        let threads = Self.threadCount(requested: o.threads, allowOversubscription: o.allowOversubscription)

        // RoPE: the model's settings, each overridable.
        let base = o.ropeFreqBase > 0 ? o.ropeFreqBase : config.ropeFreqBase
        guard base.isFinite, base > 1 else { throw LlamaError(.invalidArgument, "rope_freq_base \(base) must be > 1") }
        var scaling = config.ropeScaling
        if o.ropeScaling != nil || o.ropeScalingFactor > 0 || o.ropeOriginalContext > 0 {
            let kind = o.ropeScaling ?? config.ropeScaling.kind
            let factor = o.ropeScalingFactor > 0 ? o.ropeScalingFactor : config.ropeScaling.factor
            let orig = o.ropeOriginalContext > 0 ? o.ropeOriginalContext : config.ropeOriginalContext
            do {
                scaling = try ModelConfig.scaling(type: kind.rawValue, factor: factor, originalContext: orig)
            } catch let e as LlamaError {
                throw LlamaError(.invalidArgument, e.message)
            }
        }
        let style = config.architecture.ropeStyle
        rope = RoPE(
            dims: config.ropeDimensionCount, base: base, scaling: scaling, style: style, freqFactors: weights.ropeFreqs)
        ropeLocal =
            config.slidingWindow > 0
            ? RoPE(
                dims: config.ropeDimensionCount, base: config.ropeFreqBaseLocal, scaling: .none, style: style,
                freqFactors: nil)
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
        matmul = try Matmul(maxTokens: b, maxCols: max(e, config.qWidth, config.feedForwardLength), pool: pool)
        logits = try ScratchBuffer(config.vocabularySize, what: "logits")
        pendingLogits = try ScratchBuffer(config.vocabularySize, what: "logits")
        tokens.reserveCapacity(contextLength)
        allowOversubscription = o.allowOversubscription
        Log.info(
            "session: n_ctx \(contextLength), n_batch \(batchSize), \(threads) thread(s), KV cache "
                + "\(cache.type == .f16 ? "F16" : "F32") \(cache.bytes) bytes")
    }

    private let allowOversubscription: Bool

    /// The worker count for a requested one: 0 = the CPUs (at most 8); more than the
    /// usable CPUs is capped to them (logged as a warning).
    static func threadCount(requested: Int, allowOversubscription: Bool) -> Int {
        let cpus = Syscalls.usableCPUs()
        if requested == 0 { return min(8, cpus) }
        if allowOversubscription || requested <= cpus { return requested }
        Log.warning("n_threads \(requested) capped to the \(cpus) CPU(s) this process may use")
        return cpus
    }

    public var threadCount: Int { pool.threadCount }

    /// Changes the number of worker threads between calls (0 = the default, capped as at
    /// creation). Results do not depend on it. Starts the new workers first, so on
    /// failure the session keeps its old ones.
    /// Errors: INVALID_ARGUMENT (out of range, or called during a call on this session:
    /// from a generate's callback), OUT_OF_MEMORY (threads or buffers).
    public func setThreads(_ requested: Int) throws {
        guard callDepth == 0 else {
            throw LlamaError(.invalidArgument, "the thread count cannot change during a call on the session")
        }
        guard (0...SessionOptions.maxThreads).contains(requested) else {
            throw LlamaError(.invalidArgument, "n_threads \(requested) is out of range (0 … \(SessionOptions.maxThreads))")
        }
        let n = Self.threadCount(requested: requested, allowOversubscription: allowOversubscription)
        guard n != pool.threadCount else { return }
        let newScores = n * contextLength > scores.count ? try ScratchBuffer<Float>(n * contextLength, what: "attention scores") : nil
        let newPool = try ThreadPool(threads: n)
        pool = newPool
        matmul.pool = newPool
        if let newScores { scores = newScores }
        Log.info("session: \(n) thread(s)")
    }
    public var kvCacheBytes: Int { cache.bytes }
    public var kvIsF16: Bool { cache.type == .f16 }

    /// Appends `input` to the context and computes logits (of the last token, or of all
    /// of them with logitsAll). All or nothing: on any error — invalid token, context
    /// full, cancelled, NaN from the model's weights — the position, cache contents up to
    /// it, tokens and logits (their values and their address) are as before the call.
    public func decode(_ input: UnsafeBufferPointer<Int32>) throws {
        try running { try decodeCall(input) }
    }

    private func decodeCall(_ input: UnsafeBufferPointer<Int32>) throws {
        guard input.count > 0 else { throw LlamaError(.invalidArgument, "no tokens to decode (n = 0)") }
        let nVocab = config.vocabularySize
        for (i, t) in input.enumerated() where t < 0 || Int(t) >= nVocab {
            throw LlamaError(.invalidArgument, "token \(t) at index \(i) is out of range (vocabulary \(nVocab))")
        }
        let start = position
        guard input.count <= contextLength - start else {
            throw LlamaError(
                .contextFull,
                "context full: \(start) tokens in the cache + \(input.count) new > n_ctx \(contextLength); rewind the session"
            )
        }
        try checkCancel()
        // Logits go to the pending buffer (grown if needed; never the published one).
        let rows = logitsAll ? input.count : 1
        if pendingLogits.count < rows * nVocab {
            pendingLogits = try ScratchBuffer(rows * nVocab, what: "logits of every position")
        }
        let seqLen = start + input.count
        var done = 0
        while done < input.count {
            let n = min(batchSize, input.count - done)
            let last = done + n == input.count
            let out = logitsAll ? pendingLogits.pointer + done * nVocab : pendingLogits.pointer
            try forward(
                tokens: UnsafeBufferPointer(rebasing: input[done..<(done + n)]), start: start + done, seqLen: seqLen,
                logitsAll: logitsAll, logitsOut: (logitsAll || last) ? out : nil)
            try checkFinite(x.pointer, count: n * config.embeddingLength, producedBy: "layer \(config.blockCount - 1)")
            if logitsAll || last {
                try checkFinite(out, count: (logitsAll ? n : 1) * nVocab, producedBy: "the output projection")
            }
            done += n
        }
        // Commit: nothing below can fail.
        swap(&logits, &pendingLogits)
        tokens.append(contentsOf: input)
        logitsCount = rows
    }

    /// Runs one public call (decode, generate) as the call a cancel applies
    /// to; nested calls belong to the outermost.
    public func running<T>(_ body: () throws -> T) rethrows -> T {
        if callDepth > 0 { return try body() }
        callDepth = 1
        callState.store(1, ordering: .sequentiallyConsistent)
        defer {
            callState.store(0, ordering: .sequentiallyConsistent)
            callDepth = 0
        }
        return try body()
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
        return UnsafeBufferPointer(
            start: logits.pointer + (logitsCount - 1) * config.vocabularySize, count: config.vocabularySize)
    }

    public var vocabularySize: Int { config.vocabularySize }

    /// Requests that the call in progress on this session (decode or generate) stop with CANCELLED at its next check. With no call in progress it does
    /// nothing. Any thread.
    public func cancel() { _ = callState.compareExchange(expected: 1, desired: 2, ordering: .sequentiallyConsistent) }

    /// Throws CANCELLED if a cancel of the call in progress was requested.
    func checkCancel() throws {
        if callState.load(ordering: .relaxed) == 2 {
            throw LlamaError(.cancelled, "cancelled: a cancel was requested while this call ran")
        }
    }

    public var cancelRequested: Bool { callState.load(ordering: .relaxed) == 2 }
    /// True while a call (decode, generate) runs on this session: a cancel now applies to it.
    public var isRunningCall: Bool { callState.load(ordering: .sequentiallyConsistent) != 0 }
    /// True when the call in progress was asked to stop (the request stays until the call ends).
    public func consumeCancel() -> Bool { cancelRequested }
}
