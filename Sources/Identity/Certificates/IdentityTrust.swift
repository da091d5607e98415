import Foundation
import X509

/// Trust anchors and where each x5u URL's chain is read from: what `passport verify` and
/// `audit` are given on the command line.
public struct IdentityTrust: Sendable {
    public var anchors: [Certificate]
    public var repository: any CertificateRepository

    public init(anchors: [Certificate], repository: any CertificateRepository) {
        self.anchors = anchors
        self.repository = repository
    }

    /// Loads PEM anchors, a `pki init` map file and `URL=FILE` pairs (pairs override the map),
    /// the same inputs `passport verify` takes.
    public static func load(anchorFiles: [String], mapFile: String?, pairs: [String: String]) throws -> IdentityTrust {
        var anchors: [Certificate] = []
        for f in anchorFiles { anchors += try PEMChainFile.load(URL(fileURLWithPath: f)) }
        var files: [String: URL] = [:]
        if let mapFile { files = try MapFileCertificateRepository(mapFile: URL(fileURLWithPath: mapFile)).files }
        for (url, file) in pairs { files[url] = URL(fileURLWithPath: file) }
        return IdentityTrust(anchors: anchors, repository: FileCertificateRepository(files: files))
    }
}
