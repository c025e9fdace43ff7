#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
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
    /// K cache element type: nil = F32 when the attention weights are F32, else F16.
    public var kvType: KVCacheType? = nil
    /// V cache element type: nil = the K cache's. F32 goes with F32 only (K and V both
    /// F32, or neither); F16 and Q8_0 mix freely.
    public var kvTypeV: KVCacheType? = nil
    /// Both caches F32 (true), F16 (false) or the default (nil).
    public var kvF32: Bool? {
        get { kvType.map { $0 == .f32 } }
        set {
            kvType = newValue.map { $0 ? .f32 : .f16 }
            kvTypeV = nil
        }
    }
    /// RoPE overrides: scaling type (nil = the model's), base, factor, original context.
    public var ropeScaling: RopeScaling.Kind? = nil
    public var ropeFreqBase: Double = 0
    public var ropeScalingFactor: Double = 0
    public var ropeOriginalContext = 0
    /// Compute embeddings instead of logits (Embeddings.swift): a decode stores the final
    /// hidden states of its tokens, pooled and normalised as said here, and skips the
    /// output projection (no logits). nil (default): logits as usual.
    public var embeddings: EmbeddingOptions? = nil

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
    var scores: ScratchBuffer<Float>  // per worker: attentionScratchFloats (longer for a batch)
    let ropeTable: ScratchBuffer<Float>  // [B, rot/2, 2] cos/sin
    let ropeTableLocal: ScratchBuffer<Float>?  // [B, rot/2, 2] for ropeLocal
    let matmul: Matmul  // quantize activation rows, multiply by weight matrices (its 8-bit buffers)
    var logits: ScratchBuffer<Float>  // [V] or [n, V] with logitsAll: the published logits
    /// Where a decode (or a state load) writes its logits; swapped with `logits` only when
    /// the whole call succeeded, so a failed or cancelled call leaves the published
    /// logits — values and address — as they were.
    var pendingLogits: ScratchBuffer<Float>  // [V] or [n, V]
    /// The logits of a batched pass this session runs, before they go to each session's
    /// pending buffer (allocated by the first batch that needs it).
    var batchLogits: ScratchBuffer<Float>?  // [rows, V]
    /// Embedding mode (nil: the session computes logits).
    public let embeddingOptions: EmbeddingOptions?
    /// The published embeddings of the last decode call and where the next one writes
    /// its hidden states (swapped on success, as the logits): [n, E], grown as needed.
    var embeddings: ScratchBuffer<Float>
    var pendingEmbeddings: ScratchBuffer<Float>
    /// Rows of `embeddings` that hold the last call's result; 0 = none.
    var embeddingRows = 0

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
        if let eo = o.embeddings, !(-1...EmbeddingOptions.maxNorm).contains(eo.normalize) {
            throw LlamaError(
                .invalidArgument, "embd_normalize \(eo.normalize) is out of range (−1 … \(EmbeddingOptions.maxNorm))")
        }
        embeddingOptions = o.embeddings
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
        let style = config.ropeStyle
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
        let kType = o.kvType ?? (attnF32 ? .f32 : .f16), vType = o.kvTypeV ?? kType
        try Self.checkCacheTypes(kType, vType, headDim: config.headDim)
        cache = try KVCache(
            layers: config.blockCount, contextLength: contextLength, width: config.kvWidth, keyType: kType,
            valueType: vType)

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
        scores = try ScratchBuffer(
            threads * Self.attentionScratchFloats(config, context: contextLength), what: "attention scores")
        ropeTable = try ScratchBuffer(b * config.ropeDimensionCount, what: "rope table")
        ropeTableLocal = ropeLocal == nil ? nil : try ScratchBuffer(b * config.ropeDimensionCount, what: "rope table")
        matmul = try Matmul(maxTokens: b, maxCols: max(e, config.qWidth, config.feedForwardLength), pool: pool)
        logits = try ScratchBuffer(config.vocabularySize, what: "logits")
        pendingLogits = try ScratchBuffer(config.vocabularySize, what: "logits")
        embeddings = try ScratchBuffer(o.embeddings == nil ? 1 : e, what: "embeddings")
        pendingEmbeddings = try ScratchBuffer(o.embeddings == nil ? 1 : e, what: "embeddings")
        tokens.reserveCapacity(contextLength)
        allowOversubscription = o.allowOversubscription
        Log.info(
            "session: n_ctx \(contextLength), n_batch \(batchSize), \(threads) thread(s), KV cache "
                + "\(cache.typeName) \(cache.bytes) bytes")
    }

    private let allowOversubscription: Bool

    /// INVALID_ARGUMENT for a K/V type pair the attention kernels do not take: F32 with
    /// another type, or Q8_0 with a head dimension that is not a whole number of blocks.
    static func checkCacheTypes(_ k: KVCacheType, _ v: KVCacheType, headDim: Int) throws {
        guard (k == .f32) == (v == .f32) else {
            throw LlamaError(
                .invalidArgument, "KV cache types K \(k), V \(v): an F32 cache needs the other one F32 too")
        }
        guard k != .q8_0 && v != .q8_0 || headDim % 32 == 0 else {
            throw LlamaError(
                .invalidArgument,
                "a Q8_0 KV cache needs a head dimension that is a multiple of 32 (its block size); this model's is \(headDim)"
            )
        }
    }

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
            throw LlamaError(
                .invalidArgument, "n_threads \(requested) is out of range (0 … \(SessionOptions.maxThreads))")
        }
        let n = Self.threadCount(requested: requested, allowOversubscription: allowOversubscription)
        guard n != pool.threadCount else { return }
        let need = n * Self.attentionScratchFloats(config, context: contextLength)
        let newScores = need > scores.count ? try ScratchBuffer<Float>(need, what: "attention scores") : nil
        let newPool = try ThreadPool(threads: n)
        pool = newPool
        matmul.pool = newPool
        if let newScores { scores = newScores }
        Log.info("session: \(n) thread(s)")
    }
    public var kvCacheBytes: Int { cache.bytes }
    public var kvIsF16: Bool { cache.keyType == .f16 && cache.valueType == .f16 }
    /// The K and the V cache's element types.
    public var kvTypes: (key: KVCacheType, value: KVCacheType) { (cache.keyType, cache.valueType) }

    /// Appends `input` to the context and computes logits (of the last token, or of all
    /// of them with logitsAll). All or nothing: on any error — invalid token, context
    /// full, cancelled, NaN from the model's weights — the position, cache contents up to
    /// it, tokens and logits (their values and their address) are as before the call.
    public func decode(_ input: UnsafeBufferPointer<Int32>) throws {
        try Session.decode(batch: [BatchItem(session: self, tokens: input)])
    }

    /// One session's tokens in a batched decode.
    public struct BatchItem {
        public let session: Session
        public let tokens: UnsafeBufferPointer<Int32>
        public init(session: Session, tokens: UnsafeBufferPointer<Int32>) {
            self.session = session
            self.tokens = tokens
        }
    }

    /// Appends each item's tokens to its session and computes its logits, as `decode`
    /// does for each session alone — bit for bit — but in shared forward passes: the
    /// chunks hold runs of several sessions (in the items' order, up to the first
    /// session's batchSize tokens, or `maxTokensPerPass` if smaller), so each weight
    /// matrix is read once per pass for all of them. The passes run on the first
    /// session's threads and scratch buffers. The sessions must be distinct, of one model
    /// (the same Model object) and one KV cache type. All or nothing for the whole
    /// batch: an error in any session (a bad token, a full context, a cancel of any of
    /// them, NaN) leaves every session as before the call.
    public static func decode(batch items: [BatchItem], maxTokensPerPass: Int = 0) throws {
        guard !items.isEmpty else { throw LlamaError(.invalidArgument, "no sessions to decode") }
        try running(items.map(\.session)[...]) { try decodeCall(items, maxTokensPerPass: maxTokensPerPass) }
    }

    /// `decode(batch:)` over token arrays (one per session).
    public static func decode(batch: [(session: Session, tokens: [Int32])], maxTokensPerPass: Int = 0) throws {
        func go(_ i: Int, _ items: [BatchItem]) throws {
            guard i < batch.count else { return try decode(batch: items, maxTokensPerPass: maxTokensPerPass) }
            try batch[i].tokens.withUnsafeBufferPointer {
                try go(i + 1, items + [BatchItem(session: batch[i].session, tokens: $0)])
            }
        }
        try go(0, [])
    }

    /// Runs `body` as the call in progress of every session (see `running`).
    private static func running<T>(_ sessions: ArraySlice<Session>, _ body: () throws -> T) rethrows -> T {
        guard let s = sessions.first else { return try body() }
        return try s.running { try running(sessions.dropFirst(), body) }
    }

    private static func decodeCall(_ items: [BatchItem], maxTokensPerPass: Int) throws {
        let lead = items[0].session
        let nVocab = lead.config.vocabularySize
        var seen = Set<ObjectIdentifier>()
        for (i, item) in items.enumerated() {
            let s = item.session, input = item.tokens
            let which = items.count == 1 ? "" : " (batch item \(i))"
            guard seen.insert(ObjectIdentifier(s)).inserted else {
                throw LlamaError(.invalidArgument, "the session of batch item \(i) appears twice in the batch")
            }
            guard s.model === lead.model, s.cache.keyType == lead.cache.keyType,
                s.cache.valueType == lead.cache.valueType
            else {
                throw LlamaError(
                    .invalidArgument,
                    "batch item \(i): its session has another model or KV cache type (\(s.cache.typeName)) than "
                        + "item 0's (\(lead.cache.typeName)): one batched call takes sessions of one cache type")
            }
            guard input.count > 0 else { throw LlamaError(.invalidArgument, "no tokens to decode (n = 0)\(which)") }
            for (j, t) in input.enumerated() where t < 0 || Int(t) >= nVocab {
                throw LlamaError(
                    .invalidArgument, "token \(t) at index \(j) is out of range (vocabulary \(nVocab))\(which)")
            }
            guard input.count <= s.contextLength - s.position else {
                throw LlamaError(
                    .contextFull,
                    "context full\(which): \(s.position) tokens in the cache + \(input.count) new > n_ctx \(s.contextLength); rewind the session"
                )
            }
        }
        for item in items { try item.session.checkCancel() }

        // Buffers: each session's pending logits (never the published ones) and the
        // lead's attention scratch, sized per worker for the longest context.
        for item in items {
            let s = item.session
            if s.embeddingOptions != nil {
                let e = s.config.embeddingLength
                if s.pendingEmbeddings.count < item.tokens.count * e {
                    s.pendingEmbeddings = try ScratchBuffer(item.tokens.count * e, what: "embeddings")
                }
                continue
            }
            let rows = s.logitsAll ? item.tokens.count : 1
            if s.pendingLogits.count < rows * nVocab {
                s.pendingLogits = try ScratchBuffer(rows * nVocab, what: "logits of every position")
            }
        }
        let longest = items.reduce(0) { max($0, $1.session.contextLength) }
        let need = lead.pool.threadCount * Self.attentionScratchFloats(lead.config, context: longest)
        if lead.scores.count < need {
            lead.scores = try ScratchBuffer(need, what: "attention scores")
        }

        // The passes: items' tokens in order, perPass at a time; a session whose tokens
        // do not fit continues in the next pass. Logits: each session's last token (all
        // of its tokens with logitsAll), to its pending buffer.
        let perPass = maxTokensPerPass > 0 ? min(lead.batchSize, maxTokensPerPass) : lead.batchSize
        var next = (item: 0, token: 0)
        while next.item < items.count {
            var tokens: [Int32] = [], runs: [Chunk.Run] = [], logitRows: [Int] = []
            var destinations: [UnsafeMutablePointer<Float>] = []
            while tokens.count < perPass, next.item < items.count {
                let s = items[next.item].session, input = items[next.item].tokens
                let from = next.token, take = min(perPass - tokens.count, input.count - from)
                let first = tokens.count
                tokens.append(contentsOf: input[from..<(from + take)])
                runs.append(
                    Chunk.Run(
                        session: s, first: first, count: take, start: s.position + from,
                        seqLen: s.position + input.count))
                for j in from..<(from + take) where s.embeddingOptions == nil && (s.logitsAll || j == input.count - 1) {
                    logitRows.append(first + j - from)
                    destinations.append(s.pendingLogits.pointer + (s.logitsAll ? j * nVocab : 0))
                }
                next = from + take == input.count ? (next.item + 1, 0) : (next.item, from + take)
            }
            let chunk = Chunk(tokens: tokens, runs: runs, logitRows: logitRows)
            // Straight into the destination when the rows follow each other there (one
            // session's decode); else through the lead's batch buffer.
            var out = destinations.first
            let direct = destinations.indices.allSatisfy { destinations[$0] == destinations[0] + $0 * nVocab }
            if !direct {
                if (lead.batchLogits?.count ?? 0) < logitRows.count * nVocab {
                    lead.batchLogits = try ScratchBuffer(logitRows.count * nVocab, what: "batch logits")
                }
                out = lead.batchLogits!.pointer
            }
            try lead.forward(chunk, logitsOut: out)
            for r in chunk.runs where r.session.embeddingOptions != nil { lead.storeHiddenStates(chunk, run: r) }
            try lead.checkFinite(
                lead.x.pointer, count: chunk.count * lead.config.embeddingLength,
                producedBy: "layer \(lead.config.blockCount - 1)")
            if let out {
                try lead.checkFinite(out, count: logitRows.count * nVocab, producedBy: "the output projection")
            }
            if !direct, let out {
                for (i, d) in destinations.enumerated() { d.update(from: out + i * nVocab, count: nVocab) }
            }
        }

        // Commit: nothing below can fail.
        for item in items {
            let s = item.session
            if let eo = s.embeddingOptions {
                s.embeddingRows = s.finishEmbeddings(rows: item.tokens.count, options: eo)
                swap(&s.embeddings, &s.pendingEmbeddings)
                s.logitsCount = 0
            } else {
                swap(&s.logits, &s.pendingLogits)
                s.logitsCount = s.logitsAll ? item.tokens.count : 1
            }
            s.tokens.append(contentsOf: item.tokens)
        }
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

    /// One chunk through the model's family's forward pass, on this session's scratch
    /// buffers and threads.
    func forward(_ chunk: Chunk, logitsOut: UnsafeMutablePointer<Float>?) throws {
        switch config.architecture {
        case .llama, .qwen2, .phi3: try llamaForward(chunk, logitsOut: logitsOut)
        case .gemma3: try gemma3Forward(chunk, logitsOut: logitsOut)
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
        embeddingRows = 0
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
