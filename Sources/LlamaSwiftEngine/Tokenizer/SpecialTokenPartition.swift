/// A piece of the input after special tokens are cut out: raw text (the byte range
/// `start ..< end` of the input) or a special token.
enum TextFragment: Equatable {
    case text(Int32, Int32)
    case token(Int32)
}

extension Tokenizer {
    /// Cuts special tokens out of the text with the result of llama.cpp's
    /// `tokenizer_st_partition`, in one pass over the text instead of one per special token.
    ///
    /// llama.cpp's rule: for each special token in turn (`specialTokens`: longest text
    /// first), cut every leftmost non-overlapping occurrence out of every remaining text
    /// fragment. So an occurrence is taken iff, when its token's turn comes, it lies wholly
    /// in text not yet taken and no earlier occurrence of the same token overlapping it was
    /// taken: a longer token wins even where a shorter one starts earlier ("abcd" with
    /// "bcd" and "ab" gives "a", "bcd"). Without `parseSpecial`, control and unknown tokens
    /// are skipped but user-defined tokens are still cut out (as Hugging Face does). A token
    /// with the lstrip/rstrip attribute (set by llama.cpp for Phi-3 and a few others) also
    /// takes the untaken whitespace (C `isspace`) before/after it, out of every fragment.
    ///
    /// Here: one Aho–Corasick pass (`SpecialTokenMatcher`) gives, for each end position,
    /// the longest special token ending there — its candidate. Candidates are taken in
    /// llama.cpp's order (token rank, then start): a counting sort by rank of those the
    /// pass found, merged with a heap of the ones pushed back. A candidate whose bytes are
    /// all untaken is taken (a bit set records taken bytes, with a summary level per 64
    /// words to find the last taken byte in a range at once); otherwise the end position's
    /// next candidate is the longest shorter token ending there that fits after the last
    /// taken byte (its output links), which has a later rank, so the order holds. A shorter
    /// token hidden behind a longer one at the same end always ranks after it, so nothing
    /// is popped too late.
    ///
    /// Cost: O(n) time for n input bytes, plus O(log n) per candidate pushed back and the
    /// output links walked (at most the number of special tokens that are suffixes of one
    /// another, per end position); memory at most 12 bytes per end position where a
    /// special token ends (8 after the sort), 8 per token taken, n/8 for the bit set, 12
    /// per fragment. Allocation failure is `.outOfMemory`.
    func partition(_ text: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) throws -> CheckedBuffer<TextFragment> {
        let fragments = CheckedBuffer<TextFragment>()
        guard let base = text.baseAddress, text.count > 0 else { return fragments }
        let n = text.count
        let m = specialMatcher
        guard !m.isEmpty else {
            try fragments.append(.text(0, Int32(n)))
            return fragments
        }
        let rank = parseSpecial ? m.rankAll : m.rankUser
        let out = parseSpecial ? m.outAll : m.outUser
        let length = m.rankLength

        // 1. One pass: each end position's longest special token, keyed (rank, start).
        let found = CheckedBuffer<UInt64>()
        var state: Int32 = 0
        try rank.withUnsafeBufferPointer { rank in
            try out.withUnsafeBufferPointer { out in
                try m.rootChild.withUnsafeBufferPointer { rootChild in
                    for i in 0..<n {
                        if state == 0 {
                            state = rootChild[Int(base[i])]
                            if state == 0 { continue }
                        } else {
                            state = m.step(state, base[i])
                        }
                        let x = rank[Int(state)] >= 0 ? state : out[Int(state)]
                        if x >= 0 {
                            let r = rank[Int(x)]
                            try found.append(UInt64(r) << 32 | UInt64(i + 1 - Int(length[Int(r)])))
                        }
                    }
                }
            }
        }
        guard !found.isEmpty else {
            try fragments.append(.text(0, Int32(n)))
            return fragments
        }
        // Stable counting sort by rank: for one rank the pass met the starts in increasing
        // order, so the result is in (rank, start) order. Ranks are bucket boundaries.
        let k = length.count
        var bucketEnd = Array(repeating: 0, count: k + 1)  // vocabulary-sized
        for j in 0..<found.count { bucketEnd[Int(found[j] >> 32) + 1] += 1 }
        for r in 0..<k { bucketEnd[r + 1] += bucketEnd[r] }
        let starts = try CheckedBuffer<UInt32>(capacity: found.count)
        for _ in 0..<found.count { try starts.append(0) }
        var fill = bucketEnd  // fill[r]: next free slot of rank r's bucket
        for j in 0..<found.count {
            let key = found[j]
            let r = Int(key >> 32)
            starts[fill[r]] = UInt32(truncatingIfNeeded: key)
            fill[r] += 1
        }
        found.release()

        // 2. Take candidates in llama.cpp's order: the sorted ones merged with the heap of
        // shorter candidates pushed back when a longer one did not fit. A candidate that
        // does not fit waits until its rank is done (`pending`): by then the other
        // occurrences of its token have taken their bytes, and usually nothing shorter
        // fits any more (a run of spaces under a vocabulary of space runs would otherwise
        // push back one candidate per byte).
        let taken = try TakenBytes(count: n)
        let accepted = CheckedBuffer<UInt64>()  // start << 32 | rank
        let heap = CheckedBuffer<UInt64>()
        let pending = CheckedBuffer<UInt64>()
        var next = 0, bucket = 0, currentRank = -1
        while true {
            while bucket < k && next >= bucketEnd[bucket + 1] { bucket += 1 }
            let sortedKey: UInt64? = next < starts.count ? UInt64(bucket) << 32 | UInt64(starts[next]) : nil
            let fromSorted = sortedKey.map { sk in heap.isEmpty || sk < heap[0] } ?? false
            let peek: UInt64? = fromSorted ? sortedKey : (heap.isEmpty ? nil : heap[0])
            if !pending.isEmpty && peek.map({ Int($0 >> 32) != currentRank }) ?? true {
                // The rank is done: push back, for each candidate that did not fit, the
                // longest shorter token ending at its end that fits after the last taken byte.
                for j in 0..<pending.count {
                    let key = pending[j]
                    let r = Int(key >> 32), start = Int(key & 0xFFFF_FFFF)
                    let end = start + Int(length[r])
                    guard let last = taken.last(in: start, end) else { continue }
                    let room = end - (last + 1)
                    guard room > 0 else { continue }
                    var x = out[Int(m.rankNode[r])]
                    while x >= 0 && Int(length[Int(rank[Int(x)])]) > room { x = out[Int(x)] }
                    if x >= 0 {
                        let r2 = rank[Int(x)]
                        try MinHeap.push(heap, UInt64(r2) << 32 | UInt64(end - Int(length[Int(r2)])))
                    }
                }
                pending.removeAll()
                continue
            }
            guard let key = peek else { break }
            if fromSorted { next += 1 } else { _ = MinHeap.popMin(heap) }
            let r = Int(key >> 32), start = Int(key & 0xFFFF_FFFF)
            currentRank = r
            let end = start + Int(length[r])
            if taken.last(in: start, end) != nil {
                if end - 1 > start && !taken.contains(end - 1) { try pending.append(key) }
                continue
            }
            let a = attributes[Int(specialTokens[r])]
            var from = start, to = end
            if a.contains(.lstrip) {
                while from > 0 && Self.isCSpace(base[from - 1]) && !taken.contains(from - 1) { from -= 1 }
            }
            if a.contains(.rstrip) {
                while to < n && Self.isCSpace(base[to]) && !taken.contains(to) { to += 1 }
            }
            taken.insert(from, to)
            try accepted.append(UInt64(start) << 32 | UInt64(r))
        }
        starts.release()
        heap.release()
        pending.release()

        // 3. Fragments in text order: between two tokens, the untaken run (whitespace a
        // token stripped is taken but belongs to no fragment).
        MinHeap.sortDescending(accepted)
        var pos = 0
        var i = accepted.count
        while i > 0 {
            i -= 1
            let key = accepted[i]
            let r = Int(key & 0xFFFF_FFFF), start = Int(key >> 32)
            var a = pos, b = start
            while a < b && taken.contains(a) { a += 1 }
            while b > a && taken.contains(b - 1) { b -= 1 }
            if b > a { try fragments.append(.text(Int32(a), Int32(b))) }
            try fragments.append(.token(specialTokens[r]))
            pos = start + Int(length[r])
        }
        var a = pos
        while a < n && taken.contains(a) { a += 1 }
        if n > a { try fragments.append(.text(Int32(a), Int32(n))) }
        return fragments
    }

