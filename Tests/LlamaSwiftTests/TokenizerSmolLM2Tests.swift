import Testing

@testable import LlamaSwiftEngine

/// SmolLM2's own vocabulary (byte-level BPE, pre-tokenizer "smollm") against llama.cpp:
/// Tests/Fixtures/smollm2-tokenize.json, made by scripts/ref/make_tokenize_refs.py with
/// llama-cpp-python 0.3.36 (see Tests/Fixtures/README.md).
@Suite struct TokenizerSmolLM2Tests {
    static var modelPath: String { TestData.modelsDirectory + "/SmolLM2-135M-Instruct.Q4_1.gguf" }

    static func fixture() throws -> JSONValue {
        try MiniJSON.parse(TestData.read(TestData.fixturesDirectory + "/smollm2-tokenize.json"))
    }

    @Test func metadataMatchesLlamaCpp() throws {
        let t = try TestData.tokenizer(Self.modelPath)
        let f = try Self.fixture()
        #expect(t.vocabularySize == f["n_vocab"]?.int)
        #expect(t.bos.map(Int.init) == f["bos"]?.int)
        #expect(t.eos.map(Int.init) == f["eos"]?.int)
        #expect(t.addBOS == f["add_bos"]?.bool)
        #expect(t.addEOS == f["add_eos"]?.bool)
        #expect(t.preTokenizerName == "smollm")
        #expect(t.chatTemplate != nil)
        // llama_vocab_is_eog over the whole vocabulary gives exactly {0, 2, 4}: EOS
        // <|im_end|>, <|endoftext|> by name, and <reponame> as the FIM repo token.
        let eog = (0..<Int32(t.vocabularySize)).filter { t.isEndOfGeneration($0) }
        #expect(eog == [0, 2, 4])
        #expect((0..<Int32(t.vocabularySize)).filter { t.isControl($0) }.count == 17)
    }

    @Test func idsMatchLlamaCpp() throws {
        // SmolLM2 does not clean up spaces: the ids give the text back.
        try TokenizerFixture.expectIdsMatch(try TestData.tokenizer(Self.modelPath), try Self.fixture(), roundTrip: true)
    }

    @Test func piecesMatchLlamaCpp() throws {
        try TokenizerFixture.expectPiecesMatch(try TestData.tokenizer(Self.modelPath), try Self.fixture())
    }

    /// Invalid UTF-8 and NUL: llama.cpp reads each byte that does not start a well-formed
    /// sequence as U+FFFD, accepts overlong forms and surrogates as they decode, and treats
    /// NUL as a character. Ids from llama-cpp-python 0.3.36 (`Llama.tokenize(bytes,
    /// add_bos=False, special=False)`) on this vocabulary.
    @Test func invalidUTF8MatchesLlamaCpp() throws {
        let t = try TestData.tokenizer(Self.modelPath)
        let cases: [([UInt8], [Int32])] = [
            ([0x61, 0xFF, 0x62], [81, 24211, 82]),
            ([0xC3], [24211]),
            ([0x78, 0x00, 0x79], [104, 190, 105]),
            ([0xED, 0xA0, 0x80], [184, 250, 218]),
            ([0xC0, 0x80], [190]),
            ([0x20, 0xE2, 0x82], [216, 24211, 24211]),
        ]
        for (bytes, expected) in cases {
            let ids = try bytes.withUnsafeBytes { try t.tokenize($0, addSpecial: false, parseSpecial: false) }
            #expect(ids == expected, "\(bytes)")
        }
    }
}
