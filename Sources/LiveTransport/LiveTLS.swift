import Foundation
import Identity
import NIOSSL
import SwiftASN1
import X509

/// TLS contexts for live SIP over TLS. Both sides use the test PKI's loopback credential
/// (localhost, 127.0.0.1, ::1, under `pki.root`, as `pki init` writes it for a SUT); clients
/// trust that root and verify names fully.
public struct LiveTLS: @unchecked Sendable {
    public let server: NIOSSLContext
    public let client: NIOSSLContext

    public init(server: NIOSSLContext, client: NIOSSLContext) {
        self.server = server
        self.client = client
    }

    public static func loopback(pki: TestPKI) throws -> LiveTLS {
        func der(_ c: Certificate) throws -> [UInt8] {
            var s = DER.Serializer()
            try s.serialize(c)
            return s.serializedBytes
        }
        let credential = pki.tlsLoopback
        let chain = try credential.chain.map { NIOSSLCertificateSource.certificate(try NIOSSLCertificate(bytes: try der($0), format: .der)) }
        let rootCert = try NIOSSLCertificate(bytes: try der(pki.root.certificate), format: .der)
        let key = try NIOSSLPrivateKey(bytes: Array(try credential.privateKey().derRepresentation), format: .der)
        let serverConfig = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        var clientConfig = TLSConfiguration.makeClientConfiguration()
        clientConfig.trustRoots = .certificates([rootCert])
        clientConfig.certificateVerification = .fullVerification
        return LiveTLS(server: try NIOSSLContext(configuration: serverConfig),
                       client: try NIOSSLContext(configuration: clientConfig))
    }
}
