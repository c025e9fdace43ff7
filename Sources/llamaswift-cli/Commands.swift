import LlamaSwiftEngine

#if canImport(Glibc)
    import Glibc
#endif

/// The bytes of a regular file of at most 512 MiB. Anything else (a FIFO, /dev/zero, a
/// directory, /proc) is refused at once instead of read forever or waited on.
func readFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
    guard fd >= 0 else { throw CLIError("cannot open '\(path)': \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw CLIError("cannot stat '\(path)': \(String(cString: strerror(errno)))") }
    guard st.st_mode & S_IFMT == S_IFREG else { throw CLIError("'\(path)' is not a regular file") }
    let limit = 512 << 20
    guard st.st_size <= limit else { throw CLIError("'\(path)' is \(st.st_size) bytes: over the 512 MiB limit") }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = read(fd, &buf, buf.count)
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw CLIError("cannot read '\(path)': \(String(cString: strerror(errno)))") }
        if n == 0 { break }
        // A file that grows while read (or a /proc file claiming to be regular) stops here.
        guard out.count + n <= limit else { throw CLIError("'\(path)' grew past the 512 MiB limit while read") }
        out += buf[0..<n]
    }
    return out
}

func writeOut(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, stdout) }
    fflush(stdout)
}

func err(_ s: String) { fputs(s, stderr) }

func loadModel(_ o: Options, vocabOnly: Bool = false) throws -> Model {
    var lo = LoadOptions()
    lo.vocabOnly = vocabOnly
    lo.lockMemory = o.mlock
    return try Model(path: try o.requireModel(), options: lo)
}

func fmt(_ x: Double, _ digits: Int = 2) -> String {
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let v = (x * p).rounded() / p
    return String(v)
}

/// `info`: the model's configuration.
func infoCommand(_ o: Options) throws {
    let model = try loadModel(o)
    guard let c = model.config else { return }
    let w = model.weights
    print(
        "architecture   \(c.architecture.rawValue) (forward pass: \(c.architecture == .gemma3 ? "Gemma3Forward" : "LlamaForward"))"
    )
    print(
        "vocabulary     \(c.vocabularySize) (\(model.tokenizer.modelName), pre-tokenizer \(model.tokenizer.preTokenizerName))"
    )
    print("context        \(c.contextLength)")
    print("embedding      \(c.embeddingLength)")
    print("layers         \(c.blockCount)")
    print("heads          \(c.headCount) (KV \(c.headCountKV), head dim \(c.headDim))")
    print("feed-forward   \(c.feedForwardLength) (\(c.architecture == .gemma3 ? "GELU" : "SiLU")-gated)")
    print("rms norm eps   \(c.rmsEpsilon)")
    print(
        "attention      scale \(c.attentionScale)"
            + (c.slidingWindow > 0
                ? ", sliding window \(c.slidingWindow) on layers \(c.isLocalLayer.indices.filter { c.isLocalLayer[$0] }.map(String.init).joined(separator: ","))"
                : ", every position"))
    print(
        "rope           \(c.ropeStyle == .adjacentPairs ? "adjacent pairs" : "rotate-half pairs"), base \(c.ropeFreqBase), dims \(c.ropeDimensionCount), scaling \(c.ropeScaling)"
            + (w?.ropeFreqs != nil ? ", LLaMA 3 frequency factors (rope_freqs.weight)" : "")
            + (c.slidingWindow > 0 ? "; local layers base \(c.ropeFreqBaseLocal), unscaled" : ""))
    if let b = w?.blocks.first {
        let extras = [
            b.bq != nil ? "q/k/v biases" : nil, b.bo != nil ? "output-projection bias" : nil,
            b.qNorm != nil ? "q/k norms" : nil, b.postAttnNorm != nil ? "post-attention and post-FFN norms" : nil,
            c.architecture == .gemma3 ? "embedding × √n_embd" : nil,
        ].compactMap { $0 }
        if !extras.isEmpty { print("block extras   \(extras.joined(separator: ", "))") }
    }
    print(
        "output         \(w.map { $0.output.name == $0.tokenEmbedding.name ? "tied to token_embd.weight" : $0.output.name } ?? "-")"
    )
    print("parameters     \(model.parameterCount)")
    print("tensor bytes   \(model.tensorBytes)")
    print(
        "chat template  \((try? ChatTemplate.resolvedName(name: nil, modelTemplate: model.chatTemplate)).flatMap { $0 } ?? "none")"
    )
    print("kernels        \(kernelPathName())")
    err("load time      \(fmt(model.loadSeconds * 1000, 1)) ms\n")
}

