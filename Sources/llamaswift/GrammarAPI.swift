import CLlamaSwift
import LlamaSwiftEngine

/// The largest grammar or schema text accepted (16 MiB).
private let maxGrammarText = 16 << 20

private func textArgument(_ p: UnsafePointer<CChar>?, _ len: Int, _ name: String) throws -> [UInt8] {
    let n = try sizeArgument(len, "len")
    guard n <= maxGrammarText else { throw LlamaError(.invalidArgument, "\(name) of \(n) bytes is over 16 MiB") }
    guard let p else { throw LlamaError(.invalidArgument, "\(name) must not be NULL") }
    return Array(UnsafeRawBufferPointer(start: p, count: n))
}

private func bind(_ sampler: Sampler, _ m: OpaquePointer?, gbnf: [UInt8], root: String) throws {
    let model = try modelFrom(m)
    let grammar = try Grammar(gbnf: gbnf, root: root)
    try sampler.setGrammar(try GrammarConstraint(grammar: grammar, tokenizer: model.tokenizer))
}

@c @implementation
public func llamaswift_sampler_set_grammar(
    _ smp: OpaquePointer!, _ m: OpaquePointer!, _ gbnf: UnsafePointer<CChar>!, _ len: Int,
    _ rootRule: UnsafePointer<CChar>!
) -> llamaswift_status {
    guarded {
        let sampler = try samplerFrom(smp)
        guard gbnf != nil else {
            try sampler.setGrammar(nil)
            return
        }
        let text = try textArgument(gbnf, len, "gbnf")
        let root = rootRule.map { String(cString: $0) } ?? "root"
        try bind(sampler, m, gbnf: text, root: root)
    }
}

@c @implementation
public func llamaswift_sampler_set_json_schema(
    _ smp: OpaquePointer!, _ m: OpaquePointer!, _ schema: UnsafePointer<CChar>!, _ len: Int
) -> llamaswift_status {
    guarded {
        let sampler = try samplerFrom(smp)
        guard schema != nil else {
            try sampler.setGrammar(nil)
            return
        }
        let gbnf = try JSONSchemaToGrammar.convert(try textArgument(schema, len, "schema"))
        try bind(sampler, m, gbnf: Array(gbnf.utf8), root: "root")
    }
}

@c @implementation
public func llamaswift_sampler_grammar_accept(_ smp: OpaquePointer!, _ token: Int32) -> llamaswift_status {
    guarded { try samplerFrom(smp).acceptGrammar(token) }
}

@c @implementation
public func llamaswift_json_schema_to_grammar(
    _ schema: UnsafePointer<CChar>!, _ schemaLen: Int, _ buf: UnsafeMutablePointer<CChar>!, _ cap: Int,
    _ len: UnsafeMutablePointer<Int>!
) -> llamaswift_status {
    guarded {
        _ = try required(len, "len")
        _ = try sizeArgument(cap, "cap")
        let gbnf = try JSONSchemaToGrammar.convert(try textArgument(schema, schemaLen, "schema"))
        try copyOut(Array(gbnf.utf8), buf, cap, len)
    }
}
