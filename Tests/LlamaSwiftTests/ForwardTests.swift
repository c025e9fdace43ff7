import Testing
#if canImport(Glibc)
    import Glibc
#endif
@testable import LlamaSwiftEngine

/// The forward pass against independent references: Hugging Face transformers on tiny
/// random models (every attention variant, RoPE scaling, float types), llama.cpp on the
/// quantized tiny models and on the real SmolLM2 model.
@Suite struct ForwardTests {
    static let tinyNames = [
        "mha", "gqa", "mqa", "tied", "rope-linear", "rope-dynamic", "gqa-f16", "gqa-bf16",
        "gqa-q8_0", "gqa-q4_0", "gqa-q4_1", "gqa-q5_0", "gqa-q5_1", "k256-q4_k", "k256-q5_k", "k256-q6_k",
        "k256-q2_k", "k256-q3_k", "k256-iq4_nl", "k256-iq4_xs",
    ]

    static func maxAbsDiff(_ a: UnsafeBufferPointer<Float>, _ b: [Float]) -> Float {
        var m: Float = 0
        for i in 0..<min(a.count, b.count) { m = max(m, abs(a[i] - b[i])) }
        return a.count == b.count ? m : .infinity
    }

    /// One decode call over the whole sequence with logits_all, compared row by row to
    /// the reference logits: HF for float models, llama.cpp for quantized ones (whose HF
    /// reference used dequantized weights, so both apply within looser tolerance).
    @Test(arguments: tinyNames)
    func tinyModelOnePass(name: String) throws {
        let dir = TestPaths.fixtures + "/tiny/"
        let ref = try JSON.parse(file: dir + name + ".json")
        let model = try Model(path: dir + name + ".gguf")
        let quantized = name.contains("-q") || name.contains("-iq")
        for seq in ref["sequences"].array {
            let tokens = seq["tokens"].ints.map(Int32.init)
            var o = SessionOptions()
            o.logitsAll = true
            o.threads = 2
            o.contextLength = 128  // past the models' 64: the scaled-RoPE sequences are 100 long
            // F32 models: an F32 cache, against HF's float32 forward. Others: the default
            // F16 cache, as llama.cpp (their second reference) ran them.
            o.kvF32 = name.contains("-") ? nil : true
            let s = try Session(model: model, options: o)
            try s.decode(tokens)
            let hf = seq["hf_logits"].array
            let lc = seq["llamacpp_logits"].array
            #expect(hf.count == tokens.count)
            var worstHF: Float = 0, worstLC: Float = 0
            for t in 0..<tokens.count {
                let row = UnsafeBufferPointer(start: s.currentLogits! + t * s.vocabularySize, count: s.vocabularySize)
                worstHF = max(worstHF, Self.maxAbsDiff(row, hf[t].floats))
                if !lc.isEmpty { worstLC = max(worstLC, Self.maxAbsDiff(row, lc[t].floats)) }
            }
            // Float models: HF float32 within 3e-3 (logits are O(1..10); F16/BF16 references
            // used the rounded weights). Quantized: HF ran the dequantized weights with float
            // activations, we (like llama.cpp) quantize activations to 8 bits, so only
            // within 0.1 of HF — but within 1e-3 of llama.cpp, which does the same.
            if getenv("LLAMASWIFT_TEST_REPORT") != nil {
                print("REPORT \(name) len \(tokens.count): max |Δ| vs HF \(worstHF), vs llama.cpp \(worstLC)")
            }
            let tolHF: Float = quantized ? 0.1 : 3e-3
            #expect(worstHF < tolHF, "\(name) len \(tokens.count): max |Δ| vs HF \(worstHF)")
            if !lc.isEmpty {
                // K-quants: llama.cpp repacks Q4_K and sums in another order, so only the
                // HF-level agreement holds; BF16: llama.cpp rounds activations to BF16.
                // Q4_1, Q5_0: our row groups (Q4_1Groups, Q5_0Groups) sum each block exactly
                // and then scale, llama.cpp sums 8 lanes per row; the last-bit differences
                // flip a few 8-bit activation roundings (measured: Q5_0 0.019, Q4_1 0.012
                // here; llama.cpp vs HF: 0.057).
                let tolLC: Float =
                    name.hasPrefix("k256")
                    ? 0.1
                    : name.hasSuffix("bf16") || name.hasSuffix("q5_0") || name.hasSuffix("q4_1")
                        ? 0.03
                        : quantized ? 1e-3 : 5e-3
                #expect(worstLC < tolLC, "\(name) len \(tokens.count): max |Δ| vs llama.cpp \(worstLC)")
            }
        }
    }

    /// Dynamic NTK, token by token: matches HF's cached generation (first 12 tokens in one
    /// call, then one per call), which differs from the one-pass forward.
    @Test func dynamicNTKIncremental() throws {
        let dir = TestPaths.fixtures + "/tiny/"
        let ref = try JSON.parse(file: dir + "rope-dynamic.json")
        let model = try Model(path: dir + "rope-dynamic.gguf")
        let seq = try #require(ref["sequences"].array.first { !$0["hf_incremental_logits"].isNull })
        let tokens = seq["tokens"].ints.map(Int32.init)
        let first = try #require(seq["incremental_first_call"].int)
        let inc = seq["hf_incremental_logits"].array
        var o = SessionOptions()
        o.kvF32 = true
        o.logitsAll = true
        o.contextLength = 128
        let s = try Session(model: model, options: o)
        try s.decode(Array(tokens[0..<first]))
        var worst: Float = 0
        for t in 0..<first {
            let row = UnsafeBufferPointer(start: s.currentLogits! + t * s.vocabularySize, count: s.vocabularySize)
            worst = max(worst, Self.maxAbsDiff(row, inc[t].floats))
        }
        for t in first..<tokens.count {
            try s.decode([tokens[t]])
            worst = max(worst, Self.maxAbsDiff(s.lastLogits!, inc[t].floats))
        }
        #expect(worst < 2e-3, "dynamic NTK incremental: max |Δ| \(worst)")
        // And it really differs from the one-pass logits past the original context.
        let onePass = seq["hf_logits"].array
        #expect(Self.maxAbsDiff(s.lastLogits!, onePass[tokens.count - 1].floats) > 1e-3)
    }

