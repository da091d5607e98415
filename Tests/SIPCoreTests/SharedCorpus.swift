import Foundation

/// Locates `../shared` (beside the project root), which CI provides but a fresh clone
/// elsewhere does not have. Tests that need it skip with this message when it is absent.
enum SharedCorpus {
    static let projectRoot: URL = {
        // Tests/SIPCoreTests/SharedCorpus.swift -> project root
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }()

    static let rfc4475: URL = projectRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/rfc4475")

    static var isAvailable: Bool {
        FileManager.default.fileExists(atPath: rfc4475.appendingPathComponent("README.md").path)
    }

    static let skipMessage = "../shared/corpus/rfc4475 is absent (it sits beside the project in CI); RFC 4475 conformance not checked"

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: rfc4475.appendingPathComponent(name)))
    }
}
