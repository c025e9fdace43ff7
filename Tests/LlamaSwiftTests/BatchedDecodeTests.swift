import Testing

@testable import LlamaSwiftEngine

/// Session.decode(batch:) against each session decoding alone, bit for bit, for every
/// model family (the C test covers SmolLM2 through the header): the tiny models of each
/// architecture (Gemma 3 with its sliding window of 8 crossed, Phi-3's fused QKV, Qwen2's
/// biases, LLaMA 3 frequency factors, linear-scaled global RoPE) and the real Gemma 3
/// 270M file; F16, F32 and Q8_0 caches.
@Suite struct BatchedDecodeTests {
    static let files =
        ArchitectureTests.names.map { TestPaths.fixtures + "/arch/" + $0 + ".gguf" } + [Gemma3FileTests.modelPath]

    @Test(arguments: files, [KVCacheType.f16, .f32, .q8_0])
    func batchEqualsAlone(path: String, kv: KVCacheType) throws {
        guard TestPaths.exists(path) else { return }  // the Gemma 3 file comes with `make testdata`
        let model = try Model(path: path)
        // Q8_0 needs whole 32-element blocks per head.
        guard kv != .q8_0 || model.config!.headDim % 32 == 0 else { return }
        let vocab = Int32(model.vocabularySize)
        var o = SessionOptions()
        o.threads = 2
        o.contextLength = 64
        o.kvType = kv
        let n = 4
        let alone = try (0..<n).map { _ in try Session(model: model, options: o) }
        let batched = try (0..<n).map { i -> Session in
            var bo = o
            bo.batchSize = i == 0 ? 13 : 0  // passes of 13: sessions split across them
            return try Session(model: model, options: bo)
        }
        var seed: UInt32 = 7
        func tokens(_ k: Int) -> [Int32] {
            (0..<k).map { _ in
                seed = seed &* 1_103_515_245 &+ 12345
                return Int32(seed >> 8) % vocab
            }
        }
        var compared = 0
        // Prompts of 11, 6, 1 and 19 tokens (past the sliding window), then 5 steps where
        // sessions add 1 or 3 tokens.
        for step in 0..<6 {
            let inputs = (0..<n).map { i in tokens(step == 0 ? [11, 6, 1, 19][i] : (i + step) % 3 == 0 ? 3 : 1) }
            for i in 0..<n { try alone[i].decode(inputs[i]) }
            try Session.decode(batch: (0..<n).map { (batched[$0], inputs[$0]) })
            for i in 0..<n {
                #expect(batched[i].position == alone[i].position)
                #expect(
                    batched[i].lastLogits!.map(\.bitPattern) == alone[i].lastLogits!.map(\.bitPattern),
                    "\(path) step \(step) session \(i)")
                compared += 1
            }
        }
        #expect(compared == 24)
    }
}
