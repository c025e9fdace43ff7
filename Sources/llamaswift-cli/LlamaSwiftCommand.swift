import ArgumentParser
import LlamaSwiftEngine

#if canImport(Glibc)
    import Glibc
#endif

/// The `llamaswift` program: subcommands with llama.cpp's flag spellings, parsed by
/// swift-argument-parser (an unknown flag or a missing value is an error with usage,
/// exit status 64; `--help` per command; `--version`).
@main
struct LlamaSwiftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llamaswift",
        abstract:
            "Run LLaMA-family GGUF models and Hugging Face checkpoint folders on the CPU (flags spelled as llama.cpp spells them).",
        version: cliVersion,
        subcommands: [
            Run.self, Chat.self, Info.self, Tokenize.self, Perplexity.self, Bench.self, BenchTokenize.self, Embed.self,
            Convert.self, JSONSchemaToGrammarCommand.self, GrammarBench.self,
        ])
}

/// The version of the engine the program is built with (the header's LLAMASWIFT_VERSION_STRING;
/// Tests/cli checks that they agree).
let cliVersion = "0.6.0"

// MARK: - Flag groups

struct ModelFlags: ParsableArguments {
    @Option(
        name: [.customShort("m"), .long],
        help: ArgumentHelp("GGUF model file, or a Hugging Face checkpoint folder.", valueName: "file"))
    var model: String

    @Flag(help: "Lock the weights in memory (mlock), so they are never paged out.")
    var mlock = false

    func apply(_ o: inout Options) {
        o.model = model
        o.mlock = mlock
    }
}

struct ContextFlags: ParsableArguments {
    @Option(
        name: [.customShort("c"), .customLong("ctx-size")], parsing: .unconditional,
        help: ArgumentHelp("Context length in tokens (0: the model's, at most 4096).", valueName: "n"))
    var ctx = 0

    @Option(
        name: [.customShort("t"), .long], parsing: .unconditional,
        help: ArgumentHelp("Worker threads (0: the CPUs, at most 8).", valueName: "n"))
    var threads = 0

    @Option(
        name: [.customShort("b"), .customLong("batch-size")], parsing: .unconditional,
        help: ArgumentHelp("Tokens evaluated per forward chunk (0: 512).", valueName: "n"))
    var batch = 0

    @Option(
        name: [.customLong("ctk", withSingleDash: true), .customLong("cache-type-k")], parsing: .unconditional,
        help: ArgumentHelp("K cache type: f32, f16 (default) or q8_0 (llama.cpp's names).", valueName: "type"))
    var cacheTypeK: String?

    @Option(
        name: [.customLong("ctv", withSingleDash: true), .customLong("cache-type-v")], parsing: .unconditional,
        help: ArgumentHelp("V cache type: f32, f16 or q8_0 (default: the K cache's).", valueName: "type"))
    var cacheTypeV: String?

    func validate() throws {
        try inRange("-c", ctx, 0...(1 << 20))
        try inRange("-t", threads, 0...512)
        try inRange("-b", batch, 0...(1 << 16))
        for (flag, v) in [("-ctk", cacheTypeK), ("-ctv", cacheTypeV)] {
            if let v, KVCacheType(name: v) == nil {
                throw ValidationError("\(flag) \(v): the cache types are f32, f16 and q8_0")
            }
        }
    }

    func apply(_ o: inout Options) {
        o.ctx = ctx
        o.threads = threads
        o.batch = batch
        o.cacheTypeK = cacheTypeK.flatMap(KVCacheType.init(name:))
        o.cacheTypeV = cacheTypeV.flatMap(KVCacheType.init(name:))
    }
}

struct SamplingFlags: ParsableArguments {
    @Option(
        name: [.customShort("n"), .customLong("n-predict")], parsing: .unconditional,
        help: ArgumentHelp("Tokens to generate at most (-1: until the end or a full context).", valueName: "n"))
    var nPredict = 256

    @Option(
        name: [.customShort("s"), .long], parsing: .unconditional,
        help: ArgumentHelp("Random seed (-1: from the clock).", valueName: "n"))
    var seed: Int64 = -1

