/// Runs a `Grammar` over bytes as a lazily built automaton.
///
/// **Positions and stacks.** As in llama.cpp's grammar engine (the idea, our code): where
/// the matcher can be is a set of pushdown stacks. A stack's top is an index into
/// `grammar.elements` pointing at a `char` element (the next character to match); below it
/// are the continuations to resume when the current alternative ends. An empty stack
/// means the input so far is a complete sentence. Stacks are interned as linked nodes
/// (`position`, `parent`) so equal stacks have equal ids and share their tails; a
/// reference whose continuation is the end of its alternative is a tail call (nothing is
/// pushed), so right recursion such as `x*` keeps stacks flat.
///
/// **States.** A state is a sorted set of stack ids plus a partial UTF-8 character (the
/// bytes of a character seen so far). States are interned too, and the transition on
/// each byte is computed once and cached (`table`, 256 entries per state): after
/// warm-up, walking a byte costs an array read. A partial character is kept only while
/// some stack top could still match a code point starting with those bytes (llama.cpp's
/// partial-UTF-8 rule), so a token may end mid-character.
///
/// Memory is bounded: past `maxStates` states or `maxNodes` stack nodes, `compact(keeping:)`
/// rebuilds the tables from the one state still needed.
///
/// Cost: a cached transition O(1); a new one O(stacks × (class size + expansion)).
/// One thread at a time.
final class GrammarMatcher {
    let grammar: Grammar

    // Stack nodes: position (an element index) and parent node (-1 = bottom).
    private var nodePosition: [Int32] = []
    private var nodeParent: [Int32] = []
    private var nodeIds: [Int64: Int32] = [:]
    /// A node's expansion: the stacks (char-topped, or -1 = empty/complete) it stands for.
    private var expansions: [Int32: [Int32]] = [:]

    struct StateKey: Hashable {
        var stacks: [Int32]
        /// The partial character's bits so far and how many continuation bytes it still needs.
        var partial: UInt32
        var remaining: UInt8
        /// The partial character's whole length in bytes (2…4; 0 when there is none).
        var length: UInt8 = 0
    }
    private(set) var states: [StateKey] = []
    private var stateIds: [StateKey: Int32] = [:]
    /// 256 per state: unknown, dead, or the next state. A buffer of our own (not an
    /// array) so the trie walk can read it through a plain pointer; `table` changes when
    /// it grows, so readers refresh it after any call that may add a state.
    private(set) var table: UnsafeMutablePointer<Int32>
    private var tableCapacity = 0
    static let unknown: Int32 = -2
    static let dead: Int32 = -1

    static let maxStates = 200_000
    static let maxNodes = 2_000_000
    /// Stacks one state may hold (an ambiguous grammar can multiply them).
    static let maxStacks = 50_000

    private(set) var initialState: Int32 = 0

    init(_ grammar: Grammar) throws {
        self.grammar = grammar
        table = UnsafeMutablePointer<Int32>.allocate(capacity: 256 * 64)
        tableCapacity = 64
        initialState = try makeInitial()
    }

    deinit { table.deallocate() }

    private func makeInitial() throws -> Int32 {
        var stacks: [Int32] = []
        for a in grammar.alternatives[grammar.root] {
            stacks += try expand(node(a, -1))
        }
        return try intern(StateKey(stacks: normalized(stacks), partial: 0, remaining: 0))
    }

    var stateCount: Int { states.count }

    // MARK: Stacks

    private func node(_ position: Int32, _ parent: Int32) -> Int32 {
        let key = Int64(position) << 32 | Int64(UInt32(bitPattern: parent))
        if let id = nodeIds[key] { return id }
        let id = Int32(nodePosition.count)
        nodePosition.append(position)
        nodeParent.append(parent)
        nodeIds[key] = id
        return id
    }

