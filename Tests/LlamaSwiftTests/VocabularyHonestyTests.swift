import Testing
@testable import LlamaSwiftEngine

/// Special-token getters report only what the file names, and ADD_SPECIAL adds nothing
/// else; detokenize's space clean-up is llama.cpp's by default and the caller's choice
/// with `cleanSpaces`.
@Suite struct VocabularyHonestyTests {
    static func vocab(_ name: String) -> String { TestData.vocabDirectory + "/ggml-vocab-\(name).gguf" }
    static let names = ["llama-spm", "phi-3", "llama-bpe", "gpt-2", "qwen2"]

    /// With its keys, every vocabulary reports exactly the ids the keys give.
    @Test(arguments: names) func namedIdsAreReported(_ name: String) throws {
        let md = try GGUFFile(path: Self.vocab(name)).metadata
        let t = try Tokenizer(metadata: md)
        #expect(t.bos.map(Int64.init) == md["tokenizer.ggml.bos_token_id"]?.integer)
        #expect(t.eos.map(Int64.init) == md["tokenizer.ggml.eos_token_id"]?.integer)
    }

    /// The case: Qwen2's vocabulary without tokenizer.ggml.bos_token_id. llama.cpp
    /// would report 11 (","); the header's definition is "-1 when there is none". Also
    /// without the EOS key (then "," must not end generation), and with add_bos_token
    /// forced on: ADD_SPECIAL adds nothing that is not there.
    @Test(arguments: names) func missingKeysMeanNone(_ name: String) throws {
        var md = try GGUFFile(path: Self.vocab(name)).metadata
        let text = "Hello, world"
        let plain = try Tokenizer(metadata: md).tokenize(text, addSpecial: false)
        md["tokenizer.ggml.bos_token_id"] = nil
        md["tokenizer.ggml.eos_token_id"] = nil
        md["tokenizer.ggml.add_bos_token"] = .bool(true)
        md["tokenizer.ggml.add_eos_token"] = .bool(true)
        let t = try Tokenizer(metadata: md)
        #expect(t.bos == nil && t.eos == nil)
        #expect(try t.tokenize(text, addSpecial: true) == plain)
        let comma = try t.tokenize(",", addSpecial: false)
        #expect(comma.count == 1 && !t.isEndOfGeneration(comma[0]))
        // EOT is still found by its text where the vocabulary has one (<|im_end|> …),
        // and it is that token.
        if let eot = t.eot {
            #expect(SpecialTokenNames.endOfTurn.contains(String(decoding: t.tokenText(eot)!, as: UTF8.self)))
        }
    }

    /// llama.cpp's llama_detokenize (Tests/Fixtures/detokenize.json,
    /// scripts/ref/make_detokenize_refs.py) is the default; cleanSpaces: false gives back
    /// the text; cleanSpaces: true is the clean-up whatever the vocabulary.
    @Test func detokenizeCleanUpIsAFlag() throws {
        let ref = try JSON.parse(file: TestPaths.fixtures + "/detokenize.json")
        var checked = 0
        for name in ["gpt-2", "llama-bpe", "qwen2"] {
            let t = try TestData.tokenizer(Self.vocab(name))
            let clean = try Tokenizer(gguf: GGUFFile(path: Self.vocab("gpt-2")))
            for c in ref["vocabs"][name].array {
                let text = c["text"].string!
                let ids = try t.tokenize(text, addSpecial: false, parseSpecial: false)
                #expect(ids == c["ids"].ints.map { Int32($0) })
                let llamaCpp = Array(c["llama_detokenize"].string!.utf8)
                #expect(try t.detokenize(ids) == llamaCpp, "\(name): \(text)")
                #expect(try t.detokenize(ids, cleanSpaces: false) == Array(text.utf8), "\(name): \(text)")
                // Forced on: what a clean-up vocabulary (GPT-2) gives for the same text.
                let gptIds = try clean.tokenize(text, addSpecial: false, parseSpecial: false)
                #expect(try t.detokenize(ids, cleanSpaces: true) == (try clean.detokenize(gptIds)), "\(name): \(text)")
                checked += 1
            }
        }
        #expect(checked == 21)
        #expect(try TestData.tokenizer(Self.vocab("gpt-2")).cleansSpaces)
        #expect(!(try TestData.tokenizer(Self.vocab("qwen2")).cleansSpaces))
    }

    /// The header's promise: for valid UTF-8 text tokenized without special handling,
    /// detokenize with cleanSpaces false gives the text back — on llama.cpp's test inputs
    /// for every test vocabulary.
    @Test(arguments: names) func roundTripWithoutCleanUp(_ name: String) throws {
        let t = try TestData.tokenizer(Self.vocab(name))
        var checked = 0
        for c in try TokenizerVectorTests.cases(name) where !c.text.isEmpty {
            let ids = try c.text.withUnsafeBytes { try t.tokenize($0, addSpecial: false, parseSpecial: false) }
            // Byte-level vocabularies read invalid UTF-8 as U+FFFD: only valid text round-trips.
            guard String(validating: c.text, as: UTF8.self) != nil else { continue }
            #expect(
                try t.detokenize(ids, cleanSpaces: false) == c.text,
                "\(name): \(String(decoding: c.text, as: UTF8.self).debugDescription)")
            checked += 1
        }
        #expect(checked > 30)
    }
}
