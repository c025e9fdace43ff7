/// A grammar bound to a vocabulary: which tokens may come next, and the state after each
/// accepted token. This is what a `Sampler` holds.
///
/// **The mask.** `allowedTokens()` walks the vocabulary's `TokenTrie` depth-first with
/// the matcher's byte transitions: a dead state skips the node's whole subtree (every
/// token starting with those bytes), a live node allows the tokens ending there. A token
/// may end inside a UTF-8 character when the grammar could still accept that character
/// (llama.cpp's rule). End-of-generation tokens are allowed exactly when the grammar is
/// complete; when it is complete and can take nothing more, they are the only tokens
/// allowed, so generation ends. Masks are cached per matcher state (the state inside a
/// JSON string, say, recurs at every character), so a repeated state costs a lookup; a
/// new one costs one trie walk whose transitions are themselves cached. The cache holds
/// at most `maskCacheBytes` of masks (cleared whole when full).
///
/// Cost (docs/grammars.md has the figures): cached mask O(1); a fresh mask O(trie nodes
/// visited) with O(1) per cached transition. One thread at a time.
public final class GrammarConstraint {
    public let grammar: Grammar
    let matcher: GrammarMatcher
    let trie: TokenTrie
    /// Token texts (as in the trie; empty for excluded tokens): `textBytes[textOffsets[t] ..< textOffsets[t + 1]]`.
    private let textBytes: [UInt8]
    private let textOffsets: [Int32]
    private let isEndOfGeneration: [Bool]
    private(set) var state: Int32
    private var maskCache: [Int32: [UInt64]] = [:]
    private var depthStates: [Int32]
    static let maskCacheBytes = 32 << 20
    /// Off: every `allowedTokens()` walks the trie (benchmarks; tests of the walk).
    public var maskCacheEnabled = true

    /// Binds `grammar` to the tokenizer's vocabulary (builds its token trie).
    public convenience init(grammar: Grammar, tokenizer: Tokenizer) throws {
        var texts: [(text: [UInt8], id: Int32)] = []
        var eog: [Int32] = []
        for id in 0..<Int32(tokenizer.vocabularySize) {
            if tokenizer.isEndOfGeneration(id) {
                eog.append(id)
            } else if let p = tokenizer.piece(for: id, renderSpecial: false), !p.isEmpty {
                texts.append((p, id))
            }
        }
        try self.init(grammar: grammar, texts: texts, vocabularySize: tokenizer.vocabularySize, endOfGeneration: eog)
    }

    /// Binds `grammar` to an explicit vocabulary: `texts` (tokens absent from it are never
    /// allowed) and end-of-generation ids.
    public init(
        grammar: Grammar, texts: [(text: [UInt8], id: Int32)], vocabularySize: Int, endOfGeneration: [Int32]
    ) throws {
        self.grammar = grammar
        matcher = try GrammarMatcher(grammar)
        trie = TokenTrie(texts: texts, vocabularySize: vocabularySize, endOfGeneration: endOfGeneration)
        var lengths = [Int](repeating: 0, count: vocabularySize)
        for (t, id) in texts where id >= 0 && Int(id) < vocabularySize { lengths[Int(id)] = t.count }
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(vocabularySize + 1)
        for l in lengths { offsets.append(offsets.last! + Int32(l)) }
        var bytes = [UInt8](repeating: 0, count: Int(offsets.last!))
        for (t, id) in texts where id >= 0 && Int(id) < vocabularySize {
            let o = Int(offsets[Int(id)])
            for (k, b) in t.enumerated() { bytes[o + k] = b }
        }
        textBytes = bytes
        textOffsets = offsets
        var eogFlags = [Bool](repeating: false, count: vocabularySize)
        for e in endOfGeneration where e >= 0 && Int(e) < vocabularySize { eogFlags[Int(e)] = true }
        isEndOfGeneration = eogFlags
        state = matcher.initialState
        depthStates = [Int32](repeating: 0, count: trie.maxDepth + 1)
    }

    public var vocabularySize: Int { trie.vocabularySize }
    /// Nodes of the vocabulary trie (one per distinct token-text prefix).
    public var trieNodeCount: Int { trie.nodeCount }
    public var hasEndOfGeneration: Bool { !trie.endOfGeneration.isEmpty }

    /// The text so far is a complete sentence of the grammar.
    public var isComplete: Bool { matcher.isComplete(state) }
    /// Complete, and no character can follow: only end-of-generation tokens are allowed.
    public var isCompleteOnly: Bool { matcher.isCompleteOnly(state) }

