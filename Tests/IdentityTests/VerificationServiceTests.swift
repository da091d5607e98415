import Crypto
import Foundation
import SIPCore
import Testing
@testable import Identity

@Suite("STI-VS: the composed verification service")
struct VerificationServiceTests {
    let service = VerificationService()

    func rejection(_ v: IdentityVerdict) -> (Int, String)? { v.rejection.map { ($0.status, $0.reasonPhrase) } }

    @Test func validSHAKENCallPasses() {
        let request = VF.invite(identities: [VF.identity()])
        let verdict = service.verify(request, now: VF.now + 5, keys: VF.keys)
        #expect(verdict.result == .valid)
        #expect(verdict.verstat == .passed)
        #expect(verdict.attestation == .a)
        #expect(verdict.claims?.orig == .tn("12155550121"))
        #expect(verdict.identityIndex == 0)
        #expect(verdict.rejection == nil)
    }

    @Test func replay61SecondsLaterIsStale() {
        let request = VF.invite(identities: [VF.identity()])
        let verdict = service.verify(request, now: VF.now + 61, keys: VF.keys)
        #expect(verdict.failedPolicy == "Freshness")
        #expect(rejection(verdict)! == (403, "Stale Date"))
        #expect(verdict.verstat == .failed)
        #expect(verdict.reasonHeaderValue == #"SIP;cause=403;text="Stale Date""#)
    }

    @Test func misconfiguredServiceWithoutFreshnessAcceptsReplay() {
        let request = VF.invite(identities: [VF.identity()])
        let lax = service.without("Freshness")
        #expect(!lax.policies.contains { $0.name == "Freshness" })
        #expect(lax.verify(request, now: VF.now + 3600, keys: VF.keys).result == .valid)
    }

    @Test func origPastedOntoAnotherFromTN() {
        // A valid PASSporT for 12155550121 replayed on a call from another number (no PAI).
        let request = VF.invite(identities: [VF.identity()], from: "<sip:+14155550100@ims.example;user=phone>;tag=z9", pai: nil)
        let verdict = service.verify(request, now: VF.now, keys: VF.keys)
        #expect(verdict.failedPolicy == "OrigMatchesAssertedIdentity")
        #expect(rejection(verdict)! == (438, "Invalid Identity Header"))
    }

    @Test func x5uDifferentFromInfo() {
        let v = VF.identity().replacingOccurrences(of: "info=<\(VF.x5u)>", with: "info=<\(VF.otherX5U)>")
        let keys = StaticKeyProvider([VF.x5u: VF.signingKey.publicKey, VF.otherX5U: VF.signingKey.publicKey])
        let verdict = service.verify(VF.invite(identities: [v]), now: VF.now, keys: keys)
        #expect(verdict.failedPolicy == "InfoMatchesX5U")
        #expect(rejection(verdict)! == (436, "Bad Identity Info"))
    }

    @Test func unknownPPTOnly() throws {
        let jws = try VF.signer.identity(claims: VF.shaken(), ppt: nil).jws
        let verdict = service.verify(VF.invite(identities: ["\(jws);info=<\(VF.x5u)>;alg=ES256;ppt=div2"]), now: VF.now, keys: VF.keys)
        #expect(verdict.failedPolicy == "IdentityPresent")
        #expect(rejection(verdict)! == (428, "Use Supported PASSporT Format"))
        #expect(verdict.notes.contains { $0.contains("div2") })
    }

    @Test func algNoneIsUnsupportedCredential() {
        let jws = VF.rawJWS(header: #"{"alg":"none","ppt":"shaken","typ":"passport","x5u":"\#(VF.x5u)"}"#,
                            payload: VF.shaken().json.canonicalString)
        let verdict = service.verify(VF.invite(identities: ["\(jws);info=<\(VF.x5u)>;ppt=shaken"]), now: VF.now, keys: VF.keys)
        #expect(verdict.failedPolicy == "IdentitySyntax")
        #expect(rejection(verdict)! == (437, "Unsupported Credential"))
    }

    @Test func missingIdentity() {
        let verdict = service.verify(VF.invite(identities: []), now: VF.now, keys: VF.keys)
        #expect(rejection(verdict)! == (428, "Use Identity Header"))
        #expect(verdict.verstat == .noValidation)
        let lenient = VerificationService(config: IdentityVerificationConfig(identityRequired: false))
        let continued = lenient.verify(VF.invite(identities: []), now: VF.now, keys: VF.keys)
        #expect(continued.rejection == nil)
        #expect(continued.verstat == .noValidation)
        #expect(!continued.isValid)
    }

    @Test func rcdIconSwappedStaysValidButNotVerified() {
        let config = IdentityVerificationConfig(rcdContentStore: [VF.iconURL: Array("PNG: an impostor's logo".utf8)])
        let request = VF.invite(identities: [VF.identity(VF.shakenWithRCD())])
        let verdict = VerificationService(config: config).verify(request, now: VF.now, keys: VF.keys)
        #expect(verdict.result == .valid)
        #expect(verdict.verstat == .passed)
        #expect(verdict.rcdVerified == false)
        #expect(verdict.rcdUnverifiedPointers == ["/icn"])
        #expect(verdict.callerName == "Example Bank")
        #expect(verdict.callReason == "Your card payment")

        let genuine = VerificationService(config: IdentityVerificationConfig(rcdContentStore: [VF.iconURL: VF.iconBytes]))
            .verify(request, now: VF.now, keys: VF.keys)
        #expect(genuine.rcdVerified == true)
    }