    @Option(name: .customLong("temp"), parsing: .unconditional, help: "Temperature (0: greedy).")
    var temp: Float = 0.8

    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "Top-k (≤ 0: off).")
    var topK = 40

    @Option(name: .customLong("top-p"), parsing: .unconditional, help: "Top-p (≥ 1: off).")
    var topP: Float = 0.95

    @Option(name: .customLong("min-p"), parsing: .unconditional, help: "Min-p (≤ 0: off).")
    var minP: Float = 0.05

    @Option(name: .customLong("repeat-penalty"), parsing: .unconditional, help: "Repetition penalty (1: off).")
    var repeatPenalty: Float = 1.0

    func validate() throws {
        try inRange("-n", nPredict, -1...Int(Int32.max))
        guard seed >= -1 else { throw ValidationError("-s/--seed \(seed): use a seed ≥ 0, or -1 for a random one") }
        try inRange("--top-k", topK, Int(Int32.min)...Int(Int32.max))
        guard temp.isFinite, temp >= 0 else { throw ValidationError("--temp \(temp) must be a finite number ≥ 0") }
        for (flag, v) in [("--top-p", topP), ("--min-p", minP)] where !v.isFinite {
            throw ValidationError("\(flag) \(v) must be a finite number")
        }
        guard repeatPenalty.isFinite, repeatPenalty > 0 else {
            throw ValidationError("--repeat-penalty \(repeatPenalty) must be a finite number > 0")
        }
    }

    func apply(_ o: inout Options) {
        o.nPredict = nPredict
        o.seed = UInt64(bitPattern: seed)
        o.temp = temp
        o.topK = topK
        o.topP = topP
        o.minP = minP
        o.repeatPenalty = repeatPenalty
    }
}

struct ChatFlags: ParsableArguments {
    @Option(
        name: [.customLong("sys", withSingleDash: true), .customLong("system-prompt")],
        help: ArgumentHelp("A system message before the conversation.", valueName: "text"))
    var system: String?

    @Option(
        name: .customLong("chat-template"),
        help: ArgumentHelp("A built-in chat template name (default: the model's).", valueName: "name"))
    var template: String?

    func apply(_ o: inout Options) {
        o.system = system
        o.template = template
    }
}

struct ContextShiftFlags: ParsableArguments {
    @Option(
        name: .customLong("keep"), parsing: .unconditional,
        help: ArgumentHelp(
            "Tokens a context shift keeps at the start (-1: chat keeps its first prompt, at most half the context; run keeps the first 4).",
            valueName: "n"))
    var keep = -1

    @Flag(
        name: .customLong("no-context-shift"),
        help: "A full context ends the answer instead of dropping the older half of the conversation.")
    var noContextShift = false

    func validate() throws { try inRange("--keep", keep, -1...(1 << 20)) }

    func apply(_ o: inout Options) {
        o.keep = keep
        o.contextShift = !noContextShift
    }
}

func inRange(_ flag: String, _ v: Int, _ range: ClosedRange<Int>) throws {
    guard range.contains(v) else {
        throw ValidationError("\(flag) \(v) is out of range (\(range.lowerBound) … \(range.upperBound))")
    }
}

/// Runs a command's body: engine and program errors become "llamaswift: message" on
/// stderr and exit status 1 (usage errors, from the parser, exit with 64).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as LlamaError {
        fputs("llamaswift: \(e.message)\n", stderr)
        throw ExitCode(1)
    } catch let e as CLIError {
        fputs("llamaswift: \(e.message)\n", stderr)
        throw ExitCode(1)
    }
}

// MARK: - Commands

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer a prompt, streamed to stdout (the model's chat template; --raw for none).")

    @OptionGroup var modelFlags: ModelFlags
    @Option(name: [.customShort("p"), .long], help: ArgumentHelp("The prompt.", valueName: "text"))
    var prompt: String?
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("Read the prompt from a file.", valueName: "file"))
    var file: String?
    @Flag(help: "Send the prompt as it is, without a chat template.")
    var raw = false
    @OptionGroup var chatFlags: ChatFlags
    @OptionGroup var sampling: SamplingFlags
    @OptionGroup var context: ContextFlags
    @OptionGroup var contextShift: ContextShiftFlags
    @OptionGroup var grammarFlags: GrammarFlags
    @OptionGroup var tokenControl: TokenControlFlags

    func validate() throws {
        guard (prompt == nil) != (file == nil) else {
            throw ValidationError("give the prompt as -p TEXT or -f FILE (one of them)")
        }
    }

    func run() throws {
        var o = Options()
        modelFlags.apply(&o)
        chatFlags.apply(&o)
        sampling.apply(&o)
        context.apply(&o)
        contextShift.apply(&o)
        try tokenControl.apply(&o)
        o.prompt = prompt
        o.file = file
        o.raw = raw
        try reportingErrors {
            try grammarFlags.apply(&o)
            try runCommand(o)
        }
    }
}

