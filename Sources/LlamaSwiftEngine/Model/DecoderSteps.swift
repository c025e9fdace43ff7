import LlamaSwiftKernels

/// Steps every family's forward pass shares (LlamaForward.swift, Gemma3Forward.swift):
/// per-token loops, biases, per-head norms, RoPE, the KV cache writes and attention.
extension Session {
    static let inlineTokens = 8

    /// Runs `body(t)` for the chunk's tokens, split across the pool when there are
    /// many (element-wise per token, so the split cannot change a result). A few tokens
    /// (a batched decode step) run on the calling thread: waking the pool for a norm of
    /// 8 rows costs more than the norm.
    func perToken(_ n: Int, _ body: (Int) -> Void) {
        if n <= Self.inlineTokens {
            for t in 0..<n { body(t) }
            return
        }
        pool.parallelFor(n) { range in
            for t in range { body(t) }
        }
    }

    /// Writes the chunk's rotated keys and its values into each token's session cache, at
    /// the token's position.
    func storeKV(layer: Int, _ chunk: Chunk) {
        let KV = config.kvWidth
        perToken(chunk.count) { t in
            let cache = chunk.run(of: t).session.cache
            let p = chunk.position(of: t)
            cache.keyType.store(
                k.pointer + t * KV, cache.rows(layer: layer, values: false) + p * cache.keyRowBytes, KV)
            cache.valueType.store(
                v.pointer + t * KV, cache.rows(layer: layer, values: true) + p * cache.valueRowBytes, KV)
        }
    }

    /// Tokens per attention tile (AttentionKernels.group): 8, or fewer when a worker's
    /// score rows (heads per group × tokens × n_ctx floats) would pass 4 MiB.
    static func attentionTileTokens(_ c: ModelConfig, context: Int) -> Int {
        let group = c.headCount / c.headCountKV
        return max(1, min(8, (1 << 20) / max(1, group * context)))
    }

    /// Floats of `scores` each worker uses for a context of `context` positions: a tile's
    /// score rows, its queries rounded to F16, one key row as floats (and at least one
    /// score row for the per-head F32 path).
    static func attentionScratchFloats(_ c: ModelConfig, context: Int) -> Int {
        let rows = (c.headCount / c.headCountKV) * attentionTileTokens(c, context: context)
        let tiled = AttentionGroupOperands.tiledScratchFloats(headDim: c.headDim, queries: rows)
        return max(rows * (context + c.headDim) + c.headDim, context + c.headDim, tiled)
    }

    /// Rows up to which a token's attention keeps the exact form (AttentionGroupOperands.exactRows).
    static let exactAttentionRows = AttentionGroupOperands.defaultExactRows