/// `tokenize`: ids and pieces of a prompt.
func tokenizeCommand(_ o: Options) throws {
    let model = try loadModel(o, vocabOnly: true)
    let text =
        try o.prompt.map { Array($0.utf8) } ?? o.file.map(readFile)
        ?? { throw CLIError("-p TEXT or -f FILE is required") }()
    let parse = o.parseSpecial
    let ids = try text.withUnsafeBytes { try model.tokenizer.tokenize($0, addSpecial: true, parseSpecial: parse) }
    for id in ids {
        let piece = model.tokenizer.piece(for: id) ?? []
        print("\(id)\t'\(String(decoding: piece, as: UTF8.self))'")
    }
    err("\(ids.count) tokens\n")
}

/// `run`: the prompt as a one-turn chat (with the model's template; `--raw` for plain
/// text), the answer streamed to stdout.
func runCommand(_ o: Options) throws {
    let model = try loadModel(o)
    err("loaded \(try o.requireModel()) in \(fmt(model.loadSeconds * 1000, 1)) ms (kernels \(kernelPathName()))\n")
    guard let prompt = try o.prompt ?? o.file.map({ String(decoding: try readFile($0), as: UTF8.self) }) else {
        throw CLIError("-p PROMPT or -f FILE is required")
    }
    let text: String
    if o.raw {
        text = prompt
    } else {
        var msgs: [ChatMessage] = []
        if let s = o.system { msgs.append(ChatMessage(role: "system", content: s)) }
        msgs.append(ChatMessage(role: "user", content: prompt))
        text = try ChatTemplate.render(
            name: o.template, modelTemplate: model.chatTemplate, messages: msgs, addAssistant: true)
    }
    let session = try Session(model: model, options: o.sessionOptions)
    let sampler = try Sampler(options: o.samplerOptions)
    try attachGrammar(o, sampler, model)
    try setLogitBias(o.logitBias, sampler, vocabulary: session.vocabularySize)
    var go = GenerateOptions()
    go.maxTokens = o.nPredict
    go.contextShift = o.contextShift
    go.keep = max(o.keep, 0)
    go.nProbs = o.nProbs
    var result = GenerateResult()
    let bytes = Array(text.utf8)
    try bytes.withUnsafeBytes { p in
        try Generator.generate(
            session: session, sampler: sampler, prompt: p, options: go, result: &result,
            onToken: o.nProbs > 0 ? { printTokenJSON($0, model) } : nil
        ) {
            if o.nProbs == 0 { writeOut($0) }
            return true
        }
    }
    if o.nProbs == 0 { print("") }
    report(result, threads: session.threadCount)
    if result.contextShifts > 0 { err("context shifted \(result.contextShifts) time(s)\n") }
}

func report(_ r: GenerateResult, threads: Int) {
    fflush(stdout)  // the answer's last newline before the statistics on stderr, also when both are piped
    let pp = r.prefillSeconds > 0 ? Double(r.promptTokensEvaluated) / r.prefillSeconds : 0
    let tg = r.decodeSeconds > 0 ? Double(r.generatedTokens) / r.decodeSeconds : 0
    err(
        "prompt \(r.promptTokens) tokens (\(r.promptTokensEvaluated) evaluated) at \(fmt(pp, 1)) t/s; "
            + "generated \(r.generatedTokens) at \(fmt(tg, 1)) t/s; stop: \(r.stopReason); threads \(threads)\n")
}