    /// C `isspace` in the "C" locale: space, \t, \n, \v, \f, \r.
    @inline(__always)
    static func isCSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
}

/// Binary min-heap operations on a `CheckedBuffer<UInt64>`.
enum MinHeap {
    static func heapify(_ h: CheckedBuffer<UInt64>) {
        var i = h.count / 2
        while i > 0 {
            i -= 1
            siftDown(h, i, h.count)
        }
    }

    static func popMin(_ h: CheckedBuffer<UInt64>) -> UInt64 {
        let top = h[0]
        let last = h.removeLast()
        if h.count > 0 {
            h[0] = last
            siftDown(h, 0, h.count)
        }
        return top
    }

    static func push(_ h: CheckedBuffer<UInt64>, _ v: UInt64) throws {
        try h.append(v)
        var i = h.count - 1
        while i > 0 {
            let p = (i - 1) >> 1
            guard h[i] < h[p] else { break }
            let t = h[i]
            h[i] = h[p]
            h[p] = t
            i = p
        }
    }

    /// In-place heapsort into descending order (pop from the end for ascending).
    static func sortDescending(_ h: CheckedBuffer<UInt64>) {
        heapify(h)
        var end = h.count
        while end > 1 {
            end -= 1
            let t = h[0]
            h[0] = h[end]
            h[end] = t
            siftDown(h, 0, end)
        }
    }

