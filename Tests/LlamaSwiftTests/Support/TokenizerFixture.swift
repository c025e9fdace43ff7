import Testing

@testable import LlamaSwiftEngine

/// Checks a tokenizer against a llama.cpp tokenization fixture (the `cases` and `pieces`
/// of smollm2-tokenize.json, gemma3-tokenize.json; format in Tests/Fixtures/README.md).
enum TokenizerFixture {
    /// Every case's ids equal llama.cpp's. With `roundTrip`, the ids of a case tokenized
    /// without special parsing also detokenize to the text (vocabularies without space
    /// clean-up).
    static func expectIdsMatch(
        _ t: Tokenizer, _ fixture: JSONValue, roundTrip: Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let cases = try #require(fixture["cases"]?.array)
        #expect(cases.count > 100, sourceLocation: sourceLocation)
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
                Issue.record(
                    "'\(text)' special=\(addSpecial)/\(parseSpecial): got \(ids), expected \(expected)",
                    sourceLocation: sourceLocation)
            }
            if roundTrip && !parseSpecial {
                #expect(
                    try t.detokenize(ids) == Array(text.utf8), "round trip of '\(text)'", sourceLocation: sourceLocation
                )
            }
        }
        #expect(passed == cases.count, "\(passed)/\(cases.count)", sourceLocation: sourceLocation)
    }

    /// Every listed token's piece, with and without special tokens rendered, equals llama.cpp's.
    static func expectPiecesMatch(
        _ t: Tokenizer, _ fixture: JSONValue,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        for p in try #require(fixture["pieces"]?.array) {
            let id = Int32(try #require(p["id"]?.int))
            let hex = try #require(p["hex"]?.string)
            let hexNoSpecial = try #require(p["hex_nospecial"]?.string)
            #expect(t.piece(for: id) == hexBytes(hex), "piece \(id)", sourceLocation: sourceLocation)
            #expect(
                t.piece(for: id, renderSpecial: false) == hexBytes(hexNoSpecial), "piece \(id) (no special)",
                sourceLocation: sourceLocation)
        }
    }

    static func hexBytes(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i + 1 < u.count {
            out.append(UInt8(String(decoding: u[i..<i + 2], as: UTF8.self), radix: 16) ?? 0)
            i += 2
        }
        return out
    }
}
