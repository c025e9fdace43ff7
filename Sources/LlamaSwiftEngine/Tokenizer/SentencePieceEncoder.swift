/// SentencePiece-style BPE over one text fragment, as llama.cpp's
/// `llm_tokenizer_spm_session::tokenize` does it.
///
/// Algorithm: split the (already ▁-escaped) text into UTF-8 characters by lead byte
/// (`unicode_len_utf8`, clamped at the end; invalid bytes are one-byte characters). Every
/// adjacent pair whose concatenation is a vocabulary token goes into a priority queue with
/// that token's score. Repeatedly pop the best pair — highest score, ties to the leftmost
/// (llama.cpp's `llm_bigram_spm::comparator`) — skip it if either side has changed since
/// it was queued, else merge the right symbol into the left and queue the two new
/// neighbouring pairs. Finally each symbol is its token if its text is one, else one
/// byte token per byte (`<0xNN>`, or the byte itself as a token; `byte_to_token`).
/// (llama.cpp's `resegment` also consults `rev_merge`, but a symbol that is not a token
/// never has an entry there, so that branch cannot apply.)
///
/// Cost: O(n log n) in the fragment's characters, one hash lookup per candidate pair.
struct SentencePieceEncoder {
    struct Bigram: HeapElement {
        var score: Float
        var left: Int32
        var right: Int32
        var size: Int32

        @inline(__always)
        func precedes(_ o: Bigram) -> Bool {
            score > o.score || (score == o.score && left < o.left)
        }
    }

    private let symbols = CheckedBuffer<MergeSymbol>()
    private let heap = BinaryHeap<Bigram>()

    func encode(
        _ text: UnsafeBufferPointer<UInt8>, tokenizer t: Tokenizer, into output: CheckedBuffer<Int32>
    ) throws {
        guard let base = text.baseAddress, text.count > 0 else { return }
        let n = text.count
        symbols.removeAll()
        heap.removeAll()
        var offset = 0
        while offset < n {
            let len = min(utf8SequenceLength(base[offset]), n - offset)
            let index = Int32(truncatingIfNeeded: symbols.count)
            offset += len
            try symbols.append(
                MergeSymbol(
                    start: Int32(truncatingIfNeeded: offset - len), length: Int32(truncatingIfNeeded: len),
                    prev: index - 1, next: offset == n ? -1 : index + 1, id: 0))
        }
        let vocab = t.spmTable
        let scores = t.scores
        let sym = symbols.buffer
        // Stale entries (pairs changed since queued) are skipped when popped; the heap is
        // compacted when it holds over 2 entries per live symbol (+64).
        var live = sym.count
        try scores.withUnsafeBufferPointer { sc in
            @inline(__always)
            func tryAdd(_ left: Int32, _ right: Int32) throws {
                guard left >= 0, right >= 0 else { return }
                let l = sym[Int(left)], r = sym[Int(right)]
                let size = Int(l.length) + Int(r.length)
                let id = vocab.lookup(base + Int(l.start), size)
                guard id >= 0, Int(id) < sc.count else { return }
                try heap.push(
                    Bigram(score: sc[Int(id)], left: left, right: right, size: Int32(truncatingIfNeeded: size)))
            }
            for i in 1..<max(sym.count, 1) { try tryAdd(Int32(i - 1), Int32(i)) }
            while let b = heap.pop() {
                let li = Int(b.left), ri = Int(b.right)
                let ln = sym[li].length, rn = sym[ri].length
                if ln == 0 || rn == 0 || ln + rn != b.size { continue }
                sym[li].length = ln + rn
                sym[ri].length = 0
                live -= 1
                if heap.count > 2 * live + 64 {
                    heap.compact { e in
                        let l = sym[Int(e.left)].length, r = sym[Int(e.right)].length
                        return l != 0 && r != 0 && l + r == e.size
                    }
                }
                let next = sym[ri].next
                sym[li].next = next
                if next >= 0 { sym[Int(next)].prev = b.left }
                try tryAdd(sym[li].prev, b.left)
                try tryAdd(b.left, next)
            }
            var i = 0
            while i != -1 {
                let s = sym[i]
                let id = vocab.lookup(base + Int(s.start), Int(s.length))
                if id >= 0 {
                    try output.append(id)
                } else {
                    for k in 0..<Int(s.length) {
                        try output.append(try t.byteToken(base[Int(s.start) + k]))
                    }
                }
                i = Int(s.next)
            }
        }
    }
}
