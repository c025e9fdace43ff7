/// How RoPE positions are scaled (GGUF `llama.rope.scaling.type`).
public enum RopeScaling: Equatable, Sendable {
    case none
    /// Positions are divided by `factor`.
    case linear(factor: Double)
    /// Hugging Face `rope_type: "dynamic"`: when a call's sequence length L exceeds
    /// `originalContext` C, the base becomes base · ((factor·L/C) − (factor − 1))^(d/(d−2)).
    case dynamic(factor: Double, originalContext: Int)

    public var cCode: UInt32 {
        switch self {
        case .none: return 1
        case .linear: return 2
        case .dynamic: return 3
        }
    }

    public var factor: Double {
        switch self {
        case .none: return 1
        case .linear(let f), .dynamic(let f, _): return f
        }
    }
}

/// The LLaMA hyper-parameters, read from `llama.*` metadata and checked for consistency
/// (names after the GGUF keys). Everything a forward pass indexes with is validated
/// here, so the forward pass itself never meets an inconsistent shape.
public struct ModelConfig: Sendable {
    public var architecture: String
    public var vocabularySize: Int
    public var contextLength: Int
    public var embeddingLength: Int
    public var blockCount: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var headCountKV: Int
    public var headDim: Int
    public var ropeDimensionCount: Int
    public var rmsEpsilon: Float
    public var ropeFreqBase: Double
    public var ropeScaling: RopeScaling
    public var ropeOriginalContext: Int
    public var fileType: Int?

    /// Limits beyond any real model; they keep hostile metadata from sizing buffers.
    static let maxWidth = 1 << 17
    static let maxLayers = 1024

    /// Reads the config of a `llama` model.
    init(gguf: GGUFFile, vocabularySize: Int) throws {
        let arch = try gguf.string("general.architecture") ?? ""
        guard arch == "llama" else {
            throw LlamaError.unsupported(
                "architecture '\(arch.isEmpty ? "(missing general.architecture)" : arch)' is not supported (only 'llama')")
        }
        architecture = arch
        func req(_ key: String, max: Int) throws -> Int {
            guard let v = try gguf.integer("llama." + key, in: 1...Int64(max)) else {
                throw LlamaError.format("missing metadata 'llama.\(key)'")
            }
            return v
        }
        self.vocabularySize = vocabularySize
        contextLength = try req("context_length", max: 1 << 24)
        embeddingLength = try req("embedding_length", max: Self.maxWidth)
        blockCount = try req("block_count", max: Self.maxLayers)
        feedForwardLength = try req("feed_forward_length", max: Self.maxWidth * 4)
        headCount = try req("attention.head_count", max: Self.maxWidth)
        headCountKV = try gguf.integer("llama.attention.head_count_kv", in: 1...Int64(Self.maxWidth)) ?? headCount
        guard embeddingLength % headCount == 0 else {
            throw LlamaError.format("embedding length \(embeddingLength) is not divisible by head count \(headCount)")
        }
        guard headCount % headCountKV == 0 else {
            throw LlamaError.format("head count \(headCount) is not a multiple of the KV head count \(headCountKV)")
        }
        headDim = embeddingLength / headCount
        guard headDim % 2 == 0 else { throw LlamaError.format("head dimension \(headDim) is odd: RoPE needs pairs") }
        ropeDimensionCount = try gguf.integer("llama.rope.dimension_count", in: 2...Int64(headDim)) ?? headDim
        guard ropeDimensionCount % 2 == 0 else {
            throw LlamaError.format("llama.rope.dimension_count \(ropeDimensionCount) is odd")
        }
        let eps = try gguf.float("llama.attention.layer_norm_rms_epsilon") ?? 1e-5
        guard eps > 0, eps < 1 else { throw LlamaError.format("llama.attention.layer_norm_rms_epsilon \(eps) is out of range") }
        rmsEpsilon = Float(eps)
        let base = try gguf.float("llama.rope.freq_base") ?? 10000
        guard base > 1 else { throw LlamaError.format("llama.rope.freq_base \(base) must be > 1") }
        ropeFreqBase = base
        ropeOriginalContext = try gguf.integer("llama.rope.scaling.original_context_length", in: 1...(1 << 24))
            ?? contextLength
        ropeScaling = try Self.scaling(
            type: try gguf.string("llama.rope.scaling.type"),
            factor: try gguf.float("llama.rope.scaling.factor")
                ?? gguf.float("llama.rope.scale_linear").map { $0 } ?? 1,
            originalContext: ropeOriginalContext)
        fileType = try gguf.integer("general.file_type", in: 0...Int64(UInt32.max - 1))
    }

    /// A scaling mode from its GGUF name. `factor` must be ≥ 1 for scaled modes.
    public static func scaling(type: String?, factor: Double, originalContext: Int) throws -> RopeScaling {
        switch type ?? "none" {
        case "none", "":
            return .none
        case "linear":
            guard factor.isFinite, factor > 0 else { throw LlamaError.format("rope scaling factor \(factor) is invalid") }
            return factor == 1 ? .none : .linear(factor: factor)
        case "dynamic":
            guard factor.isFinite, factor >= 1 else { throw LlamaError.format("dynamic rope scaling factor \(factor) must be ≥ 1") }
            return .dynamic(factor: factor, originalContext: originalContext)
        case let other:
            throw LlamaError.unsupported("rope scaling type '\(other)' is not supported (none, linear, dynamic)")
        }
    }

    public var kvWidth: Int { headCountKV * headDim }
    public var qWidth: Int { headCount * headDim }
}