/// `perplexity`: as llama.cpp's llama-perplexity scores a file: chunks of n_ctx tokens
/// (BOS first when the model adds one), each scored on its second half.
func perplexityCommand(_ o: Options) throws {
    let model = try loadModel(o)
    guard let file = o.file else { throw CLIError("-f FILE is required") }
    let text = try readFile(file)
    let tokens = try text.withUnsafeBytes { try model.tokenizer.tokenize($0, addSpecial: true, parseSpecial: false) }
    let nCtx = o.ctx > 0 ? o.ctx : 512
    // Each chunk scores tokens nCtx/2 + 1 ..< nCtx: none below 3 (the perplexity would be 0/0).
    guard nCtx >= 3 else { throw CLIError("perplexity needs -c 3 or more (each chunk scores its second half)") }
    var so = o.sessionOptions
    so.contextLength = nCtx
    so.logitsAll = true
    let session = try Session(model: model, options: so)
    let chunks = tokens.count / nCtx
    guard chunks > 0 else { throw CLIError("the file has \(tokens.count) tokens: fewer than one chunk of \(nCtx)") }
    let vocab = session.vocabularySize
    var nll = 0.0
    var count = 0
    let start = monotonicSeconds()
    for c in 0..<chunks {
        var chunk = Array(tokens[(c * nCtx)..<((c + 1) * nCtx)])
        if let bos = model.tokenizer.bos, model.tokenizer.addBOS { chunk[0] = bos }
        try session.rewind(to: 0)
        try session.decode(chunk)
        let logits = session.currentLogits!
        for i in (nCtx / 2)..<(nCtx - 1) {
            let row = logits + i * vocab
            var mx = -Float.infinity
            for v in 0..<vocab { mx = max(mx, row[v]) }
            var sum = 0.0
            for v in 0..<vocab { sum += exp(Double(row[v] - mx)) }
            let lp = Double(row[Int(chunk[i + 1])] - mx) - log(sum)
            nll -= lp
            count += 1
        }
        print("[\(c + 1)]\(fmt(exp(nll / Double(count)), 4))", terminator: c + 1 == chunks ? "\n" : ",")
        fflush(stdout)
    }
    let (kType, vType) = session.kvTypes
    print(
        "Final estimate: PPL = \(fmt(exp(nll / Double(count)), 4)) over \(chunks) chunks of \(nCtx) "
            + "(cache K \(kType), V \(vType))")
    err("\(fmt(monotonicSeconds() - start, 2)) s\n")
}

