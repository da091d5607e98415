import Foundation
import Identity
import SIPCore
import Testing
import TestSupport
@testable import Network

/// Fast paths of the STI-VS rules, each checked against the general path on seeded inputs.
struct IdentityFastPathTests {
    /// A payload the pre-scan passes over must be one whose parse has no `mky` member.
    @Test func mkyPrescanNeverSkipsAnMky() {
        var rng = SplitMix64(seed: 0x6D6B79)
        let keys = ["orig", "dest", "iat", "mky", "m\\u006By", "\\u006dky", "mk", "ky", "xmky", "attest", "m\\\"ky"]
        let values = ["1", "\"mky\"", "[\"sha-256 AA\"]", "{\"tn\":\"1202\"}", "\"\\u006d\"", "null", "\"m\"", "[]"]
        for n in 0..<3000 {
            var text = "{"
            for i in 0..<Int(rng.next() % 5) {
                if i > 0 { text += "," }
                text += "\"" + keys[Int(rng.next() % UInt64(keys.count))] + "\":" + values[Int(rng.next() % UInt64(values.count))]
            }
            text += n % 7 == 0 ? "" : "}"
            var bytes = Array(text.utf8)
            // Some inputs lose a byte, so malformed JSON is covered too.
            if n % 5 == 0, !bytes.isEmpty { bytes.remove(at: Int(rng.next() % UInt64(bytes.count))) }
            let parsed = (try? JSONValue.parse(bytes))?["mky"]
            if !CheckMediaKey.mayHoldMky(bytes) { #expect(parsed == nil, "\(String(decoding: bytes, as: UTF8.self))") }
        }
        #expect(CheckMediaKey.mayHoldMky(Array("{\"mky\":[]}".utf8)))
        #expect(CheckMediaKey.mayHoldMky(Array("{\"m\\u006by\":[]}".utf8)))
        #expect(!CheckMediaKey.mayHoldMky(Array("{\"orig\":{\"tn\":\"1\"}}".utf8)))
    }

    /// The `mky` read from the payloads the verifier decoded must be the one decoding the JWS
    /// again gives, for well-formed, malformed and unsupported Identity headers.
    @Test func sharedPayloadMkyMatchesDecoding() throws {
        var rng = SplitMix64(seed: 0x4D4B59)
        func pick(_ xs: [String]) -> String { xs[Int(rng.next() % UInt64(xs.count))] }
        let headers = [#"{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"https://cert.example/sp.pem"}"#,
                       #"{"alg":"ES256","typ":"passport","x5u":"https://cert.example/sp.pem"}"#, #"{"alg":"RS256"}"#, "[]", "{"]
        let payloads = [#"{"attest":"A","dest":{"tn":["12025550111"]},"iat":1000,"orig":{"tn":"12025550110"},"origid":"x"}"#,
                        #"{"mky":[{"alg":"sha-256","dig":"AA"}],"orig":{"tn":"1"}}"#, #"{"m\u006By":[],"iat":1}"#,
                        #"{"mky":1,"mky":2}"#, "[1]", "{", ""]
        let params = [";info=<https://cert.example/sp.pem>;alg=ES256;ppt=shaken", ";info=<https://cert.example/sp.pem>", ""]
        var shared = 0
        for _ in 0..<400 {
            var values: [String] = []
            for _ in 0...Int(rng.next() % 2) {
                let segments = [Base64URL.encode(pick(headers)), Base64URL.encode(pick(payloads)), "c2ln"]
                values.append(segments.joined(separator: rng.next() % 8 == 0 ? ".." : ".") + pick(params))
            }
            var text = "INVITE sip:bob@ims.example SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n"
            text += "From: <tel:+12025550110>;tag=f\r\nTo: <tel:+12025550111>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n"
            text += values.map { "Identity: " + $0 + "\r\n" }.joined() + "Content-Length: 0\r\n\r\n"
            let message = try SIPMessage(parsing: text)
            var context = IdentityVerificationContext(request: message, now: 1000, keyProvider: StaticKeyProvider([:]))
            _ = VerificationService().verify(&context)
            shared += context.decodedPayloads.count
            for value in message.values(.identity) {
                let jws = String(value.prefix { $0 != ";" })
                #expect(CheckMediaKey.signedMky(jws, decoded: context.decodedPayloads) == CheckMediaKey.decodedMky(jws), "\(value)")
            }
        }
        #expect(shared > 50)
    }

    /// P-Asserted-Identity marked with verstat and handed to the RCD rewrite unwritten must
    /// end as the same bytes as marking it, writing it, parsing it again and rewriting it.
    @Test func deferredVerstatMarkingMatchesTwoWrites() throws {
        var rng = SplitMix64(seed: 0x7E25)
        func pick(_ xs: [String]) -> String { xs[Int(rng.next() % UInt64(xs.count))] }
        let uris = ["tel:+12025550110", "tel:+1-202-555-0110;verstat=TN-Validation-Failed", "tel:2025550110;phone-context=+1",
                    "sip:+12025550110@ims.example;user=phone", "sip:+12025550110;verstat=No-TN-Validation@ims.example;user=phone",
                    "sip:u0@ims.example", "sip:u0@ims.example;verstat=x", "sips:+44%2020@ims.example;user=phone;lr",
                    "tel:+12025550110;VERSTAT=TN-Validation-Passed;ext=7", "sip:%2B1202@ims.example;user=phone", "urn:service:sos"]
        let names = ["", "\"Acme 0\" ", "Bob ", "\"a\\\"b\" "]
        let params = ["", ";tag=x", ";p=1;q", ";verstat=TN-Validation-Passed"]
        for n in 0..<400 {
            var pai: [String] = []
            for _ in 0...Int(rng.next() % 3) { pai.append(pick(names) + "<" + pick(uris) + ">" + pick(params)) }
            let oneField = n % 2 == 0
            var text = "INVITE sip:bob@ims.example SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n"
            text += oneField ? "P-Asserted-Identity: " + pai.joined(separator: ", ") + "\r\n"
                             : pai.map { "P-Asserted-Identity: " + $0 + "\r\n" }.joined()
            text += "From: " + pick(names) + "<" + pick(uris) + ">;tag=f\r\nTo: <sip:bob@ims.example>\r\nCall-ID: c\r\n"
            if n % 3 == 0 { text += "P-Asserted-Identity: <" + pick(uris) + ">\r\n" }
            text += "Content-Length: 0\r\n\r\n"
            let message = try SIPMessage(parsing: text)
            let verstat = Verstat.allCases[n % Verstat.allCases.count]
            let name: String? = n % 4 == 0 ? nil : "Acme \(n % 3)"

            var general = message
            VerstatMarking.apply(verstat, to: &general)
            let reparsed = general.nameAddresses(.pAssertedIdentity)
            if !reparsed.isEmpty { general.setHeader("P-Asserted-Identity", values: VerifyIdentity.named(reparsed, name)) }

            var fused = message
            let handed = VerstatMarking.apply(verstat, to: &fused, deferring: .pAssertedIdentity)
            let values = handed ?? fused.nameAddresses(.pAssertedIdentity)
            if !values.isEmpty { fused.setHeader("P-Asserted-Identity", values: VerifyIdentity.named(values, name)) }

            #expect(fused.bytes == general.bytes, "\(text)")
        }
    }

    /// Marking with the addresses a verifier already parsed (`parsed:`) writes the same bytes
    /// and hands on the same values as marking that parses them, malformed fields included.
    @Test func verstatMarkingWithParsedAddressesMatchesParsing() throws {
        var rng = SplitMix64(seed: 0x9A25)
        func pick(_ xs: [String]) -> String { xs[Int(rng.next() % UInt64(xs.count))] }
        let values = ["<tel:+12025550110>", "<tel:+12025550110;verstat=TN-Validation-Failed>", "\"Acme 0\" <sip:u0@ims.example>;tag=f",
                      "<sip:+12025550110@ims.example;user=phone>", "<sip:+1202;verstat=x@ims.example;user=phone>",
                      "<sip:a@b", "Bob <tel:2025550110;phone-context=+1>", "<urn:service:sos>", ""]
        for n in 0..<400 {
            var text = "INVITE sip:bob@ims.example SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n"
            for _ in 0..<Int(rng.next() % 3) { text += "P-Asserted-Identity: " + pick(values) + "\r\n" }
            if n % 5 != 0 { text += "From: " + pick(values) + "\r\n" }
            text += "To: <sip:bob@ims.example>\r\nCall-ID: c\r\nContent-Length: 0\r\n\r\n"
            let message = try SIPMessage(parsing: text)
            var context = IdentityVerificationContext(request: message, now: 0, keyProvider: StaticKeyProvider([:]))
            if n % 2 == 0 { _ = context.addressValues(.pAssertedIdentity) }
            if n % 3 == 0 { _ = context.addressValues(.from) }
            let verstat = Verstat.allCases[n % Verstat.allCases.count]
            let deferred: KnownHeader? = n % 4 == 0 ? nil : .pAssertedIdentity
            var parsing = message, reusing = message
            let handed = VerstatMarking.apply(verstat, to: &parsing, deferring: deferred)
            let reused = VerstatMarking.apply(verstat, to: &reusing, deferring: deferred, parsed: context.parsedAddresses)
            #expect(reusing.bytes == parsing.bytes, "\(text)")
            #expect(reused == handed, "\(text)")
        }
    }

    /// `origid` is written from the bytes as Foundation's UUID text, lower-cased.
    @Test func uuidTextMatchesFoundation() {
        var rng = SplitMix64(seed: 0x0415)
        for _ in 0..<500 {
            let b = (0..<16).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let uuid = UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
            #expect(SignIdentity.uuidText(b) == uuid.uuidString.lowercased())
        }
    }

    /// The signer's Identity value (no parameters yet) is written in one buffer: the same
    /// text as setting info, alg and ppt one after another.
    @Test func identityValueParametersMatchSetters() {
        var rng = SplitMix64(seed: 0x1D)
        let infos: [String?] = [nil, "https://cert.example/sp.pem", "", "http://x/a;b", "https://[::1]/c?d=e"]
        let tokens: [String?] = [nil, "ES256", "shaken", "rcd", "a b", "x;ppt=y", "\"q\"", "host:1", ""]
        for _ in 0..<500 {
            let info = infos[Int(rng.next() % UInt64(infos.count))]
            let alg = tokens[Int(rng.next() % UInt64(tokens.count))], ppt = tokens[Int(rng.next() % UInt64(tokens.count))]
            var general = IdentityValue(jws: "a.b.c", parameters: [])
            if let info { general.info = info }
            if let alg { general.alg = alg }
            if let ppt { general.ppt = ppt }
            let fast = IdentityValue(jws: "a.b.c", info: info, alg: alg, ppt: ppt)
            #expect(fast.description == general.description)
            #expect(fast == general)
        }
    }
}
