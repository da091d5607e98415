import Foundation
import Testing

struct RunCommandTests {
    static let scenarios = CLI.root.appendingPathComponent("Scenarios").path

    @Test func shippedSuitePassesAndWritesReports() throws {
        let dir = try CLI.tempFiles([:])
        defer { try? FileManager.default.removeItem(at: dir) }
        let junit = dir.appendingPathComponent("out.xml").path
        let json = dir.appendingPathComponent("out.json").path
        let diagrams = dir.appendingPathComponent("diagrams").path
        let pcaps = dir.appendingPathComponent("pcap").path
        let r = try CLI.run(["run", Self.scenarios, "--junit", junit, "--json", json, "--diagram", diagrams, "--pcap", pcaps])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let last = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.range(of: #"^[0-9]+ passed, 0 failed$"#, options: .regularExpression) != nil, "\(last)")
        let passed = Int(last.split(separator: " ")[0]) ?? 0
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.components(separatedBy: "<testcase ").count - 1 == passed)
        #expect(FileManager.default.fileExists(atPath: json))
        #expect(FileManager.default.fileExists(atPath: diagrams + "/index.html"))
        let pcapFiles = try FileManager.default.contentsOfDirectory(atPath: pcaps).filter { $0.hasSuffix(".pcap") }
        #expect(pcapFiles.count == passed)
    }

    /// `run --pcap` writes what tshark reads: every frame of the exported capture is SIP (or a TCP
    /// segment of one).
    @Test func exportedPcapDecodesInTshark() throws {
        let tshark = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let tshark else {
            print("SKIPPED exportedPcapDecodesInTshark: tshark is not installed (scripts/install-deps.sh test installs it)")
            return
        }
        let dir = try CLI.tempFiles([:])
        defer { try? FileManager.default.removeItem(at: dir) }
        let pcaps = dir.appendingPathComponent("pcap").path
        let r = try CLI.run(["run", Self.scenarios + "/identity/signed-call-verified.yaml", "--pcap", pcaps])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: pcaps).filter { $0.hasSuffix(".pcap") }
        #expect(!files.isEmpty)
        for file in files {
            let path = pcaps + "/" + file
            func lines(_ extra: [String]) throws -> [String] {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: tshark)
                p.arguments = ["-n", "-r", path] + extra
                let out = Pipe()
                p.standardOutput = out
                p.standardError = FileHandle.nullDevice
                try p.run()
                let data = out.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            }
            let frames = try lines(["-T", "fields", "-e", "frame.number"])
            let sip = try lines(["-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code"])
            // A long message over TCP is cut into segments; tshark reassembles them into the last one
            // (`tcp.reassembled_in` is only filled in by a two-pass read, -2).
            let covered = try lines(["-2", "-Y", "sip || tcp.reassembled_in", "-T", "fields", "-e", "frame.number"])
            #expect(frames.count > 4, "\(file)")
            #expect(covered.count == frames.count, "\(file): \(covered.count) of \(frames.count) frames are SIP")
            #expect(sip.contains { $0.hasPrefix("INVITE") }, "\(file)")
            #expect(sip.contains { $0.hasSuffix("200") }, "\(file)")
        }
    }

    @Test func sameSeedSameJSON() throws {
        let dir = try CLI.tempFiles([:])
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.json").path, b = dir.appendingPathComponent("b.json").path
        _ = try CLI.run(["run", Self.scenarios + "/identity", "--seed", "7", "--json", a, "--jobs", "3"])
        _ = try CLI.run(["run", Self.scenarios + "/identity", "--seed", "7", "--json", b, "--jobs", "1"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
    }

    @Test func failingScenarioExitsOneWithEvidence() throws {
        let text = """
        name: flipped
        include: \(Self.scenarios)/common/home.yaml
        network:
          actors:
            pcscf: {policy: {trusts_ue_asserted_identity: true}}
        steps:
          - register: caller
          - register: callee
          - call: {from: caller, to: callee, headers: {P-Asserted-Identity: "sip:ceo@ims.example"}}
        assert:
          - never: {at: scscf, method: INVITE, header: P-Asserted-Identity, equals: "sip:ceo@ims.example"}
        """
        let dir = try CLI.tempFiles(["f.yaml": Array(text.utf8)])
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["run", dir.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("FAIL flipped"))
        #expect(r.stdout.contains("evidence: pcscf -> scscf at t="), "\(r.stdout)")
        #expect(r.stdout.hasSuffix("0 passed, 1 failed\n"))
    }

    @Test func shardsAndFilter() throws {
        func count(_ args: [String]) throws -> Int {
            let r = try CLI.run(["run", Self.scenarios] + args)
            let last = r.stdout.split(separator: "\n").last ?? ""
            return Int(last.split(separator: " ")[0]) ?? -1
        }
        let all = try count([])
        #expect(try count(["--shard", "1/2"]) + count(["--shard", "2/2"]) == all)
        let reg = try count(["--filter", "registration"])
        #expect(reg > 0 && reg < all)
    }

    @Test func invalidInputExitsTwo() throws {
        let dir = try CLI.tempFiles(["bad.yaml": Array("name: x\nstpes: []\n".utf8)])
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["run", dir.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.yaml:2:1: error: unknown key 'stpes'"))
        #expect(try CLI.run(["run", Self.scenarios, "--shard", "3/2"]).status == 2)
    }
}
