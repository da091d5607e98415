import Foundation
import Testing

/// `ims-harness audit` over the shipped captures.
@Suite struct AuditCommandTests {
    static let captures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Captures")
    static func path(_ name: String) -> String { captures.appendingPathComponent(name).path }

    func json(_ file: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func flagsTheForwardedUEPAI() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["audit", Self.path("ims-pai-leak.pcap"), "--roles", Self.path("ims-pai-leak.roles.yaml"),
                             "--json", out.appendingPathComponent("a.json").path, "--junit", out.appendingPathComponent("a.xml").path])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("FAILED no-ue-pai-forwarded-by-pcscf"))
        let j = try json(out.appendingPathComponent("a.json").path)
        #expect(j["sip_messages"] as? Int == 12)
        #expect((j["requests"] as? [String: Int]) == ["INVITE": 4, "ACK": 1, "BYE": 1])
        #expect((j["responses"] as? [String: Int]) == ["100": 1, "180": 2, "200": 3])
        #expect(j["dialogs"] as? Int == 1)
        #expect(j["identity"] is [Any])
        let xml = try String(contentsOf: out.appendingPathComponent("a.xml"), encoding: .utf8)
        #expect(xml.contains("<testcase classname=\"audit\" name=\"no-ue-pai-forwarded-by-pcscf\"><failure"))
    }

    @Test func cleanCapturePasses() throws {
        let r = try CLI.run(["audit", Self.path("sipp-udp.pcapng")])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("requests: ACK 1, BYE 1, INVITE 1"))
    }

    @Test func errorsAndUsage() throws {
        let missing = try CLI.run(["audit", "/nonexistent/x.pcap"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/x.pcap") && missing.stderr.contains("no such file"))
        #expect(try CLI.run(["audit", Self.path("sipp-udp.pcapng"), "--at", "yesterday"]).status == 2)
        #expect(try CLI.run(["audit", Self.path("sipp-udp.pcapng"), "--cert", "https://x=y.pem"]).status == 2)
        // A report that cannot be written: exit 2, naming the file and the cause, after the summary.
        let unwritable = try CLI.run(["audit", Self.path("sipp-udp.pcapng"), "--json", "/nonexistent/dir/a.json"])
        #expect(unwritable.status == 2)
        #expect(unwritable.stdout.contains("requests: ACK 1, BYE 1, INVITE 1"))
        #expect(unwritable.stderr.contains("cannot write /nonexistent/dir/a.json: No such file or directory"), "\(unwritable.stderr)")
    }

    @Test func closedOrBrokenStandardStreamsDoNotCrash() throws {
        // `audit X >&-`, `audit X 2>&-` on a missing file, and `audit X | head -c0` with SIGPIPE
        // ignored: the write fails (EBADF, EPIPE), the exit status is the audit's own.
        let exe = try #require(CLI.binary, "ims-harness binary not found; build it with `swift build`")
        let capture = Self.path("sipp-udp.pcapng")
        for (script, status) in [("exec \"$0\" audit \"$1\" >&-", Int32(0)),
                                 ("exec \"$0\" audit /nonexistent/x.pcap 2>&-", 2),
                                 ("trap '' PIPE; \"$0\" audit \"$1\" | head -c0; exit ${PIPESTATUS[0]}", 0)] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-c", script, exe.path, capture]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationReason == .exit && p.terminationStatus == status, "\(script): \(p.terminationStatus) \(text)")
            #expect(!text.contains("Fatal error"), "\(script): \(text)")
        }
    }

    @Test func rewritesAnExistingReport() throws {
        // O_TRUNC: a shorter report over a longer one leaves no tail of the old file.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(repeating: 0x20, count: 1 << 20).write(to: file)
        #expect(try CLI.run(["audit", Self.path("sipp-udp.pcapng"), "--json", file.path]).status == 0)
        let j = try json(file.path)
        #expect(j["sip_messages"] as? Int ?? 0 > 0)
        #expect(try Data(contentsOf: file).count < 1 << 20)
    }
}
