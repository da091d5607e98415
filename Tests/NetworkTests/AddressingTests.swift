@testable import Network
import SIPCore
import Testing
import TestSupport

@Suite struct AddressingTests {
    /// Messages whose `header` fields (none to three) each hold one to three of `elements`,
    /// joined with or without a space after the comma; only those that parse.
    private static func seededLists(_ startLine: String, _ header: String, _ elements: [String], seed: UInt64) -> [SIPMessage] {
        var r = SplitMix64(seed: seed)
        return (0..<600).compactMap { _ in
            var text = startLine + "\r\nCall-ID: 1\r\n"
            for _ in 0..<r.below(4) {
                text += header + ": " + (0..<r.int(1...3)).map { _ in r.pick(elements) }.joined(separator: r.chance(3) ? "," : ", ") + "\r\n"
            }
            return try? SIPMessage(parsing: text + "Content-Length: 0\r\n\r\n")
        }
    }

    /// The first Contact read alone is the first of the list, for seeded Contact layouts:
    /// several fields, several elements, empty fields and elements, folded lines, `*`, junk.
    @Test func firstContactURIIsTheFirstOfTheList() throws {
        let elements = ["<sip:a@h>", "\"B, b\" <sip:b@h;lr>;expires=3", "sip:c@h", "", " ", "*", "<sip:d@h>;q=0.5",
                        "junk<", "<tel:+1202>", "\"x\"", "<sip:e@h>\r\n f"]
        let messages = Self.seededLists("INVITE sip:x@h SIP/2.0", "Contact", elements, seed: 3261)
        for m in messages {
            #expect(Addressing.firstContactURI(m) == m.listValues("Contact").first.flatMap(Addressing.uriText(ofAddress:)), "\(m.text)")
        }
        #expect(messages.count > 300)
    }

    /// P-Associated-URI parsed in place gives the URIs of the list parsed element by element,
    /// for seeded layouts with quoted commas, parameters, empty and malformed elements.
    @Test func associatedURIsAreThoseOfTheList() throws {
        let elements = ["<sip:a@h>", "\"B, b\" <sip:b@h;user=phone>;x=1", "sip:c@h;p=1", "", " ", "<tel:+1-202>", "<sip:%61@H>",
                        "junk<", "\"x\"", "<sip:e@h>\r\n f", "<sips:f@h:5061>"]
        let messages = Self.seededLists("SIP/2.0 200 OK", "P-Associated-URI", elements, seed: 3455)
        for m in messages {
            #expect(Addressing.associatedURIs(m) == m.listValues("P-Associated-URI").compactMap(Addressing.uriText(ofAddress:)),
                    "\(m.text)")
        }
        #expect(messages.count > 300)
    }
}
