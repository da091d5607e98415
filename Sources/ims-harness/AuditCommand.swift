import ArgumentParser
import Capture
import Foundation
import Identity

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit the SIP signalling in a pcap/pcapng capture.",
        discussion: """
            Reports SIP message counts per method and status, dialogs, malformed messages and every \
            Identity header (decoded; verified when --trust-anchor is given). With --roles, also checks that \
            no UE-supplied P-Asserted-Identity leaves the P-CSCF, that no PAI with Privacy: id goes to an \
            untrusted domain, and that every INVITE entering a terminating domain carries a verifying Identity.
            --at capture (default) verifies each header at its packet's time; --at now uses the wall clock.
            Exit status: 0 when every check holds, 1 when one fails (including a capture that breaks off; \
            the report then covers what was read), 2 on usage errors or a file that cannot be opened.
            """
    )

    @Argument(help: "The capture file (pcap or pcapng).")
    var capture: String

    @Option(name: .long, help: "YAML mapping addresses[:ports] to roles and trust domains.")
    var roles: String?

    @Option(name: .long, help: "PEM file of trusted root certificate(s) (repeatable).")
    var trustAnchor: [String] = []

    @Option(name: .long, help: "YAML map of x5u URL -> PEM chain file (as written by `pki init`).")
    var certs: String?

    @Option(name: .long, help: "URL=FILE: serve the PEM chain FILE at URL (repeatable; overrides --certs).")
    var cert: [String] = []

    @Option(name: .long, help: "Verification time: capture (each packet's timestamp) or now.")
    var at: String = "capture"

    @Option(name: .long, help: "Write a JUnit XML report to FILE.")
    var junit: String?

    @Option(name: .long, help: "Write the JSON summary to FILE.")
    var json: String?

    func validate() throws {
        if at != "now" && at != "capture" { throw ValidationError("--at must be now or capture") }
        if !trustAnchor.isEmpty, certs == nil, cert.isEmpty { throw ValidationError("--trust-anchor needs --certs MAP.yaml or --cert URL=FILE") }
        if trustAnchor.isEmpty, certs != nil || !cert.isEmpty { throw ValidationError("--certs/--cert need --trust-anchor") }
        _ = try certPairs()
    }

    /// `--cert URL=FILE`, split at the last '=' (URLs may hold '=' in a query).
    func certPairs() throws -> [String: String] {
        var out: [String: String] = [:]
        for pair in cert {
            guard let eq = pair.lastIndex(of: "="), eq != pair.startIndex, pair.index(after: eq) != pair.endIndex else {
                throw ValidationError("--cert \(pair): expected URL=FILE")
            }
            out[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        return out
    }

    func run() async throws {
        var options = AuditOptions()
        options.clock = at == "now" ? .fixed(nowSeconds()) : .capture
        do {
            if let roles { options.roles = try CaptureRoles.load(path: roles) }
            if !trustAnchor.isEmpty {
                options.trust = try IdentityTrust.load(anchorFiles: trustAnchor, mapFile: certs, pairs: try certPairs())
            }
        } catch {
            printError("cannot load: \(error)")
            throw ExitCode(2)
        }
        let report: AuditReport
        do {
            report = try await CaptureAuditor.audit(path: capture, options: options)
        } catch {
            printError("cannot read capture: \(error.description)")
            throw ExitCode(2)
        }
        print(report.text)
        do {
            if let json { try Data((report.json.canonicalString + "\n").utf8).write(to: URL(fileURLWithPath: json)) }
            if let junit { try Data(report.junitXML.utf8).write(to: URL(fileURLWithPath: junit)) }
        } catch {
            printError("cannot write report: \(error.localizedDescription)")
            throw ExitCode(2)
        }
        if !report.passed { throw ExitCode(1) }
    }
}