    @Test func attestationBelowMinimumContinuesWithFailedVerstat() {
        let service = VerificationService(config: IdentityVerificationConfig(minimumAttestation: .a))
        let verdict = service.verify(VF.invite(identities: [VF.identity(VF.shaken(attest: "B"))]), now: VF.now, keys: VF.keys)
        #expect(verdict.failedPolicy == "SHAKENAttestation")
        #expect(verdict.rejection == nil)
        #expect(verdict.verstat == .failed)
        #expect(verdict.passport != nil)  // the signature did verify
        #expect(verdict.claims == nil)    // but nothing is vouched for to the UE
    }

    @Test func oneValidHeaderAmongInvalidOnesIsEnough() {
        let forged = (try? PASSporTSigner(key: VF.rogueKey, x5u: VF.x5u).identity(claims: VF.shaken(), ppt: "shaken"))?.description ?? ""
        let verdict = service.verify(VF.invite(identities: [forged, VF.identity()]), now: VF.now, keys: VF.keys)
        #expect(verdict.result == .valid)
        #expect(verdict.identityIndex == 1)
        #expect(verdict.notes.contains { $0.contains("SignatureValid") })
        // All invalid: the first header's failure.
        let bad = service.verify(VF.invite(identities: [forged]), now: VF.now, keys: VF.keys)
        #expect(bad.failedPolicy == "SignatureValid")
        #expect(rejection(bad)! == (438, "Invalid Identity Header"))
    }

    @Test func compactFormBasePASSporTIsRebuiltFromTheRequest() throws {
        let claims = PASSporTClaims(orig: .tn("12155550121"), dest: PASSporTDestination(tn: ["12155550131"]), iat: VF.now)
        let compact = try VF.signer.identity(claims: claims, ppt: nil, compact: true).description
        #expect(compact.hasPrefix(".."))
        let verdict = service.verify(VF.invite(identities: [compact]), now: VF.now, keys: VF.keys)
        #expect(verdict.result == .valid)
        #expect(verdict.passport?.isCompactForm == true)
        // Same signature on a call from another number: the rebuilt orig differs, so it does not verify.
        let moved = service.verify(VF.invite(identities: [compact], pai: "<tel:+12155559999>"), now: VF.now, keys: VF.keys)
        #expect(moved.failedPolicy == "SignatureValid")
        #expect(moved.rejection?.status == 438)
        // SHAKEN has no compact form.
        let shaken = try VF.signer.identity(claims: VF.shaken(), ppt: "shaken", compact: true).description
        let refused = service.verify(VF.invite(identities: [shaken]), now: VF.now, keys: VF.keys)
        #expect(refused.failedPolicy == "IdentitySyntax")
        #expect(refused.rejection?.status == 438)
    }

    @Test func tnAuthListHookInTheStandardList() {
        let service = VerificationService(tnAuthList: { tn, _ in tn.hasPrefix("44") })
        let verdict = service.verify(VF.invite(identities: [VF.identity()]), now: VF.now, keys: VF.keys)
        #expect(verdict.failedPolicy == "TNAuthListCoversOrig")
        #expect(verdict.rejection?.status == 438)
    }

    // MARK: verstat

    @Test func verstatApplicationStripsForgedUpstreamValue() throws {
        let forgedPAI = "<tel:+12155550121;verstat=TN-Validation-Passed>, <sip:+12155550121;verstat=TN-Validation-Passed@ims.example;user=phone>"
        let forgedFrom = "<sip:+12155550121;verstat=TN-Validation-Passed@ims.example;user=phone>;tag=a1"
        // No Identity at all, but the upstream claims it was validated.
        var request = VF.invite(identities: [], from: forgedFrom, pai: forgedPAI)
        let verdict = service.verify(request, now: VF.now, keys: VF.keys)
        #expect(verdict.verstat == .noValidation)
        VerstatMarking.apply(verdict, to: &request)
        let pai = try request.headerValues(AddressValue.self, .pAssertedIdentity)
        #expect(pai.map { VerstatMarking.verstat(of: $0.uri) } == ["No-TN-Validation", "No-TN-Validation"])
        let from = try #require(request.headerValue(AddressValue.self, .from))
        #expect(VerstatMarking.verstat(of: from.uri) == "No-TN-Validation")
        #expect(from.tag == "a1")
        #expect(!request.text.contains("TN-Validation-Passed"))
        // The number is untouched: the URI still canonicalises to the same TN.
        #expect(TelephoneNumber.canonical(from.uri) == "12155550121")
        #expect(from.uri.description == "sip:+12155550121;verstat=No-TN-Validation@ims.example;user=phone")
        #expect(pai[0].uri.description == "tel:+12155550121;verstat=No-TN-Validation")
    }

    @Test func verstatPassedOnValidCallAndStripOnly() throws {
        var request = VF.invite(identities: [VF.identity()])
        let verdict = service.verify(request, now: VF.now, keys: VF.keys)
        VerstatMarking.apply(verdict, to: &request)
        #expect(request.value(.pAssertedIdentity) == "<tel:+1-215-555-0121;verstat=TN-Validation-Passed>")
        let from = try #require(request.headerValue(AddressValue.self, .from))
        #expect(from.displayName == "Alice")
        #expect(from.description.hasSuffix("<sip:+12155550121;verstat=TN-Validation-Passed@ims.example;user=phone>;tag=a1"))
        // Non-TN URIs get no verstat; strip removes every kind, including a URI-parameter one.
        var other = VF.invite(identities: [], from: "<sip:alice@example.com;verstat=TN-Validation-Passed>;tag=b", pai: nil)
        VerstatMarking.apply(.passed, to: &other)
        #expect(!other.text.contains("verstat"))
        #expect(Verstat(lenient: "TN-Validation-Passed-A") == .passed)
        #expect(Verstat(lenient: "no-tn-validation") == .noValidation)
        #expect(Verstat(lenient: "bogus") == nil)
    }
}
