@testable import Network
import Testing

/// `TransactionBranch` (short ASCII branches packed in words) against the String it stands
/// for: equal exactly when the Strings are (canonical equivalence included), same bytes back.
@Suite struct TransactionBranchTests {
    static let branches = TransactionTableTests.branches + ["z9hG4bK1234567890abcde", "z9hG4bK1234567890abcdef\u{7F}", "\u{0}"]

    @Test func equalAsTheirStrings() {
        for a in Self.branches {
            let x = TransactionBranch(a)
            #expect(x.string == a)
            #expect(x.withBytes { Array($0) } == Array(a.utf8))
            #expect(Array(a.utf8).withUnsafeBufferPointer { TransactionBranch(bytes: $0) } == x, "\(a.debugDescription)")
            for b in Self.branches {
                let y = TransactionBranch(b)
                #expect((x == y) == (a == b), "\(a.debugDescription) vs \(b.debugDescription)")
                #expect(Array(b.utf8).withUnsafeBufferPointer { x.hasBytes($0) } == (Array(a.utf8) == Array(b.utf8)))
            }
        }
    }

    @Test func shortASCIIIsPackedAndTheRestIsText() {
        func packed(_ s: String) -> Bool { TransactionBranch(s).isPacked }
        #expect(packed("z9hG4bK1234567890abcdef"))
        #expect(packed(""))
        #expect(!packed("z9hG4bK1234567890abcdef0"))
        #expect(!packed("caf\u{e9}"))
    }

    @Test func invalidUTF8IsTheRepairedText() {
        let bytes: [UInt8] = [0x7A, 0xFF, 0x39, 0xC3]
        let b = bytes.withUnsafeBufferPointer { TransactionBranch(bytes: $0) }
        #expect(b == TransactionBranch(String(decoding: bytes, as: UTF8.self)))
        #expect(!bytes.withUnsafeBufferPointer { b.hasBytes($0) })
    }
}
