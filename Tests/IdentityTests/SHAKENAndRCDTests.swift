import Testing
import Foundation
import SIPCore
import TestSupport
@testable import Identity
import Crypto

struct SHAKENTests {
    func problems(_ payload: JSONValue, ppt: String? = "shaken") -> [PASSporTError] {
        switch PASSporTClaims.parse(payload, ppt: ppt) {
        case .success: []
        case .failure(let r): r.reasons
        }
    }

    func shaken(setting key: String, _ value: JSONValue?) -> JSONValue {
        guard var m = Fixtures.shakenClaims.json.objectMembers else { return .null }
        m.removeAll { $0.key == key }
        if let value { m.append(JSONMember(key, value)) }
        return .object(m)
    }

    @Test func conformingClaimsPass() {
        #expect(problems(Fixtures.shakenClaims.json) == [])
        for level in ["A", "B", "C"] { #expect(problems(shaken(setting: "attest", .string(level))) == []) }
    }

    @Test func attestation() {
        #expect(problems(shaken(setting: "attest", "D")) == [.invalidAttestation("D")])
        #expect(problems(shaken(setting: "attest", "a")) == [.invalidAttestation("a")])
        #expect(problems(shaken(setting: "attest", nil)) == [.missingClaim("attest")])
        #expect(problems(shaken(setting: "attest", 1)) == [.claimWrongType("attest", expected: .string, found: .integer)])
    }

    @Test func origid() {
        #expect(problems(shaken(setting: "origid", "ref")) == [.origidNotUUID("ref")])
        #expect(problems(shaken(setting: "origid", nil)) == [.missingClaim("origid")])
        #expect(problems(shaken(setting: "origid", "123e4567e89b12d3a456426655440000")) == [.origidNotUUID("123e4567e89b12d3a456426655440000")])
        #expect(SHAKEN.isUUID("123E4567-E89B-12D3-A456-426655440000"))
        #expect(!SHAKEN.isUUID("123e4567-e89b-12d3-a456-42665544000g"))
        #expect(!SHAKEN.isUUID("{123e4567-e89b-12d3-a456-426655440000}"))
        #expect(!SHAKEN.isUUID("123e4567-e89b-12d3-a456-4266554400001"))
    }

    @Test func shakenRulesOnlyForShakenPPT() {
        // A base PASSporT (no ppt) needs neither attest nor origid.
        #expect(problems(shaken(setting: "attest", nil), ppt: nil) == [])
    }
}

struct RCDRuleTests {
    func problems(_ claims: PASSporTClaims, ppt: String? = "rcd") -> [PASSporTError] { claims.problems(ppt: ppt) }

    var base: PASSporTClaims { PASSporTClaims(orig: .tn("12155550121"), dest: PASSporTDestination(tn: ["12155550131"]), iat: Fixtures.iat) }

    @Test func rcdOrCrnRequired() {
        #expect(problems(base) == [.rcdOrCrnRequired])
        var c = base
        c.crn = "For your ears only"
        #expect(problems(c) == [])
        c.crn = nil
        c.rcd = RichCallData(nam: "Q Branch")
        #expect(problems(c) == [])
    }

    @Test func namIsMandatory() {
        var c = base
        c.rcd = RichCallData(nam: nil, icn: "https://example.com/q.png")
        #expect(problems(c) == [.rcdMissingName])
        // rcd riding in a SHAKEN PASSporT (RFC 9795 §13) is held to the same rules.
        var s = Fixtures.shakenClaims
        s.rcd = RichCallData(nam: nil)
        #expect(problems(s, ppt: "shaken") == [.rcdMissingName])
    }

    @Test func jcdAndJclTogetherRefusedBySignerNotBySyntax() throws {
        var c = base
        c.rcd = RichCallData(nam: "Q", jcd: ["vcard", []], jcl: "https://example.com/q.json")
        #expect(problems(c) == [.rcdJcdWithJcl])
        // A verifier's claim syntax accepts it (RFC 9795 §8.1: the rcd is unused, the PASSporT is not rejected).
        #expect(throws: Never.self) { try PASSporTClaims.parse(c.json, ppt: "rcd").get() }
        let signer = PASSporTSigner(key: P256.Signing.PrivateKey(), x5u: "https://cert.example/a.pem")
        #expect(throws: PASSporTSigningError.self) { try signer.sign(claims: c, ppt: "rcd") }
        c.rcd?.jcl = nil
        #expect(throws: Never.self) { try signer.sign(claims: c, ppt: "rcd") }
    }