    /// Thread count and chunking do not change results: bit-identical logits.
    @Test func threadAndBatchInvariance() throws {
        let dir = TestPaths.fixtures + "/tiny/"
        for name in ["gqa", "gqa-q4_1", "gqa-f16"] {
            let model = try Model(path: dir + name + ".gguf")
            let tokens: [Int32] = (0..<40).map { Int32(3 + ($0 * 37) % 250) }
            var reference: [Float]? = nil
            for (threads, batch) in [(1, 512), (2, 512), (3, 7), (8, 1)] {
                var o = SessionOptions()
                o.threads = threads
                o.batchSize = batch
                let s = try Session(model: model, options: o)
                try s.decode(tokens)
                let got = Array(s.lastLogits!)
                if let r = reference {
                    #expect(got == r, "\(name): threads \(threads) batch \(batch) differ")
                } else {
                    reference = got
                }
            }
        }
    }

    /// The real model against llama.cpp: logits at several positions and the greedy
    /// continuation (compared up to the first step where llama.cpp's own top-2 margin is
    /// below our tolerance, where float noise may legitimately flip the choice).
    @Test func smolLM2AgainstLlamaCpp() throws {
        let ref = try JSON.parse(file: TestPaths.fixtures + "/smollm2-logits.json")
        let model = try Model(path: TestPaths.model)
        // Repacking off: every matrix in the file's layout, summed in llama.cpp's order.
        var fileOrder = LoadOptions()
        fileOrder.repack = false
        let fileOrderModel = try Model(path: TestPaths.model, options: fileOrder)
        let fixed = ref["fixed_ids"].ints
        for prompt in ref["prompts"].array {
            let tokens = prompt["tokens"].ints.map(Int32.init)
            for (m, exact) in [(fileOrderModel, true), (model, false)] {
                var o = SessionOptions()
                o.logitsAll = true
                o.contextLength = 512
                let s = try Session(model: m, options: o)
                try s.decode(tokens)
                var worst: Float = 0, worstEarly: Float = 0, early = 0
                for p in prompt["positions"].array {
                    let pos = try #require(p["pos"].int)
                    let row = s.currentLogits! + pos * s.vocabularySize
                    var here: Float = 0
                    for (i, v) in p["fixed"].floats.enumerated() { here = max(here, abs(row[fixed[i]] - v)) }
                    for pair in p["top"].array { here = max(here, abs(row[pair[0].int!] - Float(pair[1].double!))) }
                    worst = max(worst, here)
                    if pos < 2 {
                        worstEarly = max(worstEarly, here)
                        early += 1
                    }
                    // Top-1 agrees.
                    let top1 = p["top"][0][0].int!
                    var best = 0
                    for i in 0..<s.vocabularySize where row[i] > row[best] { best = i }
                    #expect(
                        best == top1, "\(prompt["name"].string ?? "") pos \(pos): top-1 \(best) vs llama.cpp \(top1)")
                }
                // In the file's layout positions 0 and 1 match llama.cpp bit for bit (same
                // matmul summation order, same F16 roundings); later positions drift by float
                // noise in the softmax exponentials (ggml uses its own vectorised exp) that 30
                // layers amplify. The default Q4_1 row groups (Q4_1Groups) sum in another order
                // (their kernels equal llama.cpp's to 1e-4 relative, Q4_1GroupsTests): last-bit
                // differences flip 8-bit activation roundings from the first position on, and
                // 30 layers amplify them as they do the file-order run's later positions
                // (measured: 0.32–0.83 at positions 0 and 1 of these prompts, 0.29–0.67 at the
                // later positions of the file-order run); top-1 and the greedy text still agree.
                if getenv("LLAMASWIFT_TEST_REPORT") != nil {
                    print(
                        "REPORT smollm2 \(prompt["name"].string ?? "") repack \(!exact): early \(worstEarly) all \(worst)"
                    )
                }
                #expect(early > 0, "\(prompt["name"].string ?? ""): the fixture has no position 0 or 1")
                if exact {
                    #expect(worstEarly == 0, "\(prompt["name"].string ?? ""): positions 0, 1 differ by \(worstEarly)")
                } else {
                    #expect(worstEarly < 1.0, "\(prompt["name"].string ?? ""): positions 0, 1 differ by \(worstEarly)")
                }
                #expect(worst < 1.0, "\(prompt["name"].string ?? ""): max |Δ logit| \(worst)")
            }

            // Greedy continuation.
            var g = SessionOptions()
            g.contextLength = 512
            let gs = try Session(model: model, options: g)
            try gs.decode(tokens)
            let want = prompt["greedy"].ints
            let margins = prompt["greedy_margins"].floats
            var matched = 0
            for (step, w) in want.enumerated() {
                let l = gs.lastLogits!
                var best = 0
                for i in 0..<l.count where l[i] > l[best] { best = i }
                if best != w {
                    #expect(
                        margins[step] < 0.25,
                        "\(prompt["name"].string ?? ""): greedy step \(step) chose \(best), llama.cpp \(w) (margin \(margins[step]))"
                    )
                    break
                }
                matched += 1
                try gs.decode([Int32(best)])
            }
            #expect(matched >= 32 || matched < want.count && margins[matched] < 0.25)
        }
    }
}
