import Foundation
import Testing
@testable import Identity

/// `prepareBlocking` is called by synchronous code that may itself run on Swift's cooperative
/// pool; a semaphore wait for a detached task would deadlock once every pool thread waits.
@Suite("CertificateKeyProvider.prepareBlocking")
struct BlockingRunTests {
    static let pki = Result { try TestPKISupport.pki() }

    // More concurrent callers than the machine has cores: each occupies a pool thread while it waits.
    @Test(.timeLimit(.minutes(2)), arguments: 0..<12)
    func validatesFromCooperativeThreads(_ i: Int) throws {
        let pki = try Self.pki.get()
        let keys = CertificateKeyProvider.prepareBlocking(
            urls: [pki.delegate.url, pki.untrustedDelegate.url], repository: pki.repository,
            validator: CertificateChainValidator(trustAnchors: pki.trustAnchors), at: pki.time)
        #expect((try? keys.publicKey(for: pki.delegate.url, now: 0)) != nil)
        #expect(throws: IdentityKeyError.self) { try keys.publicKey(for: pki.untrustedDelegate.url, now: 0) }
    }

    @Test func returnsTheValueOfNestedAwaits() {
        let value = BlockingRun.run { () async -> Int in
            async let a = Task { 20 }.value
            let b = await withTaskGroup(of: Int.self) { group in
                for n in 1...3 { group.addTask { n } }
                return await group.reduce(0, +)
            }
            return await a + b
        }
        #expect(value == 26)
    }
}
