/// Transactions by key, found from a message's branch bytes: a message that finds (or misses)
/// its transaction makes no String and runs no SipHash (§17.1.3, §17.2.3 matching runs for
/// every message). Keys are equal as Strings, and String equality is canonical equivalence,
/// which bytes cannot hash; so only all-ASCII branches (where equal means same bytes) go
/// into the hashed slots, and any other branch is kept apart and compared by scanning.
struct TransactionTable<Tx: KeyedTransaction> {
    private struct Slot {
        var hash: UInt64
        var tx: Tx?
    }

    /// Open addressing with linear probing and backward-shift deletion; a power of two in
    /// size, at most half full.
    private var slots: [Slot]
    private var slotCount = 0
    /// Transactions whose branch is not all ASCII (hostile or odd peers only).
    private var others: [Tx] = []
    private let seed = ByteHash.randomSeed()

    init() {
        slots = Array(repeating: Slot(hash: 0, tx: nil), count: 16)
    }

    var count: Int { slotCount + others.count }

    // MARK: Lookup

    /// The transaction whose key is (`branch` as UTF-8, `method`, `peer`).
    func find(branch b: UnsafeBufferPointer<UInt8>, method: String, peer: String) -> Tx? {
        let hash = asciiHash(b)
        if let hash, others.isEmpty {
            // The usual case: ASCII against ASCII, so equal Strings are equal bytes.
            let mask = slots.count - 1
            var i = Self.home(hash, mask)
            while let tx = slots[i].tx {
                if slots[i].hash == hash, tx.key.branch.hasBytes(b), tx.key.method == method, tx.key.peer == peer {
                    return tx
                }
                i = (i + 1) & mask
            }
            return nil
        }
        let key = TransactionKey(branch: TransactionBranch(bytes: b), method: method, peer: peer)
        return place(hash: hash) { $0.key == key }.map(transaction(at:))
    }

    // MARK: Changes

    /// `table[tx.key] = tx`: replaces the transaction with an equal key, if any. (One replaced
    /// keeps its timers, and its layer until they end it.)
    mutating func set(_ tx: Tx) {
        let hash = branchHash(tx.key)
        if let p = place(hash: hash, { $0.key == tx.key }) { remove(at: p) }
        add(tx, hash: hash)
    }

    /// Removes every transaction, passing each to `body`.
    mutating func removeAll(_ body: (Tx) -> Void) {
        for s in slots { if let tx = s.tx { body(tx) } }
        others.forEach(body)
        slots = Array(repeating: Slot(hash: 0, tx: nil), count: 16)
        slotCount = 0
        others = []
    }

    /// Adds a transaction whose key no other one has (its lookup just found none).
    mutating func add(_ tx: Tx) { add(tx, hash: branchHash(tx.key)) }

    /// `table[key] = nil`.
    mutating func remove(key: TransactionKey) {
        if let p = place(hash: branchHash(key), { $0.key == key }) { remove(at: p) }
    }

    /// Removes `tx` itself, if it is held (not another transaction with an equal key).
    mutating func remove(_ tx: Tx) {
        if let p = place(hash: branchHash(tx.key), { $0 === tx }) { remove(at: p) }
    }

    // MARK: Slots

    private enum Place { case slot(Int), other(Int) }

    private func transaction(at p: Place) -> Tx {
        switch p {
        case .slot(let i): slots[i].tx!
        case .other(let i): others[i]
        }
    }

    /// Where the transaction `matches` selects is: among the slots of `hash` (an ASCII branch)
    /// or among all of them (any other branch: it may equal an ASCII one), then in `others`.
    private func place(hash: UInt64?, _ matches: (Tx) -> Bool) -> Place? {
        if let hash {
            let mask = slots.count - 1
            var i = Self.home(hash, mask)
            while let tx = slots[i].tx {
                if slots[i].hash == hash, matches(tx) { return .slot(i) }
                i = (i + 1) & mask
            }
        } else {
            for i in slots.indices { if let tx = slots[i].tx, matches(tx) { return .slot(i) } }
        }
        return others.firstIndex(where: matches).map(Place.other)
    }

    private mutating func add(_ tx: Tx, hash: UInt64?) {
        guard let hash else {
            others.append(tx)
            return
        }
        if (slotCount + 1) * 2 > slots.count { grow() }
        put(Slot(hash: hash, tx: tx))
        slotCount += 1
    }

    private mutating func put(_ slot: Slot) {
        let mask = slots.count - 1
        var i = Self.home(slot.hash, mask)
        while slots[i].tx != nil { i = (i + 1) & mask }
        slots[i] = slot
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(hash: 0, tx: nil), count: old.count * 2)
        for s in old where s.tx != nil { put(s) }
    }

    private mutating func remove(at p: Place) {
        switch p {
        case .other(let i): others.remove(at: i)
        case .slot(let i): removeSlot(i)
        }
    }

    /// Empties slot `i`, moving back each later entry of the run that may fill the hole (one
    /// whose home is not cyclically after the hole), so probes never meet a false end.
    private mutating func removeSlot(_ i: Int) {
        let mask = slots.count - 1
        var hole = i
        var j = (i + 1) & mask
        while slots[j].tx != nil {
            let home = Self.home(slots[j].hash, mask)
            if (j &- home) & mask >= (j &- hole) & mask {
                slots[hole] = slots[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        slots[hole] = Slot(hash: 0, tx: nil)
        slotCount -= 1
    }

    private static func home(_ hash: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: hash) & mask }

    // MARK: Hashing

    private func branchHash(_ key: TransactionKey) -> UInt64? {
        key.branch.withBytes(asciiHash)
    }

    /// A seeded hash of the bytes; nil when one is not ASCII.
    func asciiHash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64? {
        let h = ByteHash.hash(b, seed: seed)
        return h.isASCII ? h.value : nil
    }
}
