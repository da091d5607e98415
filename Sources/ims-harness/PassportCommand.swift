import ArgumentParser
import Crypto
import Foundation
import Identity
import Reports
import SIPCore

struct Passport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passport",
        abstract: "Decode, sign and verify PASSporTs (RFC 8225, SHAKEN, RCD).",
        subcommands: [PassportDecode.self, PassportSign.self, PassportVerify.self]
    )
}

/// Writes `message` and a newline to standard error.
func printError(_ message: String) {
    StandardStream.error.write(message + "\n")
}

/// The wall clock, whole seconds (only the CLI reads it; the library takes times as input).
func nowSeconds() -> Int64 { Int64(Date().timeIntervalSince1970.rounded(.down)) }

// MARK: decode

struct PassportDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Show a PASSporT's header and claims (no verification).",
        discussion: "Exit status: 0 when decoded, 1 for malformed input, 2 on usage errors."
    )

    @Argument(help: "The PASSporT (header.payload.signature).")
    var token: String?

    @Option(name: .long, help: "An Identity header value (<jws>;info=<URL>;alg=ES256;ppt=...).")
    var identityHeader: String?

    @Flag(name: .long, help: "One JSON object: form, header, claims, signatureBytes, identity, problems.")
    var json = false

    func validate() throws {
        if (token == nil) == (identityHeader == nil) { throw ValidationError("give exactly one of TOKEN or --identity-header") }
    }

    func run() throws {
        let decoded: DecodedPASSporT
        do {
            if let identityHeader {
                decoded = try DecodedPASSporT.decode(identityHeader: identityHeader)
            } else {
                decoded = try DecodedPASSporT.decode(token: token ?? "")
            }
        } catch {
            printError("cannot decode: \(error.description)")
            throw ExitCode(1)
        }
        print(json ? decoded.json.canonicalString : decoded.text)
    }
}

// MARK: sign

struct PassportSign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a PASSporT with ES256 and print it.",
        discussion: """
            ppt is "shaken" with --attest (then --origid defaults to a fresh UUID), "rcd" with only \
            --rcd-name/--crn, absent otherwise. TNs are canonicalised (RFC 8224 §8.1).
            Exit status: 0 when signed, 1 when the key cannot be read or the claims break the rules, 2 on usage errors.
            """
    )

    @Option(name: .long, help: "PEM P-256 private key (PKCS#8 or SEC1).")
    var key: String

    @Option(name: .long, help: "Certificate URL (x5u, and the Identity info parameter).")
    var x5u: String

    @Option(name: .long, help: "Originating TN.")
    var orig: String

    @Option(name: .long, help: "Destination TN (repeat for several).")
    var dest: [String] = []

    @Option(name: .long, help: "SHAKEN attestation: A, B or C.")
    var attest: String?

    @Option(name: .long, help: "SHAKEN origid (UUID); default with --attest: a fresh random UUID.")
    var origid: String?

    @Option(name: .customLong("rcd-name"), help: "RCD display name (rcd.nam).")
    var rcdName: String?

    @Option(name: .long, help: "RCD call reason (crn).")
    var crn: String?

    @Option(name: .long, help: "Issued-at, seconds since 1970 (default: now).")
    var iat: Int64?

    @Flag(name: .long, help: "Print the Identity header value <token>;info=<URL>;alg=ES256[;ppt=...] instead.")
    var header = false

    func validate() throws {
        if TelephoneNumber.canonical(orig) == nil { throw ValidationError("--orig \(orig) is not a telephone number") }
        if dest.isEmpty { throw ValidationError("give at least one --dest") }
        for d in dest where TelephoneNumber.canonical(d) == nil { throw ValidationError("--dest \(d) is not a telephone number") }
        if let attest, !["A", "B", "C"].contains(attest) { throw ValidationError("--attest must be A, B or C") }
        if x5u.isEmpty { throw ValidationError("--x5u must not be empty") }
    }

    var ppt: String? {
        if attest != nil { return SHAKEN.ppt }
        if rcdName != nil || crn != nil { return RCDRules.ppt }
        return nil
    }

    func run() throws {
        let privateKey = try loadSigningKey(key)
        let claims = PASSporTClaims(
            orig: .tn(TelephoneNumber.canonical(orig) ?? orig),
            dest: PASSporTDestination(tn: dest.map { TelephoneNumber.canonical($0) ?? $0 }),
            iat: iat ?? nowSeconds(),
            attest: attest,
            origid: origid ?? (attest != nil ? UUID().uuidString.lowercased() : nil),
            rcd: rcdName.map { RichCallData(nam: $0) },
            crn: crn
        )
        let signer = PASSporTSigner(key: privateKey, x5u: x5u)
        do {
            print(header ? try signer.identity(claims: claims, ppt: ppt).description : try signer.sign(claims: claims, ppt: ppt))
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
    }
}

