import Crypto
import Foundation
import SIPCore
import Testing
@testable import Identity

/// TR 33.890 KI#1: the operator's STI-AS signing on an enterprise's behalf (solution 1), the
/// enterprise signing with its delegate certificate (solution 2), and the terminating checks.
@Suite("Third-party identity: STI-AS, authorisation table, RCDAuthorised")
struct ThirdPartyIdentityTests {
    static let enterpriseTN = "+1-202-555-0150"
    static let table = ThirdPartyAuthorisations([
        "sip:alice@ims.example": [AuthorisedIdentity(tn: enterpriseTN, name: "ACME Corp")],
    ])

    /// An INVITE from an enterprise PBX user whose asserted TN is the enterprise's.
    static func enterpriseInvite(display: String = "ACME Corp", tn: String = "+12025550150", date: Int64? = nil) -> SIPMessage {
        VF.invite(identities: [], from: "\"\(display)\" <sip:\(tn)@ims.example;user=phone>;tag=e1",
                  pai: "<tel:\(tn)>", date: date)
    }

    static func service(_ table: ThirdPartyAuthorisations? = table, now: Int64 = VF.now) -> AuthenticationService {
        AuthenticationService(signer: VF.signer, clock: FixedClock(now), authorisations: table)
    }

    @Test func tableDecisions() {
        let t = Self.table
        #expect(t.decide(subscriber: "sip:alice@ims.example", tn: "12025550150", name: "ACME Corp") == .authorised)
        // Subscriber keys compare as AoRs (host case-insensitive); TNs compare canonically.
        #expect(t.decide(subscriber: "sip:alice@IMS.example;transport=udp", tn: "+1 (202) 555-0150", name: nil) == .authorised)
        #expect(t.decide(subscriber: "sip:alice@ims.example", tn: "12025550150", name: "Evil Bank")
                == .nameNotAuthorised(subscriber: "sip:alice@ims.example", tn: "12025550150", name: "Evil Bank"))
        #expect(t.decide(subscriber: "sip:alice@ims.example", tn: "12025550199", name: nil)
                == .tnNotAuthorised(subscriber: "sip:alice@ims.example", tn: "12025550199"))
        #expect(t.decide(subscriber: "sip:mallory@ims.example", tn: "12025550150", name: nil)
                == .unknownSubscriber("sip:mallory@ims.example"))
        #expect(t.isRegistered(tn: "+1 202 555 0150", name: "ACME Corp"))
        #expect(!t.isRegistered(tn: "12025550150", name: "ACME Bank"))
    }

    @Test func signsRequestFromItsHeadersAndTheVerifierAccepts() throws {
        var request = Self.enterpriseInvite()
        let rcd = RichCallData(nam: "ACME Corp")
        let identity = try Self.service().sign(&request, options: AuthenticationOptions(rcd: rcd, crn: "Delivery"),
                                               servedUser: "sip:alice@ims.example")
        #expect(identity.info == VF.x5u)
        #expect(identity.ppt == "shaken")
        // A Date was added, equal to iat: the verifier's freshness check sees both.
        #expect(request.headerValue(SIPDate.self)?.secondsSince1970 == VF.now)
        let reparsed = try SIPMessage(parsing: request.bytes)
        let verdict = VerificationService().verify(reparsed, now: VF.now + 3, keys: VF.keys)
        #expect(verdict.result == .valid)
        #expect(verdict.claims?.orig == .tn("12025550150"))
        #expect(verdict.claims?.dest == PASSporTDestination(tn: ["12155550131"]))
        #expect(verdict.callerName == "ACME Corp")
        #expect(verdict.callReason == "Delivery")
        #expect(SHAKEN.isUUID(verdict.claims?.origid ?? ""))
    }

    @Test func origidIsAPerCallDeterministicUUID() {
        let a = AuthenticationService.origid(for: Self.enterpriseInvite())
        #expect(a == AuthenticationService.origid(for: Self.enterpriseInvite()))
        #expect(SHAKEN.isUUID(a))
        #expect(a[a.index(a.startIndex, offsetBy: 14)] == "8")  // version 8
        var other = Self.enterpriseInvite()
        other.setHeader("Call-ID", "another-call@pc33.example")
        #expect(AuthenticationService.origid(for: other) != a)
    }

    @Test func refusesANameTheSubscriptionDoesNotList() {
        var request = Self.enterpriseInvite(display: "Evil Bank")
        #expect(throws: AuthenticationError.unauthorisedThirdPartyIdentity(
            .nameNotAuthorised(subscriber: "sip:alice@ims.example", tn: "12025550150", name: "Evil Bank"))) {
            try Self.service().sign(&request, options: AuthenticationOptions(rcd: RichCallData(nam: "Evil Bank")),
                                    servedUser: "sip:alice@ims.example")
        }
        #expect(!request.contains(.identity))
    }

    @Test func refusesATNTheSubscriptionDoesNotList() {
        var request = Self.enterpriseInvite(tn: "+12025550199")
        #expect(throws: AuthenticationError.self) {
            try Self.service().sign(&request, options: AuthenticationOptions(rcd: RichCallData(nam: "ACME Corp")),
                                    servedUser: "sip:alice@ims.example")
        }
    }

    @Test func withoutATableOrRCDItSignsPlainSHAKEN() throws {
        var request = Self.enterpriseInvite(display: "Anyone")
        try Self.service(nil).sign(&request, options: AuthenticationOptions(rcd: RichCallData(nam: "Anyone")))
        #expect(request.contains(.identity))
        var plain = Self.enterpriseInvite(tn: "+12025550199")
        try Self.service().sign(&plain)
        #expect(plain.contains(.identity))
    }

    @Test func refusesToSignAStaleDate() {
        var request = Self.enterpriseInvite(date: VF.now - 120)
        #expect(throws: AuthenticationError.staleDate(skew: 120, window: 60)) {
            try Self.service(nil).sign(&request)
        }
        #expect(AuthenticationError.staleDate(skew: 120, window: 60).sipStatus == 403)
    }

    // MARK: terminating side

    static func signedRCD(name: String, display: String, tn: String = "+12025550150") throws -> SIPMessage {
        var request = enterpriseInvite(display: display, tn: tn)
        try service(nil).sign(&request, options: AuthenticationOptions(rcd: RichCallData(nam: name), crn: "Delivery"))
        return try SIPMessage(parsing: request.bytes)
    }

    @Test func displayNameMismatchDropsTheRCDButNotTheCall() throws {
        let request = try Self.signedRCD(name: "ACME Corp", display: "Someone Else")
        var service = VerificationService()
        service.policies.append(RCDAuthorised())
        let verdict = service.verify(request, now: VF.now, keys: VF.keys)
        #expect(verdict.result == .valid)
        #expect(verdict.rcdAuthorised == false)
        #expect(verdict.callerName == nil)
        #expect(verdict.callReason == nil)
        #expect(verdict.notes.contains { $0.contains("differs from the From display name") })
    }

    /// RFC 9795 §5.1.5, §8.1 (catalogue #25): jcd with jcl verifies, but no rcd claim is used,
    /// even when RCDAuthorised finds nothing else wrong.
    @Test func jcdWithJclVerifiesButShowsNoRCD() throws {
        var claims = VF.shaken()
        claims.rcd = RichCallData(nam: "Alice", jcd: ["vcard", []], jcl: "https://rcd.example.org/a.json")
        claims.crn = "Delivery"
        let jws = try VF.signer.signUnchecked(header: VF.signer.header(ppt: "shaken").json, payload: claims.json)
        let value = IdentityValue(jws: jws, info: VF.x5u, alg: ES256.name, ppt: "shaken").description
        var service = VerificationService()
        service.policies.append(RCDAuthorised())
        let verdict = service.verify(VF.invite(identities: [value]), now: VF.now, keys: VF.keys)
        #expect(verdict.result == .valid)
        #expect(verdict.rcdAuthorised == false)
        #expect(verdict.callerName == nil)
        #expect(verdict.callReason == nil)
        #expect(verdict.notes.contains { $0.contains("both jcd and jcl") })
        claims.rcd?.jcl = nil
        let plain = IdentityValue(jws: try VF.signer.sign(claims: claims, ppt: "shaken"), info: VF.x5u, alg: ES256.name, ppt: "shaken")
        let control = service.verify(VF.invite(identities: [plain.description]), now: VF.now, keys: VF.keys)
        #expect(control.callerName == "Alice")
    }

    @Test func rejectModeGives438() throws {
        let request = try Self.signedRCD(name: "ACME Corp", display: "Someone Else")
        var service = VerificationService()
        service.policies.append(RCDAuthorised(action: .reject))
        let verdict = service.verify(request, now: VF.now, keys: VF.keys)
        #expect(verdict.failedPolicy == "RCDAuthorised")
        #expect(verdict.rejection?.status == 438)
    }

    @Test func registerCheckAcceptsListedAndDropsUnlisted() throws {
        var service = VerificationService()
        service.policies.append(RCDAuthorised(register: Self.table))
        let good = service.verify(try Self.signedRCD(name: "ACME Corp", display: "ACME Corp"), now: VF.now, keys: VF.keys)
        #expect(good.rcdAuthorised == true)
        #expect(good.callerName == "ACME Corp")
        let bad = service.verify(try Self.signedRCD(name: "ACME Corp", display: "ACME Corp", tn: "+12025550177"),
                                 now: VF.now, keys: VF.keys)
        #expect(bad.result == .valid)
        #expect(bad.rcdAuthorised == false)
        #expect(bad.callerName == nil)
    }

    /// Solution 2: the enterprise signs with its TEST delegate certificate (TNAuthList range
    /// 12025550100 + 100); RCD for a TN outside that range is not shown.
    @Test func delegateCertificateScopeDecidesRCD() async throws {
        let pki = try TestPKISupport.pki()
        let keys = await CertificateKeyProvider.prepare(
            urls: [pki.delegate.url], repository: pki.repository,
            validator: CertificateChainValidator(trustAnchors: pki.trustAnchors), at: pki.time)
        let signer = PASSporTSigner(key: try pki.delegate.privateKey(), x5u: pki.delegate.url)
        let now = Int64(pki.time.timeIntervalSince1970)
        let enterprise = AuthenticationService(signer: signer, clock: FixedClock(now))
        var service = VerificationService()
        service.policies.append(RCDAuthorised(certificateScope: keys.tnAuthListCovers))

        var inside = Self.enterpriseInvite(display: "ACME Corp", tn: "+12025550150")
        try enterprise.sign(&inside, options: AuthenticationOptions(rcd: RichCallData(nam: "ACME Corp")))
        let ok = service.verify(try SIPMessage(parsing: inside.bytes), now: now, keys: keys)
        #expect(ok.result == .valid)
        #expect(ok.callerName == "ACME Corp")

        var outside = Self.enterpriseInvite(display: "ACME Corp", tn: "+13035550150")
        try enterprise.sign(&outside, options: AuthenticationOptions(rcd: RichCallData(nam: "ACME Corp")))
        let dropped = service.verify(try SIPMessage(parsing: outside.bytes), now: now, keys: keys)
        #expect(dropped.rcdAuthorised == false)
        #expect(dropped.callerName == nil)
        // With the standard TNAuthList rule the whole PASSporT is refused instead.
        let strict = VerificationService(tnAuthList: keys.tnAuthListCovers)
            .verify(try SIPMessage(parsing: outside.bytes), now: now, keys: keys)
        #expect(strict.failedPolicy == "TNAuthListCoversOrig")
        #expect(strict.rejection?.status == 438)
    }
}
