@testable import Network
import SIPCore
import TestSupport
import Testing

/// The byte-level builders give exactly what the String forms they replace gave.
@Suite struct MessageBuildingTests {
    /// `ValueBytes` interpolation against String interpolation, seeded integers and strings.
    @Test func valueBytesMatchStringInterpolation() {
        var g = SplitMix64(seed: 5)
        let words = ["", "a", "<sip:u0@ims.example>", "caf\u{e9}", "\u{1F600}", "tag=\"x\""]
        var ints = [0, 1, -1, 9, 10, -10, Int.max, Int.min, 4_294_967_295]
        for _ in 0..<200 { ints.append(Int(truncatingIfNeeded: g.next()) >> Int(g.next() % 64)) }
        for n in ints {
            let w = g.pick(words), u = UInt32(truncatingIfNeeded: n)
            let v: ValueBytes = "x\(w)=\(n);\(u) \(w)"
            #expect(v.bytes == Array("x\(w)=\(n);\(u) \(w)".utf8))
        }
        let plain: ValueBytes = "70"
        #expect(plain.bytes == Array("70".utf8))
    }

    /// `hex(_:after:before:)` is the prefix, the same draw as `hex(_:)`, and the suffix.
    @Test func hexBetweenPrefixAndSuffix() {
        for count in 0..<40 {
            var a = SeededRandom(seed: UInt64(count)), b = a
            let joined = a.hex(count, after: "SIP/2.0/UDP h:5060;branch=z9hG4bK", before: ";x=\u{e9}")
            #expect(joined == "SIP/2.0/UDP h:5060;branch=z9hG4bK" + b.hex(count) + ";x=\u{e9}")
            #expect(a.state == b.state)
        }
    }

    /// `hex(_:)` is the draws' nibbles, low nibble first, one draw per 16 digits (the values a
    /// seed has always given): checked against a nibble-by-nibble reference.
    @Test func hexMatchesNibbleReference() {
        for seed in [UInt64(0), 1, 42, 0xFFFF_FFFF_FFFF_FFFF] {
            for count in 0..<50 {
                var a = SeededRandom(seed: seed &+ UInt64(count)), b = a
                var expected = ""
                var word: UInt64 = 0
                for i in 0..<count {
                    if i % 16 == 0 { word = b.next() }
                    expected += String(word & 0xF, radix: 16)
                    word >>= 4
                }
                #expect(a.hex(count) == expected)
                #expect(a.state == b.state)
            }
        }
    }