    @Test func rcdShapes() {
        #expect(PASSporTClaims.parse(.object(["orig": .object(["tn": "1"]), "dest": .object(["tn": ["2"]]), "iat": 1, "rcd": "Q"]), ppt: "rcd")
            == .failure(PASSporTRejection(.claimWrongType("rcd", expected: .object, found: .string))))
        var c = base
        c.rcd = RichCallData(nam: "Q", jcd: "not a jcard")
        #expect(problems(c) == [.claimWrongType("rcd.jcd", expected: .array, found: .string)])
    }

    @Test func rcdiFormat() {
        var c = base
        c.rcd = RichCallData(nam: "Q")
        let good = "sha256-iBjP+3J0bQb96tUkMsHgoYx6Bx+ZSg9af9oezlV6EIM"
        c.rcdi = [RCDIEntry(pointer: "/nam", digest: good), RCDIEntry(pointer: "/nam2", digest: good + "=")]
        #expect(problems(c) == [])
        for bad in ["md5-iBjP+3J0bQb96tUkMsHgoYx6Bx+ZSg9af9oezlV6EIM", "sha256-iBjP-3J0bQb96tUkMsHgoYx6Bx_ZSg9af9oezlV6EIM",
                    "sha256-AAAA", "SHA256-iBjP+3J0bQb96tUkMsHgoYx6Bx+ZSg9af9oezlV6EIM", "sha256:iBjP+3J0bQb96tUkMsHgoYx6Bx+ZSg9af9oezlV6EIM",
                    "sha384-iBjP+3J0bQb96tUkMsHgoYx6Bx+ZSg9af9oezlV6EIM"] {
            c.rcdi = [RCDIEntry(pointer: "/nam", digest: bad)]
            #expect(problems(c) == [.rcdiMalformedDigest(pointer: "/nam", value: bad)])
        }
        c.rcdi = [RCDIEntry(pointer: "nam", digest: good)]
        #expect(problems(c) == [.rcdiMalformedPointer("nam")])
    }

    @Test func digestParsing() {
        #expect(RCDIDigest("sha512-" + Base64Standard.encode([UInt8](repeating: 7, count: 64)))?.algorithm == .sha512)
        #expect(RCDIDigest("sha384-" + Base64Standard.encode([UInt8](repeating: 7, count: 48), padded: true))?.algorithm == .sha384)
        #expect(RCDIDigest(algorithm: .sha256, of: Array(#""Q Branch""#.utf8)).description == "sha256-iBjP+3J0bQb96tUkMsHgoYx6Bx+ZSg9af9oezlV6EIM")
    }
}

struct RCDIVerificationTests {
    static let logo = "https://example.com/logos/q.png"
    static let icon = "https://example.com/q-icon.png"
    static let jcard: JSONValue = ["vcard", [["version", .object([:]), "text", "4.0"], ["fn", .object([:]), "text", "Q Branch"],
                                             ["logo", .object([:]), "uri", .string(logo)]]]
    static let store: [String: [UInt8]] = [icon: Array("PNG-BYTES".utf8)]
    static let rcd = RichCallData(nam: "Q Branch", icn: icon, jcd: jcard)

    func claims(rcdi: [RCDIEntry], rcd: RichCallData = rcd) -> PASSporTClaims {
        PASSporTClaims(orig: .tn("12155550121"), dest: PASSporTDestination(tn: ["12155550131"]), iat: Fixtures.iat, rcd: rcd, rcdi: rcdi)
    }

