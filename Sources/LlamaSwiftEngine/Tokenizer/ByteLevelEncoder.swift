/// Byte-level BPE over the words of a pre-tokenized fragment, as llama.cpp's
/// `llm_tokenizer_bpe_session::tokenize` does it.
///
/// llama.cpp maps each word to GPT-2's byte alphabet (one character per byte) and merges
/// characters by the rank of the pair's texts in `tokenizer.ggml.merges`. Here the work
/// stays on raw bytes: the alphabet is a bijection, so a symbol is a byte run plus the id
/// of its text (`ByteLevelVocabulary`), and a merge lookup is a pair of ids.
///
/// Per word: with `ignore_merges` (LLaMA 3), a word that is a whole token is emitted as
/// is. Otherwise every byte is a symbol; every adjacent pair that is a merge is queued;
/// the queue pops the lowest rank, ties to the leftmost (`llm_bigram_bpe::comparator`),
/// skips pairs that changed since queued, merges, and queues the new neighbours. Each
/// final symbol is its token; a symbol whose text is not a token (possible only with
/// merges whose result is missing from the vocabulary) is emitted as llama.cpp does:
/// each byte of its alphabet spelling that is itself a token, the others dropped.
struct ByteLevelEncoder {
    struct Bigram: HeapElement {
        var rank: UInt32
        var left: Int32
        var right: Int32
        var size: Int32
        var result: UInt32

        @inline(__always)
        func precedes(_ o: Bigram) -> Bool {
            rank < o.rank || (rank == o.rank && left < o.left)
        }
    }

    private let symbols = CheckedBuffer<MergeSymbol>()
    private let heap = BinaryHeap<Bigram>()

    func encodeWord(
        _ word: UnsafePointer<UInt8>, _ n: Int, vocabulary v: ByteLevelVocabulary, ignoreMerges: Bool,
        into output: CheckedBuffer<Int32>
    ) throws {
        if ignoreMerges {
            let id = v.tokens.lookup(word, n)
            if id >= 0 {
                try output.append(id)
                return
            }
        }
        if n == 1 {
            try v.emit(v.byteSymbol[Int(word[0])], word, 1, into: output)
            return
        }
        symbols.removeAll()
        heap.removeAll()
        try symbols.reserve(n)
        for i in 0..<n {
            try symbols.append(
                MergeSymbol(
                    start: Int32(truncatingIfNeeded: i), length: 1, prev: Int32(truncatingIfNeeded: i - 1),
                    next: i == n - 1 ? -1 : Int32(truncatingIfNeeded: i + 1), id: v.byteSymbol[Int(word[i])]))
        }
        let merges = v.merges
        let sym = symbols.buffer
        // Entries of pairs that changed since queued are skipped when popped; the heap is
        // compacted when it holds over 2 entries per live symbol (+64).
        var live = n
        @inline(__always)
        func tryAdd(_ left: Int32, _ right: Int32) throws {
            guard left >= 0, right >= 0 else { return }
            let l = sym[Int(left)], r = sym[Int(right)]
            guard let m = merges.lookup(left: l.id, right: r.id) else { return }
            try heap.push(
                Bigram(rank: m.rank, left: left, right: right, size: l.length + r.length, result: m.result))
        }
        do {
            for i in 1..<sym.count { try tryAdd(Int32(i - 1), Int32(i)) }
            while let b = heap.pop() {
                let li = Int(b.left), ri = Int(b.right)
                let ln = sym[li].length, rn = sym[ri].length
                if ln == 0 || rn == 0 || ln + rn != b.size { continue }
                sym[li].length = ln + rn
                sym[li].id = b.result
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
                try v.emit(s.id, word + Int(s.start), Int(s.length), into: output)
                i = Int(s.next)
            }
        }
    }
}
