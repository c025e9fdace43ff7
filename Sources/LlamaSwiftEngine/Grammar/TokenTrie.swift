/// The vocabulary's token texts as a byte trie laid out in depth-first order, so a walk
/// is a forward scan that can skip a whole subtree in one step: node k has `byte[k]`,
/// `depth[k]` (1 = child of the root), `subtreeEnd[k]` (the index after its subtree) and
/// the tokens whose text ends exactly there (`tokens[tokenStart[k] ..< tokenStart[k + 1]]`).
///
/// Which tokens are in it: every token with a non-empty text as llama.cpp's
/// `token_to_piece(special: false)` renders it (byte tokens as their byte, SentencePiece's
/// ▁ as a space), except control, unknown and end-of-generation tokens: a grammar never
/// produces a control token's text, and end-of-generation is decided separately (allowed
/// when the grammar is complete). Built once per binding: O(total text bytes · log 256).
struct TokenTrie {
    private(set) var byte: [UInt8] = []
    private(set) var depth: [Int32] = []
    private(set) var subtreeEnd: [Int32] = []
    private(set) var tokenStart: [Int32] = []
    private(set) var tokens: [Int32] = []
    let vocabularySize: Int
    /// End-of-generation tokens (allowed when the grammar is complete).
    let endOfGeneration: [Int32]

    var nodeCount: Int { byte.count }
    /// The longest token text in bytes (the walk keeps one state per depth).
    var maxDepth: Int { Int(depth.max() ?? 0) }

    /// From the token texts (`GrammarConstraint` chooses which tokens are in).
    init(texts: [(text: [UInt8], id: Int32)], vocabularySize: Int, endOfGeneration: [Int32]) {
        self.vocabularySize = vocabularySize
        self.endOfGeneration = endOfGeneration
        let sorted = texts.sorted { a, b in
            a.text.lexicographicallyPrecedes(b.text) || (a.text == b.text && a.id < b.id)
        }
        // Sorted texts give the depth-first order directly: each text adds the nodes of
        // its suffix after the longest prefix it shares with the previous text.
        var path: [Int] = []  // node index per depth of the previous text
        var prev: [UInt8] = []
        var perNode: [[Int32]] = []
        for (text, id) in sorted {
            var common = 0
            while common < prev.count && common < text.count && prev[common] == text[common] { common += 1 }
            // Close the nodes of the previous text below the shared prefix.
            for d in stride(from: path.count - 1, through: common, by: -1) {
                subtreeEnd[path[d]] = Int32(byte.count)
            }
            path.removeLast(path.count - common)
            for d in common..<text.count {
                path.append(byte.count)
                byte.append(text[d])
                depth.append(Int32(d + 1))
                subtreeEnd.append(0)
                perNode.append([])
            }
            if let last = path.last { perNode[last].append(id) }
            prev = text
        }
        for k in path { subtreeEnd[k] = Int32(byte.count) }
        tokenStart.reserveCapacity(byte.count + 1)
        for list in perNode {
            tokenStart.append(Int32(tokens.count))
            tokens += list
        }
        tokenStart.append(Int32(tokens.count))
    }
}
