import Foundation
import Testing

struct PKICommandTests {
    @Test func initWritesMapAndPEMs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ims-harness-pki-\(UUID().uuidString)/nested")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let r = try CLI.run(["pki", "init", dir.path])
        #expect(r.status == 0)
        for name in ["certs.yaml", "root.pem", "sp.pem", "delegate.pem", "delegate.key.pem", "expired.pem", "expired.key.pem",
                     "untrusted-root.pem", "untrusted.pem"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(name) missing")
            #expect(r.stdout.contains("wrote \(dir.appendingPathComponent(name).path)"), "\(name) not reported")
        }
        let map = try String(contentsOf: dir.appendingPathComponent("certs.yaml"), encoding: .utf8)
        #expect(map.contains("\"https://certs.test.invalid/delegate.pem\": \"delegate.pem\""))
        let delegate = try String(contentsOf: dir.appendingPathComponent("delegate.pem"), encoding: .utf8)
        #expect(delegate.components(separatedBy: "-----BEGIN CERTIFICATE-----").count == 3)  // leaf + SP CA
        let key = try String(contentsOf: dir.appendingPathComponent("delegate.key.pem"), encoding: .utf8)
        #expect(key.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        // One line per file (9 x5u credentials and the loopback TLS one, x 2 files, + certs.yaml),
        // then the TEST reminder.
        #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("wrote ") }.count == 21)
        let tls = try String(contentsOf: dir.appendingPathComponent("tls-loopback.pem"), encoding: .utf8)
        #expect(tls.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(!map.contains("tls-loopback"), "not an x5u credential")
        #expect(r.stdout.contains("TEST credentials"))
    }

    @Test func uncreatableDirectoryExitsOne() throws {
        let dir = try CLI.tempFiles(["file": Array("x".utf8)])
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("file/pki").path
        let r = try CLI.run(["pki", "init", target])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot write the test PKI to \(target)"))
        #expect(r.stderr.contains("is not a directory"))
        #expect(r.stdout.isEmpty)
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try CLI.run(["pki", "init"]).status == 2)
        #expect(try CLI.run(["pki", "init", "a", "b"]).status == 2)
        #expect(try CLI.run(["pki", "nope"]).status == 2)
        #expect(try CLI.run(["pki", "init", "--help"]).status == 0)
    }
}
