#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Metadata under GGUF keys, built in order (the shape GGUFFile keeps).
struct MetadataBuilder {
    private(set) var keys: [String] = []
    private(set) var values: [String: GGUFValue] = [:]

    mutating func set(_ key: String, _ v: GGUFValue) {
        if values.updateValue(v, forKey: key) == nil { keys.append(key) }
    }
    mutating func set(_ key: String, int v: Int) { set(key, .uint(UInt64(max(0, v)), bits: 32)) }
    mutating func set(_ key: String, float v: Double) { set(key, .float(v, bits: 32)) }
    mutating func set(_ key: String, string v: String) { set(key, .string(Array(v.utf8))) }
    mutating func set(_ key: String, bool v: Bool) { set(key, .bool(v)) }
}

/// A Hugging Face `config.json` read into the engine's terms: the architecture (from
/// `architectures[0]`) and the `<arch>.*` GGUF keys llama.cpp's converter
/// (convert_hf_to_gguf.py) writes for it, so that ModelConfig validates a folder exactly
/// as it validates a GGUF file. What the converter folds into tensors is returned for the
/// folder reader to apply: LLaMA 3's RoPE frequency factors (`rope_freqs.weight`) and
/// Gemma's `1 + w` RMSNorm weights.
///
/// | architectures[0] | engine | notes |
/// | --- | --- | --- |
/// | LlamaForCausalLM, MistralForCausalLM | llama | Q/K stay in rotate-half order (ModelConfig.ropeStyle) |
/// | Qwen2ForCausalLM | qwen2 | |
/// | Phi3ForCausalLM | phi3 | partial_rotary_factor → rope.dimension_count |
/// | Gemma3ForCausalLM | gemma3 | layer_types → the sliding-window pattern |
///
/// Refused with UNSUPPORTED naming the field: other architectures, activations other than
/// the family's, RoPE types other than default / linear / dynamic / llama3 (LLaMA only),
/// MLP biases, Qwen2's sliding window, a Gemma `query_pre_attn_scalar` the engine does
/// not apply.
struct HFConfig {
    let architecture: Architecture
    var metadata = MetadataBuilder()
    /// `rope_freqs.weight` (LLaMA 3 RoPE): [rope dims / 2] divisors of the frequencies.
    var ropeFreqs: [Float]? = nil
    /// Gemma: RMSNorm weights are stored as w and applied as 1 + w.
    var normPlusOne = false
    /// tie_word_embeddings: `lm_head.weight` is the embedding (and is not read).
    var tied = false
    let vocabularySize: Int

    static let architectures: [String: Architecture] = [
        "LlamaForCausalLM": .llama, "MistralForCausalLM": .llama, "Qwen2ForCausalLM": .qwen2,
        "Phi3ForCausalLM": .phi3, "Gemma3ForCausalLM": .gemma3,
    ]

