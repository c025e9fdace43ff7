import Testing

@testable import LlamaSwift

/// SmolLM2's own vocabulary (byte-level BPE, pre-tokenizer "smollm") against llama.cpp:
/// Tests/Fixtures/smollm2-tokenize.json, made by scripts/ref/make_tokenize_refs.py with
/// llama-cpp-python 0.3.36 (see Tests/Fixtures/README.md).
@Suite struct TokenizerSmolLM2Tests {
    static var modelPath: String { TestData.modelsDirectory + "/SmolLM2-135M-Instruct.Q4_1.gguf" }

    static func fixture() throws -> JSONValue {
        try MiniJSON.parse(TestData.read(TestData.fixturesDirectory + "/smollm2-tokenize.json"))
    }

    static func hexBytes(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i + 1 < u.count {
            out.append(UInt8(String(decoding: u[i ..< i + 2], as: UTF8.self), radix: 16) ?? 0)
            i += 2
        }
        return out
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
        let eog = (0 ..< Int32(t.vocabularySize)).filter { t.isEndOfGeneration($0) }
        #expect(eog == [0, 2, 4])
        #expect((0 ..< Int32(t.vocabularySize)).filter { t.isControl($0) }.count == 17)
    }

    @Test func idsMatchLlamaCpp() throws {
        let t = try TestData.tokenizer(Self.modelPath)
        let cases = try #require(try Self.fixture()["cases"]?.array)
        #expect(cases.count > 100)
        var passed = 0
        for c in cases {
            let text = try #require(c["text"]?.string)
            let addSpecial = try #require(c["add_special"]?.bool)
            let parseSpecial = try #require(c["parse_special"]?.bool)
            let expected = try #require(c["ids"]?.array).compactMap { $0.int.map(Int32.init) }
            let ids = try t.tokenize(text, addSpecial: addSpecial, parseSpecial: parseSpecial)
            if ids == expected {
                passed += 1
            } else {
                Issue.record("'\(text)' special=\(addSpecial)/\(parseSpecial): got \(ids), expected \(expected)")
            }
            if !parseSpecial {
                // SmolLM2 does not clean up spaces: the ids give the text back.
                #expect(try t.detokenize(ids) == Array(text.utf8), "round trip of '\(text)'")
            }
        }
        #expect(passed == cases.count, "\(passed)/\(cases.count)")
    }

    @Test func piecesMatchLlamaCpp() throws {
        let t = try TestData.tokenizer(Self.modelPath)
        let pieces = try #require(try Self.fixture()["pieces"]?.array)
        for p in pieces {
            let id = Int32(try #require(p["id"]?.int))
            let hex = try #require(p["hex"]?.string)
            let hexNoSpecial = try #require(p["hex_nospecial"]?.string)
            #expect(t.piece(for: id) == Self.hexBytes(hex), "piece \(id)")
            #expect(t.piece(for: id, renderSpecial: false) == Self.hexBytes(hexNoSpecial), "piece \(id) (no special)")
        }
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