    @Test func digestsMatchIndependentOracle() throws {
        // Digests computed outside Swift (Python hashlib over the compact JSON text).
        guard case .success(let entries) = makeRCDI(rcd: Self.rcd, pointers: ["/nam", "/jcd", "/jcd/1/2/3", "/icn"], contentStore: Self.store) else {
            Issue.record("makeRCDI failed"); return
        }
        #expect(entries == [
            RCDIEntry(pointer: "/nam", digest: "sha256-iBjP+3J0bQb96tUkMsHgoYx6Bx+ZSg9af9oezlV6EIM"),
            RCDIEntry(pointer: "/jcd", digest: "sha256-QYQMOUmF7wWqLQb0BKKVoeNLloSzl1GuMPf5n2niZqk"),
            RCDIEntry(pointer: "/jcd/1/2/3", digest: "sha256-8T8pNZrxt4iwCDQjj9/54NT9z2mQPw8yHEMrcpFLaP4"),
            RCDIEntry(pointer: "/icn", digest: "sha256-caXSqqGfTmFYa5PhtTN5O/DEnNuMy0+JBD0yKe+Pnbg"),
        ])
    }

    @Test func signedRCDVerifiesEndToEnd() throws {
        guard case .success(let entries) = makeRCDI(rcd: Self.rcd, pointers: ["/nam", "/jcd", "/jcd/1/2/3", "/icn"], contentStore: Self.store,
                                                    algorithm: .sha384) else {
            Issue.record("makeRCDI failed"); return
        }
        var c = claims(rcdi: entries)
        c.crn = "For your ears only"
        let jws = try Fixtures.signer.sign(claims: c, ppt: "rcd")
        let v = try Fixtures.verifier.verify(jws, key: Fixtures.key.publicKey)
        let results = verifyRCDI(v.claims, contentStore: Self.store)
        // Canonical JSON sorted the rcdi members.
        #expect(results.map(\.pointer) == ["/icn", "/jcd", "/jcd/1/2/3", "/nam"])
        #expect(results.allSatisfy { $0.isVerified })
    }

    @Test func negativeResults() {
        let nam = "sha256-iBjP+3J0bQb96tUkMsHgoYx6Bx+ZSg9af9oezlV6EIM"
        let icn = "sha256-caXSqqGfTmFYa5PhtTN5O/DEnNuMy0+JBD0yKe+Pnbg"
        var other = Self.rcd
        other.nam = "Q Branch Ltd"
        let c = claims(rcdi: [RCDIEntry(pointer: "/nam", digest: nam), RCDIEntry(pointer: "/icn", digest: icn),
                              RCDIEntry(pointer: "/apn", digest: nam), RCDIEntry(pointer: "/jcd/9", digest: nam),
                              RCDIEntry(pointer: "/nam", digest: "sha256-xx")], rcd: other)
        let results = verifyRCDI(c, contentStore: [:])
        #expect(results[0].status == .mismatch(expected: nam, computed: RCDIDigest(algorithm: .sha256, of: Array(#""Q Branch Ltd""#.utf8)).description))
        #expect(results[1].status == .missingContent(url: Self.icon))
        #expect(results[2].status == .unresolvablePointer)
        #expect(results[3].status == .unresolvablePointer)
        #expect(results[4].status == .malformedDigest)
        // Swapped image: the fetched body no longer matches.
        let swapped = verifyRCDI(claims(rcdi: [RCDIEntry(pointer: "/icn", digest: icn)]), contentStore: [Self.icon: Array("EVIL".utf8)])
        guard case .mismatch = swapped[0].status else { Issue.record("swapped icon verified"); return }
    }

    @Test func paddedDigestAccepted() {
        let c = claims(rcdi: [RCDIEntry(pointer: "/nam", digest: "sha256-iBjP+3J0bQb96tUkMsHgoYx6Bx+ZSg9af9oezlV6EIM=")])
        #expect(verifyRCDI(c, contentStore: [:]).map(\.status) == [.verified])
    }

    @Test func jclContentAndPointersIntoIt() throws {
        let url = "https://example.com/q.json"
        let body = Array(#"["vcard",[["fn",{},"text","Q"],["logo",{},"uri","https://example.com/l.png"]]]"#.utf8)
        let rcd = RichCallData(nam: "Q", jcl: url)
        guard case .success(let entries) = makeRCDI(rcd: rcd, pointers: ["/jcl", "/jcl/1/1/3"], contentStore: [url: body]) else {
            Issue.record("makeRCDI failed"); return
        }
        #expect(entries[0].digest == RCDIDigest(algorithm: .sha256, of: body).description)
        #expect(entries[1].digest == RCDIDigest(algorithm: .sha256, of: Array(#""https://example.com/l.png""#.utf8)).description)
        #expect(verifyRCDI(claims(rcdi: entries, rcd: rcd), contentStore: [url: body]).allSatisfy { $0.isVerified })
        let broken = verifyRCDI(claims(rcdi: entries, rcd: rcd), contentStore: [url: Array("<html>".utf8)])
        guard case .mismatch = broken[0].status, case .unparsableContent(url: url, _) = broken[1].status else {
            Issue.record("unexpected \(broken)"); return
        }
    }
}

