/// An Aho–Corasick automaton over the texts of the special tokens (control, user-defined,
/// unknown), built once per vocabulary, so that one pass over a text finds, at every end
/// position, the longest special token ending there and, through output links, the
/// shorter ones (`SpecialTokenPartition` uses it to reproduce `tokenizer_st_partition`).
///
/// Layout: nodes are numbered breadth-first, so the children of a node are consecutive
/// ids `firstChild ..< firstChild + childCount`, sorted by the byte on their incoming
/// edge (`edgeByte`); a child is found by binary search. Per node (about 26 bytes):
/// `fail` (the node of the longest proper suffix that is a trie path), the rank of the
/// first special token (in `Tokenizer.specialTokens` order) whose text ends here, for all
/// special tokens and for those matched without `parse_special` (user-defined: neither
/// control nor unknown), and the nearest such node on the strict fail chain (`outAll`,
/// `outUser`), -1 when none.
///
/// Cost bound: the vocabulary's special-token texts may total at most
/// `maximumTotalBytes` (1 MiB; llama.cpp's own vocabularies use at most 76 KB, Gemma 3's
/// 6,414 special tokens), so the automaton takes at most ~27 MiB and builds in time linear
/// in those bytes (after sorting them). A vocabulary over the limit is refused at load.
struct SpecialTokenMatcher: Sendable {
    static let maximumTotalBytes = 1 << 20

    private(set) var firstChild: [Int32] = []
    private(set) var childCount: [UInt16] = []
    private(set) var edgeByte: [UInt8] = []
    private(set) var fail: [Int32] = []
    private(set) var rankAll: [Int32] = []
    private(set) var rankUser: [Int32] = []
    private(set) var outAll: [Int32] = []
    private(set) var outUser: [Int32] = []
    /// Per rank: the token's text length (0 for tokens never matched: empty text).
    private(set) var rankLength: [Int32] = []
    /// Per rank: the node where its text ends (-1 for empty texts).
    private(set) var rankNode: [Int32] = []
    /// The root's child for each byte, 0 for none (the scan's fast path: most bytes of a
    /// text leave the automaton at the root).
    private(set) var rootChild: [Int32] = Array(repeating: 0, count: 256)

    var isEmpty: Bool { firstChild.count <= 1 }

