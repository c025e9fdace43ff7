/// Typed access to metadata values with errors that name the key: a key of the wrong
/// type is a FORMAT error, an absent optional key is nil.
extension GGUFFile {
    public func has(_ key: String) -> Bool { metadata[key] != nil }

    public func string(_ key: String) throws -> String? {
        guard let v = metadata[key] else { return nil }
        guard let s = v.string else {
            throw LlamaError.format("metadata '\(key)' should be a string, found \(v.rendered)")
        }
        return s
    }

    /// An integer metadata value, required to lie in `range`.
    public func integer(_ key: String, in range: ClosedRange<Int64> = 0...Int64(Int32.max)) throws -> Int? {
        guard let v = metadata[key] else { return nil }
        guard let i = v.integer else {
            throw LlamaError.format("metadata '\(key)' should be an integer, found \(v.rendered)")
        }
        guard range.contains(i) else {
            throw LlamaError.format("metadata '\(key)' = \(i) is out of range \(range.lowerBound)…\(range.upperBound)")
        }
        return Int(i)
    }

    public func float(_ key: String) throws -> Double? {
        guard let v = metadata[key] else { return nil }
        guard let d = v.double, d.isFinite else {
            throw LlamaError.format("metadata '\(key)' should be a finite number, found \(v.rendered)")
        }
        return d
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let v = metadata[key] else { return nil }
        guard let b = v.bool else { throw LlamaError.format("metadata '\(key)' should be a bool, found \(v.rendered)") }
        return b
    }
}