// MARK: verify

struct PassportVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a PASSporT against a certificate map and trust anchors (STI-VS rules).",
        discussion: """
            Fetches the chain for x5u (Identity info) from --certs / --cert, validates it to the trust \
            anchors at --at, checks that the leaf's TNAuthList covers orig, the ES256 signature, the claims, \
            freshness of iat (and --date) against --at (60 s), and --orig/--dest when given.
            --json prints {"verdict":"valid"|"invalid","policy","reason","sipStatus","verstat"}; policy and \
            reason are null when valid, sipStatus is null unless the verdict rejects the request \
            (436 credential not fetched, 437 untrusted or expired chain, 438 invalid PASSporT, 403 stale).
            Exit status: 0 when valid, 1 when invalid (or a trust anchor / map file cannot be read: \
            message on stderr, nothing on stdout), 2 on usage errors.
            """
    )

    @Argument(help: "The PASSporT (full form).")
    var token: String?

    @Option(name: .long, help: "An Identity header value instead of TOKEN.")
    var identityHeader: String?

    @OptionGroup var trust: TrustOptions

    @Option(name: .long, help: "Verification time, seconds since 1970 (default: now).")
    var at: Int64?

    @Option(name: .long, help: "SIP Date header value (RFC 1123), checked for freshness.")
    var date: String?

    @Option(name: .long, help: "Expected originating TN (compared after canonicalisation).")
    var orig: String?

    @Option(name: .long, help: "Expected destination TN.")
    var dest: String?

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func validate() throws {
        if (token == nil) == (identityHeader == nil) { throw ValidationError("give exactly one of TOKEN or --identity-header") }
        if trust.trustAnchor.isEmpty { throw ValidationError("give at least one --trust-anchor") }
        if !trust.hasCertificateSource { throw ValidationError("give --certs MAP.yaml or at least one --cert URL=FILE") }
        _ = try trust.certPairs()
        if let date, (try? SIPDate(parsing: date)) == nil { throw ValidationError("--date \"\(date)\" is not an RFC 1123 date") }
        if let orig, TelephoneNumber.canonical(orig) == nil { throw ValidationError("--orig \(orig) is not a telephone number") }
        if let dest, TelephoneNumber.canonical(dest) == nil { throw ValidationError("--dest \(dest) is not a telephone number") }
    }

    func run() async throws {
        let loaded: IdentityTrust
        do {
            loaded = try IdentityTrust.load(anchorFiles: trust.trustAnchor, mapFile: trust.certs, pairs: try trust.certPairs())
        } catch let error as ValidationError {
            throw error
        } catch {
            printError("cannot load: \(describe(error))")
            throw ExitCode(1)
        }
        let input: PASSporTInput = identityHeader.map { .identityHeader($0) } ?? .token(token ?? "")
        let time = Date(timeIntervalSince1970: TimeInterval(at ?? nowSeconds()))
        let verdict: IdentityVerdict
        do {
            verdict = try await StandaloneVerifier.verify(input, orig: orig, dest: dest, date: date.flatMap { try? SIPDate(parsing: $0) },
                                                          now: time, repository: loaded.repository,
                                                          trustAnchors: loaded.anchors)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        print(json ? verdict.summaryJSON.canonicalString : verdict.summaryLine)
        if !verdict.isValid { throw ExitCode(1) }
    }
}
