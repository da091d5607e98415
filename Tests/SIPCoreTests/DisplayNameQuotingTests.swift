import Testing
import TestSupport
@testable import SIPCore

/// `NameAddress.description` decides on the bytes whether a display name goes unquoted:
/// checked against the rule as first written (split on spaces, every piece a token).
struct DisplayNameQuotingTests {
    static func reference(_ name: String) -> Bool {
        name.split(separator: " ", omittingEmptySubsequences: false).allSatisfy { isToken(String($0)) }
    }

    @Test func tokenWordsMatchSplitRule() {
        var rng = SplitMix64(seed: 0xD15)
        let pieces = ["Acme", " ", "  ", "0", "\t", "\"", "é", "a.b", "x\u{301}", " \u{301}", "-", "(", "Bob", ""]
        for _ in 0..<3000 {
            let name = (0..<Int(rng.next() % 5)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            guard !name.isEmpty else { continue }
            #expect(NameAddress.isTokenWords(name) == Self.reference(name), "\(name.debugDescription)")
        }
    }
}
