/// The tokens of one forward pass. Each token extends one session's KV cache at one
/// position: a session's own decode makes chunks of its tokens at consecutive positions
/// (one run); a batched decode (`Session.decode(batch:)`) makes chunks of several runs,
/// each another session of the same model. The pass runs on the scratch buffers and
/// threads of the session that runs it and reads each run's cache and RoPE, so a token
/// computes exactly what it computes when its session decodes alone: every step is per
/// token (norms, RoPE, cache writes, attention) or per output row (the matmuls, whose
/// sums do not depend on how many tokens share the pass).
struct Chunk {
    /// One session's consecutive tokens in the chunk.
    struct Run {
        let session: Session
        /// Index of the run's first token in the chunk.
        let first: Int
        let count: Int
        /// Cache position of the run's first token.
        let start: Int
        /// The length the session's decode call reaches (dynamic NTK's seq_len).
        let seqLen: Int
    }

    /// [n] token ids, runs one after another.
    let tokens: [Int32]
    let runs: [Run]
    /// [n] index in `runs` of each token's run.
    let runOfToken: [Int]
    /// The chunk tokens whose logits are computed, in order: output row i is token
    /// logitRows[i]'s.
    let logitRows: [Int]

    var count: Int { tokens.count }

    init(tokens: [Int32], runs: [Run], logitRows: [Int]) {
        self.tokens = tokens
        self.runs = runs
        self.logitRows = logitRows
        var owner = [Int](repeating: 0, count: tokens.count)
        for (i, r) in runs.enumerated() {
            for t in r.first..<(r.first + r.count) { owner[t] = i }
        }
        runOfToken = owner
    }

    /// The run of chunk token t.
    func run(of t: Int) -> Run { runs[runOfToken[t]] }

    /// The cache position of chunk token t.
    func position(of t: Int) -> Int {
        let r = run(of: t)
        return r.start + (t - r.first)
    }

    /// The longest context among the runs' sessions (the attention scores' row length).
    var maxContext: Int { runs.reduce(0) { max($0, $1.session.contextLength) } }
}
