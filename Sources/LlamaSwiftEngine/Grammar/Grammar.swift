/// A set of Unicode code points: sorted, disjoint, inclusive ranges, possibly negated
/// (GBNF's `[a-z]`, `[^"\\]`, a literal's single character, or `.`).
public struct CharClass: Hashable, Sendable {
    /// Sorted by `lo`, disjoint and not adjacent (merged at construction).
    public let ranges: [ClosedRange<UInt32>]
    public let negated: Bool

    public init(ranges: [ClosedRange<UInt32>], negated: Bool) {
        var merged: [ClosedRange<UInt32>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, r.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        self.ranges = merged
        self.negated = negated
    }

    /// Any code point (GBNF's `.`).
    public static let any = CharClass(ranges: [], negated: true)

    public func contains(_ c: UInt32) -> Bool {
        var inside = false
        for r in ranges where r.contains(c) {
            inside = true
            break
        }
        return inside != negated
    }

    /// Whether some code point in `lo...hi` is in the class (for a partial UTF-8 character:
    /// the code points its bytes so far can still become).
    func intersects(_ lo: UInt32, _ hi: UInt32) -> Bool {
        if !negated {
            return ranges.contains { $0.lowerBound <= hi && lo <= $0.upperBound }
        }
        // Negated: true unless lo...hi lies inside one excluded range (ranges are merged).
        return !ranges.contains { $0.lowerBound <= lo && hi <= $0.upperBound }
    }
}

/// One element of a grammar's flattened rule bodies.
struct GrammarElement: Hashable, Sendable {
    enum Kind: UInt8, Sendable {
        /// Ends an alternative.
        case end
        /// One code point of `Grammar.classes[value]`.
        case char
        /// The rule `value` (its alternatives).
        case rule
    }
    var kind: Kind
    var value: Int32
}

/// A parsed GBNF grammar in the flat form the matcher walks: every alternative of every
/// rule is a run of `char`/`rule` elements in `elements` ending with an `end` element;
/// `alternatives[r]` holds the start index of rule r's alternatives. Repetitions and
/// groups are already rewritten into generated rules (`name_1`, `name_2`, … as llama.cpp
/// names them), so the matcher knows only sequences, alternatives and references.
/// Guaranteed by `GBNFParser`: every reference names a defined rule, and no rule can
/// reach itself without consuming a character (no left recursion), so expanding the
/// references at the front of a sequence always terminates.
public struct Grammar: Sendable {
    var elements: [GrammarElement]
    var alternatives: [[Int32]]
    var classes: [CharClass]
    /// Rule names, indexed like `alternatives`.
    public let ruleNames: [String]
    /// The start rule's index.
    public let root: Int

    /// Parses GBNF text (llama.cpp's grammar format; see docs/grammars.md). Throws
    /// `.invalidArgument` with "line L, column C: …" for a syntax error, an undefined rule,
    /// left recursion, or a missing start rule.
    public init(gbnf: [UInt8], root: String = "root") throws {
        var parser = GBNFParser(text: gbnf)
        self = try parser.parse(root: root)
    }

    init(elements: [GrammarElement], alternatives: [[Int32]], classes: [CharClass], ruleNames: [String], root: Int) {
        self.elements = elements
        self.alternatives = alternatives
        self.classes = classes
        self.ruleNames = ruleNames
        self.root = root
    }
}
