import Testing
@testable import LlamaSwiftEngine

/// "Right, or refused": a file that carries more than the engine computes with — a tensor
/// no graph reads, a metadata key that changes the math — must fail to load with
/// UNSUPPORTED naming it, never run silently wrong. Each case adds one such thing to the
/// minimal valid model (TinyModelFile).
@Suite struct RefusalTests {
    static func load(_ b: GGUFBuilder) throws -> Model {
        let file = TempFile(b.build().bytes, name: "refusal")
        defer { file.remove() }
        return try Model(path: file.path)
    }

    static func expectRefused(_ b: GGUFBuilder, naming name: String, sourceLocation: SourceLocation = #_sourceLocation)
    {
        do {
            _ = try load(b)
            Issue.record("a file with '\(name)' loaded", sourceLocation: sourceLocation)
        } catch let e as LlamaError {
            #expect(e.kind == .unsupported, "\(name): \(e.kind) \(e.message)", sourceLocation: sourceLocation)
            #expect(
                e.message.contains(name), "the message names '\(name)': \(e.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(name): unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Tensors no family's graph reads (embd 8, 2 heads, 1 KV head, ff 16, vocab 8).
    static let unusedTensors: [(name: String, dims: [UInt64])] = [
        ("output.bias", [8]),  // Qwen2 files may carry it; llama.cpp adds it, we do not
        ("blk.0.ffn_up.bias", [16]),
        ("blk.0.ffn_down.bias", [8]),
        ("blk.0.ffn_gate.bias", [16]),
        ("blk.0.attn_norm.bias", [8]),  // LayerNorm, not RMSNorm
        ("blk.0.ffn_gate_inp.weight", [8, 4]),  // a mixture-of-experts router
        ("rope_factors_long.weight", [2]),  // Phi-3 LongRoPE
        ("rope_factors_short.weight", [2]),
        ("blk.0.attn_q_norm.weight", [4]),  // Q/K norms belong to Gemma 3, not to llama
        ("blk.0.post_attention_norm.weight", [8]),
        ("blk.1.attn_q.weight", [8, 8]),  // a layer beyond block_count
        ("v.blk.0.attn_q.weight", [8, 8]),  // a vision tower
        ("output_norm.bias", [8]),
    ]

    @Test(arguments: unusedTensors.map(\.name))
    func unusedTensorIsRefused(name: String) {
        var b = TinyModelFile.builder()
        let dims = Self.unusedTensors.first { $0.name == name }!.dims
        b.addTensor(name, dims: dims, floats: Array(repeating: 0.5, count: Int(dims.reduce(1, *))))
        Self.expectRefused(b, naming: name)
    }

    /// Metadata keys that would change the computation and that the llama graph does not
    /// honour (some are honoured by other families, not by llama).
    static let mathKeys: [(key: String, value: Float)] = [
        ("llama.attention.sliding_window", 4),
        ("llama.attention.sliding_window_pattern", 2),
        ("llama.rope.freq_base_swa", 10000),
        ("llama.attn_logit_softcapping", 50),
        ("llama.final_logit_softcapping", 30),
        ("llama.attention.scale", 0.5),
        ("llama.attention.layer_norm_epsilon", 1e-5),
        ("llama.rope.scaling.attn_factor", 1.2),
        ("llama.rope.scaling.yarn_log_multiplier", 0.1),
        ("llama.embedding_scale", 12),
        ("llama.residual_scale", 0.2),
        ("llama.logit_scale", 0.1),
        ("llama.attention.causal", 0),
        ("llama.expert_count", 8),
        ("llama.expert_used_count", 2),
    ]

    @Test(arguments: mathKeys.map(\.key))
    func unknownMathKeyIsRefused(key: String) {
        var b = TinyModelFile.builder()
        let value = Self.mathKeys.first { $0.key == key }!.value
        if key.hasSuffix("_count") || key.contains("sliding_window") {
            b.add(key, u32: UInt32(value))
        } else {
            b.add(key, f32: value)
        }
        Self.expectRefused(b, naming: key)
    }

    @Test func unsupportedRopeScalingTypeIsRefused() {
        var b = TinyModelFile.builder()
        b.add("llama.rope.scaling.type", string: "yarn")
        Self.expectRefused(b, naming: "yarn")
    }

    @Test func softcappingInGemma3IsRefused() throws {
        // Gemma 2 style soft-capping in a gemma3 file: honoured only when 0.
        var b = TinyModelFile.builder()
        b.kv = b.kv.map { k, t, v in (k.hasPrefix("llama.") ? "gemma3." + k.dropFirst(6) : k, t, v) }
        b.kv[0] = ("general.architecture", 8, GGUFBuilder.str("gemma3"))
        b.add("gemma3.final_logit_softcapping", f32: 30)
        Self.expectRefused(b, naming: "gemma3.final_logit_softcapping")
    }

    /// Keys that change nothing, and the neutral values of honoured-when-neutral keys, load.
    @Test func harmlessKeysLoad() throws {
        var b = TinyModelFile.builder()
        b.add("llama.vocab_size", u32: 8)
        b.add("llama.expert_count", u32: 0)
        b.add("llama.rope.scaling.finetuned", bool: true)
        b.add("general.some_future_description", string: "x")
        b.add("quantize.imatrix.file", string: "x")
        _ = try Self.load(b)
    }

    /// Biases in a llama file are honoured (llama.cpp's llama graph adds them): the logits
    /// move by exactly what the bias contributes.
    @Test func llamaBiasesAreUsed() throws {
        func logits(_ b: GGUFBuilder) throws -> [Float] {
            let m = try Self.load(b)
            var o = SessionOptions()
            o.threads = 1
            o.kvF32 = true
            let s = try Session(model: m, options: o)
            try s.decode([1, 2, 3])
            return Array(s.lastLogits!)
        }
        let plain = try logits(TinyModelFile.builder())
        for name in ["blk.0.attn_q.bias", "blk.0.attn_k.bias", "blk.0.attn_v.bias", "blk.0.attn_output.bias"] {
            var b = TinyModelFile.builder()
            let n = name.contains("attn_k") || name.contains("attn_v") ? 4 : 8
            b.addTensor(name, dims: [UInt64(n)], floats: (0..<n).map { Float($0) * 0.25 - 0.5 })
            let biased = try logits(b)
            #expect(biased != plain, "\(name) changed nothing")
            var zero = TinyModelFile.builder()
            zero.addTensor(name, dims: [UInt64(n)], floats: Array(repeating: 0, count: n))
            #expect(try logits(zero) == plain, "a zero \(name) changed the logits")
        }
    }

    /// LLaMA 3 frequency factors: all ones change nothing; others change the logits of
    /// positions > 0 only (position 0 is not rotated).
    @Test func ropeFreqsAreApplied() throws {
        func logitsAll(_ b: GGUFBuilder) throws -> [Float] {
            let m = try Self.load(b)
            var o = SessionOptions()
            o.threads = 1
            o.kvF32 = true
            o.logitsAll = true
            let s = try Session(model: m, options: o)
            try s.decode([1, 2, 3])
            return Array(UnsafeBufferPointer(start: s.currentLogits!, count: 3 * 8))
        }
        let plain = try logitsAll(TinyModelFile.builder())
        var ones = TinyModelFile.builder()
        ones.addTensor("rope_freqs.weight", dims: [2], floats: [1, 1])
        #expect(try logitsAll(ones) == plain)
        var scaled = TinyModelFile.builder()
        scaled.addTensor("rope_freqs.weight", dims: [2], floats: [1, 8])
        let s = try logitsAll(scaled)
        #expect(Array(s[0..<8]) == Array(plain[0..<8]))
        #expect(Array(s[8...]) != Array(plain[8...]))
        var bad = TinyModelFile.builder()
        bad.addTensor("rope_freqs.weight", dims: [2], floats: [1, 0])
        #expect { try Self.load(bad) } throws: { ($0 as? LlamaError)?.kind == .format }
    }
}
