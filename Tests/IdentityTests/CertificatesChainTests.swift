import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
@testable import Identity

struct CertificatesChainTests {
    static let time = TestPKISupport.time
    static let day = TestPKISupport.day

    static func validate(_ pki: TestPKI, _ chain: [Certificate], at time: Date = time, orig: String? = nil) async -> Result<[Certificate], CertificateChainError> {
        await CertificateChainValidator(trustAnchors: pki.trustAnchors).validate(chain: chain, at: time, origTN: orig)
    }

    static func failure(_ r: Result<[Certificate], CertificateChainError>) -> CertificateChainError? {
        if case .failure(let e) = r { return e }
        return nil
    }

    @Test func validDelegateChain() async throws {
        let pki = try TestPKISupport.pki()
        let path = try await Self.validate(pki, pki.delegate.chain, orig: "12025550142").get()
        #expect(path == [pki.delegate.certificate, pki.sp.certificate, pki.root.certificate])
        // Without an orig TN the path checks alone apply.
        #expect(try await Self.validate(pki, pki.delegate.chain).get().count == 3)
        // Inside every certificate's validity, not only at the generation time.
        #expect(try await Self.validate(pki, pki.delegate.chain, at: Self.time.addingTimeInterval(80 * Self.day)).get().count == 3)
        // The SP certificate itself (an intermediate) chains too.
        #expect(try await Self.validate(pki, pki.sp.chain).get() == [pki.sp.certificate, pki.root.certificate])
    }

    @Test func expiredAndNotYetValid() async throws {
        let pki = try TestPKISupport.pki()
        guard case .expired(let s, let notAfter) = Self.failure(await Self.validate(pki, pki.expired.chain, orig: "12025550142")) else {
            Issue.record("expired delegate not rejected as expired")
            return
        }
        #expect(s.contains("TEST Expired Delegate"))
        #expect(notAfter < Self.time)
        guard case .notYetValid(let s2, _) = Self.failure(await Self.validate(pki, pki.notYetValid.chain)) else {
            Issue.record("future delegate not rejected as not yet valid")
            return
        }
        #expect(s2.contains("TEST Not Yet Valid Delegate"))
        // The good delegate, long after its 90 days.
        guard case .expired(let s3, _) = Self.failure(await Self.validate(pki, pki.delegate.chain, at: Self.time.addingTimeInterval(100 * Self.day))) else {
            Issue.record("delegate valid after expiry")
            return
        }
        #expect(s3.contains("TEST Enterprise Delegate"))
        // Before the SP CA existed.
        guard case .notYetValid = Self.failure(await Self.validate(pki, pki.sp.chain, at: Self.time.addingTimeInterval(-40 * Self.day))) else {
            Issue.record("SP valid before notBefore")
            return
        }
    }

    @Test func untrustedRootAndBrokenChain() async throws {
        let pki = try TestPKISupport.pki()
        guard case .untrustedRoot(let s) = Self.failure(await Self.validate(pki, pki.untrustedDelegate.chain, orig: "12025550142")) else {
            Issue.record("untrusted root accepted or misreported")
            return
        }
        #expect(s.contains("TEST Untrusted Root"))
        // Leaf alone: the SP intermediate is missing.
        guard case .noPathToTrustAnchor(let issuer) = Self.failure(await Self.validate(pki, [pki.delegate.certificate])) else {
            Issue.record("chain without intermediate accepted")
            return
        }
        #expect(issuer.contains("TEST SP CA"))
        // Same subject name from another PKI: the signature does not verify.
        let other = try TestPKISupport.pki(seed: 99)
        #expect(Self.failure(await Self.validate(pki, other.delegate.chain)) != nil)
        #expect(Self.failure(await Self.validate(pki, [])) == .emptyChain)
        // With that PKI's root as anchor instead, our chain is the untrusted one.
        let swapped = await CertificateChainValidator(trustAnchors: other.trustAnchors).validate(chain: pki.delegate.chain, at: Self.time)
        if case .failure = swapped {} else { Issue.record("chain accepted under a foreign root") }
    }

    @Test func delegateOutOfScope() async throws {
        let pki = try TestPKISupport.pki()
        let e = Self.failure(await Self.validate(pki, pki.outOfScope.chain, orig: "13035550100"))
        guard case .delegateNotSubset(let s, let issuer, let entry) = e else {
            Issue.record("out-of-scope delegate accepted: \(String(describing: e))")
            return
        }
        #expect(s.contains("TEST Out Of Scope Delegate"))
        #expect(issuer.contains("TEST Narrow SP CA"))
        #expect(entry == TestPKI.outOfScopeRange)
        // The narrow CA itself is in scope of the root (which has no TNAuthList).
        #expect(try await Self.validate(pki, pki.narrowCA.chain).get().count == 2)
    }

