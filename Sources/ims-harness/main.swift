import ArgumentParser
import Foundation
import Identity
import Reports
import SIPCore

// Every command names itself: without `commandName`, ArgumentParser derives it from the type
// with `String(describing:)`, whose dynamic casts scan the binary's conformances at each start.
struct IMSHarness: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ims-harness",
        abstract: "Security test harness for SIP/IMS signalling.",
        subcommands: [Parse.self, PKI.self, Passport.self, Audit.self, Replay.self, Load.self, Run.self, Check.self]
    )
}

struct Parse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse SIP messages from files and report validity and findings.",
        discussion: "Exit status: 0 when every file is valid, 1 otherwise, 2 on usage errors."
    )

    @Flag(name: .long, help: "One JSON object per line.")
    var json = false

    @Option(name: .long, help: "Largest message accepted, in bytes.")
    var maxMessageSize = ParseLimits.default.maxMessageSize

    @Argument(help: "Files each holding one SIP message.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one FILE") }
        if maxMessageSize <= 0 { throw ValidationError("--max-message-size must be positive") }
    }

    func run() throws {
        var limits = ParseLimits.default
        limits.maxMessageSize = maxMessageSize
        var allValid = true
        for file in files {
            let check: MessageCheck
            switch readFile(file, limit: max(maxMessageSize, 1) * 4) {
            case .success(let bytes): check = MessageCheck.check(bytes, file: file, limits: limits)
            case .failure(let why): check = MessageCheck.unreadable(file, why.message)
            }
            allValid = allValid && check.valid
            print(json ? check.jsonLine : check.humanText)
        }
        if !allValid { throw ExitCode(1) }
    }
}

struct ReadFailure: Error { var message: String }

/// Reads at most `limit` bytes (more is pointless: the parser rejects it) so a huge or
/// endless file cannot exhaust memory.
func readFile(_ path: String, limit: Int) -> Result<[UInt8], ReadFailure> {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
        return .failure(ReadFailure(message: "no such file"))
    }
    if isDir.boolValue { return .failure(ReadFailure(message: "is a directory")) }
    guard let h = FileHandle(forReadingAtPath: path) else { return .failure(ReadFailure(message: "permission denied")) }
    defer { try? h.close() }
    do {
        let data = try h.read(upToCount: limit + 1) ?? Data()
        return .success([UInt8](data))
    } catch {
        return .failure(ReadFailure(message: error.localizedDescription))
    }
}

/// Runs an async command to completion on this thread (`BlockingRun`): top-level `await`
/// would hop to Swift's thread pool and back to the main actor, each a thread wake-up that
/// takes milliseconds on a busy machine.
func runBlocking(_ command: any AsyncParsableCommand) throws {
    let box = CommandBox(command)
    BlockingRun.run {
        var command = box.command
        do { try await command.run() } catch { box.failure = error }
    }
    if let failure = box.failure { throw failure }
}

/// Hands the parsed command to the task `BlockingRun` starts, and its error back (this thread
/// waits for it). No `Result<Void, any Error>`: instantiating that type at run time looks up
/// a conformance, a scan of the binary's 8,700 conformance records.
final class CommandBox: @unchecked Sendable {
    let command: any AsyncParsableCommand
    var failure: (any Error)?
    init(_ command: any AsyncParsableCommand) { self.command = command }
}

// Usage errors exit 2 (ArgumentParser's default is 64).
do {
    var command = try IMSHarness.parseAsRoot()
    // `audit`, `replay` and `passport verify` are async. Named first: casting to a concrete
    // type compares metadata, while `as? any AsyncParsableCommand` scans the conformance records.
    switch command {
    case let audit as Audit: try runBlocking(audit)
    case let replay as Replay: try runBlocking(replay)
    case let verify as PassportVerify: try runBlocking(verify)
    default:
        if let asyncCommand = command as? any AsyncParsableCommand {
            try runBlocking(asyncCommand)
        } else {
            try command.run()
        }
    }
} catch {
    let code = IMSHarness.exitCode(for: error)
    if code == .validationFailure {
        StandardStream.error.write(IMSHarness.fullMessage(for: error) + "\n")
        exit(2)
    }
    IMSHarness.exit(withError: error)
}