    /// `Digest.Algorithm(name:)` takes the raw value as it is: the same answer as matching the
    /// upper-cased name, for seeded mixes of case, near misses and non-ASCII letters.
    @Test func digestAlgorithmNamesMatchUpperCasedNames() {
        func reference(_ name: String) -> Digest.Algorithm? {
            switch name.uppercased() {
            case "SHA-256": .sha256
            case "MD5": .md5
            default: nil
            }
        }
        let pieces = ["s", "S", "h", "H", "a", "A", "-", "2", "5", "6", "m", "M", "d", "D", "\u{17F}", "\u{131}", "{", "@", "`"]
        var names = ["SHA-256", "sha-256", "Sha-256", "MD5", "md5", "mD5", "", "SHA-2567", "SHA-25", "MD5 ", "\u{17F}ha-256", "AKAv1-MD5"]
        var g = SplitMix64(seed: 3)
        for _ in 0..<400 { names.append((0..<(1 + g.below(7))).map { _ in g.pick(pieces) }.joined()) }
        for name in names { #expect(Digest.Algorithm(name: name) == reference(name), "\(name)") }
    }

    /// RFC 2617 §3.5 (MD5) and RFC 7616 §3.9.1 (SHA-256) responses.
    @Test func digestResponses() {
        #expect(Digest.response(.md5, user: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life", method: "GET",
                                uri: "/dir/index.html", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", nc: "00000001",
                                cnonce: "0a4f113b", qop: "auth") == "6629fae49393a05397450978507c4ef1")
        #expect(Digest.response(.sha256, user: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life", method: "GET",
                                uri: "/dir/index.html", nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc: "00000001",
                                cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop: "auth")
                == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
    }

    /// A memo answers as `Digest.response` does over a seeded run where each input now and
    /// then changes (so both kept and recomputed hashes are used).
    @Test func digestMemoMatchesDigestResponse() {
        var g = SplitMix64(seed: 7)
        var memo = DigestMemo()
        let users = ["u0", "u1"], realms = ["ims.example", "other.example"], passwords = ["pw0", "pw1", "caf\u{e9}"]
        let uris = ["sip:ims.example", "sip:other.example"], methods = ["REGISTER", "INVITE"]
        for n in 0..<300 {
            let alg: Digest.Algorithm = g.next() % 4 == 0 ? .md5 : .sha256
            let user = g.pick(users), realm = g.pick(realms), password = g.pick(passwords)
            let method = g.pick(methods), uri = g.pick(uris), nonce = "n\(g.next() % 5)", cnonce = "c\(n)"
            let memoised = memo.response(alg, user: user, realm: realm, password: Array(password.utf8), method: method, uri: uri,
                                         nonce: nonce, nc: "00000001", cnonce: cnonce, qop: "auth")
            #expect(memoised == Digest.response(alg, user: user, realm: realm, password: password, method: method, uri: uri,
                                                nonce: nonce, nc: "00000001", cnonce: cnonce, qop: "auth"))
        }
    }

    /// A list written with `add(_:joining:)` is the field `joined(separator: ", ")` gives.
    @Test func joiningMatchesJoinedValues() {
        var g = SplitMix64(seed: 11)
        let words = ["<sip:pcscf;lr>", "<sip:scscf;lr;orig>", "caf\u{e9}", "", "<sip:a@b>;x=\"1,2\""]
        for _ in 0..<100 {
            let values = (0..<Int(g.next() % 5)).map { _ in g.pick(words) }
            var joining = MessageText(startLine: "ACK sip:u1@h SIP/2.0")
            joining.add(.route, joining: values)
            var joined = MessageText(startLine: "ACK sip:u1@h SIP/2.0")
            joined.add(.route, values.joined(separator: ", "))
            #expect(joining.message()?.bytes == joined.message()?.bytes)
            var bracketing = MessageText(startLine: "ACK sip:u1@h SIP/2.0")
            bracketing.add(.pAssociatedURI, joining: values, bracketed: true)
            var bracketed = MessageText(startLine: "ACK sip:u1@h SIP/2.0")
            bracketed.add("P-Associated-URI", values.map { "<\($0)>" }.joined(separator: ", "))
            #expect(bracketing.message()?.bytes == bracketed.message()?.bytes)
        }
    }

    /// `prependRoutes` gives the message `setHeader("Route", values: routes + listValues("Route"))`
    /// gives, with and without Route fields (one value or a list each) around other fields.
    @Test func prependRoutesMatchesSettingTheRouteSet() throws {
        var g = SplitMix64(seed: 17)
        let values = ["<sip:scscf;lr;odi=1a2b>", "<sip:as;lr>, <sip:b;lr>", "<sip:pcscf;lr>"]
        for _ in 0..<60 {
            var text = "INVITE sip:u1@ue1 SIP/2.0\r\nVia: SIP/2.0/UDP p;branch=z9hG4bK1\r\n"
            for _ in 0..<Int(g.next() % 3) { text += "Route: \(g.pick(values))\r\n" }
            text += "From: <sip:u0@ims.example>;tag=1\r\nTo: <sip:u1@ims.example>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n"
            if g.next() % 2 == 0 { text += "Route: \(g.pick(values))\r\n" }
            text += "Content-Length: 0\r\n\r\n"
            let routes = (0..<Int(g.next() % 3)).map { "<sip:as\($0);lr>" }
            var fast = try SIPMessage(parsing: text), general = fast
            fast.prependRoutes(routes)
            general.setHeader("Route", values: routes + general.listValues("Route"))
            #expect(fast.bytes == general.bytes, "\(text)")
        }
    }

    /// StripAKAKeys looks for ck/ik parameters only in challenges whose text holds "ck" or "ik":
    /// whenever a parsed challenge has one, the text test says so (seeded digest and AKA values).
    @Test func akaKeyTextTestCoversTheParameters() throws {
        let params = ["realm=\"ims.example\"", "nonce=\"0a1b2c3d\"", "algorithm=AKAv1-MD5", "qop=\"auth\"", "ck=\"00ff\"",
                      "IK=\"11ee\"", "Ck=1", "nonce=\"ckik\"", "opaque=\"QUICK\"", "x=\"i\"", "kc=2", "domain=\"sip:ick\""]
        var g = SplitMix64(seed: 19)
        for _ in 0..<200 {
            // Some values folded over two lines: the message test must still see what the value test sees.
            let value = "Digest " + (0..<(1 + g.below(4))).map { _ in g.pick(params) }.joined(separator: g.chance(4) ? ",\r\n " : ", ")
            let text = "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP p;branch=z9hG4bK1\r\nFrom: <sip:u0@ims.example>;tag=1\r\n"
                + "To: <sip:u0@ims.example>;tag=2\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\nWWW-Authenticate: \(value)\r\nContent-Length: 0\r\n\r\n"
            let r = try SIPMessage(parsing: text)
            let hasKeys = r.challenges.contains { $0.parameters.contains("ck") || $0.parameters.contains("ik") }
            let textSays = r.values(.wwwAuthenticate).contains(where: StripAKAKeys.mayNameKeys)
            #expect(!hasKeys || textSays, "\(value)")
            #expect(!textSays || StripAKAKeys.mayNameKeys(bytes: r.bytes), "\(value)")
        }
    }

    /// CheckMediaKey's JWS cut (memchr) is the text before the first ';', or all of it.
    @Test func identityJWSCutMatchesFirstSemicolon() {
        let pieces = ["eyJhbGciOiJFUzI1NiJ9", ".", ";info=<https://cert.example.org/sp.pem>", ";alg=ES256", "\u{e9}", ";", ""]
        var g = SplitMix64(seed: 37)
        for _ in 0..<200 {
            let value = (0..<g.below(6)).map { _ in g.pick(pieces) }.joined()
            let expected = value.firstIndex(of: ";").map { String(value[..<$0]) } ?? value
            #expect(CheckMediaKey.jws(of: value) == expected, "\(value)")
        }
    }

    /// A response whose extra fields are written by a closure (typed, as bytes) is the one the
    /// same fields given as (name, value) Strings make.
    @Test func responseExtraFieldsTypedOrNamed() throws {
        let request = try SIPMessage(parsing: "REGISTER sip:ims.example SIP/2.0\r\nVia: SIP/2.0/UDP ue;branch=z9hG4bK1\r\n"
            + "From: <sip:u0@ims.example>;tag=1\r\nTo: <sip:u0@ims.example>\r\nCall-ID: c1\r\nCSeq: 2 REGISTER\r\nContent-Length: 0\r\n\r\n")
        var g = SplitMix64(seed: 13)
        for _ in 0..<50 {
            let path = (0..<Int(g.next() % 3)).map { "<sip:p\($0);lr>" }
            let impus = (0..<Int(g.next() % 3)).map { "sip:u\($0)@ims.example" }
            let granted = Int(g.next() % 7200)
            let typed = MessageText.response(to: request, status: 200, reason: "OK", toTag: "t1") { t in
                for p in path { t.add(.path, p) }
                t.add(.pAssociatedURI, joining: impus, bracketed: true)
                t.add(.contact, bytes: "<sip:u0@ue>;expires=\(granted)")
                t.add(.expires, bytes: "\(granted)")
            }
            let named = MessageText.response(to: request, status: 200, reason: "OK", toTag: "t1",
                                             extra: path.map { ("Path", $0) } + [
                                                 ("P-Associated-URI", impus.map { "<\($0)>" }.joined(separator: ", ")),
                                                 ("Contact", "<sip:u0@ue>;expires=\(granted)"), ("Expires", String(granted)),
                                             ])
            #expect(typed?.bytes == named?.bytes)
        }
    }
}
