/// Elements a `BinaryHeap` orders: `a.precedes(b)` when `a` must be popped before `b`.
/// The order must be total on the entries that matter, so results never depend on the
/// heap's layout (both tokenizers order by (priority, left position), which is unique
/// among live entries; stale entries are skipped whatever their order).
protocol HeapElement {
    func precedes(_ other: Self) -> Bool
}

/// A binary min-heap over an array whose storage is kept between uses.
struct BinaryHeap<Element: HeapElement> {
    private(set) var storage: [Element] = []

    var isEmpty: Bool { storage.isEmpty }

    mutating func removeAll() { storage.removeAll(keepingCapacity: true) }

    mutating func push(_ e: Element) {
        storage.append(e)
        storage.withUnsafeMutableBufferPointer { s in
            var i = s.count - 1
            while i > 0 {
                let parent = (i - 1) >> 1
                guard s[i].precedes(s[parent]) else { break }
                s.swapAt(i, parent)
                i = parent
            }
        }
    }

    mutating func pop() -> Element? {
        guard let last = storage.popLast() else { return nil }
        if storage.isEmpty { return last }
        let top = storage[0]
        storage.withUnsafeMutableBufferPointer { s in
            s[0] = last
            let n = s.count
            var i = 0
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
        return top
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
