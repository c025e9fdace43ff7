import ArgumentParser
import LlamaSwiftEngine

#if canImport(Glibc)
    import Glibc
#endif

/// `--grammar`, `--grammar-file`, `-j/--json-schema` (llama.cpp's flags) for run and chat.
struct GrammarFlags: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Constrain the output to a GBNF grammar (llama.cpp's format; rule 'root').", valueName: "gbnf"))
    var grammar: String?

    @Option(
        name: .customLong("grammar-file"), help: ArgumentHelp("Read the GBNF grammar from a file.", valueName: "file"))
    var grammarFile: String?

    @Option(
        name: [.customShort("j"), .customLong("json-schema")],
        help: ArgumentHelp(
            "Constrain the output to JSON valid against this JSON Schema ('{}': any JSON value).", valueName: "schema"))
    var jsonSchema: String?

    func validate() throws {
        let given = [grammar != nil, grammarFile != nil, jsonSchema != nil].filter { $0 }.count
        guard given <= 1 else {
            throw ValidationError("give at most one of --grammar, --grammar-file and -j/--json-schema")
        }
    }

    func apply(_ o: inout Options) throws {
        if let g = grammar { o.grammar = Array(g.utf8) }
        if let f = grammarFile { o.grammar = try readFile(f) }
        if let j = jsonSchema { o.grammar = Array(try JSONSchemaToGrammar.convert(Array(j.utf8)).utf8) }
    }
}

/// Puts the command's grammar (if any) on the sampler.
func attachGrammar(_ o: Options, _ sampler: Sampler, _ model: Model) throws {
    guard let g = o.grammar else { return }
    try sampler.setGrammar(try GrammarConstraint(grammar: try Grammar(gbnf: g), tokenizer: model.tokenizer))
}

struct JSONSchemaToGrammarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json-schema-to-grammar",
        abstract: "Print the GBNF grammar for a JSON Schema (what -j/--json-schema uses).")

    @Argument(help: ArgumentHelp("The schema (JSON text); '-' or none: read standard input.", valueName: "schema"))
    var schema: String?

    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("Read the schema from a file.", valueName: "file"))
    var file: String?

    func run() throws {
        try reportingErrors {
            let text: [UInt8]
            if let file {
                text = try readFile(file)
            } else if let schema, schema != "-" {
                text = Array(schema.utf8)
            } else {
                var all: [UInt8] = []
                while let line = readLine(strippingNewline: false) { all += Array(line.utf8) }
                text = all
            }
            writeOut(Array(try JSONSchemaToGrammar.convert(text).utf8))
        }
    }
}

/// The grammar mask's cost per token on a vocabulary (docs/grammars.md has the figures).
struct GrammarBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grammar-bench",
        abstract: "Time the grammar's token mask per token over a text the grammar accepts.",
        discussion: """
            Tokenizes the text with the model's vocabulary (-m may be a vocabulary-only GGUF), then for \
            each token computes the mask of allowed tokens and accepts the token. Pass 1 starts from a \
            fresh binding (cold caches, as a generation's first tokens); pass 2 repeats the text on the same \
            binding (warm); pass 3 disables the per-state mask cache (a full trie walk every token, with \
            the transitions cached). Prints microseconds per token.
            """)

    @OptionGroup var modelFlags: ModelFlags
    @Option(
        name: .customLong("grammar-file"),
        help: ArgumentHelp("GBNF grammar (default: any JSON value).", valueName: "file"))
    var grammarFile: String?
    @Option(
        name: [.customShort("f"), .long],
        help: ArgumentHelp("The text to walk (must be in the grammar).", valueName: "file"))
    var file: String

    func run() throws {
        try reportingErrors {
            var o = Options()
            modelFlags.apply(&o)
            let model = try loadModel(o, vocabOnly: true)
            let gbnf = try grammarFile.map { try readFile($0) } ?? Array(JSONSchemaToGrammar.anyValueGrammar.utf8)
            let text = try readFile(file)
            let tokens = try model.tokenizer.tokenize(String(decoding: text, as: UTF8.self))
            var t0 = monotonicSeconds()
            let g = try GrammarConstraint(grammar: try Grammar(gbnf: gbnf), tokenizer: model.tokenizer)
            let build = monotonicSeconds() - t0
            func pass(cache: Bool) throws -> (Double, Double) {
                g.reset()
                g.maskCacheEnabled = cache
                var total = 0.0, worst = 0.0
                for t in tokens {
                    let s = monotonicSeconds()
                    let m = try g.allowedTokens()
                    let dt = monotonicSeconds() - s
                    total += dt
                    worst = max(worst, dt)
                    guard m[Int(t) >> 6] & (1 << UInt64(t & 63)) != 0 else {
                        throw CLIError("the text leaves the grammar at token \(t)")
                    }
                    try g.accept(t)
                }
                return (total / Double(tokens.count) * 1e6, worst * 1e6)
            }
            let p1 = try pass(cache: true)
            let p2 = try pass(cache: true)
            let p3 = try pass(cache: false)
            t0 = monotonicSeconds()
            writeOut(
                Array(
                    """
                    vocabulary \(model.tokenizer.vocabularySize) tokens (trie of \(g.trieNodeCount) nodes), \(tokens.count) tokens of text, binding built in \(fmt(build * 1000, 1)) ms
                    pass 1 (cold): \(fmt(p1.0, 1)) µs/token (worst \(fmt(p1.1, 0)) µs)
                    pass 2 (warm): \(fmt(p2.0, 1)) µs/token (worst \(fmt(p2.1, 0)) µs)
                    pass 3 (no mask cache): \(fmt(p3.0, 1)) µs/token (worst \(fmt(p3.1, 0)) µs)

                    """.utf8))
        }
    }
}