/// `bench`: what llama-bench reports — prompt processing of `--pp` tokens and
/// generation of `--tg` tokens, in tokens per second, over `-r` repetitions after one
/// untimed warm-up (as llama-bench). With `-d D` each test starts with D random tokens
/// already in the cache (llama-bench's -d): they are evaluated once, untimed, and every
/// repetition rewinds to them.
func benchCommand(_ o: Options) throws {
    if !o.parallel.isEmpty { return try batchedBenchCommand(o) }
    let model = try loadModel(o)
    var so = o.sessionOptions
    // Options bounds pp, tg and depth; the sum is still checked, never trapped on.
    let (ppTg, o1) = o.pp.addingReportingOverflow(o.tg)
    let (withDepth, o2) = ppTg.addingReportingOverflow(o.depth)
    let (need, o3) = withDepth.addingReportingOverflow(1)
    guard !o1, !o2, !o3 else { throw CLIError("--pp \(o.pp) + --tg \(o.tg) + -d \(o.depth) is too large") }
    so.contextLength = max(o.ctx, need)
    so.batchSize = o.batch > 0 ? o.batch : 512
    let session = try Session(model: model, options: so)
    let vocab = Int32(session.vocabularySize)
    var seed: UInt32 = 12345
    func randomTokens(_ n: Int) -> [Int32] {
        (0..<n).map { _ in
            seed = seed &* 1_103_515_245 &+ 12345
            return Int32(seed >> 8) % vocab
        }
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    let depth = o.depth
    if depth > 0 { try session.decode(randomTokens(depth)) }
    var pp: [Double] = [], tg: [Double] = []
    // One untimed pass first, as llama-bench does: it faults in the weights and the
    // session's buffers, which a long-running embedder pays once, not per request.
    try session.decode(randomTokens(o.pp))
    try session.rewind(to: depth)
    for t in randomTokens(min(o.tg, 8)) { try session.decode([t]) }
    for _ in 0..<o.reps {
        try session.rewind(to: depth)
        let t0 = monotonicSeconds()
        try session.decode(randomTokens(o.pp))
        pp.append(Double(o.pp) / (monotonicSeconds() - t0))
        try session.rewind(to: depth)
        try session.decode([1])
        let t1 = monotonicSeconds()
        for t in randomTokens(o.tg) { try session.decode([t]) }
        tg.append(Double(o.tg) / (monotonicSeconds() - t1))
    }
    let name = (try o.requireModel()).split(separator: "/").last.map(String.init) ?? ""
    let (kType, vType) = session.kvTypes
    print(
        "model: \(name)  threads: \(session.threadCount)  kernels: \(kernelPathName())  reps: \(o.reps)  "
            + "cache: K \(kType), V \(vType) (\(fmt(Double(session.kvCacheBytes) / 1_048_576, 1)) MiB)")
    let at = depth > 0 ? " @ d\(depth)" : ""
    print("pp\(o.pp)\(at): median \(fmt(median(pp))) t/s  (min \(fmt(pp.min()!)), max \(fmt(pp.max()!)))")
    print("tg\(o.tg)\(at): median \(fmt(median(tg))) t/s  (min \(fmt(tg.min()!)), max \(fmt(tg.max()!)))")

    // Decode against the memory-bandwidth limit: a token reads every weight matrix once
    // (the token embedding only through a tied output); the limit is the rate at which
    // the same threads read the same mapped bytes sequentially.
    let tensors = model.gguf.tensors
    let tied = !tensors.contains { $0.name == "output.weight" }
    let perToken = tensors.filter { tied || $0.name != "token_embd.weight" }.reduce(0) { $0 + $1.byteCount }
    let bw = readBandwidth(model.gguf.file, threads: session.threadCount)
    let used = median(tg) * Double(perToken)
    print(
        "weights read per token: \(fmt(Double(perToken) / 1e6)) MB; tg reads \(fmt(used / 1e9, 2)) GB/s of \(fmt(bw / 1e9, 2)) GB/s "
            + "measured (sequential read of the mapped file, \(session.threadCount) thread(s), median of 3): \(fmt(100 * used / bw, 1))% of the limit"
    )
}

/// `bench -npl 1,2,4,8,16`: what llama-batched-bench reports. For each N, N sessions
/// each evaluate a prompt of -npp tokens (all N in shared passes: Session.decode(batch:))
/// and then generate -ntg tokens each, one token per session per pass; S_PP and S_TG are
/// aggregate tokens per second over all N sequences (medians of -r repetitions after one
/// untimed warm-up). Prompts are distinct random tokens (llama-batched-bench's default,
/// no shared prompt). The passes run on the first session's -t threads.
func batchedBenchCommand(_ o: Options) throws {
    let model = try loadModel(o)
    let npp = o.pp, ntg = o.tg
    var seed: UInt32 = 12345
    func randomTokens(_ n: Int, _ vocab: Int) -> [Int32] {
        (0..<n).map { _ in
            seed = seed &* 1_103_515_245 &+ 12345
            return Int32(seed >> 8) % Int32(vocab)
        }
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    let name = (try o.requireModel()).split(separator: "/").last.map(String.init) ?? ""
    var threads = 0
    var lines: [String] = []
    for n in o.parallel {
        var sessions: [Session] = []
        for i in 0..<n {
            var so = o.sessionOptions
            so.contextLength = npp + ntg + 1
            // The first session runs the passes: it needs the threads and a chunk that
            // holds every prompt (as llama-batched-bench's n_batch 2048); the others
            // hold only their caches.
            so.batchSize = i == 0 ? max(o.batch > 0 ? o.batch : 2048, n) : 1
            so.threads = i == 0 ? o.threads : 1
            if i == 0 { so.contextLength = max(so.contextLength, so.batchSize) }  // n_batch is capped at n_ctx
            sessions.append(try Session(model: model, options: so))
        }
        threads = sessions[0].threadCount
        let vocab = sessions[0].vocabularySize
        var pp: [Double] = [], tg: [Double] = []
        for rep in 0...o.reps {
            for s in sessions { try s.rewind(to: 0) }
            let prompts = sessions.map { _ in randomTokens(npp, vocab) }
            let t0 = monotonicSeconds()
            try withBatch(sessions, prompts) { try Session.decode(batch: $0) }
            let tPP = monotonicSeconds() - t0
            let t1 = monotonicSeconds()
            for _ in 0..<ntg {
                let next = sessions.map { _ in randomTokens(1, vocab) }
                try withBatch(sessions, next) { try Session.decode(batch: $0) }
            }
            let tTG = monotonicSeconds() - t1
            if rep > 0 {  // rep 0 is the warm-up
                pp.append(Double(n * npp) / tPP)
                tg.append(Double(n * ntg) / tTG)
            }
        }
        let sPP = median(pp), sTG = median(tg)
        let tPP = Double(n * npp) / sPP, tTG = Double(n * ntg) / sTG
        lines.append(
            "| \(pad(npp, 6)) | \(pad(ntg, 6)) | \(pad(n, 4)) | \(pad(n * (npp + ntg), 6)) | \(pad(fmt(tPP, 3), 8)) | \(pad(fmt(sPP, 2), 8)) | \(pad(fmt(tTG, 3), 8)) | \(pad(fmt(sTG, 2), 8)) | \(pad(fmt(tPP + tTG, 3), 8)) | \(pad(fmt(Double(n * (npp + ntg)) / (tPP + tTG), 2), 8)) |"
        )
        err(lines.last! + "\n")
    }
    print("model: \(name)  threads: \(threads)  kernels: \(kernelPathName())  reps: \(o.reps) (medians)")
    print("|     PP |     TG |    B |   N_KV |   T_PP s | S_PP t/s |   T_TG s | S_TG t/s |      T s |    S t/s |")
    print("|--------|--------|------|--------|----------|----------|----------|----------|----------|----------|")
    for l in lines { print(l) }
}

/// Runs `body` with one batch item per session over `tokens[i]`.
private func withBatch(
    _ sessions: [Session], _ tokens: [[Int32]], _ body: ([Session.BatchItem]) throws -> Void
) throws {
    func go(_ i: Int, _ items: [Session.BatchItem]) throws {
        guard i < sessions.count else { return try body(items) }
        try tokens[i].withUnsafeBufferPointer {
            try go(i + 1, items + [Session.BatchItem(session: sessions[i], tokens: $0)])
        }
    }
    try go(0, [])
}

private func pad<T>(_ v: T, _ width: Int) -> String {
    let s = "\(v)"
    return String(repeating: " ", count: max(0, width - s.count)) + s
}

/// Bytes per second at which `threads` threads read the whole mapping once (each a
/// contiguous share, 32-byte loads), median of 3 passes after one to fault pages in.
func readBandwidth(_ file: MappedFile, threads: Int) -> Double {
    guard let pool = try? ThreadPool(threads: threads) else { return .nan }
    let n = file.size / 32
    let sinks = UnsafeMutablePointer<SIMD32<UInt8>>.allocate(capacity: threads)
    defer { sinks.deallocate() }
    var rates: [Double] = []
    for pass in 0..<4 {
        let t0 = monotonicSeconds()
        pool.run { w in
            var acc = SIMD32<UInt8>()
            let lo = n * w / threads, hi = n * (w + 1) / threads
            var i = lo
            while i < hi {
                acc &+= file.base.loadUnaligned(fromByteOffset: 32 * i, as: SIMD32<UInt8>.self)
                i += 1
            }
            sinks[w] = acc  // keeps the loads
        }
        if pass > 0 { rates.append(Double(32 * n) / (monotonicSeconds() - t0)) }
    }
    return rates.sorted()[1]
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// `bench-tokenize`: tokenizer throughput on a file (single thread, -r repetitions,
/// median MB/s). Compare with llama.cpp on the same file:
/// python -c "import llama_cpp,time; ..." (see docs/performance.md).
func benchTokenizeCommand(_ o: Options) throws {
    let model = try loadModel(o, vocabOnly: true)
    guard let file = o.file else { throw CLIError("-f FILE is required") }
    let text = try readFile(file)
    var speeds: [Double] = []
    var count = 0
    for _ in 0..<o.reps {
        let t0 = monotonicSeconds()
        count = try text.withUnsafeBytes { try model.tokenizer.tokenize($0, addSpecial: false, parseSpecial: false) }
            .count
        speeds.append(Double(text.count) / 1e6 / (monotonicSeconds() - t0))
    }
    speeds.sort()
    print(
        "\(text.count) bytes → \(count) tokens; median \(fmt(speeds[speeds.count / 2])) MB/s over \(o.reps) runs (1 thread)"
    )
}
