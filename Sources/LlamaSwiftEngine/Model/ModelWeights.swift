#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The tensors of one decoder block. The optional ones exist in some families only
/// (Architecture): nil where the file has none.
public struct BlockWeights: @unchecked Sendable {
    public let attnNorm: UnsafePointer<Float>  // [n_embd]
    public internal(set) var wq: WeightMatrix  // [n_head·d] × n_embd
    public internal(set) var wk: WeightMatrix  // [n_head_kv·d] × n_embd
    public internal(set) var wv: WeightMatrix  // [n_head_kv·d] × n_embd
    public internal(set) var wo: WeightMatrix  // n_embd × [n_head·d]
    /// Projection biases (Qwen2; optional in LLaMA and Phi-3 files).
    public let bq: UnsafePointer<Float>?  // [n_head·d]
    public let bk: UnsafePointer<Float>?  // [n_head_kv·d]
    public let bv: UnsafePointer<Float>?  // [n_head_kv·d]
    public let bo: UnsafePointer<Float>?  // [n_embd]
    /// Gemma 3: RMSNorm weights applied to each query / key head before RoPE.
    public let qNorm: UnsafePointer<Float>?  // [d]
    public let kNorm: UnsafePointer<Float>?  // [d]
    /// Gemma 3: RMSNorm of the attention output before the residual add.
    public let postAttnNorm: UnsafePointer<Float>?  // [n_embd]
    public let ffnNorm: UnsafePointer<Float>  // [n_embd]
    public internal(set) var wGate: WeightMatrix  // n_ff × n_embd
    public internal(set) var wUp: WeightMatrix  // n_ff × n_embd
    public internal(set) var wDown: WeightMatrix  // n_embd × n_ff
    /// Gemma 3: RMSNorm of the feed-forward output before the residual add.
    public let postFfnNorm: UnsafePointer<Float>?  // [n_embd]
}

/// All weights of a model, looked up by their GGUF names and checked for shape and type.
/// Every pointer is into the mapped file, except the decoder blocks' quantized matrices,
/// which are copies in faster layouts (RepackedWeights). Every tensor of the file must
/// be read by the architecture's graph: one that is not (a bias, a LongRoPE factor, a
/// vision tower, …) makes the load fail with UNSUPPORTED naming it.
public struct ModelWeights: @unchecked Sendable {
    public let tokenEmbedding: WeightMatrix  // n_vocab × n_embd
    public let outputNorm: UnsafePointer<Float>  // [n_embd]
    /// The output projection; the token embedding when the file has no output.weight.
    public private(set) var output: WeightMatrix  // n_vocab × n_embd
    public private(set) var blocks: [BlockWeights]
    /// LLaMA 3 RoPE frequency factors (`rope_freqs.weight`, [rot/2]); nil when absent.
    public let ropeFreqs: [Float]?
    /// The interleaved copies of the block matrices (nil when not made).
    let repacked: RepackedWeights?

