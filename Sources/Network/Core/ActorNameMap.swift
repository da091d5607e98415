/// Values keyed by actor name, for the few names of one network. A name of at most 7 bytes (as
/// actor names usually are) is packed with its length into one word and found by scanning
/// words, which costs far less than hashing it; longer names, and names past the first 32,
/// go to a dictionary.
struct ActorNameMap<Value> {
    private var words: [UInt64] = []
    private var values: [Value] = []
    private var others: [String: Value] = [:]

    init() {}

    init(_ entries: [String: Value]) {
        for (name, value) in entries { self[name] = value }
    }

    /// The name's bytes and length in one word; nil above 7 bytes.
    private static func word(_ name: String) -> UInt64? { withUTF8Bytes(name, packed) }

    private static func packed(_ b: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard b.count <= 7 else { return nil }
        var w = UInt64(b.count) << 56
        for i in 0..<b.count { w |= UInt64(b[i]) << (8 * i) }
        return w
    }

    private func index(_ word: UInt64) -> Int? {
        words.withUnsafeBufferPointer { ws in
            for i in 0..<ws.count where ws[i] == word { return i }
            return nil
        }
    }

    subscript(name: String) -> Value? {
        get {
            if let w = Self.word(name), let i = index(w) { return values[i] }
            return others.isEmpty ? nil : others[name]
        }
        set {
            guard let w = Self.word(name), others[name] == nil else {
                others[name] = newValue
                return
            }
            if let i = index(w) {
                if let newValue {
                    values[i] = newValue
                } else {
                    words.remove(at: i)
                    values.remove(at: i)
                }
            } else if let newValue {
                if words.count < 32 {
                    words.append(w)
                    values.append(newValue)
                } else {
                    others[name] = newValue
                }
            }
        }
    }
}
