import Crypto
import Foundation
import SwiftASN1
import X509

/// A small STIR test PKI for the harness: every name contains "TEST", every URL is under
/// `.invalid`, and validity is relative to the given time, so the set works at any date.
/// With a seed the keys are derived from it (ECDSA signatures still vary); without, random.
public struct TestPKI: Sendable {
    /// One certificate, its PKCS#8 key, and the chain an `x5u` URL serves for it.
    public struct Credential: Sendable {
        /// File stem: `<name>.pem` (chain) and `<name>.key.pem` (private key).
        public let name: String
        public let certificate: Certificate
        /// Leaf first, then intermediates; no trust anchor unless the certificate is self-signed.
        public let chain: [Certificate]
        public let privateKeyPEM: String

        public var url: String { TestPKI.baseURL + name + ".pem" }
        public var fileName: String { name + ".pem" }
        public var keyFileName: String { name + ".key.pem" }

        public func privateKey() throws -> P256.Signing.PrivateKey {
            try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        }
    }

    public static let baseURL = "https://certs.test.invalid/"
    public static let spSPC = "TEST1"
    /// Range of the good delegate: 12025550100 ... 12025550199.
    public static let delegateRange = TNEntry.range(start: "12025550100", count: 100)
    /// Range of the out-of-scope delegate: not inside its issuer's `delegateRange`.
    public static let outOfScopeRange = TNEntry.range(start: "13035550100", count: 10)

    public let time: Date
    /// "TEST Root CA", the one trust anchor.
    public let root: Credential
    /// "TEST SP CA": CA, TNAuthList [spc TEST1].
    public let sp: Credential
    /// "TEST Enterprise Delegate": end entity under the SP, `delegateRange`.
    public let delegate: Credential
    public let expired: Credential
    public let notYetValid: Credential
    /// "TEST Narrow SP CA": CA whose TNAuthList is `delegateRange` only (no SPC).
    public let narrowCA: Credential
    /// Delegate under `narrowCA` claiming `outOfScopeRange`.
    public let outOfScope: Credential
    /// "TEST Untrusted Root": self-signed, never a trust anchor.
    public let untrustedRoot: Credential
    /// Delegate whose chain ends at `untrustedRoot`.
    public let untrustedDelegate: Credential
    /// "TEST Loopback SIP TLS": a TLS server/client certificate under `root` for localhost,
    /// 127.0.0.1 and ::1 (SIP over TLS in live runs; a SUT presents it too). Not an x5u credential.
    public let tlsLoopback: Credential

    public var trustAnchors: [Certificate] { [root.certificate] }
    public var all: [Credential] {
        [root, sp, delegate, expired, notYetValid, narrowCA, outOfScope, untrustedRoot, untrustedDelegate]
    }
    /// URL → chain, as the map file written by `write(to:)` serves it.
    public var repository: DictionaryCertificateRepository {
        DictionaryCertificateRepository(Dictionary(uniqueKeysWithValues: all.map { ($0.url, $0.chain) }))
    }

