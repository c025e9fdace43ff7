// Streams a greedy chat answer from a GGUF model with the LlamaSwift API.
//
//   swift run chat MODEL.gguf ["question"] [--turns N]
//
// The answer is printed piece by piece as it is generated; the figures go to stderr.
// With --turns 2 the program asks a follow-up question in the same session (the second
// turn evaluates only the new messages: the session keeps the conversation).
import LlamaSwift

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes straight to a file descriptor: each piece appears as soon as it is generated,
/// and no C `FILE *` global is touched (Swift 6 mode refuses stdout/stderr as shared state).
func write(_ text: String, to fd: Int32) {
    var text = text
    text.withUTF8 { b in
        var at = 0
        while at < b.count {
            let n = write(fd, b.baseAddress! + at, b.count - at)
            if n <= 0 { return }
            at += n
        }
    }
}

func fail(_ message: String) -> Never {
    write("chat: \(message)\n", to: 2)
    exit(1)
}

var args = Array(CommandLine.arguments.dropFirst())
var turns = 1
if let i = args.firstIndex(of: "--turns") {
    guard i + 1 < args.count, let n = Int(args[i + 1]), n >= 1 else { fail("--turns needs a number ≥ 1") }
    turns = n
    args.removeSubrange(i...i + 1)
}
guard let path = args.first else { fail("usage: chat MODEL.gguf [\"question\"] [--turns N]") }
let question = args.count > 1 ? args[1] : "What is the capital of France?"

do {
    let model = try Model(path: path)
    let session = try Session(model: model, params: SessionParams(contextLength: 2048))
    var messages: [ChatMessage] = [.user(question)]
    for turn in 1...turns {
        if turn > 1 {
            messages.append(.user("And what is it famous for? Answer in one sentence."))
            write("> \(messages.last!.content)\n", to: 1)
        }
        var answer = ""
        for try await piece in session.chat(messages: messages, sampler: .greedy, params: GenerateParams(maxTokens: 96)) {
            answer += piece
            write(piece, to: 1)
        }
        write("\n", to: 1)
        messages.append(.assistant(answer))
        if let s = session.lastStats {
            write(
                "[\(model.architecture); prompt \(s.promptTokens) tokens (\(s.promptTokensEvaluated) evaluated), "
                    + "\(s.generatedTokens) generated, \(String(format2: s.tokensPerSecond)) tokens/s, "
                    + "stop: \(s.stopReason)]\n", to: 2)
        }
    }
} catch let e as LlamaSwiftError {
    fail(e.description)
}

extension String {
    /// `x` with one decimal (no Foundation needed).
    init(format2 x: Double) {
        let tenths = Int((x * 10).rounded())
        self = "\(tenths / 10).\(tenths % 10)"
    }
}
