import LlamaSwiftEngine
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `chat`: interactive multi-turn chat; each turn re-evaluates only the new text.
///
/// Each turn feeds only what the rendered conversation adds to the text the session
/// holds (generate's append mode), so a context shift — which drops old tokens from the
/// session, keeping the first `--keep` (default: the first turn's prompt, at most half
/// the context) — never forces a re-evaluation and a long chat goes on past n_ctx
/// (`--no-context-shift`: a full context ends the answer, as before).
///
/// Ctrl-C: SIGINT is blocked in every thread and taken by one thread with `sigwait`
/// (ChatInterrupts), so no code runs in a signal handler. During an answer the first
/// Ctrl-C cancels the session's call (Session.cancel — what llamaswift_session_cancel
/// does); the partial answer stays in the conversation and the chat goes on. A second
/// Ctrl-C during the same answer, or one at the prompt, quits (status 130), as does
/// Ctrl-D (end of input, status 0).
func chatCommand(_ o: Options) throws {
    let model = try loadModel(o)
    // Blocked before the session starts its worker threads, which inherit the mask.
    let interrupts = ChatInterrupts()
    let session = try Session(model: model, options: o.sessionOptions)
    let sampler = try Sampler(options: o.samplerOptions)
    try attachGrammar(o, sampler, model)
    try setLogitBias(o.logitBias, sampler, vocabulary: session.vocabularySize)
    try interrupts.start(session: session)
    let input = LineReader()
    var msgs: [ChatMessage] = []
    if let s = o.system { msgs.append(ChatMessage(role: "system", content: s)) }
    err(
        "chat with \(try o.requireModel()) (context \(session.contextLength) tokens); "
            + "Ctrl-C stops an answer, Ctrl-D quits\(input.editing ? "; line editing with libedit" : "")\n")
    // The conversation text the session holds (prompts fed and answers generated); empty
    // when the next turn must render the whole conversation again.
    var held = ""
    // Tokens of the first turn's prompt (the system message and the first question): a
    // context shift keeps them unless --keep says otherwise.
    var firstPromptTokens = 0
    while true {
        guard let line = input.read(prompt: "> ") else { break }
        if line.isEmpty { continue }
        msgs.append(ChatMessage(role: "user", content: line))
        let text = try ChatTemplate.render(
            name: o.template, modelTemplate: model.chatTemplate, messages: msgs, addAssistant: true)
        var go = GenerateOptions()
        go.maxTokens = o.nPredict
        go.contextShift = o.contextShift
        go.keep = o.keep >= 0 ? o.keep : min(firstPromptTokens, session.contextLength / 2)
        var prompt = text
        if !held.isEmpty, text.hasPrefix(held) {
            prompt = String(text.dropFirst(held.count))
            go.append = true
            go.addSpecial = false
        } else {
            held = ""
        }
        var result = GenerateResult()
        var answer: [UInt8] = []
        let bytes = Array(prompt.utf8)
        interrupts.beginAnswer()
        do {
            try bytes.withUnsafeBytes { p in
                try Generator.generate(session: session, sampler: sampler, prompt: p, options: go, result: &result) {
                    answer += $0
                    writeOut($0)
                    return true
                }
            }
        } catch let e as LlamaError where e.kind == .cancelled {
            result.stopReason = .cancelled
        } catch let e as LlamaError where e.kind == .contextFull {
            interrupts.endAnswer()
            msgs.removeLast()
            err(
                "llamaswift: the conversation no longer fits in the context (\(e.message)); this message was "
                    + "dropped. Start a new chat (Ctrl-D), with a larger -c (the model was trained on "
                    + "\(model.config?.contextLength ?? 0) tokens), to go on.\n")
            continue
        }
        interrupts.endAnswer()
        print("")
        fflush(stdout)
        if result.stopReason == .cancelled {
            err("[answer stopped by Ctrl-C; the chat goes on — Ctrl-C at the prompt or Ctrl-D quits]\n")
        }
        report(result, threads: session.threadCount)
        if result.contextShifts > 0 { err("context shifted \(result.contextShifts) time(s)\n") }
        if result.stopReason == .contextFull {
            err(
                "llamaswift: the context is full (\(session.contextLength) tokens, -c): the answer stopped there. "
                    + "Another message will not fit: start a new chat (Ctrl-D) with a larger -c.\n")
        }
        let reply = String(decoding: answer, as: UTF8.self)
        // After an end-of-generation token or -n the session holds exactly what was fed and
        // shown; an answer stopped otherwise (Ctrl-C, a full context) may have shown a last
        // token it did not decode: the next turn renders the whole conversation again.
        let whole =
            result.stopReason == .endOfGeneration || result.stopReason == .maxTokens
            || result.stopReason == .grammarComplete
        held = whole ? held + prompt + reply : ""
        if firstPromptTokens == 0 { firstPromptTokens = result.promptTokens }
        msgs.append(ChatMessage(role: "assistant", content: reply))
    }
    print("")
}

