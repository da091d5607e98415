import Foundation
import Identity
import NIOSSL
import SwiftASN1
import X509

/// Where a live run's TLS material comes from, beyond the scenario's test PKI: a SUT with its
/// own certificate (`trustPEM`), the harness presenting one of yours (`certificatePEM` +
/// `keyPEM`, also offered as a client certificate), or no server verification at all.
public struct LiveTLSOptions: Sendable, Hashable {
    /// PEM file of the CA certificate(s) (or a self-signed certificate) the harness trusts.
    public var trustPEM: String?
    /// PEM file of the harness's certificate chain, leaf first, and its private key.
    public var certificatePEM: String?
    public var keyPEM: String?
    /// false: any server certificate is accepted (names and chain unchecked).
    public var verifyPeer = true

    public init(trustPEM: String? = nil, certificatePEM: String? = nil, keyPEM: String? = nil, verifyPeer: Bool = true) {
        self.trustPEM = trustPEM
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
        self.verifyPeer = verifyPeer
    }

    public static let `default` = LiveTLSOptions()
}

/// TLS contexts for live SIP over TLS. By default both sides use the test PKI's loopback
/// credential (localhost, 127.0.0.1, ::1, under `pki.root`, as `pki init` writes it for a SUT)
/// and clients trust that root and verify names fully; `LiveTLSOptions` replaces either part.
public struct LiveTLS: @unchecked Sendable {
    public let server: NIOSSLContext
    public let client: NIOSSLContext

    public init(server: NIOSSLContext, client: NIOSSLContext) {
        self.server = server
        self.client = client
    }

    public static func loopback(pki: TestPKI, options: LiveTLSOptions = .default) throws -> LiveTLS {
        func der(_ c: Certificate) throws -> [UInt8] {
            var s = DER.Serializer()
            try s.serialize(c)
            return s.serializedBytes
        }
        func read<T>(_ what: String, _ path: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch { throw LiveTLSError(description: "cannot read \(what) \(path): \(error)") }
        }
        let chain: [NIOSSLCertificateSource], key: NIOSSLPrivateKey
        if let certPath = options.certificatePEM, let keyPath = options.keyPEM {
            chain = try read("the certificate chain", certPath) { try NIOSSLCertificate.fromPEMFile(certPath).map { .certificate($0) } }
            key = try read("the private key", keyPath) { try NIOSSLPrivateKey(file: keyPath, format: .pem) }
            if chain.isEmpty { throw LiveTLSError(description: "no certificate in \(certPath)") }
        } else if options.certificatePEM != nil || options.keyPEM != nil {
            throw LiveTLSError(description: "a TLS certificate needs its key, and a key its certificate")
        } else {
            chain = try pki.tlsLoopback.chain.map { .certificate(try NIOSSLCertificate(bytes: try der($0), format: .der)) }
            key = try NIOSSLPrivateKey(bytes: Array(try pki.tlsLoopback.privateKey().derRepresentation), format: .der)
        }
        let roots: [NIOSSLCertificate]
        if let trust = options.trustPEM {
            roots = try read("the trusted certificates", trust) { try NIOSSLCertificate.fromPEMFile(trust) }
            if roots.isEmpty { throw LiveTLSError(description: "no certificate in \(trust)") }
        } else {
            roots = [try NIOSSLCertificate(bytes: try der(pki.root.certificate), format: .der)]
        }
        let serverConfig = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        var clientConfig = TLSConfiguration.makeClientConfiguration()
        clientConfig.trustRoots = .certificates(roots)
        clientConfig.certificateVerification = options.verifyPeer ? .fullVerification : .none
        if options.certificatePEM != nil {
            clientConfig.certificateChain = chain
            clientConfig.privateKey = .privateKey(key)
        }
        return LiveTLS(server: try NIOSSLContext(configuration: serverConfig),
                       client: try NIOSSLContext(configuration: clientConfig))
    }
}

public struct LiveTLSError: Error, CustomStringConvertible {
    public var description: String
}
