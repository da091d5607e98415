import Foundation
import Testing
import X509
@testable import Identity

/// Shared helpers for the certificate tests: a fixed validation time and temp directories.
enum TestPKISupport {
    /// 2027-01-15T08:00:00Z: any time works, the PKI is built around it.
    static let time = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86_400

    static func pki(seed: UInt64? = 7) throws -> TestPKI { try TestPKI.generate(at: time, seed: seed) }

    /// A fresh temp directory, removed after `body`.
    static func withTempDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ims-harness-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        return try body(dir)
    }

    static func cn(_ cert: Certificate) -> String { String(describing: cert.subject) }
}