    init(_ c: JSONValue, name: String) throws {
        guard c.object != nil else { throw LlamaError.format("config.json is not a JSON object") }
        guard let archName = c["architectures"]?.array?.first?.string else {
            throw LlamaError.format("config.json has no architectures list")
        }
        guard let a = Self.architectures[archName] else {
            let list = Self.architectures.keys.sorted().joined(separator: ", ")
            throw LlamaError.unsupported("architecture '\(archName)' (config.json) is not supported (\(list))")
        }
        architecture = a
        let p = a.rawValue + "."
        func int(_ key: String) throws -> Int? {
            guard let v = c[key], !v.isNull else { return nil }
            guard let i = v.integer, i >= 0, i <= Int64(Int32.max) else {
                throw LlamaError.format("config.json: '\(key)' should be a non-negative integer, found \(v.kindName)")
            }
            return Int(i)
        }
        func req(_ key: String) throws -> Int {
            guard let v = try int(key), v > 0 else { throw LlamaError.format("config.json: missing '\(key)'") }
            return v
        }
        func double(_ v: JSONValue?, _ key: String) throws -> Double? {
            guard let v, !v.isNull else { return nil }
            guard let d = v.double, d.isFinite else {
                throw LlamaError.format("config.json: '\(key)' should be a number, found \(v.kindName)")
            }
            return d
        }
        var m = MetadataBuilder()
        m.set("general.architecture", string: a.rawValue)
        m.set("general.name", string: name)
        let ctx = try req("max_position_embeddings")
        let embd = try req("hidden_size")
        let heads = try req("num_attention_heads")
        vocabularySize = try req("vocab_size")
        m.set(p + "context_length", int: ctx)
        m.set(p + "embedding_length", int: embd)
        m.set(p + "block_count", int: try req("num_hidden_layers"))
        m.set(p + "feed_forward_length", int: try req("intermediate_size"))
        m.set(p + "attention.head_count", int: heads)
        m.set(p + "attention.head_count_kv", int: try int("num_key_value_heads") ?? heads)
        let headDim = try int("head_dim") ?? (embd / max(heads, 1))
        if try int("head_dim") != nil {
            m.set(p + "attention.key_length", int: headDim)
            m.set(p + "attention.value_length", int: headDim)
        }
        if let eps = try double(c["rms_norm_eps"], "rms_norm_eps") {
            m.set(p + "attention.layer_norm_rms_epsilon", float: eps)
        }
        tied = c["tie_word_embeddings"]?.bool ?? (a == .gemma3)

        // Activation.
        let act =
            c["hidden_activation"]?.string ?? c["hidden_act"]?.string ?? (a == .gemma3 ? "gelu_pytorch_tanh" : "silu")
        let wanted = a == .gemma3 ? "gelu_pytorch_tanh" : "silu"
        guard act == wanted else {
            throw LlamaError.unsupported(
                "config.json: activation '\(act)' is not supported for \(archName) (\(wanted))")
        }
        if c["mlp_bias"]?.bool == true { throw LlamaError.unsupported("config.json: mlp_bias is not supported") }
        if a == .qwen2, c["use_sliding_window"]?.bool == true {
            throw LlamaError.unsupported("config.json: use_sliding_window is not supported for Qwen2")
        }

        // RoPE: transformers 5 writes rope_parameters (per layer type for Gemma 3); older
        // files rope_theta and rope_scaling at the top level.
        var rope: JSONValue? = c["rope_parameters"]
        var ropeLocal: JSONValue? = nil
        if a == .gemma3, let full = rope?["full_attention"] {
            ropeLocal = rope?["sliding_attention"]
            rope = full
        }
        let theta = try double(rope?["rope_theta"], "rope_theta") ?? double(c["rope_theta"], "rope_theta")
        if let theta { m.set(p + "rope.freq_base", float: theta) }
        let scaling = (rope?["rope_type"] != nil ? rope : nil) ?? c["rope_scaling"]
        let ropeType = scaling?["rope_type"]?.string ?? scaling?["type"]?.string ?? "default"
        let factor = try double(scaling?["factor"], "rope factor")
        let partial =
            try double(rope?["partial_rotary_factor"], "partial_rotary_factor")
            ?? double(c["partial_rotary_factor"], "partial_rotary_factor")
        var ropeDims = headDim
        if let partial, a == .phi3 || partial != 1 {
            guard a == .phi3 else {
                throw LlamaError.unsupported("config.json: partial_rotary_factor is not supported for \(archName)")
            }
            guard partial > 0, partial <= 1 else {
                throw LlamaError.format("config.json: partial_rotary_factor \(partial) is out of range (0, 1]")
            }
            ropeDims = Int(partial * Double(embd)) / heads
            m.set(p + "rope.dimension_count", int: ropeDims)
        }
        switch ropeType {
        case "default":
            break
        case "linear":
            m.set(p + "rope.scaling.type", string: "linear")
            m.set(p + "rope.scaling.factor", float: factor ?? 1)
        case "dynamic":
            m.set(p + "rope.scaling.type", string: "dynamic")
            m.set(p + "rope.scaling.factor", float: factor ?? 1)
            let orig =
                try int("original_max_position_embeddings")
                ?? (scaling?["original_max_position_embeddings"]?.integer).map(Int.init) ?? ctx
            m.set(p + "rope.scaling.original_context_length", int: orig)
        case "llama3" where a == .llama:
            ropeFreqs = try Self.llama3Factors(scaling!, dims: ropeDims, base: theta ?? 10000)
        default:
            throw LlamaError.unsupported("config.json: rope type '\(ropeType)' is not supported for \(archName)")
        }

        switch a {
        case .llama, .qwen2:
            break
        case .phi3:
            if let orig = try int("original_max_position_embeddings") {
                m.set(p + "rope.scaling.original_context_length", int: orig)
            }
            m.set(p + "attention.sliding_window", int: try int("sliding_window") ?? 0)
        case .gemma3:
            normPlusOne = true
            if let s = try double(c["query_pre_attn_scalar"], "query_pre_attn_scalar") {
                let engine = try req("num_hidden_layers") == 62 ? Double(embd / heads) : Double(headDim)
                guard s == engine else {
                    throw LlamaError.unsupported(
                        "config.json: query_pre_attn_scalar \(s) is not supported (this engine scales by 1/√\(Int(engine)))"
                    )
                }
            }
            for key in ["final_logit_softcapping", "attn_logit_softcapping"] {
                if let v = try double(c[key], key) { m.set(p + key, float: v) }
            }
            if let w = try int("sliding_window"), w > 0 {
                m.set(p + "attention.sliding_window", int: w)
                if let types = c["layer_types"]?.array {
                    let flags = try types.map { t -> Bool in
                        guard let s = t.string, s == "sliding_attention" || s == "full_attention" else {
                            throw LlamaError.unsupported(
                                "config.json: layer type \(t.string ?? t.kindName) is not supported")
                        }
                        return s == "sliding_attention"
                    }
                    m.set(p + "attention.sliding_window_pattern", .array(.bools(flags)))
                } else if let n = try int("sliding_window_pattern") ?? int("_sliding_window_pattern") {
                    m.set(p + "attention.sliding_window_pattern", int: n)
                }
                if let local = try double(ropeLocal?["rope_theta"], "rope_local_base_freq")
                    ?? double(c["rope_local_base_freq"], "rope_local_base_freq")
                {
                    m.set(p + "rope.freq_base_swa", float: local)
                }
                if let lt = ropeLocal?["rope_type"]?.string, lt != "default" {
                    throw LlamaError.unsupported(
                        "config.json: rope type '\(lt)' of the sliding layers is not supported")
                }
            }
        }
        metadata = m
    }