struct Chat: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Interactive multi-turn chat.",
        discussion: """
            Each turn re-evaluates only the new text. Ctrl-C during an answer stops the answer and keeps \
            the chat; Ctrl-C at the prompt, or Ctrl-D (end of input), quits. On a terminal, lines are \
            edited with libedit (history with the arrow keys) when libedit.so.2 is installed.
            """)

    @OptionGroup var modelFlags: ModelFlags
    @OptionGroup var chatFlags: ChatFlags
    @OptionGroup var sampling: SamplingFlags
    @OptionGroup var context: ContextFlags
    @OptionGroup var contextShift: ContextShiftFlags
    @OptionGroup var grammarFlags: GrammarFlags
    @OptionGroup var logitBias: LogitBiasFlags

    func run() throws {
        var o = Options()
        modelFlags.apply(&o)
        chatFlags.apply(&o)
        sampling.apply(&o)
        context.apply(&o)
        contextShift.apply(&o)
        try logitBias.apply(&o)
        try reportingErrors {
            try grammarFlags.apply(&o)
            try chatCommand(o)
        }
    }
}

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the model's configuration.")

    @OptionGroup var modelFlags: ModelFlags

    func run() throws {
        var o = Options()
        modelFlags.apply(&o)
        try reportingErrors { try infoCommand(o) }
    }
}

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the token ids and pieces of a text.")

    @OptionGroup var modelFlags: ModelFlags
    @Option(name: [.customShort("p"), .long], help: ArgumentHelp("The text.", valueName: "text"))
    var prompt: String?
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("Read the text from a file.", valueName: "file"))
    var file: String?
    @Flag(help: "Match control tokens such as <|im_start|> in the text.")
    var parseSpecial = false

    func validate() throws {
        guard (prompt == nil) != (file == nil) else {
            throw ValidationError("give the text as -p TEXT or -f FILE (one of them)")
        }
    }

    func run() throws {
        var o = Options()
        modelFlags.apply(&o)
        o.prompt = prompt
        o.file = file
        o.parseSpecial = parseSpecial
        try reportingErrors { try tokenizeCommand(o) }
    }
}

struct Perplexity: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Perplexity of a text file over chunks of -c tokens (llama-perplexity's scoring).")

    @OptionGroup var modelFlags: ModelFlags
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("The text file.", valueName: "file"))
    var file: String
    @OptionGroup var context: ContextFlags

    func run() throws {
        var o = Options()
        modelFlags.apply(&o)
        context.apply(&o)
        o.file = file
        try reportingErrors { try perplexityCommand(o) }
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prompt processing and generation speed in tokens per second (as llama-bench).")

    @OptionGroup var modelFlags: ModelFlags
    @Option(
        name: [.customLong("pp"), .customLong("npp", withSingleDash: true)], parsing: .unconditional,
        help: "Prompt tokens per repetition (per sequence with -npl).")
    var pp = 512
    @Option(
        name: [.customLong("tg"), .customLong("ntg", withSingleDash: true)], parsing: .unconditional,
        help: "Generated tokens per repetition (per sequence with -npl).")
    var tg = 128
    @Option(
        name: [.customShort("d"), .customLong("n-depth")], parsing: .unconditional,
        help: "Tokens already in the cache when each test starts (llama-bench's -d): pp and tg measured at that depth.")
    var depth = 0
    @Option(
        name: [.customLong("npl", withSingleDash: true), .customLong("npl")],
        help: ArgumentHelp(
            "Batched mode (llama-batched-bench's table): N sequences decoded together, for each N of a comma-separated list (1 … 256 each).",
            valueName: "n,n,…"))
    var npl: String?
    @Option(
        name: [.customShort("r"), .long], parsing: .unconditional, help: "Repetitions (after one untimed warm-up).")
    var repetitions = 5
    @OptionGroup var context: ContextFlags

    func validate() throws {
        try inRange("--pp", pp, 1...(1 << 20))
        try inRange("--tg", tg, 1...(1 << 20))
        try inRange("-d", depth, 0...(1 << 20))
        if depth > 0, npl != nil { throw ValidationError("-d is not supported with -npl") }
        try inRange("-r", repetitions, 1...1000)
        _ = try parallelCounts()
    }

    /// -npl's counts (empty without -npl).
    func parallelCounts() throws -> [Int] {
        guard let npl else { return [] }
        return try npl.split(separator: ",", omittingEmptySubsequences: false).map {
            guard let n = Int($0), (1...256).contains(n) else {
                throw ValidationError("-npl: '\($0)' is not a count of 1 … 256")
            }
            return n
        }
    }

    func run() throws {
        var o = Options()
        modelFlags.apply(&o)
        context.apply(&o)
        o.pp = pp
        o.tg = tg
        o.depth = depth
        o.reps = repetitions
        o.parallel = try parallelCounts()
        try reportingErrors { try benchCommand(o) }
    }
}

struct BenchTokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-tokenize", abstract: "Tokenizer throughput on a file (MB/s, one thread).")

    @OptionGroup var modelFlags: ModelFlags
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("The text file.", valueName: "file"))
    var file: String
    @Option(name: [.customShort("r"), .long], parsing: .unconditional, help: "Repetitions.")
    var repetitions = 5

    func validate() throws { try inRange("-r", repetitions, 1...1000) }

    func run() throws {
        var o = Options()
        modelFlags.apply(&o)
        o.file = file
        o.reps = repetitions
        try reportingErrors { try benchTokenizeCommand(o) }
    }
}
