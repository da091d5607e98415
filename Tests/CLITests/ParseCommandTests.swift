import Foundation
import Testing

/// Runs the real `ims-harness` binary that `swift build` / `swift test` put beside the tests.
struct CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ims-harness"),
            root.appendingPathComponent(".build/debug/ims-harness"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ args: [String]) throws -> Result {
        let exe = try #require(binary, "ims-harness binary not found; build it with `swift build`")
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Writes `files` (name → bytes) to a fresh temporary folder.
    static func tempFiles(_ files: [String: [UInt8]]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ims-harness-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, bytes) in files { try Data(bytes).write(to: dir.appendingPathComponent(name)) }
        return dir
    }
}

let good = Array("OPTIONS sip:bob@ims.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nMax-Forwards: 70\r\nTo: <sip:bob@ims.example>\r\nFrom: <sip:alice@ims.example>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n".utf8)
let mismatch = Array("OPTIONS sip:bob@ims.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nMax-Forwards: 70\r\nTo: <sip:bob@ims.example>\r\nFrom: <sip:alice@ims.example>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n".utf8)
let noBranch = Array("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1\r\nTo: <sip:bob@ims.example>;tag=2\r\nFrom: <sip:alice@ims.example>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n".utf8)

struct ParseCommandTests {
    @Test func validFilesExitZero() throws {
        let dir = try CLI.tempFiles(["a.sip": good])
        let r = try CLI.run(["parse", dir.appendingPathComponent("a.sip").path])
        #expect(r.status == 0)
        #expect(r.stdout == "\(dir.appendingPathComponent("a.sip").path): valid (OPTIONS sip:bob@ims.example)\n")
    }

    @Test func invalidFileExitsOneWithReasonAndLine() throws {
        let dir = try CLI.tempFiles(["a.sip": good, "b.sip": mismatch])
        let a = dir.appendingPathComponent("a.sip").path, b = dir.appendingPathComponent("b.sip").path
        let r = try CLI.run(["parse", a, b])
        #expect(r.status == 1)
        #expect(r.stdout.contains("\(b): invalid: CSeq method INVITE does not match Request-Line method OPTIONS at line 7\n"))
        #expect(r.stdout.contains("\(a): valid"))
    }

    @Test func findingsFollowTheFileLine() throws {
        let dir = try CLI.tempFiles(["c.sip": noBranch])
        let r = try CLI.run(["parse", dir.appendingPathComponent("c.sip").path])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasSuffix("c.sip: valid (200 OK)"))
        #expect(lines[1] == "  finding: top Via has no branch parameter (RFC 2543 transaction matching)")
    }

    @Test func jsonOneObjectPerLine() throws {
        let dir = try CLI.tempFiles(["a.sip": good, "b.sip": mismatch, "c.sip": noBranch])
        let paths = ["a.sip", "b.sip", "c.sip"].map { dir.appendingPathComponent($0).path }
        let r = try CLI.run(["parse", "--json"] + paths)
        #expect(r.status == 1)
        let objects = try r.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count == 3)
        #expect(objects[0]["valid"] as? Bool == true)
        #expect(objects[0]["kind"] as? String == "request")
        #expect(objects[0]["method"] as? String == "OPTIONS")
        #expect((objects[0]["findings"] as? [String])?.isEmpty == true)
        #expect(objects[1]["valid"] as? Bool == false)
        #expect((objects[1]["reason"] as? String)?.contains("CSeq method INVITE") == true)
        #expect(objects[2]["kind"] as? String == "response")
        #expect(objects[2]["status"] as? Int == 200)
        #expect((objects[2]["findings"] as? [String])?.count == 1)
        #expect(objects.map { $0["file"] as? String } == paths)
    }

    @Test func missingAndUnreadableFilesAreReportedNotFatal() throws {
        let dir = try CLI.tempFiles(["a.sip": good])
        let missing = dir.appendingPathComponent("nope.sip").path
        let r = try CLI.run(["parse", missing, dir.path, dir.appendingPathComponent("a.sip").path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("\(missing): invalid: cannot read file: no such file"))
        #expect(r.stdout.contains("\(dir.path): invalid: cannot read file: is a directory"))
        #expect(r.stdout.contains("a.sip: valid"))
    }

    @Test func emptyAndBinaryFilesAreInvalid() throws {
        let dir = try CLI.tempFiles(["empty.sip": [], "bin.sip": (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 37) }])
        let r = try CLI.run(["parse", "--json", dir.appendingPathComponent("empty.sip").path, dir.appendingPathComponent("bin.sip").path])
        #expect(r.status == 1)
        #expect(r.stdout.split(separator: "\n").count == 2)
        #expect(r.stdout.contains(#""reason":"empty message""#))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try CLI.run(["parse"]).status == 2)
        #expect(try CLI.run(["parse", "--no-such-flag", "x"]).status == 2)
        #expect(try CLI.run(["no-such-command"]).status == 2)
        #expect(try CLI.run(["parse", "--help"]).status == 0)
    }

    @Test func oversizeFileIsRejectedByTheLimit() throws {
        let body = String(repeating: "x", count: 70_000)
        let big = Array("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        let dir = try CLI.tempFiles(["big.sip": big])
        let r = try CLI.run(["parse", dir.appendingPathComponent("big.sip").path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("exceeds the 65536-byte limit"))
        let raised = try CLI.run(["parse", "--max-message-size", "100000", dir.appendingPathComponent("big.sip").path])
        #expect(raised.status == 0)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: CLI.root.deletingLastPathComponent().appendingPathComponent("shared/corpus/rfc4475/README.md").path),
                   "../shared/corpus/rfc4475 is absent; CLI run over the RFC 4475 corpus not checked"))
    func rfc4475CorpusClassification() throws {
        let dir = CLI.root.deletingLastPathComponent().appendingPathComponent("shared/corpus/rfc4475")
        let valid = ["wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "dblreq", "semiuri", "transports",
                     "mpart01", "unreason", "noreason"]
        let invalid = ["badinv01", "clerr", "ncl", "scalar02", "scalarlg", "quotbal", "ltgtruri", "lwsruri", "lwsstart", "trws",
                       "escruri", "baddate", "regbadct", "badaspec", "baddn", "badvers", "mismatch01", "mismatch02", "bigcode"]
        let r = try CLI.run(["parse", "--json"] + (valid + invalid).map { dir.appendingPathComponent("\($0).dat").path })
        #expect(r.status == 1)
        let objects = try r.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count == valid.count + invalid.count)
        for (i, o) in objects.enumerated() {
            let expectValid = i < valid.count
            #expect(o["valid"] as? Bool == expectValid, "\(o)")
            if !expectValid { #expect(((o["reason"] as? String) ?? "").count > 10) }
        }
    }
}
