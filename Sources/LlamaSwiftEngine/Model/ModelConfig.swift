/// How RoPE positions are scaled (GGUF `llama.rope.scaling.type`).
public enum RopeScaling: Equatable, Sendable {
    case none
    /// Positions are divided by `factor`.
    case linear(factor: Double)
    /// Hugging Face `rope_type: "dynamic"`: when a call's sequence length L exceeds
    /// `originalContext` C, the base becomes base · ((factor·L/C) − (factor − 1))^(d/(d−2)).
    case dynamic(factor: Double, originalContext: Int)

    /// The scaling modes, named as GGUF names them (`llama.rope.scaling.type`).
    public enum Kind: String, Sendable, CaseIterable {
        case none, linear, dynamic
    }

    public var kind: Kind {
        switch self {
        case .none: .none
        case .linear: .linear
        case .dynamic: .dynamic
        }
    }

    public var factor: Double {
        switch self {
        case .none: return 1
        case .linear(let f), .dynamic(let f, _): return f
        }
    }
}

/// A model's hyper-parameters, read from `<arch>.*` metadata (names after the GGUF keys)
/// and checked for consistency. Everything a forward pass indexes with is validated
/// here, so the forward pass itself never meets an inconsistent shape. Every `<arch>.`
/// key is either read here or known to be harmless (Architecture.knownKeys); any other
/// is refused by name.
public struct ModelConfig: Sendable {
    public var architecture: Architecture
    public var vocabularySize: Int
    public var contextLength: Int
    public var embeddingLength: Int
    public var blockCount: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var headCountKV: Int
    /// Width of one attention head: `<arch>.attention.key_length` when present (Gemma 3:
    /// 256 while n_embd / n_head = 160), else n_embd / n_head.
    public var headDim: Int
    public var ropeDimensionCount: Int
    public var rmsEpsilon: Float
    public var ropeFreqBase: Double
    public var ropeScaling: RopeScaling
    public var ropeOriginalContext: Int
    /// The factor applied to q·k before the softmax: 1/√head_dim (llama.cpp's choice per
    /// family; for Gemma 3 1/√(n_embd/n_head) in the 62-layer 27B model).
    public var attentionScale: Float
    /// Sliding-window attention (Gemma 3): 0 = none; else a query at position p attends
    /// to keys p−W+1 … p in the layers where `isLocalLayer` is true, as llama.cpp's
    /// LLAMA_SWA_TYPE_STANDARD and Hugging Face's sliding_attention layers do.
    public var slidingWindow: Int
    /// Per layer: a sliding-window ("local") layer. Empty when there is no window.
    public var isLocalLayer: [Bool]
    /// RoPE base of the local layers (`gemma3.rope.freq_base_swa`, llama.cpp's default
    /// 10000); local layers use no RoPE scaling.
    public var ropeFreqBaseLocal: Double
    public var fileType: Int?
    /// `<arch>.pooling_type` (llama.cpp's llama_pooling_type, written for embedding
    /// models): the pooling a session asking for the model's gets; nil when absent.
    public var poolingType: Pooling?
    /// Which dimensions RoPE rotates together: the family's GGUF pairing
    /// (Architecture.ropeStyle), except that a Hugging Face checkpoint folder is always in
    /// rotate-half order (llama.cpp's converter permutes LLaMA's Q/K rows into adjacent
    /// pairs; a folder read in place keeps Hugging Face's rows).
    public var ropeStyle: RoPEStyle

    /// Limits beyond any real model; they keep hostile metadata from sizing buffers.
    static let maxWidth = 1 << 17
    static let maxLayers = 1024

