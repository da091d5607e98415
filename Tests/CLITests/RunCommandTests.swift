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