    /// `ordered`: special token ids in `tokenizer_st_partition` order; `userDefined(id)`:
    /// whether the token is matched without parse_special.
    init(ordered: [Int32], texts: FlatByteStrings, userDefined: (Int32) -> Bool) throws {
        let k = ordered.count
        var total = 0
        for id in ordered { total += texts.length(Int(id)) }
        guard total <= Self.maximumTotalBytes else {
            throw LlamaError.unsupported(
                "tokenizer: the \(k) special tokens' texts total \(total) bytes, over the \(Self.maximumTotalBytes) accepted"
            )
        }
        rankLength = ordered.map { Int32(texts.length(Int($0))) }
        rankNode = Array(repeating: -1, count: k)
        guard total > 0 else {
            firstChild = [1]
            childCount = [0]
            edgeByte = [0]
            fail = [0]
            rankAll = [-1]
            rankUser = [-1]
            outAll = [-1]
            outUser = [-1]
            return
        }
        // 1. Insert the texts in byte order, so that each new node is the next child of a
        // node on the previous text's path (children come out sorted): linear in bytes.
        let byText = (0..<k).filter { rankLength[$0] > 0 }.sorted { a, b in
            let ta = texts[checked: Int(ordered[a])]!, tb = texts[checked: Int(ordered[b])]!
            return ta.lexicographicallyPrecedes(tb) || (ta.elementsEqual(tb) && a < b)
        }
        // Build-time trie in insertion (DFS) order: first child / next sibling lists.
        var kids: [Int32] = [-1], sibling: [Int32] = [-1], lastKid: [Int32] = [-1], byte: [UInt8] = [0]
        var endRankAll: [Int32] = [-1], endRankUser: [Int32] = [-1]
        var path: [Int32] = [0]  // nodes of the previous text's path, path[d] at depth d
        var previous: ArraySlice<UInt8>? = nil
        for r in byText {
            let id = ordered[r]
            let t = texts[checked: Int(id)]!
            var common = 0
            if let p = previous {
                var i = p.startIndex, j = t.startIndex
                while i < p.endIndex, j < t.endIndex, p[i] == t[j] {
                    common += 1
                    i += 1
                    j += 1
                }
            }
            path.removeSubrange((common + 1)...)
            var node = path[common]
            for b in t.dropFirst(common) {
                let child = Int32(kids.count)
                kids.append(-1)
                sibling.append(-1)
                lastKid.append(-1)
                byte.append(b)
                endRankAll.append(-1)
                endRankUser.append(-1)
                if lastKid[Int(node)] >= 0 { sibling[Int(lastKid[Int(node)])] = child } else { kids[Int(node)] = child }
                lastKid[Int(node)] = child
                node = child
                path.append(node)
            }
            // Sorted by text, then rank: the first rank to reach a node is the smallest.
            if endRankAll[Int(node)] < 0 { endRankAll[Int(node)] = Int32(r) }
            if endRankUser[Int(node)] < 0 && userDefined(id) { endRankUser[Int(node)] = Int32(r) }
            rankNode[r] = node
            previous = t
        }
        // 2. Renumber breadth-first so that siblings are consecutive.
        let n = kids.count
        var order: [Int32] = [0]
        order.reserveCapacity(n)
        var newID = Array(repeating: Int32(0), count: n)
        var head = 0
        while head < order.count {
            var c = kids[Int(order[head])]
            while c >= 0 {
                newID[Int(c)] = Int32(order.count)
                order.append(c)
                c = sibling[Int(c)]
            }
            head += 1
        }
        firstChild = Array(repeating: 0, count: n)
        childCount = Array(repeating: 0, count: n)
        edgeByte = Array(repeating: 0, count: n)
        rankAll = Array(repeating: -1, count: n)
        rankUser = Array(repeating: -1, count: n)
        for (new, old) in order.enumerated() {
            let o = Int(old)
            edgeByte[new] = byte[o]
            rankAll[new] = endRankAll[o]
            rankUser[new] = endRankUser[o]
            var count = 0
            var c = kids[o]
            firstChild[new] = c >= 0 ? newID[Int(c)] : 0
            while c >= 0 {
                count += 1
                c = sibling[Int(c)]
            }
            childCount[new] = UInt16(count)
        }
        for r in 0..<k where rankNode[r] >= 0 { rankNode[r] = newID[Int(rankNode[r])] }
        for c in Int(firstChild[0])..<Int(firstChild[0]) + Int(childCount[0]) { rootChild[Int(edgeByte[c])] = Int32(c) }
        // 3. Fail and output links, breadth-first (a node's fail target is shallower).
        fail = Array(repeating: 0, count: n)
        outAll = Array(repeating: -1, count: n)
        outUser = Array(repeating: -1, count: n)
        for v in 0..<n {
            let first = Int(firstChild[v])
            for c in first..<first + Int(childCount[v]) {
                var f: Int32 = 0
                if v != 0 {
                    var u = fail[v]
                    while true {
                        if let g = child(of: u, edgeByte[c]) {
                            f = g
                            break
                        }
                        if u == 0 { break }
                        u = fail[Int(u)]
                    }
                }
                fail[c] = f
                outAll[c] = rankAll[Int(f)] >= 0 ? f : outAll[Int(f)]
                outUser[c] = rankUser[Int(f)] >= 0 ? f : outUser[Int(f)]
            }
        }
    }

    /// The child of `node` along byte `b`, if any.
    @inline(__always)
    func child(of node: Int32, _ b: UInt8) -> Int32? {
        var lo = Int(firstChild[Int(node)])
        var hi = lo + Int(childCount[Int(node)])
        while lo < hi {
            let mid = (lo + hi) >> 1
            let m = edgeByte[mid]
            if m == b { return Int32(mid) }
            if m < b { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    /// The automaton's state after reading `b` in state `s` (goto, falling back along fail links).
    @inline(__always)
    func step(_ s: Int32, _ b: UInt8) -> Int32 {
        var u = s
        while true {
            if let c = child(of: u, b) { return c }
            if u == 0 { return 0 }
            u = fail[Int(u)]
        }
    }
}