struct RCDTypeErrorTests {
    @Test func mistypedNamReportedOnce() {
        let payload: JSONValue = .object(["orig": .object(["tn": "1"]), "dest": .object(["tn": ["2"]]), "iat": 1, "rcd": .object(["nam": 7])])
        #expect(PASSporTClaims.parse(payload, ppt: "rcd") == .failure(PASSporTRejection(.claimWrongType("rcd.nam", expected: .string, found: .integer))))
    }
}

/// `isUUID` reads the contiguous bytes: checked against the rule written over the UTF-8 view.
struct UUIDCheckTests {
    static func reference(_ s: String) -> Bool {
        let u = s.utf8
        guard u.count == 36 else { return false }
        for (i, b) in u.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == UInt8(ascii: "-") else { return false }
            } else if !SHAKEN.isHexDigit(b) {
                return false
            }
        }
        return true
    }

    @Test func matchesViewRule() {
        var rng = SplitMix64(seed: 0x4122)
        let alphabet = Array("0123456789abcdefABCDEFgG-{} é".unicodeScalars)
        for n in 0..<3000 {
            var s = String(format: "%08x-%04x-%04x-%04x-%012llx", UInt32(truncatingIfNeeded: rng.next()), UInt16(truncatingIfNeeded: rng.next()),
                           UInt16(truncatingIfNeeded: rng.next()), UInt16(truncatingIfNeeded: rng.next()), rng.next() & 0xFFFF_FFFF_FFFF)
            if n % 2 == 1 {
                var scalars = Array(s.unicodeScalars)
                let at = Int(rng.next() % UInt64(scalars.count))
                switch rng.next() % 3 {
                case 0: scalars[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: scalars.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                default: scalars.remove(at: at)
                }
                s = String(String.UnicodeScalarView(scalars))
            }
            #expect(SHAKEN.isUUID(s) == Self.reference(s), "\(s)")
        }
    }
}

/// The signer's shortcuts against the general path, on seeded claims: the payload written from
/// the fields is `json.canonicalBytes`, and claims seen to conform from their fields have no
/// problem when parsed.
struct TypedClaimsTests {
    static func draw(_ r: inout SplitMix64) -> PASSporTClaims {
        let texts = ["12025550111", "+1 202 555", "sip:a@b.example", "Acme \"Q\" \\ /", "é\u{1}\n", "", "A", "B", "D",
                     "123e4567-e89b-42d3-a456-426614174000", "https://x.example/i.png"]
        func text(_ r: inout SplitMix64) -> String { r.pick(texts) }
        func maybe(_ r: inout SplitMix64) -> String? { r.chance(3) ? nil : text(&r) }
        let values: [JSONValue] = [.string("v"), .integer(-3), .array([.string("vcard"), .array([])]), .null,
                                   .object([JSONMember("z", .bool(true)), JSONMember("a", .null)])]
        let orig: PASSporTOriginator = r.chance(2) ? .tn(text(&r)) : .uri(text(&r))
        let dest = PASSporTDestination(tn: (0..<r.below(3)).map { _ in text(&r) }, uri: (0..<r.below(3)).map { _ in text(&r) })
        var rcd: RichCallData?
        if r.chance(2) {
            rcd = RichCallData(nam: maybe(&r), apn: maybe(&r), icn: maybe(&r), jcd: r.chance(3) ? r.pick(values) : nil,
                               jcl: r.chance(3) ? text(&r) : nil,
                               extra: r.chance(4) ? [JSONMember(r.pick(["nam", "x", "apn"]), r.pick(values))] : [])
        }
        let rcdi: [RCDIEntry]? = r.chance(4) ? [RCDIEntry(pointer: r.pick(["/nam", "/icn", "bad"]), digest: "sha256-" + text(&r))] : nil
        let other = r.chance(4) ? [JSONMember(r.pick(["orig", "zz", "attest", "iat"]), r.pick(values))] : []
        return PASSporTClaims(orig: orig, dest: dest, iat: Int64(r.int(-5...1_800_000_000)), attest: maybe(&r), origid: maybe(&r),
                              rcd: rcd, crn: r.chance(2) ? text(&r) : nil, rcdi: rcdi, mky: r.chance(3) ? r.pick(values) : nil,
                              other: other)
    }

