import Foundation
import Testing
@testable import SIPCore

/// RFC 4475 torture tests from ../shared/corpus/rfc4475 (classes per its README).
@Suite(.enabled(if: SharedCorpus.isAvailable, Comment(rawValue: SharedCorpus.skipMessage)))
struct RFC4475Tests {
    /// 3.1.1.x: valid messages.
    static let valid = ["wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "dblreq", "semiuri",
                        "transports", "mpart01", "unreason", "noreason"]

    /// 3.1.2.x: each must be rejected with a reason that names its defect.
    static let invalid: [(String, String)] = [
        ("badinv01", "empty Via parameter"),
        ("clerr", "Content-Length larger than the message"),
        ("ncl", "negative Content-Length"),
        ("scalar02", "CSeq: sequence number out of range"),
        ("scalarlg", "CSeq: sequence number out of range"),
        ("quotbal", "unterminated quoted display name"),
        ("ltgtruri", "Request-URI enclosed in <>"),
        ("lwsruri", "LWS inside Request-URI"),
        ("lwsstart", "more than one SP between Request-Line elements"),
        ("trws", "trailing whitespace after the SIP version"),
        ("escruri", "Request-URI contains URI headers"),
        ("baddate", "Date time zone must be GMT"),
        ("regbadct", "URI with headers ('?') must be enclosed in <>"),
        ("badaspec", "whitespace inside <> around the URI"),
        ("baddn", "unquoted display name contains ','"),
        ("badvers", "unsupported SIP version SIP/7.0"),
        ("mismatch01", "CSeq method INVITE does not match Request-Line method OPTIONS"),
        ("mismatch02", "CSeq method INVITE does not match Request-Line method NEWMETHOD"),
        ("bigcode", "status code 4294967301 out of range"),
    ]

    /// 3.2, 3.3, 3.4: well formed, with the finding an element acts on.
    static let semantic: [(String, String)] = [
        ("badbranch", "branch is only the z9hG4bK magic cookie"),
        ("insuf", "missing mandatory header fields: Call-ID, From, To"),
        ("unkscm", "unsupported URI scheme 'nobodyKnowsThisScheme' in the Request-URI"),
        ("novelsc", "unsupported URI scheme 'soap.beep' in the Request-URI"),
        ("unksm2", "To URI has unsupported scheme 'isbn'"),
        ("bext01", "Require lists unsupported extensions nothingSupportsThis, nothingSupportsThisEither"),
        ("invut", "body type application/unknownformat is not understood"),
        ("regaut01", "Authorization uses unknown scheme 'NoOneKnowsThisScheme'"),
        ("multi01", "2 CSeq header fields where one is allowed"),
        ("mcl01", "2 Content-Length header fields where one is allowed"),
        ("bcast", "broadcast address 255.255.255.255"),
        ("zeromf", "Max-Forwards is 0"),
        ("cparam01", "';unknownparam' are Contact header parameters, not URI parameters"),
        ("cparam02", "Contact URI parameter 'unknownparam'"),
        ("regescrt", "Contact URI carries escaped URI headers (Route)"),
        ("sdp01", "Accept does not allow application/sdp"),
        ("inv2543", "top Via has no branch parameter"),
    ]

    @Test func everyCorpusFileIsClassified() throws {
        let listing = try String(contentsOf: SharedCorpus.rfc4475.appendingPathComponent("expected_sha256.txt"), encoding: .utf8)
        let files = Set(listing.split(separator: "\n").compactMap { line in
            line.split(separator: " ").last.map { String($0.drop { $0 == "*" }.dropLast(4)) }
        })
        let names = Self.valid + Self.invalid.map(\.0) + Self.semantic.map(\.0)
        #expect(names.count == 49)
        #expect(Set(names) == files)
    }

    @Test(arguments: valid)
    func validMessageParsesAndRoundTrips(_ name: String) throws {
        let bytes = try SharedCorpus.bytes("\(name).dat")
        let (message, typed) = try SIPMessage.parseStrict(bytes)
        #expect(typed.count == message.headerCount)
        // Byte-exact: the message is exactly its input, except octets past Content-Length.
        let consumed = bytes.count - message.trailingByteCount
        #expect(message.bytes == Array(bytes[0..<consumed]))
        #expect(MessageCheck.check(bytes, file: name).valid)
    }

    @Test(arguments: invalid)
    func invalidMessageIsRejectedWithItsDefect(_ name: String, _ reason: String) throws {
        let bytes = try SharedCorpus.bytes("\(name).dat")
        let check = MessageCheck.check(bytes, file: name)
        #expect(!check.valid)
        let got = try #require(check.reason)
        #expect(got.contains(reason), "\(name): \(got)")
        #expect((check.line ?? 0) >= 1)
    }

    @Test(arguments: semantic)
    func semanticMessageParsesWithFinding(_ name: String, _ finding: String) throws {
        let bytes = try SharedCorpus.bytes("\(name).dat")
        let (message, _) = try SIPMessage.parseStrict(bytes)
        let findings = message.findings().map(\.message)
        #expect(findings.contains { $0.contains(finding) }, "\(name): \(findings)")
        #expect(message.bytes == Array(bytes[0..<(bytes.count - message.trailingByteCount)]))
    }

    @Test func dblreqParsesOnlyTheFirstRequest() throws {
        let bytes = try SharedCorpus.bytes("dblreq.dat")
        let m = try SIPMessage(parsing: bytes)
        #expect(m.method == "REGISTER")
        #expect(m.trailingByteCount > 0)
        // The rest is a complete INVITE; a stream framer finds both.
        var framer = SIPStreamFramer()
        framer.append(bytes)
        let methods = framer.drain().compactMap { e -> String? in
            if case .message(let m) = e { return m.method }
            return nil
        }
        #expect(methods == ["REGISTER", "INVITE"])
    }

    @Test func esc02MethodIsNotUnescaped() throws {
        let m = try SIPMessage(parsing: try SharedCorpus.bytes("esc02.dat"))
        #expect(m.method == "RE%47IST%45R")
        #expect(m.values("Contact").count == 2)  // "C%6Fntact" is another header
        #expect(m.values("C%6Fntact").count == 1)
    }

    @Test func escapedUserPartsDecodeOnRequest() throws {
        let m = try SIPMessage(parsing: try SharedCorpus.bytes("esc01.dat"))
        let to = try #require(m.headerValue(AddressValue.self, .to))
        #expect(to.uri.sipURI?.user == "%75se%72")
        #expect(to.uri.sipURI?.decodedUser == "user")
        let nul = try SIPMessage(parsing: try SharedCorpus.bytes("escnull.dat"))
        let contacts = try nul.headerValues(ContactValue.self)
        #expect(contacts.compactMap { $0.uri?.sipURI?.decodedUser } == ["\u{0}", "\u{0}\u{0}"])
    }

    @Test func multipartBodyWithBinaryPart() throws {
        let m = try SIPMessage(parsing: try SharedCorpus.bytes("mpart01.dat"))
        let type = try #require(m.headerValue(MediaType.self, .contentType))
        let boundary = try #require(type.boundary)
        let body = try MultipartBody(parsing: m.body, boundary: boundary)
        #expect(body.parts.count == 2)
        #expect(body.parts.contains { $0.body.contains(0x0A) })
    }
}
