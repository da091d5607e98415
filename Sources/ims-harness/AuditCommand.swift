import ArgumentParser
import Capture
import Foundation
import Identity
import Reports

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

    @OptionGroup var trust: TrustOptions

    @Option(name: .long, help: "Verification time: capture (each packet's timestamp) or now.")
    var at: String = "capture"

    @Option(name: .long, help: "Write a JUnit XML report to FILE.")
    var junit: String?

    @Option(name: .long, help: "Write the JSON summary to FILE.")
    var json: String?

    func validate() throws {
        if at != "now" && at != "capture" { throw ValidationError("--at must be now or capture") }
        if !trust.trustAnchor.isEmpty, !trust.hasCertificateSource { throw ValidationError("--trust-anchor needs --certs MAP.yaml or --cert URL=FILE") }
        if trust.trustAnchor.isEmpty, trust.hasCertificateSource { throw ValidationError("--certs/--cert need --trust-anchor") }
        _ = try trust.certPairs()
    }

    func run() async throws {
        var options = AuditOptions()
        options.clock = at == "now" ? .fixed(nowSeconds()) : .capture
        do {
            if let roles { options.roles = try CaptureRoles.load(path: roles) }
            if !trust.trustAnchor.isEmpty {
                options.trust = try IdentityTrust.load(anchorFiles: trust.trustAnchor, mapFile: trust.certs, pairs: try trust.certPairs())
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
        // Not print: its first call pays for dynamic casts (scans of the binary's protocol
        // conformances). Nothing else in this command writes to standard output.
        StandardStream.output.write(report.text + "\n")
        do {
            if let json {
                var bytes = report.jsonBytes
                bytes.append(0x0A)
                try writeFile(bytes, to: json)
            }
            if let junit { try writeFile(Array(report.junitXML.utf8), to: junit) }
        } catch {
            printError("cannot write report: \(error)")
            throw ExitCode(2)
        }
        if !report.passed { throw ExitCode(1) }
    }
}