/// SIGINT for the chat, handled on a thread of its own (see chatCommand).
final class ChatInterrupts: @unchecked Sendable {
    private let answering = Atomic<Bool>(false)
    private let cancelled = Atomic<Bool>(false)
    private var session: Session?
    /// The terminal's settings at the start, restored before quitting on Ctrl-C (libedit
    /// may have the terminal in its editing mode then).
    private var terminal = termios()
    private var haveTerminal = false

    init() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        haveTerminal = tcgetattr(0, &terminal) == 0
    }

    func start(session: Session) throws {
        self.session = session
        var t = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(
            &t, nil,
            { raw in
                Unmanaged<ChatInterrupts>.fromOpaque(raw!).takeRetainedValue().waitLoop()
                return nil
            }, context)
        guard rc == 0 else {
            Unmanaged<ChatInterrupts>.fromOpaque(context).release()
            throw CLIError("cannot start the signal thread: \(String(cString: strerror(rc)))")
        }
        pthread_detach(t)
    }

    func beginAnswer() {
        cancelled.store(false, ordering: .sequentiallyConsistent)
        answering.store(true, ordering: .sequentiallyConsistent)
    }

    func endAnswer() { answering.store(false, ordering: .sequentiallyConsistent) }

    private func waitLoop() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        while true {
            var sig: Int32 = 0
            guard sigwait(&set, &sig) == 0 else { continue }
            if answering.load(ordering: .sequentiallyConsistent),
                !cancelled.exchange(true, ordering: .sequentiallyConsistent)
            {
                session?.cancel()
                continue
            }
            if haveTerminal { tcsetattr(0, TCSANOW, &terminal) }
            fflush(stdout)
            fputs("\n", stderr)
            _exit(130)
        }
    }
}

/// Reads the chat's lines: through libedit's readline (line editing, history with the
/// arrow keys) when stdin is a terminal and libedit.so.2 loads at run time — so the
/// program links nothing more and works where libedit is missing — else plain lines.
final class LineReader {
    private typealias ReadlineFunction = @convention(c) (UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>?
    private typealias AddHistoryFunction = @convention(c) (UnsafePointer<CChar>?) -> Int32
    private var readline: ReadlineFunction?
    private var addHistory: AddHistoryFunction?

    var editing: Bool { readline != nil }

    init() {
        guard isatty(0) != 0, isatty(1) != 0, getenv("LLAMASWIFT_NO_LIBEDIT") == nil,
            let lib = dlopen("libedit.so.2", RTLD_NOW | RTLD_LOCAL),
            let r = dlsym(lib, "readline"), let a = dlsym(lib, "add_history")
        else { return }
        readline = unsafeBitCast(r, to: ReadlineFunction.self)
        addHistory = unsafeBitCast(a, to: AddHistoryFunction.self)
    }

    /// A line without its newline; nil at end of input.
    func read(prompt: String) -> String? {
        if let readline {
            guard let p = prompt.withCString({ readline($0) }) else { return nil }
            defer { free(p) }
            if p.pointee != 0 { _ = addHistory?(p) }
            return String(cString: p)
        }
        err(prompt)
        return readLine()
    }
}