    /// Reads the config of a model of any supported architecture.
    init(gguf: GGUFFile, vocabularySize: Int) throws {
        let a = try Architecture.of(gguf)
        architecture = a
        ropeStyle = gguf.source == .gguf ? a.ropeStyle : .halves
        let p = a.rawValue + "."
        try Self.refuseUnknownKeys(gguf, architecture: a)
        func req(_ key: String, max: Int) throws -> Int {
            guard let v = try gguf.integer(p + key, in: 1...Int64(max)) else {
                throw LlamaError.format("missing metadata '\(p + key)'")
            }
            return v
        }
        self.vocabularySize = vocabularySize
        contextLength = try req("context_length", max: 1 << 24)
        embeddingLength = try req("embedding_length", max: Self.maxWidth)
        blockCount = try req("block_count", max: Self.maxLayers)
        feedForwardLength = try req("feed_forward_length", max: Self.maxWidth * 4)
        headCount = try req("attention.head_count", max: Self.maxWidth)
        headCountKV = try gguf.integer(p + "attention.head_count_kv", in: 1...Int64(Self.maxWidth)) ?? headCount
        guard headCount % headCountKV == 0 else {
            throw LlamaError.format("head count \(headCount) is not a multiple of the KV head count \(headCountKV)")
        }
        if let kl = try gguf.integer(p + "attention.key_length", in: 1...Int64(Self.maxWidth)) {
            let vl = try gguf.integer(p + "attention.value_length", in: 1...Int64(Self.maxWidth)) ?? kl
            guard vl == kl else {
                throw LlamaError.unsupported(
                    "\(p)attention.value_length \(vl) differs from key_length \(kl): not supported")
            }
            headDim = kl
        } else {
            guard embeddingLength % headCount == 0 else {
                throw LlamaError.format(
                    "embedding length \(embeddingLength) is not divisible by head count \(headCount)")
            }
            headDim = embeddingLength / headCount
        }
        guard headDim % 2 == 0 else { throw LlamaError.format("head dimension \(headDim) is odd: RoPE needs pairs") }
        guard headCount * headDim <= Self.maxWidth else {
            throw LlamaError.format("n_head \(headCount) × head dimension \(headDim) is too wide")
        }
        ropeDimensionCount = try gguf.integer(p + "rope.dimension_count", in: 2...Int64(headDim)) ?? headDim
        guard ropeDimensionCount % 2 == 0 else {
            throw LlamaError.format("\(p)rope.dimension_count \(ropeDimensionCount) is odd")
        }
        let eps = try gguf.float(p + "attention.layer_norm_rms_epsilon") ?? 1e-5
        guard eps > 0, eps < 1 else {
            throw LlamaError.format("\(p)attention.layer_norm_rms_epsilon \(eps) is out of range")
        }
        rmsEpsilon = Float(eps)
        let base = try gguf.float(p + "rope.freq_base") ?? 10000
        guard base > 1 else { throw LlamaError.format("\(p)rope.freq_base \(base) must be > 1") }
        ropeFreqBase = base
        ropeOriginalContext =
            try gguf.integer(p + "rope.scaling.original_context_length", in: 1...(1 << 24))
            ?? contextLength
        ropeScaling = try Self.scaling(
            type: try gguf.string(p + "rope.scaling.type"),
            factor: try gguf.float(p + "rope.scaling.factor") ?? gguf.float(p + "rope.scale_linear") ?? 1,
            originalContext: ropeOriginalContext)
        fileType = try gguf.integer("general.file_type", in: 0...Int64(UInt32.max - 1))
        if let pt = try gguf.integer(p + "pooling_type", in: -1...Int64(Int32.max)), pt >= 0 {
            guard let pooling = Pooling(rawValue: Int32(pt)) else {
                throw LlamaError.unsupported(
                    "\(p)pooling_type = \(pt): only none, mean, cls and last (0–3) are supported")
            }
            poolingType = pooling
        }

        // Keys honoured only at their neutral value.
        for key in ["expert_count", "expert_used_count"] {
            if let n = try gguf.integer(p + key, in: 0...Int64(Int32.max)), n > 0 {
                throw LlamaError.unsupported("\(p + key) = \(n): mixture-of-experts models are not supported")
            }
        }
        for key in ["final_logit_softcapping", "attn_logit_softcapping"] {
            if let v = try gguf.float(p + key), v != 0 {
                throw LlamaError.unsupported("\(p + key) = \(v): soft-capping is not supported")
            }
        }

        attentionScale = 1 / Float(headDim).squareRoot()
        slidingWindow = 0
        isLocalLayer = []
        ropeFreqBaseLocal = 10000
        switch a {
        case .llama, .qwen2, .phi3:
            break
        case .gemma3:
            // llama.cpp (models/gemma3.cpp): the 27B model scales by n_embd / n_head.
            if blockCount == 62 { attentionScale = 1 / Float(embeddingLength / headCount).squareRoot() }
            let window = try gguf.integer(p + "attention.sliding_window", in: 0...(1 << 24)) ?? 0
            if window > 0 {
                slidingWindow = window
                isLocalLayer = try Self.localLayers(
                    gguf, key: p + "attention.sliding_window_pattern", layers: blockCount)
                ropeFreqBaseLocal = try gguf.float(p + "rope.freq_base_swa") ?? 10000
                guard ropeFreqBaseLocal > 1 else {
                    throw LlamaError.format("\(p)rope.freq_base_swa \(ropeFreqBaseLocal) must be > 1")
                }
            }
        }
    }

    /// Which layers use the sliding window: the key is either one bool per layer or a
    /// period n (default 6, Gemma 3's five local layers then one global): layer i is
    /// local when i mod n < n − 1 (llama.cpp's llama_hparams::set_swa_pattern).
    static func localLayers(_ gguf: GGUFFile, key: String, layers: Int) throws -> [Bool] {
        if case .array(.bools(let flags))? = gguf.metadata[key] {
            guard flags.count == layers else {
                throw LlamaError.format("metadata '\(key)' has \(flags.count) entries for \(layers) layers")
            }
            return flags
        }
        let n = try gguf.integer(key, in: 0...Int64(maxLayers)) ?? 6
        return (0..<layers).map { n == 0 || $0 % n < n - 1 }
    }

    /// Refuses a file carrying an `<arch>.` key this engine neither reads nor knows to be
    /// harmless.
    static func refuseUnknownKeys(_ gguf: GGUFFile, architecture a: Architecture) throws {
        let p = a.rawValue + "."
        let known = a.knownKeys
        for key in gguf.metadata.keys.sorted() where key.hasPrefix(p) {
            let rest = String(key.dropFirst(p.count))
            if !known.contains(rest) {
                throw LlamaError.unsupported(
                    "metadata '\(key)' is not supported: this engine does not know how it changes the '\(a.rawValue)' computation"
                )
            }
        }
    }

    /// A scaling mode from its GGUF name. `factor` must be ≥ 1 for scaled modes.
    public static func scaling(type: String?, factor: Double, originalContext: Int) throws -> RopeScaling {
        switch type ?? "none" {
        case "none", "":
            return .none
        case "linear":
            guard factor.isFinite, factor > 0 else {
                throw LlamaError.format("rope scaling factor \(factor) is invalid")
            }
            return factor == 1 ? .none : .linear(factor: factor)
        case "dynamic":
            guard factor.isFinite, factor >= 1 else {
                throw LlamaError.format("dynamic rope scaling factor \(factor) must be ≥ 1")
            }
            return .dynamic(factor: factor, originalContext: originalContext)
        case let other:
            throw LlamaError.unsupported("rope scaling type '\(other)' is not supported (none, linear, dynamic)")
        }
    }

    public var kvWidth: Int { headCountKV * headDim }
    public var qWidth: Int { headCount * headDim }
}