    public static func generate(at time: Date, seed: UInt64? = nil) throws -> TestPKI {
        var factory = Factory(time: time, seed: seed)
        let day: TimeInterval = 86_400
        let root = try factory.issue("root", cn: "TEST Root CA", isCA: true, validity: (-365 * day, 3650 * day), tn: nil, issuer: nil)
        let sp = try factory.issue("sp", cn: "TEST SP CA", isCA: true, validity: (-30 * day, 730 * day),
                                   tn: [.spc(spSPC)], issuer: root, chainIncludesIssuer: false)
        let delegate = try factory.issue("delegate", cn: "TEST Enterprise Delegate", isCA: false, validity: (-day, 90 * day),
                                         tn: [delegateRange], issuer: sp)
        let expired = try factory.issue("expired", cn: "TEST Expired Delegate", isCA: false, validity: (-120 * day, -day),
                                        tn: [delegateRange], issuer: sp)
        let notYetValid = try factory.issue("not-yet-valid", cn: "TEST Not Yet Valid Delegate", isCA: false,
                                            validity: (day, 91 * day), tn: [delegateRange], issuer: sp)
        let narrow = try factory.issue("narrow-ca", cn: "TEST Narrow SP CA", isCA: true, validity: (-30 * day, 730 * day),
                                       tn: [delegateRange], issuer: root, chainIncludesIssuer: false)
        let outOfScope = try factory.issue("out-of-scope", cn: "TEST Out Of Scope Delegate", isCA: false,
                                           validity: (-day, 90 * day), tn: [outOfScopeRange], issuer: narrow)
        let untrustedRoot = try factory.issue("untrusted-root", cn: "TEST Untrusted Root", isCA: true,
                                              validity: (-365 * day, 3650 * day), tn: nil, issuer: nil)
        let untrusted = try factory.issue("untrusted", cn: "TEST Untrusted Delegate", isCA: false, validity: (-day, 90 * day),
                                          tn: [delegateRange], issuer: untrustedRoot)
        let ipv6Loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]
        let tls = try factory.issue("tls-loopback", cn: "TEST Loopback SIP TLS", isCA: false, validity: (-day, 90 * day), tn: nil,
                                    issuer: root, chainIncludesIssuer: false, extra: [
                                        try Certificate.Extension(try ExtendedKeyUsage([.serverAuth, .clientAuth]), critical: false),
                                        try Certificate.Extension(SubjectAlternativeNames([
                                            .dnsName("localhost"),
                                            .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                                            .ipAddress(ASN1OctetString(contentBytes: ArraySlice(ipv6Loopback))),
                                        ]), critical: false),
                                    ])
        return TestPKI(time: time, root: root, sp: sp, delegate: delegate, expired: expired, notYetValid: notYetValid,
                       narrowCA: narrow, outOfScope: outOfScope, untrustedRoot: untrustedRoot, untrustedDelegate: untrusted,
                       tlsLoopback: tls)
    }

    /// Writes `<name>.pem` (chain), `<name>.key.pem` (PKCS#8) and `certs.yaml` (URL: file; the
    /// x5u credentials only).
    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var map = "# TEST PKI generated by ims-harness; x5u URL -> file (relative to this map).\n"
        for c in all + [tlsLoopback] {
            let pem = try c.chain.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
            try Data(pem.utf8).write(to: directory.appendingPathComponent(c.fileName))
            let keyURL = directory.appendingPathComponent(c.keyFileName)
            try Data((c.privateKeyPEM + "\n").utf8).write(to: keyURL)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyURL.path)
            if c.name != tlsLoopback.name { map += "\"\(c.url)\": \"\(c.fileName)\"\n" }
        }
        try Data(map.utf8).write(to: directory.appendingPathComponent("certs.yaml"))
    }

    /// What `write(to:)` writes, in order: file name and a short description of its content.
    public var fileList: [(name: String, description: String)] {
        (all + [tlsLoopback]).flatMap { c -> [(name: String, description: String)] in
            let cn = c.certificate.subject.description
            let served = c.name == tlsLoopback.name ? "for SIP over TLS on localhost, 127.0.0.1 and ::1" : "served at \(c.url)"
            return [(c.fileName, "certificate chain of \(cn), \(served)"), (c.keyFileName, "private key of \(cn) (PKCS#8)")]
        } + [("certs.yaml", "map of x5u URL -> certificate file")]
    }

    private struct Factory {
        let time: Date
        let seed: UInt64?
        var serial: UInt64 = 0x1000

        init(time: Date, seed: UInt64?) {
            self.time = time
            self.seed = seed
        }

        func key(_ label: String) throws -> P256.Signing.PrivateKey {
            guard let seed else { return P256.Signing.PrivateKey() }
            // A hash is a valid P-256 scalar unless it is 0 or >= n (~2^-32); rehash then.
            for counter in 0..<8 {
                let digest = SHA256.hash(data: Data("ims-harness TestPKI \(seed) \(label) \(counter)".utf8))
                if let k = try? P256.Signing.PrivateKey(rawRepresentation: Array(digest)) { return k }
            }
            throw TestPKIError.keyDerivationFailed(label)
        }

        mutating func issue(_ name: String, cn: String, isCA: Bool, validity: (TimeInterval, TimeInterval),
                            tn: [TNEntry]?, issuer: Credential?, chainIncludesIssuer: Bool = true,
                            extra: [Certificate.Extension] = []) throws -> Credential {
            let key = try key(name)
            let publicKey = Certificate.PublicKey(key.publicKey)
            let subject = try DistinguishedName {
                OrganizationName("TEST ims-harness")
                CommonName(cn)
            }
            let issuerKey = try issuer.map { try $0.privateKey() } ?? key
            let ski = SubjectKeyIdentifier(hash: publicKey)
            let aki = try issuer?.certificate.extensions.subjectKeyIdentifier?.keyIdentifier ?? ski.keyIdentifier
            var exts: [Certificate.Extension] = [
                try Certificate.Extension(isCA ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : .notCertificateAuthority,
                                          critical: true),
                try Certificate.Extension(isCA ? KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true)
                                               : KeyUsage(digitalSignature: true), critical: true),
                try Certificate.Extension(ski, critical: false),
                try Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: aki), critical: false),
            ]
            if let tn { exts.append(try Certificate.Extension(try TNAuthList(tn), critical: false)) }
            exts += extra
            serial += 1
            let cert = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(serial),
                publicKey: publicKey,
                notValidBefore: time.addingTimeInterval(validity.0),
                notValidAfter: time.addingTimeInterval(validity.1),
                issuer: issuer?.certificate.subject ?? subject,
                subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions(exts),
                issuerPrivateKey: Certificate.PrivateKey(issuerKey)
            )
            var chain = [cert]
            // An intermediate's issuer in the chain would be an anchor; delegates carry their CA.
            if let issuer, chainIncludesIssuer { chain += issuer.chain }
            return Credential(name: name, certificate: cert, chain: chain, privateKeyPEM: key.pemRepresentation)
        }
    }
}

public enum TestPKIError: Error, Hashable, Sendable, CustomStringConvertible {
    case keyDerivationFailed(String)

    public var description: String {
        switch self {
        case .keyDerivationFailed(let l): "could not derive a P-256 key for \(l) from the seed"
        }
    }
}
