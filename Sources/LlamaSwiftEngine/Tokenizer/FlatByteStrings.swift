/// Many short byte strings in one buffer: `count` strings, string `i` occupying
/// `bytes[offsets[i] ..< offsets[i + 1]]`. Used for vocabulary texts and rendered pieces,
/// so a 150,000-entry vocabulary is two arrays, not 150,000.
struct FlatByteStrings: Sendable {
    private(set) var bytes: [UInt8] = []
    private(set) var offsets: [Int] = [0]

    var count: Int { offsets.count - 1 }

    mutating func append<C: Collection>(_ s: C) where C.Element == UInt8 {
        bytes.append(contentsOf: s)
        offsets.append(bytes.count)
    }

    mutating func reserve(strings: Int, bytes n: Int) {
        offsets.reserveCapacity(strings + 1)
        bytes.reserveCapacity(n)
    }

    /// The string at `i`, or nil when `i` is out of range.
    subscript(checked i: Int) -> ArraySlice<UInt8>? {
        guard i >= 0, i < count else { return nil }
        return bytes[offsets[i]..<offsets[i + 1]]
    }

    /// Length of string `i` (caller guarantees `0 <= i < count`).
    func length(_ i: Int) -> Int { offsets[i + 1] - offsets[i] }
}
