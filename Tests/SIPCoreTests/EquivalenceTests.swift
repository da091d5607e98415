import SIPCore
import Testing

/// URI equivalence against the examples RFC 3261 §19.1.4 and RFC 3966 §4 give, and Via
/// equality (§20.42).
@Suite struct EquivalenceTests {
    func uri(_ s: String) throws -> URI { try URI(parsing: s) }

    /// §19.1.4's equivalent pairs (and a few of the rules they illustrate).
    @Test(arguments: [
        ("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"),
        ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
        ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
        ("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"),
        ("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
         "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"),
        ("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
         "sip:alice@atlanta.com?priority=urgent&subject=project%20x"),
        ("sips:bob@biloxi.com:5061;lr", "SIPS:bob@BILOXI.com:5061;LR"),
        ("sip:bob@biloxi.com;maddr=%31%30.0.0.1", "sip:bob@biloxi.com;maddr=10.0.0.1"),
    ])
    func equivalent(_ a: String, _ b: String) throws {
        #expect(try uri(a).isEquivalent(to: uri(b)), "\(a) vs \(b)")
        #expect(try uri(b).isEquivalent(to: uri(a)), "\(b) vs \(a)")
    }

    /// §19.1.4's pairs that are not equivalent, and the rules behind them.
    @Test(arguments: [
        ("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"),  // user is case-sensitive
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),  // an omitted port never equals a given one
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"),
        ("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"),  // headers are never ignored
        ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
        ("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"),
        ("sip:bob@biloxi.com", "sips:bob@biloxi.com"),
        ("sip:bob@biloxi.com", "sip:biloxi.com"),
        ("sip:bob:pw@biloxi.com", "sip:bob@biloxi.com"),
        ("sip:bob@biloxi.com;user=phone", "sip:bob@biloxi.com"),
        ("sip:bob@biloxi.com;ttl=1", "sip:bob@biloxi.com"),
        ("sip:bob@biloxi.com;method=INVITE", "sip:bob@biloxi.com"),
        ("sip:bob@biloxi.com;maddr=10.0.0.1", "sip:bob@biloxi.com"),
        ("sip:1234%3bx@biloxi.com", "sip:1234;x@biloxi.com"),  // an escaped reserved character is not the character
        ("sip:alice@atlanta.com?subject=A", "sip:alice@atlanta.com?subject=a"),
        ("sip:bob@biloxi.com", "tel:+12025550100"),
    ])
    func notEquivalent(_ a: String, _ b: String) throws {
        #expect(try !uri(a).isEquivalent(to: uri(b)), "\(a) vs \(b)")
        #expect(try !uri(b).isEquivalent(to: uri(a)), "\(b) vs \(a)")
    }

    @Test func telURIs() throws {
        #expect(try uri("tel:+1-202-555-0100").isEquivalent(to: uri("tel:+12025550100")))
        #expect(try uri("tel:+1(202)555.0100;Ext=12").isEquivalent(to: uri("tel:+12025550100;ext=12")))
        #expect(try uri("tel:7042;phone-context=EXAMPLE.com").isEquivalent(to: uri("tel:7042;phone-context=example.com")))
        #expect(try uri("tel:7042;phone-context=+1-202").isEquivalent(to: uri("tel:7042;phone-context=+1202")))
        #expect(try !uri("tel:+12025550100").isEquivalent(to: uri("tel:12025550100")))  // global vs local
        #expect(try !uri("tel:+12025550100").isEquivalent(to: uri("tel:+12025550101")))
        // Unlike SIP URIs, a parameter in one tel URI only makes them differ.
        #expect(try !uri("tel:+12025550100;verstat=TN-Validation-Passed").isEquivalent(to: uri("tel:+12025550100")))
    }

    @Test func viaFields() throws {
        let a = try Via(parsing: "SIP/2.0/UDP pc33.atlanta.com:5060;received=192.0.2.1;branch=abc")
        #expect(try a.isEquivalent(to: Via(parsing: "sip/2.0/udp PC33.Atlanta.com:5060;branch=ABC;RECEIVED=192.0.2.1")))
        #expect(try !a.isEquivalent(to: Via(parsing: "SIP/2.0/UDP pc33.atlanta.com;received=192.0.2.1;branch=abc")))
        #expect(try !a.isEquivalent(to: Via(parsing: "SIP/2.0/TCP pc33.atlanta.com:5060;received=192.0.2.1;branch=abc")))
        #expect(try !a.isEquivalent(to: Via(parsing: "SIP/2.0/UDP pc33.atlanta.com:5060;branch=abc")))
        #expect(try !a.isEquivalent(to: Via(parsing: "SIP/2.0/UDP pc33.atlanta.com:5060;received=192.0.2.1;branch=abd")))
    }
}
