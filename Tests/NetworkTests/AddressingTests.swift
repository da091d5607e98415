@testable import Network
import SIPCore
import Testing
import TestSupport

@Suite struct AddressingTests {
    /// The first Contact read alone is the first of the list, for seeded Contact layouts:
    /// several fields, several elements, empty fields and elements, folded lines, `*`, junk.
    @Test func firstContactURIIsTheFirstOfTheList() throws {
        let elements = ["<sip:a@h>", "\"B, b\" <sip:b@h;lr>;expires=3", "sip:c@h", "", " ", "*", "<sip:d@h>;q=0.5",
                        "junk<", "<tel:+1202>", "\"x\"", "<sip:e@h>\r\n f"]
        var r = SplitMix64(seed: 3261)
        var checked = 0
        for _ in 0..<600 {
            var text = "INVITE sip:x@h SIP/2.0\r\nCall-ID: 1\r\n"
            for _ in 0..<r.below(4) {
                text += "Contact: " + (0..<r.int(1...3)).map { _ in r.pick(elements) }.joined(separator: r.chance(3) ? "," : ", ") + "\r\n"
            }
            text += "Content-Length: 0\r\n\r\n"
            guard let m = try? SIPMessage(parsing: text) else { continue }
            checked += 1
            #expect(Addressing.firstContactURI(m) == m.listValues("Contact").first.flatMap(Addressing.uriText(ofAddress:)), "\(text)")
        }
        #expect(checked > 300)
    }

    /// P-Associated-URI parsed in place gives the URIs of the list parsed element by element,
    /// for seeded layouts with quoted commas, parameters, empty and malformed elements.
    @Test func associatedURIsAreThoseOfTheList() throws {
        let elements = ["<sip:a@h>", "\"B, b\" <sip:b@h;user=phone>;x=1", "sip:c@h;p=1", "", " ", "<tel:+1-202>", "<sip:%61@H>",
                        "junk<", "\"x\"", "<sip:e@h>\r\n f", "<sips:f@h:5061>"]
        var r = SplitMix64(seed: 3455)
        var checked = 0
        for _ in 0..<600 {
            var text = "SIP/2.0 200 OK\r\nCall-ID: 1\r\n"
            for _ in 0..<r.below(4) {
                text += "P-Associated-URI: " + (0..<r.int(1...3)).map { _ in r.pick(elements) }.joined(separator: r.chance(3) ? "," : ", ") + "\r\n"
            }
            text += "Content-Length: 0\r\n\r\n"
            guard let m = try? SIPMessage(parsing: text) else { continue }
            checked += 1
            #expect(Addressing.associatedURIs(m) == m.listValues("P-Associated-URI").compactMap(Addressing.uriText(ofAddress:)), "\(text)")
        }
        #expect(checked > 300)
    }
}
