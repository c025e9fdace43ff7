/// The model families the engine runs (`general.architecture`), and what each one's GGUF
/// may hold. Anything else is refused at load: an unknown architecture, a tensor no graph
/// reads, or a metadata key that would change the math but is not honoured — an engine
/// that computes a wrong answer without an error is worse than one that refuses.
///
/// | family  | forward pass         | RoPE pairs        | notes |
/// | ------- | -------------------- | ----------------- | ----- |
/// | llama   | LlamaForward.swift   | adjacent (2i, 2i+1) | LLaMA 1/2/3.x, Mistral, SmolLM, TinyLlama; optional Q/K/V/O biases, LLaMA 3 `rope_freqs.weight` |
/// | qwen2   | LlamaForward.swift   | halves (i, i+d/2) | Q/K/V biases |
/// | phi3    | LlamaForward.swift   | halves            | fused `attn_qkv` and gate·up in `ffn_up` (split into views at load) |
/// | gemma3  | Gemma3Forward.swift  | halves            | √E-scaled embedding, Q/K norms, post-norms, GELU FFN, interleaved sliding-window layers |
///
/// The RoPE pairing is llama.cpp's per-architecture rope type (LLAMA_ROPE_TYPE_NORM for
/// llama, NEOX for the others): llama.cpp's converter permutes LLaMA's Q/K rows into
/// adjacent pairs and leaves the other families in Hugging Face's rotate-half layout.
public enum Architecture: String, Sendable, CaseIterable {
    case llama
    case qwen2
    case phi3
    case gemma3

    /// Which dimensions RoPE rotates together.
    public var ropeStyle: RoPEStyle { self == .llama ? .adjacentPairs : .halves }

    /// Reads `general.architecture`, refusing any family this engine does not run.
    static func of(_ gguf: GGUFFile) throws -> Architecture {
        let name = try gguf.string("general.architecture") ?? ""
        guard let a = Architecture(rawValue: name) else {
            let list = allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw LlamaError.unsupported(
                "architecture '\(name.isEmpty ? "(missing general.architecture)" : name)' is not supported (\(list))")
        }
        return a
    }

    /// The `<arch>.`-prefixed metadata keys this engine reads (and so honours) for the
    /// family, plus the ones known not to change the computation. A file with any other
    /// `<arch>.` key is refused, naming the key (ModelConfig.refuseUnknownKeys): a key
    /// we do not know may be a new way of changing the math (soft-capping, an attention
    /// scale, experts, a RoPE variant, …).
    var knownKeys: Set<String> {
        var keys: Set<String> = [
            "context_length", "embedding_length", "block_count", "feed_forward_length",
            "attention.head_count", "attention.head_count_kv", "attention.layer_norm_rms_epsilon",
            "attention.key_length", "attention.value_length",
            "rope.dimension_count", "rope.freq_base",
            "rope.scaling.type", "rope.scaling.factor", "rope.scale_linear", "rope.scaling.original_context_length",
            // Descriptive: the vocabulary size (checked against the tokenizer) and whether
            // the scaled model was fine-tuned (llama.cpp stores it, nothing reads it).
            "vocab_size", "rope.scaling.finetuned",
            // Honoured when 0 / absent; any other value is refused by ModelConfig.
            "expert_count", "expert_used_count",
            // How embeddings are pooled (ModelConfig.poolingType); the math is unchanged.
            "pooling_type",
        ]
        switch self {
        case .llama, .qwen2:
            break
        case .phi3:
            // llama.cpp runs Phi-3 without its sliding window (llama-model: "Phi SWA is
            // currently disabled"); we do the same, so the key is read and ignored.
            keys.insert("attention.sliding_window")
        case .gemma3:
            keys.formUnion([
                "attention.sliding_window", "attention.sliding_window_pattern", "rope.freq_base_swa",
                // Honoured when 0 / absent (Gemma 3 has no soft-capping); otherwise refused.
                "final_logit_softcapping", "attn_logit_softcapping",
            ])
        }
        return keys
    }
}

/// Which dimensions of a head RoPE rotates together.
public enum RoPEStyle: String, Sendable {
    /// (2i, 2i+1): GGUF LLaMA files (llama.cpp's LLAMA_ROPE_TYPE_NORM).
    case adjacentPairs
    /// (i, i + d/2): Hugging Face's rotate_half (llama.cpp's LLAMA_ROPE_TYPE_NEOX).
    case halves
}