    /// Causal attention for every (token, head) of the chunk, over the token's session's
    /// cache — every earlier position, or with `window` W > 0 the last W (positions
    /// p−W+1 … p). With an F16 or Q8_0 cache the work items are (tile of up to
    /// attentionTileTokens consecutive tokens of one run, key/value head), so each cache
    /// row is read once for all the query heads of its group and all the tile's tokens
    /// (AttentionKernels.group); with F32 (tiny F32 models) they are (token, head) pairs
    /// (AttentionKernels.head). Items are dealt out to the workers in turn (later tokens
    /// attend to more rows, so contiguous shares would give the last worker most of the
    /// work); each worker has its own region of `scores`. A decode step at depth is split
    /// over the cache instead (splitOverCache). Every output is the same bits either way
    /// (AttentionKernels.group), whatever the tiles, splits and workers.
    func attention(layer: Int, _ chunk: Chunk, window: Int = 0) {
        let c = config
        let hd = c.headDim, Q = c.qWidth, nHead = c.headCount
        let group = c.headCount / c.headCountKV
        let scale = c.attentionScale
        let ctx = chunk.maxContext
        let perWorker = Self.attentionScratchFloats(c, context: ctx)
        precondition(
            self.scores.count >= pool.threadCount * perWorker, "attention scores smaller than the chunk's contexts")
        let q = self.q.pointer, out = attnOut.pointer, scores = self.scores.pointer
        let workers = pool.threadCount
        let kernels = KernelSet.active
        // Decode.batch lets only sessions of one cache type share a chunk.
        guard !chunk.runs[0].session.cache.isF32 else {
            let items = chunk.count * nHead
            pool.run { w in
                let sc = scores + w * perWorker, qr = sc + ctx
                for item in stride(from: w, to: items, by: workers) {
                    let t = item / nHead, h = item % nHead
                    let cache = chunk.run(of: t).session.cache
                    let kRows = UnsafeRawPointer(cache.rows(layer: layer, values: false))
                    let vRows = UnsafeRawPointer(cache.rows(layer: layer, values: true))
                    let rowBytes = cache.keyRowBytes
                    let last = chunk.position(of: t)
                    let first = window > 0 ? max(0, last - window + 1) : 0
                    kernels.attendHead(
                        AttentionOperands(
                            query: q + t * Q + h * hd, headDim: hd, last: last - first, keys: kRows + first * rowBytes,
                            values: vRows + first * rowBytes, rowBytes: rowBytes, kvOffset: (h / group) * hd,
                            f16: false, scale: scale, queryScratch: qr, scores: sc,
                            out: out + t * Q + h * hd))
                }
            }
            return
        }
        // Tiles: (run, first token, token count), each taken with every key/value head.
        let tileTokens = Self.attentionTileTokens(c, context: ctx)
        var tiles: [(run: Int, first: Int, count: Int)] = []
        for (r, run) in chunk.runs.enumerated() {
            var t = 0
            while t < run.count {
                let n = min(tileTokens, run.count - t)
                tiles.append((r, t, n))
                t += n
            }
        }
        // Few items for the workers (a decode step: one tile per run): the group's heads
        // are split into sub-groups, down to single heads, until every worker has at
        // least two items — more reads of each row, but no worker idle.
        let nKV = c.headCountKV
        if splitOverCache(layer: layer, chunk, window: window, tiles: tiles) { return }
        var heads = group
        while heads > 1, tiles.count * nKV * (group / heads) < 2 * workers {
            heads -= 1
            while group % heads != 0 { heads -= 1 }
        }
        let subgroups = group / heads
        let items = tiles.count * nKV * subgroups
        tiles.withUnsafeBufferPointer { tiles in
            pool.run { w in
                let region = scores + w * perWorker
                let rows = group * tileTokens
                let sc = region, qr = region + rows * ctx, kf = qr + rows * hd
                for item in stride(from: w, to: items, by: workers) {
                    let tile = tiles[item / (nKV * subgroups)]
                    let kvh = (item / subgroups) % nKV, firstHead = kvh * group + (item % subgroups) * heads
                    let run = chunk.runs[tile.run]
                    let cache = run.session.cache
                    let t0 = run.first + tile.first
                    kernels.attendGroup(
                        AttentionGroupOperands(
                            queries: q + t0 * Q + firstHead * hd, heads: heads, tokens: tile.count, tokenStride: Q,
                            headDim: hd, firstPosition: run.start + tile.first, window: window,
                            keys: UnsafeRawPointer(cache.rows(layer: layer, values: false)),
                            values: UnsafeRawPointer(cache.rows(layer: layer, values: true)),
                            rowBytes: cache.keyRowBytes, kvOffset: kvh * hd, scale: scale, queryScratch: qr,
                            keyScratch: kf, scores: sc, out: out + t0 * Q + firstHead * hd,
                            exactRows: Self.exactAttentionRows, keyFormat: cache.keyType.rowFormat,
                            valueFormat: cache.valueType.rowFormat, valueRowBytes: cache.valueRowBytes))
                }
            }
        }
    }

    /// A step with few tiles (a decode step) whose every token attends to more than
    /// exactAttentionRows rows: the work items are (tile, key/value head, segment of the
    /// cache) computing partial states (AttentionPass.segment), then (tile, key/value
    /// head) merging them — each cache row read once, every worker busy, and the same
    /// bits as one item per tile (AttentionKernels.tiled). false (nothing done) when the
    /// step does not qualify or the partial states do not fit in `scores`.
    private func splitOverCache(
        layer: Int, _ chunk: Chunk, window: Int, tiles: [(run: Int, first: Int, count: Int)]
    ) -> Bool {
        let c = config
        let hd = c.headDim, Q = c.qWidth, nKV = c.headCountKV, group = c.headCount / c.headCountKV
        let workers = pool.threadCount
        guard hd % 8 == 0, tiles.count * nKV < 2 * workers else { return false }
        var lastPosition = 0
        for run in chunk.runs {
            let rows = window > 0 ? min(window, run.start + 1) : run.start + 1
            guard rows > Self.exactAttentionRows else { return false }
            lastPosition = max(lastPosition, run.start + run.count - 1)
        }
        let segments = lastPosition / AttentionGroupOperands.segmentLength + 1
        let queries = group * tiles.reduce(0) { max($0, $1.count) }
        let small = AttentionGroupOperands.tiledScratchFloats(headDim: hd, queries: queries)
        let perItem = segments * queries * (hd + 2)
        guard workers * small + tiles.count * nKV * perItem <= scores.count else { return false }
        let q = self.q.pointer, out = attnOut.pointer, scores = self.scores.pointer
        let partials = scores + workers * small
        let kernels = KernelSet.active
        let scale = c.attentionScale
        tiles.withUnsafeBufferPointer { tiles in
            func operands(_ item: Int, _ w: Int, _ pass: AttentionPass) -> AttentionGroupOperands {
                let tile = tiles[item / nKV], kvh = item % nKV
                let run = chunk.runs[tile.run]
                let cache = run.session.cache
                let t0 = run.first + tile.first
                return AttentionGroupOperands(
                    queries: q + t0 * Q + kvh * group * hd, heads: group, tokens: tile.count, tokenStride: Q,
                    headDim: hd, firstPosition: run.start + tile.first, window: window,
                    keys: UnsafeRawPointer(cache.rows(layer: layer, values: false)),
                    values: UnsafeRawPointer(cache.rows(layer: layer, values: true)), rowBytes: cache.keyRowBytes,
                    kvOffset: kvh * hd, scale: scale, queryScratch: scores + w * small, keyScratch: scores + w * small,
                    scores: scores + w * small, out: out + t0 * Q + kvh * group * hd,
                    exactRows: Self.exactAttentionRows, pass: pass, partials: partials + item * perItem,
                    keyFormat: cache.keyType.rowFormat, valueFormat: cache.valueType.rowFormat,
                    valueRowBytes: cache.valueRowBytes)
            }
            let items = tiles.count * nKV
            pool.run { w in
                for i in stride(from: w, to: items * segments, by: workers) {
                    kernels.attendGroup(operands(i / segments, w, .segment(i % segments)))
                }
            }
            pool.run { w in
                for item in stride(from: w, to: items, by: workers) {
                    kernels.attendGroup(operands(item, w, .merge(segments: segments)))
                }
            }
        }
        return true
    }