    init(gguf: GGUFFile, config c: ModelConfig, interleave: Bool = true, progress: LoadProgress? = nil) throws {
        let t = TensorTable(gguf)
        let e = c.embeddingLength, d = c.headDim, F = c.feedForwardLength
        let Q = c.qWidth, KV = c.kvWidth
        tokenEmbedding = try t.matrix("token_embd.weight", rows: c.vocabularySize, cols: e)
        outputNorm = try t.vector("output_norm.weight", e)
        let tied = !t.has("output.weight")
        output = tied ? tokenEmbedding : try t.matrix("output.weight", rows: c.vocabularySize, cols: e)
        if t.has("rope_freqs.weight") {
            guard c.architecture == .llama else {
                throw LlamaError.unsupported(
                    "tensor 'rope_freqs.weight' is not supported for '\(c.architecture.rawValue)'")
            }
            let f = try t.vector("rope_freqs.weight", c.ropeDimensionCount / 2)
            let factors = Array(UnsafeBufferPointer(start: f, count: c.ropeDimensionCount / 2))
            guard factors.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw LlamaError.format("tensor 'rope_freqs.weight' holds a factor that is not a positive number")
            }
            ropeFreqs = factors
        } else {
            ropeFreqs = nil
        }
        let gemma = c.architecture == .gemma3
        var blocks: [BlockWeights] = []
        for i in 0..<c.blockCount {
            let p = "blk.\(i)."
            // Q, K, V: three matrices, or one fused [Q+2·KV] × n_embd (Phi-3) split into views.
            let wq: WeightMatrix, wk: WeightMatrix, wv: WeightMatrix
            var bq: UnsafePointer<Float>? = nil, bk: UnsafePointer<Float>? = nil, bv: UnsafePointer<Float>? = nil
            if t.has(p + "attn_qkv.weight") {
                let qkv = try t.matrix(p + "attn_qkv.weight", rows: Q + 2 * KV, cols: e)
                wq = try qkv.rows(0, Q)
                wk = try qkv.rows(Q, KV)
                wv = try qkv.rows(Q + KV, KV)
                if let b = try t.optionalVector(p + "attn_qkv.bias", Q + 2 * KV) {
                    (bq, bk, bv) = (b, b + Q, b + Q + KV)
                }
            } else {
                wq = try t.matrix(p + "attn_q.weight", rows: Q, cols: e)
                wk = try t.matrix(p + "attn_k.weight", rows: KV, cols: e)
                wv = try t.matrix(p + "attn_v.weight", rows: KV, cols: e)
            }
            bq = try bq ?? t.optionalVector(p + "attn_q.bias", Q)
            bk = try bk ?? t.optionalVector(p + "attn_k.bias", KV)
            bv = try bv ?? t.optionalVector(p + "attn_v.bias", KV)
            // Gate and up: two matrices, or one [2·n_ff] × n_embd with the gate first (Phi-3).
            let wGate: WeightMatrix, wUp: WeightMatrix
            if t.has(p + "ffn_gate.weight") {
                wGate = try t.matrix(p + "ffn_gate.weight", rows: F, cols: e)
                wUp = try t.matrix(p + "ffn_up.weight", rows: F, cols: e)
            } else {
                let fused = try t.matrix(p + "ffn_up.weight", rows: 2 * F, cols: e)
                wGate = try fused.rows(0, F)
                wUp = try fused.rows(F, F)
            }
            blocks.append(
                BlockWeights(
                    attnNorm: try t.vector(p + "attn_norm.weight", e),
                    wq: wq, wk: wk, wv: wv,
                    wo: try t.matrix(p + "attn_output.weight", rows: e, cols: Q),
                    bq: bq, bk: bk, bv: bv,
                    bo: try t.optionalVector(p + "attn_output.bias", e),
                    qNorm: gemma ? try t.vector(p + "attn_q_norm.weight", d) : nil,
                    kNorm: gemma ? try t.vector(p + "attn_k_norm.weight", d) : nil,
                    postAttnNorm: gemma ? try t.vector(p + "post_attention_norm.weight", e) : nil,
                    ffnNorm: try t.vector(p + "ffn_norm.weight", e),
                    wGate: wGate, wUp: wUp,
                    wDown: try t.matrix(p + "ffn_down.weight", rows: e, cols: F),
                    postFfnNorm: gemma ? try t.vector(p + "post_ffw_norm.weight", e) : nil))
        }
        self.blocks = blocks
        try t.refuseUnread(architecture: c.architecture)
        // The output matrix is repacked too; a tied one gets a copy of its own (the
        // embedding keeps reading the file's rows) where that pays (RepackedWeights).
        let outputCopy: RepackedWeights.OutputCopy =
            !tied ? .own : RepackedWeights.tiedOutputTypes.contains(output.type) ? .copy : .none
        repacked =
            interleave
            ? RepackedWeights(&self.blocks, output: &self.output, outputCopy: outputCopy, progress: progress) : nil
        try progress?.check()
    }

    /// Bytes of the repacked copies (0 when none were made).
    public var repackedBytes: Int { repacked?.size ?? 0 }

    /// Locks in memory (`mlock`) everything the forward pass reads: the tensors used in
    /// place from the mapping (page-rounded) and the repacked copies. The locks end when
    /// the memory is unmapped (the model is freed). Locking faults every page in, so it
    /// reports progress per 64 MiB.
    /// Errors: OUT_OF_MEMORY naming errno and RLIMIT_MEMLOCK when the kernel refuses;
    /// CANCELLED when the progress callback asks.
    func lockMemory(config c: ModelConfig, progress: LoadProgress?) throws {
        var ranges: [(UnsafeRawPointer, Int)] = []
        func matrix(_ w: WeightMatrix) {
            // Repacked matrices live in the repacked block, locked as a whole below.
            if w.layout.isFileOrder { ranges.append((w.data, w.rows * w.rowBytes)) }
        }
        func vector(_ p: UnsafePointer<Float>?, _ n: Int) {
            if let p { ranges.append((UnsafeRawPointer(p), n * MemoryLayout<Float>.stride)) }
        }
        let e = c.embeddingLength, d = c.headDim
        matrix(tokenEmbedding)
        if output.data != tokenEmbedding.data { matrix(output) }
        vector(outputNorm, e)
        for b in blocks {
            for m in [b.wq, b.wk, b.wv, b.wo, b.wGate, b.wUp, b.wDown] { matrix(m) }
            vector(b.attnNorm, e)
            vector(b.ffnNorm, e)
            vector(b.bq, c.qWidth)
            vector(b.bk, c.kvWidth)
            vector(b.bv, c.kvWidth)
            vector(b.bo, e)
            vector(b.qNorm, d)
            vector(b.kNorm, d)
            vector(b.postAttnNorm, e)
            vector(b.postFfnNorm, e)
        }
        if let r = repacked { ranges.append((UnsafeRawPointer(r.base), r.size)) }
        let total = ranges.reduce(0) { $0 + $1.1 }
        let chunk = 64 << 20
        var done = 0
        for (start, count) in ranges {
            var at = 0
            while at < count {
                let n = min(chunk, count - at)
                guard mlock(start + at, n) == 0 else {
                    let code = errno
                    var lim = rlimit()
                    getrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &lim)
                    let limit = lim.rlim_cur == rlim_t.max ? "unlimited" : "\(lim.rlim_cur) bytes"
                    throw LlamaError(
                        .outOfMemory,
                        "cannot lock the weights in memory (use_mlock): mlock failed with \(Syscalls.errnoText(code)); "
                            + "\(total) bytes to lock, RLIMIT_MEMLOCK is \(limit) (raise it with ulimit -l, or "
                            + "grant CAP_IPC_LOCK)")
                }
                at += n
                done += n
                progress?.report(total > 0 ? Double(done) / Double(total) : 1)
                try progress?.check()
            }
        }
        Log.debug("locked \(total) bytes of weights in \(ranges.count) ranges")
    }
}

