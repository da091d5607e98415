import ArgumentParser
import Foundation
import Reports
import Scenario

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate scenario files and report every problem as FILE:LINE:COL.",
        discussion: "Folders are searched for .yaml files. Exit status: 0 all valid, 1 errors found, 2 usage errors."
    )

    @Argument(help: "Scenario files or folders.")
    var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one FILE") }
    }

    func run() throws {
        let loaded = SuiteRunner().load(paths)
        let missing = loaded.diagnostics.filter { $0.message == "no such file or directory" }
        for d in loaded.diagnostics { print(d.description) }
        if !missing.isEmpty && loaded.files.isEmpty { throw ExitCode(2) }
        if !loaded.diagnostics.isEmpty {
            StandardStream.error.write("\(loaded.diagnostics.count) error(s) in \(Set(loaded.diagnostics.map(\.location.file)).count) file(s)\n")
            throw ExitCode(1)
        }
        print("\(loaded.files.count) file(s), \(loaded.cases.count) scenario(s): ok")
    }
}