    /// The char-topped stacks (or -1, complete) that a stack whose top is `n` stands for:
    /// pops finished alternatives, replaces rule references by their alternatives.
    /// Terminates because the parser refused left recursion.
    private func expand(_ n: Int32) throws -> [Int32] {
        if let e = expansions[n] { return e }
        let p = Int(nodePosition[Int(n)])
        let e = grammar.elements[p]
        var out: [Int32]
        switch e.kind {
        case .char:
            out = [n]
        case .end:
            let parent = nodeParent[Int(n)]
            out = parent < 0 ? [-1] : try expand(parent)
        case .rule:
            let parent = nodeParent[Int(n)]
            let continuation = grammar.elements[p + 1].kind == .end ? parent : node(Int32(p + 1), parent)
            out = []
            for a in grammar.alternatives[Int(e.value)] {
                out += try expand(node(a, continuation))
            }
            out = normalized(out)
        }
        guard out.count <= Self.maxStacks else {
            throw LlamaError(.invalidArgument, "grammar: too ambiguous (over \(Self.maxStacks) parse stacks at once)")
        }
        expansions[n] = out
        return out
    }

    private func normalized(_ s: [Int32]) -> [Int32] {
        guard s.count > 1 else { return s }
        var t = s.sorted()
        var w = 1
        for r in 1..<t.count where t[r] != t[w - 1] {
            t[w] = t[r]
            w += 1
        }
        t.removeLast(t.count - w)
        return t
    }

    private func intern(_ key: StateKey) throws -> Int32 {
        if let id = stateIds[key] { return id }
        let id = Int32(states.count)
        states.append(key)
        stateIds[key] = id
        if Int(id) >= tableCapacity {
            let bigger = UnsafeMutablePointer<Int32>.allocate(capacity: 256 * tableCapacity * 2)
            bigger.update(from: table, count: 256 * tableCapacity)
            table.deallocate()
            table = bigger
            tableCapacity *= 2
        }
        (table + Int(id) * 256).initialize(repeating: Self.unknown, count: 256)
        return id
    }

    // MARK: Transitions

    /// Whether the state is a complete sentence (an empty stack, no partial character).
    func isComplete(_ s: Int32) -> Bool {
        let k = states[Int(s)]
        return k.remaining == 0 && k.stacks.first == -1
    }

    /// Whether the state can take no more characters: complete and nothing else.
    func isCompleteOnly(_ s: Int32) -> Bool {
        let k = states[Int(s)]
        return k.remaining == 0 && k.stacks == [-1]
    }

    /// The state after one more byte, or `dead`.
    @inline(__always)
    func next(_ s: Int32, _ byte: UInt8) throws -> Int32 {
        // s is a state id (< states.count ≤ tableCapacity), so the index is in the table.
        let t = table[Int(s) &* 256 &+ Int(byte)]
        if t != Self.unknown { return t }
        let r = try computeNext(s, byte)
        table[Int(s) * 256 + Int(byte)] = r
        return r
    }

    private func computeNext(_ s: Int32, _ b: UInt8) throws -> Int32 {
        var key = states[Int(s)]
        if key.remaining == 0 {
            if b < 0x80 { return try advance(key.stacks, UInt32(b)) }
            if b & 0xE0 == 0xC0 {
                key.partial = UInt32(b & 0x1F)
                key.remaining = 1
            } else if b & 0xF0 == 0xE0 {
                key.partial = UInt32(b & 0x0F)
                key.remaining = 2
            } else if b & 0xF8 == 0xF0 {
                key.partial = UInt32(b & 0x07)
                key.remaining = 3
            } else {
                return Self.dead
            }
            key.length = key.remaining + 1
        } else {
            guard b & 0xC0 == 0x80 else { return Self.dead }
            key.partial = key.partial << 6 | UInt32(b & 0x3F)
            key.remaining -= 1
            if key.remaining == 0 {
                let (lo, hi) = Self.validRange(key.partial, key.partial, length: key.length)
                guard lo <= hi else { return Self.dead }  // overlong, surrogate or beyond U+10FFFF
                return try advance(key.stacks, key.partial)
            }
        }
        // A partial character: alive while some top may match a code point it can become
        // (only well-formed UTF-8 counts: no overlong forms, no surrogates, ≤ U+10FFFF).
        let shift = UInt32(6 * key.remaining)
        let (lo, hi) = Self.validRange(
            key.partial << shift, key.partial << shift | ((1 << shift) - 1), length: key.length)
        guard lo <= hi else { return Self.dead }
        let surrogates: ClosedRange<UInt32> = 0xD800...0xDFFF
        let possible = key.stacks.contains { st in
            guard st >= 0 else { return false }
            let c = grammar.classes[Int(grammar.elements[Int(nodePosition[Int(st)])].value)]
            if lo >= surrogates.lowerBound && hi <= surrogates.upperBound { return false }
            if lo < surrogates.lowerBound && hi > surrogates.upperBound {
                return c.intersects(lo, surrogates.lowerBound - 1) || c.intersects(surrogates.upperBound + 1, hi)
            }
            if hi >= surrogates.lowerBound && hi <= surrogates.upperBound {
                return c.intersects(lo, surrogates.lowerBound - 1)
            }
            if lo >= surrogates.lowerBound && lo <= surrogates.upperBound {
                return c.intersects(surrogates.upperBound + 1, hi)
            }
            return c.intersects(lo, hi)
        }
        return possible ? try intern(key) : Self.dead
    }

