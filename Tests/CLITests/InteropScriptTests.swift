import Foundation
import Testing

/// Runs scripts/interop.sh (ims-harness vs. the openssl CLI and Python `cryptography`) against the built binary.
struct InteropScriptTests {
    static let script = CLI.root.appendingPathComponent("scripts/interop.sh")

    /// The first executable `name` on PATH.
    static func onPath(_ name: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var missingTools: [String] { ["bash", "openssl", "python3"].filter { onPath($0) == nil } }

    @Test(.enabled(if: missingTools.isEmpty, "skipped: interop.sh needs bash, openssl and python3 on PATH (missing: \(missingTools.joined(separator: ", ")))"))
    func interopScriptPasses() throws {
        let bash = try #require(Self.onPath("bash"))
        let binary = try #require(CLI.binary, "ims-harness binary not found; build it with `swift build`")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bash)
        p.arguments = [Self.script.path, binary.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        #expect(p.terminationStatus == 0, "interop.sh failed:\n\(output)")
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasSuffix(" passed, 0 failed") && last.first?.isNumber == true, "last line: \(last)\n\(output)")
        #expect(!output.contains("FAIL:"), "\(output)")
        #expect(output.contains("0 failed"))
    }
}
