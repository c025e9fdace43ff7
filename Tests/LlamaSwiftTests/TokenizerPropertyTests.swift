import Testing

@testable import LlamaSwiftEngine

/// Properties over random inputs from a seeded generator: no byte string crashes any
/// vocabulary, and valid UTF-8 comes back unchanged through tokenize → detokenize.
@Suite struct TokenizerPropertyTests {
    /// SplitMix64: a small, fully specified generator so failures reproduce from the seed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let vocabularies: [String] = [
        "ggml-vocab-llama-spm.gguf", "ggml-vocab-phi-3.gguf", "ggml-vocab-llama-bpe.gguf", "ggml-vocab-gpt-2.gguf",
        "ggml-vocab-qwen2.gguf", "SmolLM2",
    ]

    static func load(_ name: String) throws -> Tokenizer {
        name == "SmolLM2"
            ? try TestData.tokenizer(TestData.modelsDirectory + "/SmolLM2-135M-Instruct.Q4_1.gguf")
            : try TestData.tokenizer(TestData.vocabDirectory + "/" + name)
    }

    /// Bytes weighted towards what breaks decoders: NUL, continuation and lead bytes,
    /// spaces, newlines, digits, apostrophes and the characters of special-token markup.
    static func randomBytes(_ g: inout SplitMix64) -> [UInt8] {
        let length = Int(g.next() % 48)
        let interesting: [UInt8] = [
            0x00, 0x20, 0x0A, 0x0D, 0x09, 0x27, 0x3C, 0x7C, 0x3E, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF5,
            0xFF, 0x33,
        ]
        var out: [UInt8] = []
        for _ in 0..<length {
            switch g.next() % 4 {
            case 0: out.append(interesting[Int(g.next() % UInt64(interesting.count))])
            case 1: out.append(UInt8(truncatingIfNeeded: g.next()))
            default: out.append(UInt8(0x20 + g.next() % 95))
            }
        }
        if g.next() % 8 == 0 { out.append(contentsOf: Array("<|im_start|>".utf8)) }
        if g.next() % 8 == 0 { out.append(contentsOf: Array("<s></s><|endoftext|>".utf8)) }
        return out
    }

    /// Valid UTF-8 mixing ASCII, accented Latin, Cyrillic, CJK, Khmer, combining marks,
    /// emoji, Unicode spaces and digits, and scalars from anywhere in the code space.
    static func randomText(_ g: inout SplitMix64) -> String {
        let pools: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0x20...0x7E, 0x20...0x7E, 0x09...0x0D, 0xA0...0x17F, 0x400...0x45F,
            0x300...0x36F, 0x4E00...0x9FFF, 0x1780...0x17FF, 0x1F300...0x1F6FF, 0x2000...0x206F,
            0x3000...0x3000, 0x660...0x669, 0x0...0x10FFFF,
        ]
        let length = Int(g.next() % 40)
        var s = String.UnicodeScalarView()
        while s.count < length {
            let pool = pools[Int(g.next() % UInt64(pools.count))]
            let v = pool.lowerBound + UInt32(g.next() % UInt64(pool.upperBound - pool.lowerBound + 1))
            if let scalar = Unicode.Scalar(v) { s.append(scalar) }
        }
        return String(s)
    }

    @Test(arguments: vocabularies)
    func randomBytesNeverCrash(_ name: String) throws {
        let t = try Self.load(name)
        var g = SplitMix64(state: 0x5EED_0001)
        for _ in 0..<400 {
            let bytes = Self.randomBytes(&g)
            for (addSpecial, parseSpecial) in [(false, false), (true, true)] {
                let ids = try bytes.withUnsafeBytes {
                    try t.tokenize($0, addSpecial: addSpecial, parseSpecial: parseSpecial)
                }
                #expect(ids.allSatisfy { $0 >= 0 && Int($0) < t.vocabularySize })
                _ = try t.detokenize(ids)
            }
        }
        // Sequences llama.cpp itself aborts on (code points above U+10FFFF) are U+FFFD here.
        for bytes: [UInt8] in [[0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80, 0x7A], [0xF7, 0xBF, 0xBF, 0xBF]] {
            _ = try bytes.withUnsafeBytes { try t.tokenize($0, addSpecial: false, parseSpecial: false) }
        }
        #expect(
            try t.tokenize(UnsafeRawBufferPointer(start: nil, count: 0), addSpecial: false, parseSpecial: false) == [])
        if name == "SmolLM2" {
            // llama-cpp-python 0.3.36: U+41234 (F1 81 88 B4) → [219, 226, 129], the F1 dropped.
            #expect(try t.tokenize("\u{41234}") == [219, 226, 129])
            #expect(try t.tokenize("\u{100000}") == [189, 218, 218, 218])
        }
        #expect(t.piece(for: Int32.max) == nil && t.tokenText(Int32.min) == nil && !t.isEndOfGeneration(-5))
    }

    /// Valid UTF-8 round-trips: the pieces concatenate to the input, and detokenize gives
    /// the input back — after llama.cpp's space clean-up where the vocabulary uses it.
    @Test(arguments: vocabularies)
    func validUTF8RoundTrips(_ name: String) throws {
        let t = try Self.load(name)
        let unspellable = Set(
            (0...255).map(UInt8.init).filter { b in
                guard let v = t.byteLevel else { return false }
                return v.byteSymbol[Int(b)] >= v.vocabularyCount
            })
        if name == "SmolLM2" {
            #expect(
                unspellable == [
                    4, 6, 19, 20, 22, 29, 0xC0, 0xC1, 0xF1, 0xF2, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD,
                    0xFE, 0xFF,
                ])
        } else {
            #expect(unspellable.isEmpty)
        }
        var g = SplitMix64(state: 0x5EED_0002)
        for _ in 0..<400 {
            let text = Self.randomText(&g)
            let ids = try t.tokenize(text, addSpecial: false, parseSpecial: false)
            // A byte-level vocabulary may lack a token for a byte (SmolLM2 has none for 21
            // bytes, among them F1 and F2, lead bytes of U+40000…U+BFFFF); llama.cpp then
            // drops that byte.
            var expected = Array(text.utf8).filter { !unspellable.contains($0) }
            if t.cleanSpaces { Tokenizer.cleanSpaces(&expected) }
            let back = try t.detokenize(ids)
            #expect(back == expected, "\(name): \(Array(text.unicodeScalars.map { $0.value }))")
        }
    }
}
