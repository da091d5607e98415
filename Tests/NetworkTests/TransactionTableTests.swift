@testable import Network
import TestSupport
import Testing

/// `TransactionTable` (hashed ASCII branches, found from bytes) against the definition it
/// stands for: a list searched with `TransactionKey ==` (String equality, so canonically
/// equivalent branches match). Seeded steps over branches that collide in prefix, length and
/// case, non-ASCII and canonically equivalent ones, with replacement and both removals.
@Suite struct TransactionTableTests {
    final class Tx: KeyedTransaction {
        let key: TransactionKey
        let id: Int
        init(_ key: TransactionKey, _ id: Int) {
            self.key = key
            self.id = id
        }
    }

    /// The reference: `[TransactionKey: Tx]` as a list (keys unique under ==).
    struct Model {
        var list: [Tx] = []
        func find(_ key: TransactionKey) -> Tx? { list.first { $0.key == key } }
        mutating func set(_ tx: Tx) {
            list.removeAll { $0.key == tx.key }
            list.append(tx)
        }
        mutating func remove(key: TransactionKey) { list.removeAll { $0.key == key } }
        mutating func remove(_ tx: Tx) { list.removeAll { $0 === tx } }
    }

    static let branches: [String] = {
        var b = ["z9hG4bK", "z9hG4bKK", "z9hG4bk", "", "a", "12345678", "123456789", "1234567", "z9hG4bK1234567890abcdef",
                 "z9hG4bK1234567890abcdee", "z9hG4bK1234567890abcdef0", "Z9HG4BK1234567890ABCDEF",
                 // Canonically equivalent pairs: KELVIN SIGN is K; e + combining acute is é.
                 "z9hG4b\u{212A}", "caf\u{e9}", "cafe\u{301}", "z9hG4bK\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
                 "\u{1F600}branch"]
        var g = SplitMix64(seed: 0x5458)
        for _ in 0..<60 { b.append("z9hG4bK" + String(g.next(), radix: 16)) }
        return b
    }()
    static let methods = ["INVITE", "BYE", "REGISTER", "ACK"]
    static let peers = ["", "pcscf", "scscf", "udp:127.0.0.1:5060"]

    static func key(_ g: inout SplitMix64) -> TransactionKey {
        TransactionKey(branch: g.pick(branches), method: g.pick(methods), peer: g.pick(peers))
    }

    static func find(_ t: TransactionTable<Tx>, _ k: TransactionKey) -> Tx? {
        Array(k.branch.string.utf8).withUnsafeBufferPointer { t.find(branch: $0, method: k.method, peer: k.peer) }
    }

    @Test func behavesAsTheListItStandsFor() {
        var g = SplitMix64(seed: 0x7478)
        var table = TransactionTable<Tx>()
        var model = Model()
        for step in 0..<20_000 {
            let k = Self.key(&g)
            switch g.below(5) {
            case 0, 1: let tx = Tx(k, step); table.set(tx); model.set(tx)
            case 2:
                if model.find(k) == nil { let tx = Tx(k, step); table.add(tx); model.set(tx) }
            case 3: table.remove(key: k); model.remove(key: k)
            default:
                // Itself only: a transaction that was replaced must not take its successor along.
                let tx = model.list.isEmpty || g.chance(3) ? Tx(k, -1) : g.pick(model.list)
                table.remove(tx); model.remove(tx)
            }
            let probe = Self.key(&g)
            #expect(Self.find(table, probe) === model.find(probe), "step \(step): \(probe)")
            #expect(table.count == model.list.count, "step \(step)")
        }
        for tx in model.list { #expect(Self.find(table, tx.key) === tx) }
    }

    @Test func canonicallyEquivalentBranchesMatch() {
        var table = TransactionTable<Tx>()
        let kelvin = Tx(TransactionKey(branch: "z9hG4b\u{212A}", method: "INVITE"), 1)
        table.set(kelvin)
        #expect(Self.find(table, TransactionKey(branch: "z9hG4bK", method: "INVITE")) === kelvin)
        let ascii = Tx(TransactionKey(branch: "z9hG4bK", method: "INVITE"), 2)
        table.set(ascii)
        #expect(table.count == 1)
        #expect(Self.find(table, kelvin.key) === ascii)
        table.remove(kelvin)
        #expect(table.count == 1)
        table.remove(key: kelvin.key)
        #expect(table.count == 0)
    }

    @Test func growsAndShrinksWithoutLosingEntries() {
        var table = TransactionTable<Tx>()
        let txs = (0..<500).map { Tx(TransactionKey(branch: "z9hG4bK\($0)", method: "BYE", peer: "p"), $0) }
        for tx in txs { table.add(tx) }
        for tx in txs where tx.id % 3 == 0 { table.remove(tx) }
        for tx in txs { #expect(Self.find(table, tx.key) === (tx.id % 3 == 0 ? nil : tx)) }
        #expect(table.count == 333)
    }
}
