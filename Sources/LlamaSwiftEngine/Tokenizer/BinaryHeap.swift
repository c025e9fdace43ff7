/// Elements a `BinaryHeap` orders: `a.precedes(b)` when `a` must be popped before `b`.
/// The order must be total on the entries that matter, so results never depend on the
/// heap's layout (both tokenizers order by (priority, left position), which is unique
/// among live entries; stale entries are skipped whatever their order).
protocol HeapElement {
    func precedes(_ other: Self) -> Bool
}

/// A binary min-heap whose storage (a `CheckedBuffer`: allocation failure throws) is kept
/// between uses.
struct BinaryHeap<Element: HeapElement & BitwiseCopyable> {
    let storage = CheckedBuffer<Element>()

    var isEmpty: Bool { storage.isEmpty }
    var count: Int { storage.count }

    func removeAll() { storage.removeAll() }

    func push(_ e: Element) throws {
        try storage.append(e)
        siftUp(storage.count - 1)
    }

    func pop() -> Element? {
        guard storage.count > 0 else { return nil }
        let top = storage[0]
        let last = storage.removeLast()
        if storage.count > 0 {
            storage[0] = last
            siftDown(0)
        }
        return top
    }

    /// Drops the entries `keep` rejects and restores the heap order. The pop order of the
    /// entries kept does not change (`precedes` is total on them), so callers use it to
    /// bound the stale entries that lazy deletion leaves behind.
    func compact(keeping keep: (Element) -> Bool) {
        var kept = 0
        for i in 0..<storage.count where keep(storage[i]) {
            storage[kept] = storage[i]
            kept += 1
        }
        storage.truncate(to: kept)
        var i = kept / 2
        while i > 0 {
            i -= 1
            siftDown(i)
        }
    }

    private func siftUp(_ start: Int) {
        let s = storage.buffer
        var i = start
        while i > 0 {
            let parent = (i - 1) >> 1
            guard s[i].precedes(s[parent]) else { break }
            s.swapAt(i, parent)
            i = parent
        }
    }

    private func siftDown(_ start: Int) {
        let s = storage.buffer
        let n = s.count
        var i = start
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            let r = l + 1
            let c = r < n && s[r].precedes(s[l]) ? r : l
            guard s[c].precedes(s[i]) else { break }
            s.swapAt(i, c)
            i = c
        }
    }
}

/// A symbol of a word being merged: a run of bytes, its neighbours in the linked list
/// (-1 at the ends), and (byte-level BPE) the id of its text. Mirrors llama.cpp's
/// `llm_symbol`; a symbol merged into its left neighbour has `length == 0`.
struct MergeSymbol {
    var start: Int32
    var length: Int32
    var prev: Int32
    var next: Int32
    var id: UInt32
}