/// The file's tensors, looked up by name and checked for shape and type; remembers which
/// were read so that `refuseUnread` can name any tensor the graph would ignore.
final class TensorTable {
    let gguf: GGUFFile
    private(set) var read: Set<String> = []

    init(_ gguf: GGUFFile) { self.gguf = gguf }

    func has(_ name: String) -> Bool { gguf.tensor(named: name) != nil }

    /// A rows × cols matrix (ggml dims [cols, rows]) of a type the kernels compute with.
    func matrix(_ name: String, rows: Int, cols: Int) throws -> WeightMatrix {
        guard let t = gguf.tensor(named: name) else { throw LlamaError.format("missing tensor '\(name)'") }
        guard t.dims.count <= 2, t.dims[0] == cols, (t.dims.count == 2 ? t.dims[1] : 1) == rows else {
            throw LlamaError.format("tensor '\(name)' has shape \(t.dims), expected [\(cols), \(rows)]")
        }
        guard let layout = KernelSet.active.layout(for: t.type, rows: rows, packed: false) else {
            throw LlamaError.unsupported("tensor '\(name)' has type \(t.type), which this engine cannot compute with")
        }
        read.insert(name)
        // rowBytes exists: the parser checked cols is a whole number of blocks.
        let rb = t.type.rowBytes(cols) ?? 0
        return WeightMatrix(
            name: name, type: t.type, rows: rows, cols: cols, rowBytes: rb, data: gguf.data(of: t), layout: layout)
    }

    /// An F32 vector of n elements (norm weights, biases, RoPE factors).
    func vector(_ name: String, _ n: Int) throws -> UnsafePointer<Float> {
        guard let t = gguf.tensor(named: name) else { throw LlamaError.format("missing tensor '\(name)'") }
        guard t.dims == [n] else { throw LlamaError.format("tensor '\(name)' has shape \(t.dims), expected [\(n)]") }
        guard t.type == .f32 else {
            throw LlamaError.unsupported("tensor '\(name)' has type \(t.type); vectors must be F32")
        }
        guard Int(bitPattern: gguf.data(of: t)) % 4 == 0 else {
            throw LlamaError.format("tensor '\(name)' data is not 4-byte aligned")
        }
        read.insert(name)
        return gguf.data(of: t).assumingMemoryBound(to: Float.self)
    }

    func optionalVector(_ name: String, _ n: Int) throws -> UnsafePointer<Float>? {
        has(name) ? try vector(name, n) : nil
    }

    /// Throws UNSUPPORTED naming the first tensor (in file order) no lookup has read.
    func refuseUnread(architecture: Architecture) throws {
        guard let t = gguf.tensors.first(where: { !read.contains($0.name) }) else { return }
        var why =
            "the '\(architecture.rawValue)' graph of this engine does not use it, and running without it would be wrong"
        if t.name.hasPrefix("rope_factors_") || t.name.contains(".rope_factors_") {
            why = "LongRoPE (Phi-3 128k) frequency factors are not supported"
        }
        throw LlamaError.unsupported("tensor '\(t.name)' is not supported: \(why)")
    }
}

