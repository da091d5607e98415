import SIPCore
import Testing
import TestSupport
@testable import Identity

/// `VerstatMarking.stripped` looks at the user-part parameters only when the user part has a
/// ';': checked against the rule without that test on seeded URIs.
struct VerstatStripTests {
    static func reference(_ uri: URI) -> URI {
        switch uri {
        case .tel(var tel):
            guard tel.parameters.contains("verstat") else { return uri }
            tel.parameters.remove("verstat")
            return .tel(tel)
        case .sip(var sip):
            if let (number, params) = sip.userNumber, params.contains("verstat") {
                let kept = params.filter { $0.name.lowercased() != "verstat" }
                sip.user = number + kept.map { ";" + $0.description }.joined()
            }
            if sip.parameters.contains("verstat") {
                var p = sip.parameters
                p.remove("verstat")
                sip.parameters = p
            }
            return .sip(sip)
        case .other:
            return uri
        }
    }

    @Test func matchesRuleWithoutSemicolonTest() throws {
        var rng = SplitMix64(seed: 0x5712)
        let users = ["", "u0", "+12025550110", "+12025550110;verstat=TN-Validation-Passed", "+1202;VerStat=x;cpc=a", "a;b", "%3Bverstat=x", ";verstat"]
        let tails = ["", ";user=phone", ";verstat=No-TN-Validation", ";lr;verstat"]
        for _ in 0..<600 {
            let user = users[Int(rng.next() % UInt64(users.count))]
            let text = "sip:" + (user.isEmpty ? "" : user + "@") + "ims.example" + tails[Int(rng.next() % UInt64(tails.count))]
            guard let uri = try? URI(parsing: text) else { continue }
            #expect(VerstatMarking.stripped(uri) == Self.reference(uri), "\(text)")
            #expect(VerstatMarking.stripped(uri).description == Self.reference(uri).description, "\(text)")
        }
    }
}
