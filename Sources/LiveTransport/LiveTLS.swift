import Crypto
import Foundation
import Identity
import NIOSSL
import SwiftASN1
import X509

/// TLS contexts for live SIP over TLS. The server certificate (localhost, 127.0.0.1, ::1) is
/// issued by the test PKI's root; clients trust that root and verify names fully.
public struct LiveTLS: @unchecked Sendable {
    public let server: NIOSSLContext
    public let client: NIOSSLContext

    public init(server: NIOSSLContext, client: NIOSSLContext) {
        self.server = server
        self.client = client
    }

    /// Issues a loopback server certificate from `pki.root` (valid around `now`).
    public static func loopback(pki: TestPKI, now: Date = Date()) throws -> LiveTLS {
        let caKey = try pki.root.privateKey()
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName("localhost") }
        let ipv6Loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth, .clientAuth])
            SubjectAlternativeNames([
                .dnsName("localhost"),
                .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                .ipAddress(ASN1OctetString(contentBytes: ArraySlice(ipv6Loopback))),
            ])
        }
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(30 * 86400),
            issuer: pki.root.certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(caKey))
        func der(_ c: Certificate) throws -> [UInt8] {
            var s = DER.Serializer()
            try s.serialize(c)
            return s.serializedBytes
        }
        let serverCert = try NIOSSLCertificate(bytes: try der(cert), format: .der)
        let rootCert = try NIOSSLCertificate(bytes: try der(pki.root.certificate), format: .der)
        let serverKey = try NIOSSLPrivateKey(bytes: Array(key.derRepresentation), format: .der)
        let serverConfig = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(serverCert)],
                                                                   privateKey: .privateKey(serverKey))
        var clientConfig = TLSConfiguration.makeClientConfiguration()
        clientConfig.trustRoots = .certificates([rootCert])
        clientConfig.certificateVerification = .fullVerification
        return LiveTLS(server: try NIOSSLContext(configuration: serverConfig),
                       client: try NIOSSLContext(configuration: clientConfig))
    }
}