    @Test func typedCanonicalBytesAndConformanceMatchTheJSONPath() {
        var r = SplitMix64(seed: 8225)
        var plain = 0
        for i in 0..<3000 {
            let claims = Self.draw(&r)
            #expect(claims.canonicalBytes == claims.json.canonicalBytes, "draw \(i)")
            for ppt in [nil, SHAKEN.ppt, RCDRules.ppt, "div"] as [String?] where claims.plainlyConform(ppt: ppt) {
                plain += 1
                #expect(claims.problems(ppt: ppt).isEmpty, "draw \(i) ppt \(ppt ?? "-")")
            }
        }
        #expect(plain > 100)
    }

    /// The Identity field written from bytes is what `identity(...).description` writes for its
    /// token (signatures are randomised, so the token is taken from the field), every ppt and form.
    @Test func identityFieldIsTheIdentityValueText() throws {
        let claims = PASSporTClaims(orig: .tn("12025550110"), dest: PASSporTDestination(tn: ["12025550111"]), iat: 1, attest: "A",
                                    origid: "123e4567-e89b-42d3-a456-426614174000", rcd: RichCallData(nam: "Acme \"0\""), crn: "x")
        for x5u in ["https://cert.example.org/sp.pem", "https://c.example/a;b", "https://c.example/é"] {
            let signer = PASSporTSigner(key: Fixtures.key, x5u: x5u)
            for ppt in [nil, SHAKEN.ppt, RCDRules.ppt, "div", "two words"] as [String?] {
                for compact in [false, true] {
                    guard let field = try? signer.identityField(claims: claims, ppt: ppt, compact: compact) else {
                        #expect(ppt == "div" || ppt == "two words", "\(ppt ?? "-")")
                        continue
                    }
                    let parsed = try IdentityValue(parsing: field)
                    let expected = try signer.identity(claims: claims, ppt: ppt, compact: compact)
                    #expect(field == IdentityValue(jws: parsed.jws, info: x5u, alg: ES256.name, ppt: ppt).description)
                    #expect(parsed.parameters == expected.parameters && parsed.isCompactForm == compact)
                    #expect(throws: Never.self) { if !compact { try Fixtures.verifier.verify(parsed.jws, key: Fixtures.key.publicKey) } }
                }
            }
        }
    }

    @Test func usualSignedClaimsConformFromTheirFields() {
        var claims = PASSporTClaims(orig: .tn("12025550110"), dest: PASSporTDestination(uri: ["sip:u1@ims.example"]), iat: 1,
                                    attest: "A", origid: "123e4567-e89b-42d3-a456-426614174000", rcd: RichCallData(nam: "Acme 0"))
        #expect(claims.plainlyConform(ppt: SHAKEN.ppt))
        claims.attest = "D"
        #expect(!claims.plainlyConform(ppt: SHAKEN.ppt))
        #expect(!claims.problems(ppt: SHAKEN.ppt).isEmpty)
    }
}