    /// LLaMA 3's RoPE frequency divisors (transformers' `_compute_llama3_parameters`, as
    /// llama.cpp's converter stores them in `rope_freqs.weight`): with wavelength
    /// λ = 2π·base^(2i/d), low = ctx₀/low_freq_factor, high = ctx₀/high_freq_factor:
    /// 1 when λ < high, `factor` when λ > low, else 1 / ((1 − s)/factor + s) with
    /// s = (ctx₀/λ − low_freq_factor) / (high_freq_factor − low_freq_factor).
    static func llama3Factors(_ s: JSONValue, dims: Int, base: Double) throws -> [Float] {
        guard let factor = s["factor"]?.double, let lowF = s["low_freq_factor"]?.double,
            let highF = s["high_freq_factor"]?.double, let ctx0 = s["original_max_position_embeddings"]?.double,
            factor > 0, lowF > 0, highF > lowF, ctx0 > 0
        else { throw LlamaError.format("config.json: llama3 rope parameters are missing or invalid") }
        let low = ctx0 / lowF, high = ctx0 / highF
        return (0..<dims / 2).map { i in
            let freq = 1 / pow(base, Double(2 * i) / Double(dims))
            let wavelength = 2 * Double.pi / freq
            if wavelength < high { return 1 }
            if wavelength > low { return Float(factor) }
            let smooth = (ctx0 / wavelength - lowF) / (highF - lowF)
            return Float(1 / ((1 - smooth) / factor + smooth))
        }
    }
}
