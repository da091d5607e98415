import Crypto
import Foundation
import SIPCore
import Testing
import TestSupport
@testable import Identity

@Suite("STI-VS policies, one by one")
struct VerificationPolicyTests {
    // MARK: TN canonicalisation

    @Test func canonicalTelephoneNumbers() throws {
        #expect(TelephoneNumber.canonical("+1-215-555-0121") == "12155550121")
        #expect(TelephoneNumber.canonical("+1 (215) 555.0121") == "12155550121")
        #expect(TelephoneNumber.canonical("12155550121abc") == nil)
        #expect(TelephoneNumber.canonical(try URI(parsing: "tel:+1-215-555-0121")) == "12155550121")
        #expect(TelephoneNumber.canonical(try URI(parsing: "sip:+12155550121@x;user=phone")) == "12155550121")
        #expect(TelephoneNumber.canonical(try URI(parsing: "sip:+12155550121;verstat=TN-Validation-Passed@x;user=phone")) == "12155550121")
        #expect(TelephoneNumber.canonical(try URI(parsing: "sip:alice@example.com")) == nil)
        #expect(TelephoneNumber.canonical(try URI(parsing: "sip:2155550121@x")) == nil)
    }

    /// The byte rule written as an array filter: the reference for the counted, in-place form.
    static func referenceCanonical(_ text: String) -> String? {
        var out: [UInt8] = []
        for b in text.utf8 {
            if "+-.() ".utf8.contains(b) { continue }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "#") || b == UInt8(ascii: "*") else { return nil }
            out.append(b)
        }
        return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
    }

    @Test func canonicalMatchesTheReferenceOnSeededText() {
        var rng = SplitMix64(seed: 0x544E)
        let pieces = ["+", "-", ".", "(", ")", " ", "0", "1", "9", "#", "*", "a", "\u{e9}", "\u{301}", "12025550110", ";", "%2B"]
        for _ in 0..<3_000 {
            var text = ""
            for _ in 0..<Int(rng.next() % 24) { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
            let expected = Self.referenceCanonical(text)
            #expect(TelephoneNumber.canonical(text) == expected, "\(text.debugDescription)")
            // A Substring (what is left after a first Character, which may take a leading
            // combining mark with it), and bridged (non-contiguous) text, read the same.
            let rest = ("x" + text).dropFirst()
            #expect(TelephoneNumber.canonical(rest) == Self.referenceCanonical(String(rest)))
            #expect(TelephoneNumber.canonical(NSString(string: text) as String) == expected)
        }
    }

    // MARK: IdentityPresent

    @Test func identityPresentPassesWithSupportedPPT() {
        let (r, ctx) = VF.run(IdentityPresent(), VF.invite(identities: [VF.identity()]))
        #expect(r == .passes)
        #expect(ctx.candidates == [0])
    }

    @Test func identityPresentMissingGives428() {
        let (r, _) = VF.run(IdentityPresent(), VF.invite(identities: []))
        #expect(VF.failure(r)?.sipStatus == 428)
        #expect(VF.failure(r)?.reasonPhrase == "Use Identity Header")
    }

    @Test func identityPresentIgnoresUnknownPPT() throws {
        let div = try VF.signer.identity(claims: VF.shaken(), ppt: nil).jws
        let unknown = "\(div);info=<\(VF.x5u)>;alg=ES256;ppt=foo"
        let (only, _) = VF.run(IdentityPresent(), VF.invite(identities: [unknown]))
        #expect(VF.failure(only)?.sipStatus == 428)
        #expect(VF.failure(only)?.reasonPhrase == "Use Supported PASSporT Format")
        let (mixed, ctx) = VF.run(IdentityPresent(), VF.invite(identities: [unknown, VF.identity()]))
        #expect(mixed == .passes)
        #expect(ctx.candidates == [1])
    }

    @Test func identityNotRequiredContinuesWithNoValidation() {
        let (r, _) = VF.run(IdentityPresent(), VF.invite(identities: []), config: IdentityVerificationConfig(identityRequired: false))
        #expect(VF.failure(r)?.sipStatus == nil)
        #expect(VF.failure(r)?.verstat == .noValidation)
    }

    // MARK: IdentitySyntax / PASSporTSyntax

    @Test func identitySyntaxAcceptsWellFormed() {
        #expect(VF.run(IdentitySyntax(), VF.invite(identities: [VF.identity()])).0 == .passes)
    }

    @Test func identitySyntaxRejectsMalformedJWS() {
        let (r, _) = VF.run(IdentitySyntax(), VF.invite(identities: ["abc.def;info=<\(VF.x5u)>;alg=ES256;ppt=shaken"]))
        #expect(VF.status(r) == .some(438))
    }

    @Test func identitySyntaxRejectsAlgNoneWith437() {
        let jws = VF.rawJWS(header: #"{"alg":"none","ppt":"shaken","typ":"passport","x5u":"\#(VF.x5u)"}"#,
                            payload: VF.shaken().json.canonicalString)
        let (r, _) = VF.run(IdentitySyntax(), VF.invite(identities: ["\(jws);info=<\(VF.x5u)>;ppt=shaken"]))
        #expect(VF.status(r) == .some(437))
        #expect(VF.failure(r)?.reasonPhrase == "Unsupported Credential")
        let param = VF.identity().replacingOccurrences(of: "alg=ES256", with: "alg=RS256")
        #expect(VF.status(VF.run(IdentitySyntax(), VF.invite(identities: [param])).0) == .some(437))
    }

    @Test func identitySyntaxRejectsPPTMismatch() {
        let v = VF.identity().replacingOccurrences(of: "ppt=shaken", with: "ppt=rcd")
        #expect(VF.status(VF.run(IdentitySyntax(), VF.invite(identities: [v])).0) == .some(438))
    }

    @Test func passportSyntaxAcceptsConformingClaims() {
        #expect(VF.run(PASSporTSyntax(), VF.invite(identities: [VF.identity()])).0 == .passes)
    }

    @Test func passportSyntaxRejectsSHAKENWithoutOrigid() {
        let payload = #"{"attest":"A","dest":{"tn":["12155550131"]},"iat":\#(VF.now),"orig":{"tn":"12155550121"}}"#
        let jws = VF.rawJWS(header: #"{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"\#(VF.x5u)"}"#, payload: payload)
        let (r, _) = VF.run(PASSporTSyntax(), VF.invite(identities: ["\(jws);info=<\(VF.x5u)>;alg=ES256;ppt=shaken"]))
        #expect(VF.status(r) == .some(438))
        #expect(VF.failure(r)?.reason.contains("origid") == true)
    }

    // MARK: InfoMatchesX5U

    @Test func infoMatchesX5U() {
        #expect(VF.run(InfoMatchesX5U(), VF.invite(identities: [VF.identity()])).0 == .passes)
    }

    @Test func infoDifferentFromX5UGives436() {
        let v = VF.identity().replacingOccurrences(of: "info=<\(VF.x5u)>", with: "info=<\(VF.otherX5U)>")
        let (r, _) = VF.run(InfoMatchesX5U(), VF.invite(identities: [v]))
        #expect(VF.status(r) == .some(436))
        #expect(VF.failure(r)?.reasonPhrase == "Bad Identity Info")
    }

    // MARK: Freshness

    @Test func freshWithinWindow() {
        let m = VF.invite(identities: [VF.identity(VF.shaken(iat: VF.now - 30))], date: VF.now - 30)
        #expect(VF.run(Freshness(), m, now: VF.now + 30).0 == .passes)
    }

    @Test func staleIatGives403() {
        let m = VF.invite(identities: [VF.identity(VF.shaken(iat: VF.now - 61))], date: nil)
        let (r, _) = VF.run(Freshness(), m)
        #expect(VF.status(r) == .some(403))
        #expect(VF.failure(r)?.reasonPhrase == "Stale Date")
    }

    @Test func staleDateHeaderGives403EvenWithFreshIat() {
        let m = VF.invite(identities: [VF.identity()], date: VF.now - 120)
        #expect(VF.status(VF.run(Freshness(), m).0) == .some(403))
        // A future Date is as suspect as an old one.
        let future = VF.invite(identities: [VF.identity()], date: VF.now + 120)
        #expect(VF.status(VF.run(Freshness(), future).0) == .some(403))
    }

    // MARK: OrigMatchesAssertedIdentity

    @Test func origMatchesFormattedTelPAI() {
        #expect(VF.run(OrigMatchesAssertedIdentity(), VF.invite(identities: [VF.identity()])).0 == .passes)
    }

    @Test func origMatchesFromWithUserPhoneAndIgnoresVerstat() {
        let from = "<sip:+12155550121;verstat=TN-Validation-Failed@ims.example;user=phone>;tag=a1"
        let m = VF.invite(identities: [VF.identity()], from: from, pai: nil)
        #expect(VF.run(OrigMatchesAssertedIdentity(), m).0 == .passes)
    }

    @Test func origOnAnotherTNGives438() {
        let m = VF.invite(identities: [VF.identity()], pai: "<tel:+12155559999>")
        let (r, _) = VF.run(OrigMatchesAssertedIdentity(), m)
        #expect(VF.status(r) == .some(438))
        // PAI wins over From when present; From alone is used only without PAI.
        let fromOnly = VF.invite(identities: [VF.identity()], from: "<sip:+12155559999@ims.example;user=phone>;tag=x", pai: nil)
        #expect(VF.status(VF.run(OrigMatchesAssertedIdentity(), fromOnly).0) == .some(438))
    }

    // MARK: DestMatchesRequestTarget

    @Test func destMatchesToOrRequestURI() {
        #expect(VF.run(DestMatchesRequestTarget(), VF.invite(identities: [VF.identity()])).0 == .passes)
        // Retargeted: To differs, the Request-URI still names the signed dest.
        let m = VF.invite(identities: [VF.identity()], to: "<sip:bob@ims.example>")
        #expect(VF.run(DestMatchesRequestTarget(), m).0 == .passes)
    }

    @Test func destElsewhereGives438() {
        let m = VF.invite(identities: [VF.identity()], to: "<tel:+12155550199>", requestURI: "sip:+12155550199@ims.example;user=phone")
        #expect(VF.status(VF.run(DestMatchesRequestTarget(), m).0) == .some(438))
        #expect(VF.status(VF.run(DestMatchesRequestTarget(acceptRequestURI: false),
                                 VF.invite(identities: [VF.identity()], to: "<sip:bob@ims.example>")).0) == .some(438))
    }

    // MARK: CredentialAvailable / SignatureValid

    @Test func credentialFetchAndTrust() {
        let m = VF.invite(identities: [VF.identity()])
        #expect(VF.run(CredentialAvailable(), m).0 == .passes)
        #expect(VF.status(VF.run(CredentialAvailable(), m, keys: StaticKeyProvider([:])).0) == .some(436))
        let untrusted = StaticKeyProvider([VF.x5u: VF.signingKey.publicKey], untrusted: [VF.x5u])
        #expect(VF.status(VF.run(CredentialAvailable(), m, keys: untrusted).0) == .some(437))
    }

    @Test func signatureValid() {
        let (r, ctx) = VF.run(SignatureValid(), VF.invite(identities: [VF.identity()]))
        #expect(r == .passes)
        #expect(ctx.passport?.claims.attest == "A")
    }

    @Test func signatureByAnotherKeyGives438() {
        let forged = PASSporTSigner(key: VF.rogueKey, x5u: VF.x5u)
        let v = (try? forged.identity(claims: VF.shaken(), ppt: "shaken"))?.description ?? ""
        let (r, ctx) = VF.run(SignatureValid(), VF.invite(identities: [v]))
        #expect(VF.status(r) == .some(438))
        #expect(ctx.passport == nil)
        let closure = ClosureKeyProvider { url, _ in .failure(.cannotFetch("HTTP 404 for \(url)")) }
        #expect(VF.status(VF.run(SignatureValid(), VF.invite(identities: [VF.identity()]), keys: closure).0) == .some(436))
        let unsupported = ClosureKeyProvider { _, _ in .failure(.unsupported("RSA key")) }
        #expect(VF.status(VF.run(SignatureValid(), VF.invite(identities: [VF.identity()]), keys: unsupported).0) == .some(437))
    }

    // MARK: SHAKENAttestation

    @Test func attestationMeetsMinimum() {
        let config = IdentityVerificationConfig(minimumAttestation: .b)
        #expect(VF.run(SHAKENAttestation(), VF.invite(identities: [VF.identity()]), config: config).0 == .passes)
        #expect(VF.run(SHAKENAttestation(), VF.invite(identities: [VF.identity(VF.shaken(attest: "C"))])).0 == .passes)
    }

    @Test func attestationBelowMinimumFailsWithoutRejecting() {
        let config = IdentityVerificationConfig(minimumAttestation: .b)
        let (r, _) = VF.run(SHAKENAttestation(), VF.invite(identities: [VF.identity(VF.shaken(attest: "C"))]), config: config)
        let f = VF.failure(r)
        #expect(f != nil)
        #expect(f?.sipStatus == nil)
        #expect(f?.verstat == .failed)
        // A base PASSporT has no attestation: below any minimum.
        let base = VF.identity(PASSporTClaims(orig: .tn("12155550121"), dest: PASSporTDestination(tn: ["12155550131"]), iat: VF.now), ppt: nil)
        #expect(VF.failure(VF.run(SHAKENAttestation(), VF.invite(identities: [base]), config: config).0)?.sipStatus == nil)
    }

    // MARK: RCDIntegrity

    @Test func rcdDigestsVerify() {
        let config = IdentityVerificationConfig(rcdContentStore: [VF.iconURL: VF.iconBytes])
        let (r, ctx) = VF.run(RCDIntegrity(), VF.invite(identities: [VF.identity(VF.shakenWithRCD())]), config: config)
        #expect(r == .passes)
        #expect(ctx.rcdVerified == true)
        #expect(ctx.rcdUnverifiedPointers.isEmpty)
        // No rcd at all: nothing to verify.
        #expect(VF.run(RCDIntegrity(), VF.invite(identities: [VF.identity()])).1.rcdVerified == nil)
    }

    @Test func rcdIconSwappedMarksNotVerifiedButPasses() {
        let config = IdentityVerificationConfig(rcdContentStore: [VF.iconURL: Array("PNG: an impostor's logo".utf8)])
        let (r, ctx) = VF.run(RCDIntegrity(), VF.invite(identities: [VF.identity(VF.shakenWithRCD())]), config: config)
        #expect(r == .passes)
        #expect(ctx.rcdVerified == false)
        #expect(ctx.rcdUnverifiedPointers == ["/icn"])
        // Not fetched at all: also not verified.
        let (_, missing) = VF.run(RCDIntegrity(), VF.invite(identities: [VF.identity(VF.shakenWithRCD())]))
        #expect(missing.rcdVerified == false)
    }

    // MARK: TNAuthListCoversOrig (hook)

    @Test func tnAuthListCoversOrig() {
        let m = VF.invite(identities: [VF.identity()])
        let covered = TNAuthListCoversOrig { tn, x5u in tn == "12155550121" && x5u == VF.x5u }
        #expect(VF.run(covered, m).0 == .passes)
        let (skipped, ctx) = VF.run(TNAuthListCoversOrig { _, _ in nil }, m)
        #expect(skipped == .passes)
        #expect(ctx.notes.contains { $0.contains("skipped") })
    }

    @Test func tnAuthListNotCoveringOrigFails() {
        let m = VF.invite(identities: [VF.identity()])
        let (r, _) = VF.run(TNAuthListCoversOrig { tn, _ in tn.hasPrefix("44") }, m)
        #expect(VF.status(r) == .some(438))
    }

    // MARK: Builder

    @Test func builderComposesInOrder() {
        let strict = true
        let service = VerificationService {
            IdentityPresent()
            if strict { Freshness(window: 10) } else { Freshness() }
            for _ in 0..<2 { SignatureValid() }
            if !strict { RCDIntegrity() }
        }
        #expect(service.policies.map(\.name) == ["IdentityPresent", "Freshness", "SignatureValid", "SignatureValid"])
        #expect(VerificationService().policies.map(\.name) == [
            "IdentityPresent", "IdentitySyntax", "PASSporTSyntax", "OrigMatchesAssertedIdentity", "DestMatchesRequestTarget",
            "InfoMatchesX5U", "CredentialAvailable", "Freshness", "SignatureValid", "SHAKENAttestation", "RCDIntegrity",
            "RCDConstraints",
        ])
        #expect(VerificationService(tnAuthList: { _, _ in nil }).policies.map(\.name).contains("TNAuthListCoversOrig"))
    }

    /// `firstAddress` (From parsed once, for RCDAuthorised and the verstat marking) is what
    /// `addressValue` reads, for well-formed, malformed, repeated and missing fields, and for
    /// a list header (where it reads the first field alone).
    @Test func firstAddressIsTheFirstFieldsAddress() {
        let good = ["\"Alice\" <sip:+12155550121@ims.example;user=phone>;tag=a1", "<tel:+12155550121>", "sip:bob@b.example"]
        let bad = ["<sip:broken", "\"unterminated <sip:x@y>", ""]
        var g = SplitMix64(seed: 11)
        for _ in 0..<60 {
            var fields: [String] = []
            for _ in 0..<Int(g.next() % 3) {
                fields.append(g.next() % 3 == 0 ? g.pick(bad) : g.pick(good))
            }
            let header = g.next() % 2 == 0 ? "From" : "P-Asserted-Identity"
            var text = "INVITE sip:bob@b.example SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:bob@b.example>\r\n"
            text += "Call-ID: c1\r\nCSeq: 1 INVITE\r\n"
            if header != "From" { text += "From: <sip:a@a.example>;tag=1\r\n" }
            for f in fields { text += "\(header): \(f)\r\n" }
            text += "Content-Length: 0\r\n\r\n"
            guard let m = try? SIPMessage(parsing: text) else { continue }
            var context = IdentityVerificationContext(request: m, now: VF.now, keyProvider: VF.keys)
            let known: KnownHeader = header == "From" ? .from : .pAssertedIdentity
            #expect(context.firstAddress(known) == m.addressValue(known), "\(fields)")
            #expect(context.firstAddress(known) == m.addressValue(known), "again, from what was kept: \(fields)")
        }
    }

    /// `canonical(uri, acceptPlusWithoutUserPhone:)` gives what reading the number first gave,
    /// either way (seeded sip and tel URIs, with and without user=phone, '+', escapes).
    @Test func canonicalTNOfURIMatchesNumberFirstReading() {
        func reference(_ uri: URI, _ acceptPlus: Bool) -> String? {
            switch uri {
            case .tel(let tel): return TelephoneNumber.canonical(percentDecode(tel.number))
            case .sip(let sip):
                guard let number = sip.userNumberPart else { return nil }
                let u = percentDecode(number).utf8
                let digits = Substring(u[..<(u.firstIndex(of: UInt8(ascii: ";")) ?? u.endIndex)])
                guard sip.isPhone || (acceptPlus && digits.utf8.first == UInt8(ascii: "+")) else { return nil }
                return TelephoneNumber.canonical(digits)
            case .other: return nil
            }
        }
        let users = ["", "u1@", "+12155550121@", "1215-555%2D0121@", "+1;verstat=TN-Validation-Passed@", "%2B1215@", "12a@"]
        let tails = ["", ";user=phone", ";USER=Phone", ";lr", ";user=ip"]
        var g = SplitMix64(seed: 29)
        for _ in 0..<200 {
            let text = g.next() % 4 == 0 ? "tel:\(g.pick(["+1-215-555-0121", "5550121;phone-context=x", "abc"]))"
                : "sip:\(g.pick(users))ims.example\(g.pick(tails))"
            guard let uri = try? URI(parsing: text) else { continue }
            for acceptPlus in [false, true] {
                #expect(TelephoneNumber.canonical(uri, acceptPlusWithoutUserPhone: acceptPlus) == reference(uri, acceptPlus), "\(text)")
            }
        }
    }
}
