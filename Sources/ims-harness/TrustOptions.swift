import ArgumentParser
import Foundation

/// The trust options `passport verify` and `audit` share: anchors and where each x5u URL's
/// certificate chain is read from.
struct TrustOptions: ParsableArguments {
    @Option(name: .long, help: "PEM file of trusted root certificate(s) (repeatable).")
    var trustAnchor: [String] = []

    @Option(name: .long, help: "YAML map of x5u URL -> PEM chain file (as written by `pki init`).")
    var certs: String?

    @Option(name: .long, help: "URL=FILE: serve the PEM chain FILE at URL (repeatable; overrides --certs).")
    var cert: [String] = []

    var isEmpty: Bool { trustAnchor.isEmpty && certs == nil && cert.isEmpty }
    var hasCertificateSource: Bool { certs != nil || !cert.isEmpty }

    /// `--cert URL=FILE` pairs, split at the last '=' (URLs may hold '=' in a query).
    func certPairs() throws -> [String: String] {
        var files: [String: String] = [:]
        for pair in cert {
            guard let eq = pair.lastIndex(of: "="), eq != pair.startIndex, pair.index(after: eq) != pair.endIndex else {
                throw ValidationError("--cert \(pair): expected URL=FILE")
            }
            let url = String(pair[..<eq])
            guard files[url] == nil else { throw ValidationError("--cert names \(url) twice") }
            files[url] = String(pair[pair.index(after: eq)...])
        }
        return files
    }
}