    /// `lo...hi` narrowed to the code points a well-formed UTF-8 sequence of `length`
    /// bytes can encode (Unicode Table 3-7: 2 bytes ≥ U+0080, 3 bytes ≥ U+0800, 4 bytes
    /// ≥ U+10000 and ≤ U+10FFFF); a single surrogate code point is refused too. Empty
    /// (lo > hi) when nothing is left.
    static func validRange(_ lo: UInt32, _ hi: UInt32, length: UInt8) -> (UInt32, UInt32) {
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        let l = max(lo, minimum), h = min(hi, 0x10FFFF)
        if l == h && (0xD800...0xDFFF).contains(l) { return (1, 0) }
        return (l, h)
    }

    private func advance(_ stacks: [Int32], _ c: UInt32) throws -> Int32 {
        var out: [Int32] = []
        for st in stacks where st >= 0 {
            let p = Int(nodePosition[Int(st)])
            guard grammar.classes[Int(grammar.elements[p].value)].contains(c) else { continue }
            out += try expand(node(Int32(p + 1), nodeParent[Int(st)]))
        }
        if out.isEmpty { return Self.dead }
        out = normalized(out)
        guard out.count <= Self.maxStacks else {
            throw LlamaError(.invalidArgument, "grammar: too ambiguous (over \(Self.maxStacks) parse stacks at once)")
        }
        return try intern(StateKey(stacks: out, partial: 0, remaining: 0))
    }

    /// The state after `bytes`, or `dead`.
    func next(_ s: Int32, bytes: some Sequence<UInt8>) throws -> Int32 {
        var s = s
        for b in bytes {
            s = try next(s, b)
            if s < 0 { return Self.dead }
        }
        return s
    }

    /// Whether the tables have outgrown their bounds (the caller then compacts).
    var needsCompaction: Bool { states.count > Self.maxStates || nodePosition.count > Self.maxNodes }

    /// Drops every table and rebuilds them with only `state` (returns its new id). The
    /// initial state is rebuilt too.
    func compact(keeping state: Int32) throws -> Int32 {
        let key = states[Int(state)]
        // Each stack as its positions, bottom first.
        let chains: [[Int32]] = key.stacks.map { st in
            var chain: [Int32] = []
            var n = st
            while n >= 0 {
                chain.append(nodePosition[Int(n)])
                n = nodeParent[Int(n)]
            }
            return chain.reversed()
        }
        nodePosition.removeAll()
        nodeParent.removeAll()
        nodeIds.removeAll()
        expansions.removeAll()
        states.removeAll()
        stateIds.removeAll()
        initialState = try makeInitial()
        var stacks: [Int32] = []
        for chain in chains {
            var n: Int32 = -1
            for p in chain { n = node(p, n) }
            stacks.append(n)
        }
        return try intern(
            StateKey(stacks: normalized(stacks), partial: key.partial, remaining: key.remaining, length: key.length))
    }
}
