extension TextStream {
    /// The bytes as valid UTF-8: each ill-formed subsequence (a stray continuation byte, a
    /// lead byte without its continuations, an overlong form, a surrogate, anything above
    /// U+10FFFF) becomes U+FFFD, as Unicode's "maximal subpart" practice (and Swift's
    /// `String(decoding:as:)`) replaces them. Valid input comes back unchanged and
    /// without a copy of the work: the fast path only validates.
    ///
    /// Why here: `push` cuts the pending bytes where no character is left unfinished, but
    /// sampled tokens can put bytes in an order no character has (`e2 95` then `20 69`);
    /// those must not reach a callback that was promised whole characters.
    public static func validUTF8(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.allSatisfy({ $0 < 0x80 }) { return bytes }
        let s = String(decoding: bytes, as: UTF8.self)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        out.append(contentsOf: s.utf8)
        return out
    }
}
