import Foundation
import Testing

struct CheckCommandTests {
    @Test func shippedScenariosAreValid() throws {
        let r = try CLI.run(["check", CLI.root.appendingPathComponent("Scenarios").path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("scenario(s): ok"))
    }

    @Test func brokenFileReportsEveryErrorWithItsPlace() throws {
        let text = "name: x\nseed: lots\nnetwork:\n  actors:\n    a: {role: ue}\n    p: {role: pcsf}\nsteps:\n  - register: b\n  - advance: 5 sec\n"
        let dir = try CLI.tempFiles(["bad.yaml": Array(text.utf8)])
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad.yaml").path
        let r = try CLI.run(["check", path])
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(path):2:7: error: seed is a string; expected a non-negative integer"), "\(r.stdout)")
        #expect(lines.contains { $0.hasPrefix("\(path):6:15: error: unknown role 'pcsf'; expected 'pcscf'") }, "\(r.stdout)")
        #expect(lines.contains { $0.hasPrefix("\(path):8:15: error: unknown actor 'b'") }, "\(r.stdout)")
        #expect(lines.contains { $0.hasPrefix("\(path):9:14: error: bad duration '5 sec'") }, "\(r.stdout)")
        #expect(!r.stderr.contains("Fatal") && !r.stderr.contains("Stack"))
    }

    @Test func yamlSyntaxErrorIsOneLineNotACrash() throws {
        let dir = try CLI.tempFiles(["s.yaml": Array("name: [unclosed\n".utf8)])
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["check", dir.appendingPathComponent("s.yaml").path])
        #expect(r.status == 1)
        #expect(r.stdout.contains(":2:1: error: YAML syntax:"), "\(r.stdout)")
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try CLI.run(["check"]).status == 2)
        #expect(try CLI.run(["check", "/nonexistent/nowhere.yaml"]).status == 2)
    }
}
