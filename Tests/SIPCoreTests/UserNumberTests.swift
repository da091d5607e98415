import Testing
import TestSupport
@testable import SIPCore

/// `SIPURI.userNumber` returns a user part with no ';' whole: checked against the split rule
/// on seeded user parts.
struct UserNumberTests {
    static func reference(_ sip: SIPURI) -> (String, Parameters)? {
        guard let user = sip.user else { return nil }
        let parts = user.split(separator: ";", omittingEmptySubsequences: false)
        let params = parts.dropFirst().compactMap { p -> Parameter? in
            let kv = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = kv.first, !name.isEmpty else { return nil }
            return Parameter(name: String(name), rawValue: kv.count > 1 ? String(kv[1]) : nil)
        }
        return (String(parts.first ?? ""), Parameters(params))
    }

    @Test func matchesSplitRule() throws {
        var rng = SplitMix64(seed: 0x05E7)
        let pieces = ["+1202", "u0", ";verstat=x", ";", "=", "%3B", "a", ";cpc=b", "é", ""]
        for _ in 0..<1000 {
            let user = (0..<Int(rng.next() % 4)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            guard case .sip(let sip)? = try? URI(parsing: "sip:" + (user.isEmpty ? "" : user + "@") + "ims.example") else { continue }
            let got = sip.userNumber, want = Self.reference(sip)
            #expect(got?.number == want?.0, "\(user)")
            #expect(got?.parameters == want?.1, "\(user)")
        }
    }
}
