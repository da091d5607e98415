import ArgumentParser
import Foundation
import Identity
import Reports

struct PKI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Test STIR/SHAKEN PKI.",
        subcommands: [PKIInit.self]
    )
}

struct PKIInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Generate a TEST PKI (root, SP CA, delegates, broken credentials) into DIR.",
        discussion: """
            Writes <name>.pem (certificate chain), <name>.key.pem (PKCS#8 private key) and certs.yaml \
            (x5u URL -> file map, for `passport verify --certs`). Validity is relative to now.
            Exit status: 0 when written, 1 when DIR cannot be created or written, 2 on usage errors.
            """
    )

    @Argument(help: "Directory to create (existing files of the same names are overwritten).")
    var dir: String

    @Option(name: .long, help: """
        Derive the keys from this seed: the same keys a scenario's generated PKI (pki: {seed: N}, \
        default 1) signs with, so a real verifier can be given the certificate of a live run's signer.
        """)
    var seed: UInt64?

    func validate() throws {
        if dir.isEmpty { throw ValidationError("DIR must not be empty") }
    }

    func run() throws {
        let url = URL(fileURLWithPath: dir)
        do {
            let pki = try TestPKI.generate(at: Date(), seed: seed)
            try pki.write(to: url)
            for file in pki.fileList {
                print("wrote \(url.appendingPathComponent(file.name).path): \(file.description)")
            }
        } catch {
            let why = unwritableReason(url) ?? describe(error)
            StandardStream.error.write("cannot write the test PKI to \(dir): \(why)\n")
            throw ExitCode(1)
        }
        print("These are TEST credentials (names contain TEST, URLs are under .invalid): never use them in production.")
    }
}

/// Foundation errors carry their message in `localizedDescription`; ours in `description`.
func describe(_ error: any Error) -> String {
    if let e = error as? CocoaError { return e.localizedDescription }
    return String(describing: error)
}

/// Why `directory` cannot be created or written, found by walking up to its nearest existing
/// ancestor (Foundation's own errors often say only "could not be completed").
func unwritableReason(_ directory: URL) -> String? {
    let fm = FileManager.default
    var path = directory.standardizedFileURL
    while true {
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path.path, isDirectory: &isDir) {
            if !isDir.boolValue { return "\(path.path) exists and is not a directory" }
            if !fm.isWritableFile(atPath: path.path) { return "permission denied: \(path.path) is not writable" }
            return nil
        }
        let parent = path.deletingLastPathComponent()
        if parent.path == path.path { return nil }
        path = parent
    }
}