    /// x[t] += bias for each of the chunk's n rows of width `width` (no-op without a bias).
    func addBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>?, width: Int, n: Int) {
        guard let b = bias else { return }
        for t in 0..<n { Ops.add(x + t * width, b, width) }
    }

    /// RMSNorm of every head (width head_dim) of n rows of `heads` heads, in place (Gemma 3's
    /// Q/K norms).
    func normalizeHeads(_ x: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, heads: Int, n: Int) {
        let hd = config.headDim, eps = config.rmsEpsilon
        perToken(n) { t in
            for h in 0..<heads {
                let v = x + (t * heads + h) * hd
                Ops.rmsNorm(v, weight, v, hd, eps: eps)
            }
        }
    }

    /// Fills `table` with each chunk token's (cos, sin) pairs, from its session's RoPE (the
    /// sliding-window layers' with `local`) at its position, with the base for its
    /// session's call length (dynamic NTK).
    func fillRopeTable(_ table: UnsafeMutablePointer<Float>, _ chunk: Chunk, local: Bool) {
        let rot = config.ropeDimensionCount
        for r in chunk.runs {
            let rope = local ? (r.session.ropeLocal ?? r.session.rope) : r.session.rope
            rope.fillTable(table + r.first * rot, start: r.start, count: r.count, seqLen: r.seqLen)
        }
    }

    /// Rotates the chunk's queries and keys by the (cos, sin) pairs in `table` (the
    /// pairing, RoPEStyle, is the model's).
    func rotate(table: UnsafeMutablePointer<Float>, n: Int) {
        let c = config
        let Q = c.qWidth, KV = c.kvWidth, rot = c.ropeDimensionCount
        let q = self.q.pointer, k = self.k.pointer
        perToken(n) { t in
            let tt = UnsafePointer(table + t * rot)
            rope.apply(q + t * Q, heads: c.headCount, headDim: c.headDim, table: tt)
            rope.apply(k + t * KV, heads: c.headCountKV, headDim: c.headDim, table: tt)
        }
    }
}

extension Session {
    /// logits = (RMSNorm(x) · output_norm)·W_outᵀ for the chunk's logit rows (its last
    /// token in a plain decode; every token with logits_all; each session's last token in
    /// a batched one), written as [rows, V].
    func outputLogits(_ chunk: Chunk, into out: UnsafeMutablePointer<Float>) {
        let c = config, E = c.embeddingLength
        let x = self.x.pointer, xb = self.xb.pointer
        for (i, t) in chunk.logitRows.enumerated() {
            Ops.rmsNorm(x + t * E, weights.outputNorm, xb + i * E, E, eps: c.rmsEpsilon)
        }
        let rows = chunk.logitRows.count
        matmul.multiply(weights.output, matmul.quantize(xb, rows, for: weights.output), into: out)
    }
}

extension Session {
    /// Between layers: a pending cancel of any of the chunk's sessions, then NaN in the
    /// residual stream that the previous layer (or the embedding) produced for the chunk.
    func checkLayer(_ layer: Int, _ chunk: Chunk) throws {
        for r in chunk.runs { try r.session.checkCancel() }
        try checkFinite(
            x.pointer, count: chunk.count * config.embeddingLength,
            producedBy: layer == 0 ? "the token embedding" : "layer \(layer - 1)")
    }

    /// Throws FORMAT naming `producedBy` when `count` floats from `p` hold a NaN: only
    /// hostile or corrupt weights make one (a NaN or infinite weight or scale), and no
    /// token can be sampled from it. Infinities alone pass (softmax handles them).
    func checkFinite(_ p: UnsafePointer<Float>, count: Int, producedBy what: String) throws {
        var nan = false
        for i in 0..<count where p[i].isNaN {
            nan = true
            break
        }
        guard nan else { return }
        throw LlamaError(
            .format, "the model's weights produce NaN (not a number) in \(what): the file is corrupt or hostile")
    }
}
