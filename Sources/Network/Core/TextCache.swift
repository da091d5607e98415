/// Values computed from a text alone (the actor a Route names, a URI's identity key),
/// remembered by the text's exact UTF-8 bytes: the same few texts recur on every hop, and a
/// word-at-a-time hash of their bytes costs far less than hashing a String key. Holds at most
/// `limit` texts; past that it starts again empty (hostile traffic cannot grow it).
struct TextCache<Value> {
    private struct Slot {
        /// 0 for an empty slot (a stored hash has its low bit set).
        var hash: UInt64 = 0
        var key = ""
        var value: Value?
    }

    /// Open addressing with linear probing, a power of two in size, at most half full. (One
    /// array: a read of the cache out of its owner copies, which retains each array.)
    private var slots: [Slot]
    private(set) var count = 0
    private let seed = ByteHash.randomSeed()
    private let limit: Int

    init(limit: Int = 4096) {
        self.limit = limit
        slots = Array(repeating: Slot(), count: 16)
    }

    /// The slot hash of `text` (captures only the seed: a closure capturing `self` copies it).
    private func slotHash(_ text: String) -> UInt64 {
        withUTF8Bytes(text) { slotHash($0) }
    }

    private func slotHash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        ByteHash.hash(bytes, seed: seed).value | 1
    }

    /// The slot holding `text`, nil when none does.
    private func slot(of text: String) -> Int? {
        withUTF8Bytes(text) { slot(of: $0) }
    }

    /// The slot holding the text whose UTF-8 is `bytes`, nil when none does.
    private func slot(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let h = slotHash(bytes), mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i].hash != 0 {
            if slots[i].hash == h, ByteHash.equal(slots[i].key, bytes) { return i }
            i = (i + 1) & mask
        }
        return nil
    }

    /// The value remembered for `text`, nil when there is none.
    subscript(text: String) -> Value? {
        guard let i = slot(of: text) else { return nil }
        return slots[i].value
    }

    /// The value remembered for the text whose UTF-8 is `bytes` (invalid UTF-8 finds none).
    subscript(bytes bytes: UnsafeBufferPointer<UInt8>) -> Value? {
        guard let i = slot(of: bytes) else { return nil }
        return slots[i].value
    }

    /// Remembers `value` for `text` (replacing what was remembered for it).
    mutating func remember(_ value: Value, for text: String) {
        if let i = slot(of: text) {
            slots[i].value = value
            return
        }
        if count >= limit {
            self = TextCache(limit: limit)
        } else if (count + 1) * 2 > slots.count {
            let old = slots
            slots = Array(repeating: Slot(), count: old.count * 2)
            for s in old where s.hash != 0 { put(s) }
        }
        put(Slot(hash: slotHash(text), key: text, value: value))
        count += 1
    }

    private mutating func put(_ s: Slot) {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: s.hash) & mask
        while slots[i].hash != 0 { i = (i + 1) & mask }
        slots[i] = s
    }
}