    @Test func origCoverage() async throws {
        let pki = try TestPKISupport.pki()
        for tn in ["12025550100", "12025550199"] {
            #expect((try? await Self.validate(pki, pki.delegate.chain, orig: tn).get()) != nil, "\(tn)")
        }
        for tn in ["12025550200", "12025550099", "+12025550142", "112025550142"] {
            let e = Self.failure(await Self.validate(pki, pki.delegate.chain, orig: tn))
            #expect(e == .origNotCovered(tn: tn, subject: TestPKISupport.cn(pki.delegate.certificate)), "\(tn)")
        }
        // The SP's list holds only an SPC, which covers no TN by itself.
        if case .origNotCovered = Self.failure(await Self.validate(pki, pki.sp.chain, orig: "12025550142")) {} else {
            Issue.record("SPC-only leaf covered a TN")
        }
        // A leaf without TNAuthList (the root, trusted as itself).
        let e = Self.failure(await Self.validate(pki, pki.root.chain, orig: "12025550142"))
        #expect(e == .missingTNAuthList(subject: TestPKISupport.cn(pki.root.certificate)))
    }

    // MARK: Hand-issued certificates under the test root

    static func issue(under issuer: TestPKI.Credential, cn: String, extensions: [Certificate.Extension],
                      key: P256.Signing.PrivateKey = P256.Signing.PrivateKey()) throws -> Certificate {
        try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: time.addingTimeInterval(-day), notValidAfter: time.addingTimeInterval(day),
            issuer: issuer.certificate.subject,
            subject: try DistinguishedName { CommonName(cn) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions([try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true)] + extensions),
            issuerPrivateKey: Certificate.PrivateKey(try issuer.privateKey()))
    }

    @Test func malformedTNAuthListOnPath() async throws {
        let pki = try TestPKISupport.pki()
        // libstirshaken style: a bare IA5String where the SEQUENCE belongs.
        let bare = Certificate.Extension(oid: TNAuthList.oid, critical: false, value: [0x16, 0x03, 0x61, 0x62, 0x63])
        let cert = try Self.issue(under: pki.sp, cn: "TEST Malformed Delegate", extensions: [bare])
        let e = Self.failure(await Self.validate(pki, [cert, pki.sp.certificate], orig: "12025550142"))
        #expect(e == .malformedTNAuthList(subject: TestPKISupport.cn(cert), reason: .notASequence(found: "IA5String")))
    }

    @Test func criticalTNAuthListIsUnderstood() async throws {
        let pki = try TestPKISupport.pki()
        let ext = try Certificate.Extension(try TNAuthList([.one("12025550142")]), critical: true)
        let cert = try Self.issue(under: pki.sp, cn: "TEST Critical Delegate", extensions: [ext])
        #expect(try await Self.validate(pki, [cert, pki.sp.certificate], orig: "12025550142").get().count == 3)
    }

    @Test func nearestAncestorWithListBounds() async throws {
        // Narrow CA [range] -> intermediate without TNAuthList -> delegate outside the range:
        // the missing middle list must not widen scope.
        let pki = try TestPKISupport.pki()
        let midKey = P256.Signing.PrivateKey()
        let mid = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(midKey.publicKey),
            notValidBefore: Self.time.addingTimeInterval(-Self.day), notValidAfter: Self.time.addingTimeInterval(Self.day),
            issuer: pki.narrowCA.certificate.subject, subject: try DistinguishedName { CommonName("TEST Listless CA") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions([
                try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true),
                try Certificate.Extension(KeyUsage(keyCertSign: true), critical: true),
            ]),
            issuerPrivateKey: Certificate.PrivateKey(try pki.narrowCA.privateKey()))
        let leafKey = P256.Signing.PrivateKey()
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(leafKey.publicKey),
            notValidBefore: Self.time.addingTimeInterval(-Self.day), notValidAfter: Self.time.addingTimeInterval(Self.day),
            issuer: mid.subject, subject: try DistinguishedName { CommonName("TEST Sneaky Delegate") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions([
                try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true),
                try Certificate.Extension(try TNAuthList([.one("19995550000")]), critical: false),
            ]),
            issuerPrivateKey: Certificate.PrivateKey(midKey))
        let e = Self.failure(await Self.validate(pki, [leaf, mid, pki.narrowCA.certificate]))
        guard case .delegateNotSubset(_, let issuer, .one("19995550000")) = e else {
            Issue.record("scope widened through a listless CA: \(String(describing: e))")
            return
        }
        #expect(issuer.contains("TEST Narrow SP CA"))
    }
}
