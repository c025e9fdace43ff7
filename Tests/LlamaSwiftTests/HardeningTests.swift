import Testing
@testable import LlamaSwiftEngine

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 15 (hardening, round two): each test stands for a kind of fault and failed on
/// the code before the fix.
@Suite struct HardeningTests {
    /// Walks the tensor-info table of a built file: (name, offset of its u64 data offset).
    static func tensorOffsetFields(_ bytes: [UInt8], from start: Int, count: Int) -> [(String, Int)] {
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        var at = start
        var out: [(String, Int)] = []
        for _ in 0..<count {
            let n = u64(at)
            let name = String(decoding: bytes[(at + 8)..<(at + 8 + n)], as: UTF8.self)
            at += 8 + n
            let dims = u32(at)
            at += 4 + 8 * dims + 4
            out.append((name, at))
            at += 8
        }
        return out
    }

    static func load(_ bytes: [UInt8]) throws -> Model {
        let file = TempFile(bytes, name: "hardening")
        defer { file.remove() }
        return try Model(path: file.path)
    }

    /// Item 6: tensors sharing data bytes are FORMAT (each was copied at load: 128 layers
    /// over one range of a 4.6 MB file took 2 GB).
    @Test func overlappingTensorDataIsFormat() throws {
        let b = TinyModelFile.builder(layers: 2)
        var (bytes, infoAt, _) = b.build()
        let fields = Self.tensorOffsetFields(bytes, from: infoAt, count: b.tensors.count)
        let src = fields.first { $0.0 == "blk.0.attn_q.weight" }!.1
        let dst = fields.first { $0.0 == "blk.1.attn_q.weight" }!.1
        _ = try Self.load(bytes)  // the file as built loads
        for i in 0..<8 { bytes[dst + i] = bytes[src + i] }
        #expect {
            try Self.load(bytes)
        } throws: {
            let e = $0 as? LlamaError
            return e?.kind == .format && e!.message.contains("overlap") && e!.message.contains("blk.1.attn_q.weight")
        }
    }

    /// Item 11: NaN produced by hostile weights is a data error (FORMAT) naming the first
    /// layer that produced it, not INTERNAL from the sampler; the decode changes nothing.
    @Test func nanFromWeightsIsFormatNamingTheLayer() throws {
        var b = TinyModelFile.builder(layers: 3)
        let i = b.tensors.firstIndex { $0.name == "blk.1.ffn_norm.weight" }!
        b.tensors[i].data = (0..<8).flatMap { GGUFBuilder.le(($0 == 3 ? Float.nan : 1).bitPattern) }
        let model = try Self.load(b.build().bytes)
        let s = try Session(model: model)
        #expect {
            try s.decode([1, 2])
        } throws: {
            let e = $0 as? LlamaError
            return e?.kind == .format && e!.message.contains("NaN") && e!.message.contains("layer 1")
        }
        #expect(s.position == 0 && s.currentLogits == nil)
        // NaN in the output norm: named as the output projection.
        var c = TinyModelFile.builder()
        let j = c.tensors.firstIndex { $0.name == "output_norm.weight" }!
        c.tensors[j].data = (0..<8).flatMap { _ in GGUFBuilder.le(Float.nan.bitPattern) }
        let s2 = try Session(model: try Self.load(c.build().bytes))
        #expect { try s2.decode([1]) } throws: { ($0 as? LlamaError)?.message.contains("output") == true }
    }

    /// Item 10: more threads than usable CPUs are capped (workers spin between steps: 64
    /// threads on 2 cores made a decode 40× slower).
    @Test func threadCountIsCappedAtUsableCPUs() throws {
        let model = try Self.load(TinyModelFile.builder().build().bytes)
        var o = SessionOptions()
        o.threads = 512
        let s = try Session(model: model, options: o)
        #expect(s.threadCount <= Syscalls.usableCPUs())
        try s.decode([1, 2, 3])
        o.threads = 0
        #expect(try Session(model: model, options: o).threadCount == min(8, Syscalls.usableCPUs()))
    }

    /// Item 9: a cancel applies to the call in progress or to nothing: issued while idle it
    /// is ignored (it used to cancel the next, unrelated, decode).
    @Test func cancelWhileIdleIsIgnored() throws {
        let model = try Self.load(TinyModelFile.builder().build().bytes)
        let s = try Session(model: model)
        s.cancel()
        try s.decode([1, 2])
        #expect(s.position == 2)
        s.cancel()
        try s.decode([3])
        #expect(s.position == 3)
    }

    /// Item 9: a cancel from the callback (during the call) stops the generation.
    @Test func cancelDuringGenerateStopsIt() throws {
        guard TestPaths.exists(TestPaths.model) else { return }
        let model = try Model(path: TestPaths.model)
        let s = try Session(model: model)
        let sampler = try Sampler(options: SamplerOptions())
        var r = GenerateResult()
        var o = GenerateOptions()
        o.maxTokens = 50
        let prompt = Array("Once upon a time".utf8)
        var pieces = 0
        #expect {
            try prompt.withUnsafeBytes { p in
                try Generator.generate(session: s, sampler: sampler, prompt: p, options: o, result: &r) { _ in
                    pieces += 1
                    if pieces == 2 { s.cancel() }
                    return true
                }
            }
        } throws: { ($0 as? LlamaError)?.kind == .cancelled }
        #expect(r.stopReason == .cancelled && r.generatedTokens < 50)
        try s.decode([1])
    }

    static func isValidUTF8(_ b: [UInt8]) -> Bool { String(validating: b, as: UTF8.self) != nil }

    /// Item 5: every streamed piece is valid UTF-8 for any token sequence: random token
    /// ids of the SmolLM2 vocabulary (and random byte pieces) through the stream.
    @Test func streamedPiecesAreValidUTF8ForRandomTokens() throws {
        guard TestPaths.exists(TestPaths.model) else { return }
        let model = try Model(path: TestPaths.model, vocabOnly: true)
        let tok = model.tokenizer
        var seed: UInt64 = 0x15
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed >> 33
        }
        for round in 0..<40 {
            var stream = TextStream(stops: round % 2 == 0 ? [] : [Array("</s>".utf8)])
            var all: [UInt8] = []
            for _ in 0..<500 {
                let piece: [UInt8]
                if round % 4 == 3 {
                    piece = (0..<Int(next() % 4)).map { _ in UInt8(truncatingIfNeeded: next()) }
                } else {
                    piece = tok.piece(for: Int32(next() % UInt64(model.vocabularySize)), renderSpecial: false) ?? []
                }
                all += piece
                switch stream.push(piece) {
                case .emit(let b):
                    let out = TextStream.validUTF8(b)
                    #expect(Self.isValidUTF8(out), "round \(round): piece \(b)")
                case .stop(let b):
                    #expect(Self.isValidUTF8(TextStream.validUTF8(b)))
                }
            }
            #expect(Self.isValidUTF8(stream.flush()))
        }
        // The case the issue found: e2 95 then " i".
        var s = TextStream(stops: [])
        _ = s.push([0xE2, 0x95])
        guard case .emit(let b) = s.push([0x20, 0x69]) else { Issue.record("no emit"); return }
        #expect(TextStream.validUTF8(b) == [0xEF, 0xBF, 0xBD, 0x20, 0x69])
    }

    /// Item 5 through the real path: near-uniform random tokens (temperature 10^4, no
    /// truncation) generated and streamed; every piece the callback gets is valid UTF-8.
    @Test func generatedPiecesAreValidUTF8() throws {
        guard TestPaths.exists(TestPaths.model) else { return }
        let model = try Model(path: TestPaths.model)
        var so = SessionOptions()
        so.contextLength = 512
        let s = try Session(model: model, options: so)
        for seed in UInt64(1)...3 {
            var o = SamplerOptions()
            o.temperature = 10_000
            o.topK = 0
            o.topP = 1
            o.minP = 0
            o.seed = seed
            let sampler = try Sampler(options: o)
            var go = GenerateOptions()
            go.maxTokens = 120
            var r = GenerateResult()
            var bad: [[UInt8]] = []
            let prompt = Array("Hello".utf8)
            try prompt.withUnsafeBytes { p in
                try Generator.generate(session: s, sampler: sampler, prompt: p, options: go, result: &r) { b in
                    if !Self.isValidUTF8(b) { bad.append(b) }
                    return true
                }
            }
            #expect(bad.isEmpty, "seed \(seed): invalid pieces \(bad.prefix(3))")
        }
    }
}
