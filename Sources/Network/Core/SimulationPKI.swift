import Crypto
import Dispatch
import Foundation
import Identity

/// The test PKI a simulated network signs and verifies with: Identity's `TestPKI`, its chains
/// validated once, and the parsed signing keys. Generating and validating is slow next to a
/// call, so one instance per (seed, time) is built per process and shared.
public final class SimulationPKI: @unchecked Sendable {
    public let testPKI: TestPKI
    /// Chains fetched and validated at the epoch base (436/437 results included).
    public let keyProvider: CertificateKeyProvider
    /// Credential name -> signer (key + x5u).
    let signers: [String: PASSporTSigner]

    /// Names a scenario may use for `certificate:` and the attacker's signing choices.
    public static let credentialNames = ["sp", "delegate", "expired", "not-yet-valid", "out-of-scope", "untrusted", "root"]

    private init(testPKI: TestPKI, keyProvider: CertificateKeyProvider, signers: [String: PASSporTSigner]) {
        self.testPKI = testPKI
        self.keyProvider = keyProvider
        self.signers = signers
    }

    func credential(_ name: String) -> TestPKI.Credential? {
        switch name {
        case "sp": testPKI.sp
        case "delegate": testPKI.delegate
        case "expired": testPKI.expired
        case "not-yet-valid": testPKI.notYetValid
        case "out-of-scope": testPKI.outOfScope
        case "untrusted": testPKI.untrustedDelegate
        case "root": testPKI.root
        default: nil
        }
    }

    func signer(_ name: String) -> PASSporTSigner? { signers[name] }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: SimulationPKI] = [:]

    /// The shared PKI for `seed` at unix time `epochBase`.
    static func shared(seed: UInt64, epochBase: Int64) throws(NetworkConfigError) -> SimulationPKI {
        let key = "\(seed)/\(epochBase)"
        lock.lock()
        defer { lock.unlock() }
        if let hit = cache[key] { return hit }
        let time = Date(timeIntervalSince1970: TimeInterval(epochBase))
        let pki: TestPKI
        do { pki = try TestPKI.generate(at: time, seed: seed) } catch {
            throw .pkiFailed(String(describing: error))
        }
        let urls = pki.all.map(\.url)
        let repository = pki.repository
        let validator = CertificateChainValidator(trustAnchors: pki.trustAnchors)
        // Chain validation in swift-certificates is async; the engine is synchronous, and its
        // callers may sit on the cooperative pool, so the wait runs the validation itself.
        let provider = CertificateKeyProvider.prepareBlocking(urls: urls, repository: repository, validator: validator, at: time)
        var signers: [String: PASSporTSigner] = [:]
        let credentials: [(String, TestPKI.Credential)] = [
            ("sp", pki.sp), ("delegate", pki.delegate), ("expired", pki.expired), ("not-yet-valid", pki.notYetValid),
            ("out-of-scope", pki.outOfScope), ("untrusted", pki.untrustedDelegate), ("root", pki.root),
        ]
        for (name, c) in credentials {
            guard let k = try? c.privateKey() else { throw .pkiFailed("key of \(name) does not load") }
            signers[name] = PASSporTSigner(key: k, x5u: c.url)
        }
        let made = SimulationPKI(testPKI: pki, keyProvider: provider, signers: signers)
        cache[key] = made
        return made
    }
}