    /// Back to the start (nothing accepted).
    public func reset() { state = matcher.initialState }

    /// The allowed tokens as a bit set: bit `t & 63` of word `t >> 6` for token t.
    public func allowedTokens() throws -> [UInt64] {
        if maskCacheEnabled, let m = maskCache[state] { return m }
        let words = (trie.vocabularySize + 63) / 64
        var mask = [UInt64](repeating: 0, count: words)
        try mask.withUnsafeMutableBufferPointer { m in
            try walk(into: m)
        }
        if matcher.isComplete(state) {
            for e in trie.endOfGeneration { mask[Int(e) >> 6] |= 1 << UInt64(e & 63) }
        }
        if maskCacheEnabled {
            let limit = max(16, Self.maskCacheBytes / max(1, words * 8))
            if maskCache.count >= limit { maskCache.removeAll(keepingCapacity: true) }
            maskCache[state] = mask
        }
        return mask
    }

    private func walk(into m: UnsafeMutableBufferPointer<UInt64>) throws {
        let start = state
        try trie.byte.withUnsafeBufferPointer { byte in
            try trie.depth.withUnsafeBufferPointer { depth in
                try trie.subtreeEnd.withUnsafeBufferPointer { end in
                    try trie.tokenStart.withUnsafeBufferPointer { tokenStart in
                        try trie.tokens.withUnsafeBufferPointer { tokens in
                            try depthStates.withUnsafeMutableBufferPointer { at in
                                at[0] = start
                                var k = 0
                                let n = byte.count
                                // The transition table read directly; refreshed after a
                                // miss (which may add states and move the table).
                                var table = matcher.table
                                while k < n {
                                    let d = Int(depth[k])
                                    let from = at[d - 1]
                                    var s = table[Int(from) &* 256 &+ Int(byte[k])]
                                    if s == GrammarMatcher.unknown {
                                        s = try matcher.next(from, byte[k])
                                        table = matcher.table
                                    }
                                    if s < 0 {
                                        k = Int(end[k])
                                        continue
                                    }
                                    at[d] = s
                                    var j = Int(tokenStart[k])
                                    let e = Int(tokenStart[k + 1])
                                    while j < e {
                                        let t = Int(tokens[j])
                                        m[t >> 6] |= 1 << UInt64(t & 63)
                                        j += 1
                                    }
                                    k += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whether `token` may come next.
    public func allows(_ token: Int32) throws -> Bool {
        guard token >= 0 && Int(token) < trie.vocabularySize else { return false }
        if isEndOfGeneration[Int(token)] { return matcher.isComplete(state) }
        let o = Int(textOffsets[Int(token)]), e = Int(textOffsets[Int(token) + 1])
        guard e > o else { return false }
        return try matcher.next(state, bytes: textBytes[o..<e]) >= 0
    }

    /// Advances past `token`. An end-of-generation token is accepted (and changes nothing)
    /// when the grammar is complete. Throws `.invalidArgument` when the grammar does not
    /// allow the token; the state is then unchanged.
    public func accept(_ token: Int32) throws {
        guard token >= 0 && Int(token) < trie.vocabularySize else {
            throw LlamaError(.invalidArgument, "token \(token) is out of range (vocabulary of \(trie.vocabularySize))")
        }
        if isEndOfGeneration[Int(token)] {
            guard matcher.isComplete(state) else {
                throw LlamaError(.invalidArgument, "end-of-generation token \(token) before the grammar is complete")
            }
            return
        }
        let o = Int(textOffsets[Int(token)]), e = Int(textOffsets[Int(token) + 1])
        let s = e > o ? try matcher.next(state, bytes: textBytes[o..<e]) : GrammarMatcher.dead
        guard s >= 0 else { throw LlamaError(.invalidArgument, "token \(token) is not allowed by the grammar here") }
        state = s
        if matcher.needsCompaction {
            maskCache.removeAll()
            state = try matcher.compact(keeping: state)
        }
    }

    /// Advances past raw text (a character-level check, for tests and tools). Throws as
    /// `accept` when the grammar does not allow the bytes.
    public func accept(bytes: [UInt8]) throws {
        let s = try matcher.next(state, bytes: bytes)
        guard s >= 0 else { throw LlamaError(.invalidArgument, "the text is not allowed by the grammar here") }
        state = s
    }
}
