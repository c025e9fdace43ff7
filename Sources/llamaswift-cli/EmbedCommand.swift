import ArgumentParser
import LlamaSwiftEngine

/// `embed`: the text's embedding as JSON (llama.cpp's llama-embedding, one prompt).
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a text's embedding as JSON (the final hidden state after the model's final norm).",
        discussion: """
            The text is tokenized as llama-embedding does (BOS/EOS as the model asks, control tokens \
            matched) and evaluated in one call. With a pooling (mean, cls, last) the output is one JSON \
            array of n_embd numbers; with none, an array of one such array per token. The default \
            pooling is the model's (<arch>.pooling_type), else none, as in llama.cpp.
            """)

    @OptionGroup var modelFlags: ModelFlags
    @Option(name: [.customShort("p"), .long], help: ArgumentHelp("The text.", valueName: "text"))
    var prompt: String?
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("Read the text from a file.", valueName: "file"))
    var file: String?
    @Option(
        name: .customLong("pooling"),
        help: ArgumentHelp("How token vectors become one: none, mean, cls (first token) or last.", valueName: "type"))
    var pooling: String?
    @Option(
        name: .customLong("embd-normalize"), parsing: .unconditional,
        help: ArgumentHelp(
            "Normalisation (llama.cpp's): -1 none, 0 max absolute int16, 1 taxicab, 2 euclidean (default), >2 p-norm.",
            valueName: "n"))
    var normalize = 2
    @OptionGroup var context: ContextFlags

    func validate() throws {
        guard (prompt == nil) != (file == nil) else {
            throw ValidationError("give the text as -p TEXT or -f FILE (one of them)")
        }
        try inRange("--embd-normalize", normalize, -1...(1 << 16))
        if let pooling, !Pooling.allCases.contains(where: { $0.name == pooling }) {
            throw ValidationError("--pooling '\(pooling)': use none, mean, cls or last")
        }
    }

    func run() throws {
        var o = Options()
        modelFlags.apply(&o)
        context.apply(&o)
        o.prompt = prompt
        o.file = file
        try reportingErrors { try embedCommand(o, pooling: pooling, normalize: normalize) }
    }
}

func embedCommand(_ o: Options, pooling name: String?, normalize: Int) throws {
    let model = try loadModel(o)
    guard let text = try o.prompt ?? o.file.map({ String(decoding: try readFile($0), as: UTF8.self) }) else {
        throw CLIError("-p PROMPT or -f FILE is required")
    }
    let tokens = try model.tokenizer.tokenize(text, addSpecial: true, parseSpecial: true)
    guard !tokens.isEmpty else { throw CLIError("the text has no tokens") }
    let pooling = Pooling.allCases.first { $0.name == name } ?? model.config?.poolingType ?? Pooling.none
    var so = o.sessionOptions
    so.embeddings = EmbeddingOptions(pooling: pooling, normalize: normalize)
    if so.contextLength == 0 { so.contextLength = max(tokens.count, min(model.config?.contextLength ?? 0, 4096)) }
    let session = try Session(model: model, options: so)
    try session.decode(tokens)
    guard let e = session.currentEmbeddings else { throw CLIError("no embeddings were computed") }
    let width = e.rows > 0 ? (model.config?.embeddingLength ?? 0) : 0
    func row(_ r: Int) -> String {
        "[" + (0..<width).map { "\(e.pointer[r * width + $0])" }.joined(separator: ",") + "]"
    }
    let json = pooling == .none ? "[" + (0..<e.rows).map(row).joined(separator: ",\n") + "]" : row(0)
    writeOut(Array((json + "\n").utf8))
    err("\(tokens.count) tokens, pooling \(pooling.name), embd_normalize \(normalize), n_embd \(width)\n")
}
