import Crypto
import Foundation
import Testing
import X509
@testable import Identity

struct TestPKITests {
    @Test func structure() throws {
        let pki = try TestPKISupport.pki()
        for c in pki.all {
            #expect(String(describing: c.certificate.subject).contains("TEST"), "\(c.name)")
            #expect(c.url.hasPrefix("https://certs.test.invalid/"))
            #expect(c.chain.first == c.certificate)
            // The PKCS#8 key belongs to the certificate.
            #expect(Certificate.PublicKey(try c.privateKey().publicKey) == c.certificate.publicKey)
            #expect(c.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        }
        #expect(String(describing: pki.root.certificate.subject).contains("TEST Root CA"))
        #expect(String(describing: pki.untrustedRoot.certificate.subject).contains("TEST Untrusted Root"))
        #expect(try pki.sp.certificate.tnAuthList()?.entries == [.spc("TEST1")])
        #expect(try pki.delegate.certificate.tnAuthList()?.entries == [.range(start: "12025550100", count: 100)])
        #expect(try pki.root.certificate.tnAuthList() == nil)
        #expect(pki.delegate.chain == [pki.delegate.certificate, pki.sp.certificate])
        #expect(pki.outOfScope.chain == [pki.outOfScope.certificate, pki.narrowCA.certificate])
        #expect(pki.untrustedDelegate.chain == [pki.untrustedDelegate.certificate, pki.untrustedRoot.certificate])
        #expect(try pki.sp.certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: nil))
        #expect(try pki.delegate.certificate.extensions.basicConstraints == .notCertificateAuthority)
        // Validity is relative to the given time.
        #expect(pki.expired.certificate.notValidAfter < TestPKISupport.time)
        #expect(pki.notYetValid.certificate.notValidBefore > TestPKISupport.time)
    }

    @Test func seedMakesKeysRepeatable() throws {
        let a = try TestPKISupport.pki(seed: 42), b = try TestPKISupport.pki(seed: 42), c = try TestPKISupport.pki(seed: 43)
        #expect(a.delegate.certificate.publicKey == b.delegate.certificate.publicKey)
        #expect(a.delegate.certificate.publicKey != c.delegate.certificate.publicKey)
        #expect(a.delegate.certificate.publicKey != a.sp.certificate.publicKey)
        let r1 = try TestPKISupport.pki(seed: nil), r2 = try TestPKISupport.pki(seed: nil)
        #expect(r1.root.certificate.publicKey != r2.root.certificate.publicKey)
    }

    @Test func writesFilesAndMap() async throws {
        let pki = try TestPKISupport.pki()
        try await TestPKISupport.withTempDirectoryAsync { dir in
            try pki.write(to: dir)
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            #expect(names.contains("certs.yaml"))
            #expect(names.contains("delegate.pem") && names.contains("delegate.key.pem"))
            let keyPEM = try String(contentsOf: dir.appendingPathComponent("sp.key.pem"), encoding: .utf8)
            #expect(Certificate.PublicKey(try P256.Signing.PrivateKey(pemRepresentation: keyPEM).publicKey) == pki.sp.certificate.publicKey)
            // The written map serves every chain, and the delegate validates from disk.
            let repo = try MapFileCertificateRepository(mapFile: dir.appendingPathComponent("certs.yaml"))
            #expect(repo.files.count == pki.all.count)
            for c in pki.all { #expect(try repo.chain(for: c.url) == c.chain, "\(c.name)") }
            let chain = try repo.chain(for: "https://certs.test.invalid/delegate.pem")
            let result = await CertificateChainValidator(trustAnchors: pki.trustAnchors).validate(chain: chain, at: TestPKISupport.time, origTN: "12025550150")
            #expect((try? result.get())?.count == 3)
        }
    }
}

extension TestPKISupport {
    static func withTempDirectoryAsync<T>(_ body: (URL) async throws -> T) async throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ims-harness-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        return try await body(dir)
    }
}