    @inline(__always)
    private static func siftDown(_ h: CheckedBuffer<UInt64>, _ start: Int, _ n: Int) {
        var i = start
        while true {
            let l = 2 * i + 1
            if l >= n { return }
            let r = l + 1
            let c = r < n && h[r] < h[l] ? r : l
            guard h[c] < h[i] else { return }
            let t = h[i]
            h[i] = h[c]
            h[c] = t
            i = c
        }
    }
}

/// The set of input bytes taken by special tokens: one bit per byte, plus summary levels
/// (bit j of level k+1 says whether word j of level k is non-zero) up to a single word, so
/// that the last taken byte before a position is found in O(levels).
final class TakenBytes {
    private var levels: [CheckedBuffer<UInt64>] = []

    init(count n: Int) throws {
        var size = n
        repeat {
            let words = (size + 63) / 64
            let level = try CheckedBuffer<UInt64>(capacity: words)
            for _ in 0..<words { try level.append(0) }
            levels.append(level)
            size = words
        } while size > 1
    }

    @inline(__always)
    func contains(_ i: Int) -> Bool { levels[0][i >> 6] & (1 << UInt64(i & 63)) != 0 }

    /// Marks bytes `from ..< to`.
    func insert(_ from: Int, _ to: Int) {
        guard to > from else { return }
        var a = from, b = to
        for level in levels {
            var i = a
            while i < b {
                let w = i >> 6
                let lo = i & 63
                let hi = min(64, lo + (b - i))
                let mask: UInt64 = hi - lo == 64 ? ~0 : ((1 << UInt64(hi - lo)) - 1) << UInt64(lo)
                level[w] |= mask
                i += hi - lo
            }
            a >>= 6
            b = ((b - 1) >> 6) + 1
        }
    }

    /// The last taken byte in `from ..< to`, if any.
    func last(in from: Int, _ to: Int) -> Int? {
        guard to > from else { return nil }
        let p = previous(0, to - 1)
        return p >= from ? p : nil
    }

    /// The largest set index ≤ i at `level`, or -1.
    private func previous(_ level: Int, _ i: Int) -> Int {
        if i < 0 { return -1 }
        let words = levels[level]
        let w = i >> 6
        let bit = i & 63
        let mask: UInt64 = bit == 63 ? ~0 : (1 << UInt64(bit + 1)) - 1
        let bits = words[w] & mask
        if bits != 0 { return w << 6 | (63 - bits.leadingZeroBitCount) }
        if level + 1 == levels.count { return -1 }
        let w2 = previous(level + 1, w - 1)
        if w2 < 0 { return -1 }
        return w2 << 6 | (63 - words[w2].leadingZeroBitCount)
    }
}
