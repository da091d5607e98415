import Crypto
import Foundation
import X509

/// An `IdentityKeyProvider` backed by a `CertificateRepository` and a `CertificateChainValidator`.
///
/// Chain validation is asynchronous and `IdentityKeyProvider` is not, so the chains are fetched
/// and validated up front (`prepare`), at one fixed time; `publicKey(for:now:)` then answers
/// from those results and ignores its `now` argument. Mapping (RFC 8224 §6.2.2):
/// a chain that cannot be fetched gives `cannotFetch` (436); one that does not validate to a
/// trust anchor, is outside its validity, or breaks the RFC 8226 / 9060 scope rules gives
/// `untrusted` (437); a leaf key that is not P-256 gives `unsupported` (437).
public struct CertificateKeyProvider: IdentityKeyProvider, Sendable {
    /// URL → validated path (leaf first) or why the credential cannot be used.
    public private(set) var results: [String: Result<[Certificate], IdentityKeyError>]
    /// Per URL, derived once from the validated leaf: its P-256 key and its TNAuthList (nil
    /// when absent or unreadable), so that a verification does no certificate decoding.
    private var keys: [String: Result<SendableKey, IdentityKeyError>] = [:]
    private var tnAuthLists: [String: TNAuthList?] = [:]

    public init(results: [String: Result<[Certificate], IdentityKeyError>]) {
        self.results = results
        for (url, result) in results {
            guard case .success(let path) = result, let leaf = path.first else { continue }
            keys[url] = P256.Signing.PublicKey(leaf.publicKey).map { .success(SendableKey(key: $0)) }
                ?? .failure(.unsupported("the certificate for \(url) does not hold a P-256 key (ES256)"))
            tnAuthLists[url] = .some(try? leaf.tnAuthList())
        }
    }

    /// Fetches and validates the chain of every URL in `urls` at `time`.
    public static func prepare(urls: some Sequence<String>, repository: any CertificateRepository,
                               validator: CertificateChainValidator, at time: Date) async -> CertificateKeyProvider {
        var results: [String: Result<[Certificate], IdentityKeyError>] = [:]
        for url in urls where results[url] == nil {
            results[url] = await resolve(url, repository: repository, validator: validator, at: time)
        }
        return CertificateKeyProvider(results: results)
    }

    static func resolve(_ url: String, repository: any CertificateRepository, validator: CertificateChainValidator,
                        at time: Date) async -> Result<[Certificate], IdentityKeyError> {
        let chain: [Certificate]
        do { chain = try repository.chain(for: url) } catch {
            return .failure(.cannotFetch(String(describing: error)))
        }
        switch await validator.validate(chain: chain, at: time) {
        case .success(let path): return .success(path)
        case .failure(.emptyChain): return .failure(.cannotFetch("\(url) serves no certificate"))
        case .failure(let error): return .failure(.untrusted(error.description))
        }
    }

    /// The validated leaf for `url`, or why it cannot be used.
    public func leaf(for url: String) throws(IdentityKeyError) -> Certificate {
        guard let result = results[url] else { throw .cannotFetch("no certificate chain was fetched for \(url)") }
        switch result {
        case .failure(let e): throw e
        case .success(let path):
            guard let leaf = path.first else { throw .cannotFetch("\(url) serves no certificate") }
            return leaf
        }
    }

    public func publicKey(for url: String, now: Int64) throws(IdentityKeyError) -> P256.Signing.PublicKey {
        if let key = keys[url] { return try key.get().key }
        _ = try leaf(for: url)
        throw .cannotFetch("no certificate chain was fetched for \(url)")
    }

    /// The `TNAuthListCoversOrig` hook: does the validated leaf for `x5u` authorise `origTN`?
    /// true when a TN or range entry covers it; false when the leaf has no (or an unreadable)
    /// TNAuthList, or only TN/range entries that miss it; nil (no information, rule skipped)
    /// when it misses but the list holds an SPC, whose numbers are known only out of band,
    /// or when no validated chain exists for `x5u` (other policies report that).
    public func tnAuthListCovers(origTN: String, x5u: String) -> Bool? {
        guard let cached = tnAuthLists[x5u] else { return nil }
        guard let list = cached else { return false }
        if list.covers(tn: origTN) { return true }
        let hasSPC = list.entries.contains { if case .spc = $0 { true } else { false } }
        return hasSPC ? nil : false
    }
}

/// swift-crypto does not mark the public key Sendable; it is an immutable value here.
private struct SendableKey: @unchecked Sendable {
    let key: P256.Signing.PublicKey
}

/// URL → certificate file, read on each lookup (relative paths resolve against the current
/// directory): the `--cert URL=FILE` form of a map file.
public struct FileCertificateRepository: CertificateRepository {
    public let files: [String: URL]

    public init(files: [String: URL]) { self.files = files }

    public func chain(for url: String) throws -> [Certificate] {
        guard let file = files[url] else { throw CertificateRepositoryError.unknownURL(url) }
        return try PEMChainFile.load(file)
    }
}