/// Copies of the quantized matrices in the layout their kernels read fastest
/// (WeightMatrix.packedLayout: the first of the kernel build's layouts that accepts the
/// matrix; today Q4_0, Q5_0, Q4_K and Q6_K in groups of 8 rows, the other 32-element
/// types interleaved by 4 rows). The decoder blocks' matrices are copied, and the output
/// matrix; a tied one (the token embedding, whose rows the embedding step reads from the
/// file) gets a second copy when its type is in `tiedOutputTypes`: the output projection
/// multiplies every row of it for every sequence of a pass, so a batched decode of N
/// sequences pays it N times. Measured (1 thread, 8 sequences, CPU time): a tied Q4_0
/// 151,936 × 896 (Qwen2.5-0.5B's shape) packed takes 1.4× less time per run; a tied Q8_0
/// (SmolLM2's 49,152 × 576, Gemma 3's 262,144 × 640) gains 1–8% for 30–178 MB more, and
/// is left in the file. The copies live in
/// anonymous memory (transparent huge pages asked for); the file's pages of each copied
/// tensor but a tied output are released from this process (`MADV_DONTNEED` on the
/// private mapping: the page cache keeps them, our resident set does not), so resident
/// memory stays about one copy of the weights (plus a tied output's copy). If the memory
/// cannot be had, the matrices stay in the file's rows (slower; Q4_0 and Q5_0 then sum
/// in the file layout's order). LLAMASWIFT_REPACK=0 in
/// the environment turns it off (for comparisons).
final class RepackedWeights: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let size: Int

    /// Tied output matrices worth a copy in their packed layout (the 8-row groups).
    static let tiedOutputTypes: Set<WeightType> = [.q4_0, .q4_1, .q5_0, .q4_K, .q6_K]

    /// What becomes of the output matrix: left as it is, repacked (its file pages
    /// released), or copied (a tied one: the embedding's pages stay).
    enum OutputCopy { case none, own, copy }

    /// A cancel from `progress` stops the copying; the caller then checks it and throws.
    init?(
        _ blocks: inout [BlockWeights], output: inout WeightMatrix, outputCopy: OutputCopy,
        progress: LoadProgress? = nil
    ) {
        if let e = getenv("LLAMASWIFT_REPACK"), String(cString: e) == "0" { return nil }
        func each(_ body: (inout WeightMatrix) -> Void) {
            for i in blocks.indices {
                body(&blocks[i].wq); body(&blocks[i].wk); body(&blocks[i].wv); body(&blocks[i].wo)
                body(&blocks[i].wGate); body(&blocks[i].wUp); body(&blocks[i].wDown)
            }
            if outputCopy != .none { body(&output) }
        }
        func bytes(_ m: WeightMatrix, _ l: WeightLayout) -> Int { l.packing!.bytes(m.type, m.rows, m.cols) }
        var total = 0
        each { m in if let l = m.packedLayout { total += (bytes(m, l) + 63) & ~63 } }
        guard total > 0,
            let p = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED
        else { return nil }
        #if os(Linux)
            _ = madvise(p, total, MADV_HUGEPAGE)  // Linux only (transparent huge pages)
        #endif
        base = p
        size = total
        var at = 0
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var packed = 0
        // A tied output's blocks are the embedding's rows, which stay in use.
        let embeddingData: UnsafeRawPointer? = outputCopy == .copy ? output.data : nil
        each { m in
            guard let layout = m.packedLayout, let packing = layout.packing, !(progress?.cancelled ?? false) else {
                return
            }
            packing.pack(
                PackOperands(
                    source: m.data, destination: p + at, type: m.type, rows: m.rows, cols: m.cols, rowBytes: m.rowBytes)
            )
            // Release the whole pages of the source from our mapping (not the embedding's).
            let tiedOutput = m.data == embeddingData
            let start = (Int(bitPattern: m.data) + page - 1) & ~(page - 1)
            let end = (Int(bitPattern: m.data) + m.rows * m.rowBytes) & ~(page - 1)
            if !tiedOutput, end > start, let s = UnsafeMutableRawPointer(bitPattern: start) {
                _ = madvise(s, end - start, MADV_DONTNEED)
            }
            m.use(UnsafeRawPointer(p + at), layout: layout)
            at += (bytes(m, layout) + 63) & ~63
            packed = at
            progress?.report(Double(packed) / Double(total))
        }
    }

    deinit { munmap(base, size) }
}
