/// GBNF for the decimal integers in a closed or half-open range, without leading zeros
/// (the JSON integers `minimum`/`maximum` allow). Same-length bounds are split digit by
/// digit: [a, b] with first digits fa < fb is fa·[rest(a), 9…9] | (fa+1 … fb−1)·[0-9]^L |
/// fb·[0…0, rest(b)] — a standard construction (as in regex generators for ranges);
/// different lengths are split at powers of ten. Bounds are at most 2^53 in magnitude
/// (the converter checks), so every value has at most 16 digits.
enum IntegerRange {
    static func gbnf(min lo: Int64?, max hi: Int64?) -> String {
        if let lo, lo >= 0 { return alternatives(nonNegative(UInt64(lo), hi.map { UInt64($0) })) }
        if let hi, hi < 0 {
            return "\"-\" (" + alternatives(nonNegative(UInt64(-hi), lo.map { UInt64(-$0) })) + ")"
        }
        // The range spans 0: negative part "-" [1, −min], then [0, max].
        let negative = "\"-\" (" + alternatives(nonNegative(1, lo.map { UInt64(-$0) })) + ")"
        let positive = alternatives(nonNegative(0, hi.map { UInt64($0) }))
        return negative + " | " + positive
    }

    private static func alternatives(_ a: [String]) -> String { a.joined(separator: " | ") }

    private static func digits(_ v: UInt64) -> [Int] { String(v).utf8.map { Int($0) - 48 } }

    private static func pow10(_ n: Int) -> UInt64 {
        var v: UInt64 = 1
        for _ in 0..<n { v *= 10 }
        return v
    }

    /// [lo, hi] (hi nil = unbounded, capped at 16 digits like JSON's integral part).
    static func nonNegative(_ lo: UInt64, _ hi: UInt64?) -> [String] {
        let dl = digits(lo).count
        var out: [String] = []
        if let hi {
            guard lo <= hi else { return [] }
            let dh = digits(hi).count
            for l in dl...dh {
                let a = l == dl ? lo : pow10(l - 1)
                let b = l == dh ? hi : pow10(l) - 1
                out += sameLength(digits(a), digits(b))
            }
        } else {
            out += sameLength(digits(lo), [Int](repeating: 9, count: dl))
            out.append("[1-9] [0-9]{\(dl),\(Swift.max(dl, 15))}")
        }
        return out
    }

    private static func digitClass(_ a: Int, _ b: Int) -> String { a == b ? "\"\(a)\"" : "[\(a)-\(b)]" }

    /// Sequences for [a, b], both of the same length, a ≤ b.
    private static func sameLength(_ a: [Int], _ b: [Int]) -> [String] {
        guard let fa = a.first, let fb = b.first else { return [""] }
        let ra = Array(a.dropFirst()), rb = Array(b.dropFirst())
        let l = ra.count
        if fa == fb { return sameLength(ra, rb).map { "\"\(fa)\" " + $0 } }
        var out: [String] = []
        let lowFull = ra.allSatisfy { $0 == 0 }, highFull = rb.allSatisfy { $0 == 9 }
        let midLo = lowFull ? fa : fa + 1, midHi = highFull ? fb : fb - 1
        if !lowFull { out += sameLength(ra, [Int](repeating: 9, count: l)).map { "\"\(fa)\" " + $0 } }
        if midLo <= midHi { out.append(digitClass(midLo, midHi) + (l > 0 ? " [0-9]{\(l)}" : "")) }
        if !highFull { out += sameLength([Int](repeating: 0, count: l), rb).map { "\"\(fb)\" " + $0 } }
        return out
    }
}
