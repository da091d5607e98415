import Testing
import TestSupport
@testable import SIPCore

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

private let sdpPart =
    "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.101\r\ns=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\n" +
    "m=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

/// Binary payload in the spirit of RFC 4475 mpart01: bare LF, lone CR, NUL, and a "--boundary"
/// that is not preceded by CRLF (so it is data, not a delimiter).
private let binaryPart: [UInt8] = [0x30, 0x82, 0x01, 0x0A, 0x00, 0x0A, 0x0D, 0x00, 0xFF, 0x0A, 0x0A, 0x0D, 0x00]
    + bytes("\n--7a9cbec02ceef655\n") + [0x00, 0x01, 0x0A]

/// Builds a multipart/mixed body like RFC 4475 mpart01 (SDP part plus binary part).
private func mpart01Body() -> [UInt8] {
    bytes("--7a9cbec02ceef655\r\nContent-Type: application/sdp\r\n\r\n") + bytes(sdpPart)
        + bytes("\r\n--7a9cbec02ceef655\r\nContent-Type: application/octet-stream\r\n" +
                "Content-Transfer-Encoding: binary\r\n\r\n")
        + binaryPart
        + bytes("\r\n--7a9cbec02ceef655--\r\n")
}

private func parseError(_ body: [UInt8], _ boundary: String) -> MultipartError? {
    do {
        _ = try MultipartBody(parsing: body, boundary: boundary)
        return nil
    } catch {
        return error
    }
}

@Suite struct MultipartTests {
    @Test func mpart01LikeBody() throws {
        let boundary = try #require(MultipartBody.boundary(fromContentType: "multipart/mixed;boundary=7a9cbec02ceef655"))
        #expect(boundary == "7a9cbec02ceef655")
        let mp = try MultipartBody(parsing: mpart01Body(), boundary: boundary)
        #expect(mp.boundary == boundary)
        #expect(mp.parts.count == 2)

        let sdp = mp.parts[0]
        #expect(sdp.contentType == "application/sdp")
        #expect(sdp.headers.count == 1)
        #expect(sdp.body == bytes(sdpPart))
        let parsed = try SDP(parsing: sdp.body)
        #expect(parsed.media.first?.port == 49172)
        #expect(parsed.serialized == sdpPart)

        let bin = mp.parts[1]
        #expect(bin.contentType == "application/octet-stream")
        #expect(bin.header("content-transfer-encoding") == "binary")
        #expect(bin.header("Content-Length") == nil)
        #expect(bin.body == binaryPart)
        #expect(bin.body.contains(0x00))
    }

    @Test func serializedIsCanonicalAndReparses() throws {
        let body = mpart01Body()
        let mp = try MultipartBody(parsing: body, boundary: "7a9cbec02ceef655")
        // Our input is already canonical, so the output matches it byte for byte.
        #expect(mp.serialized == body)
        let again = try MultipartBody(parsing: mp.serialized, boundary: mp.boundary)
        #expect(again.parts.map(\.body) == mp.parts.map(\.body))
        #expect(again.parts.map(\.contentType) == mp.parts.map(\.contentType))
    }

    @Test func quotedBoundaryWithSpaces() throws {
        let ct = "multipart/mixed; charset=\"a;b\"; boundary=\"simple boundary\""
        let boundary = try #require(MultipartBody.boundary(fromContentType: ct))
        #expect(boundary == "simple boundary")
        let body = bytes("preamble to ignore\r\n--simple boundary\r\nContent-Type: text/plain\r\n\r\nhello\r\n" +
                         "--simple boundary  \t\r\n\r\nno headers here\r\n--simple boundary--\r\nepilogue to ignore")
        let mp = try MultipartBody(parsing: body, boundary: boundary)
        #expect(mp.parts.count == 2)
        #expect(mp.parts[0].body == bytes("hello"))
        #expect(mp.parts[1].headers.isEmpty)
        #expect(mp.parts[1].contentType == nil)
        #expect(mp.parts[1].body == bytes("no headers here"))
    }

    @Test func boundaryFromContentType() {
        let f = MultipartBody.boundary(fromContentType:)
        #expect(f("multipart/mixed;boundary=7a9cbec02ceef655") == "7a9cbec02ceef655")
        #expect(f("Multipart/Related ; type=\"application/sdp\" ; BOUNDARY = abc ") == "abc")
        #expect(f("multipart/alternative; boundary=\"----=_Part_0\"") == "----=_Part_0")
        #expect(f("multipart/mixed; boundary=\"a\\\"b\"") == "a\"b")
        #expect(f("multipart/mixed;boundary=----=_Part_0") == "----=_Part_0") // unquoted, lenient
        #expect(f("application/sdp;boundary=abc") == nil)
        #expect(f("multipart/mixed") == nil)
        #expect(f("multipart/mixed;boundary=") == nil)
        #expect(f("multipart/mixed;boundary=\"\"") == nil)
        #expect(f("multipart/mixed;boundary=\"open") == nil)
        #expect(f("multipart/mixed;boundaryx=abc") == nil)
        #expect(f("") == nil)
    }

    @Test func missingClosingBoundary() {
        let body = bytes("--b1\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b1\r\n\r\nsecond")
        #expect(parseError(body, "b1") == MultipartError("missing closing boundary", offset: body.count))
        // A close delimiter not preceded by CRLF is part of the body, so still missing.
        #expect(parseError(bytes("--b1\r\n\r\nhi\n--b1--\r\n"), "b1")?.rule == "missing closing boundary")
    }

    @Test func structuralErrors() {
        #expect(parseError(bytes("no delimiter at all"), "b1") == MultipartError("no opening boundary", offset: 0))
        #expect(parseError([], "b1") == MultipartError("no opening boundary", offset: 0))
        #expect(parseError(bytes("--b1--\r\n"), "b1") == MultipartError("multipart body has no parts", offset: 0))
        #expect(parseError(bytes("--b1\r\nContent-Type: text/plain\r\n--b1--"), "b1")
                == MultipartError("part headers not terminated", offset: 6))
        #expect(parseError(bytes("--b1\r\nno colon\r\n\r\nx\r\n--b1--"), "b1")
                == MultipartError("part header line has no ':'", offset: 6))
        #expect(parseError(bytes("--b1\r\nbad name: v\r\n\r\nx\r\n--b1--"), "b1")?.rule == "malformed part header name")
        #expect(parseError(bytes("--b1\r\n folded: v\r\n\r\nx\r\n--b1--"), "b1")?.rule
                == "part header continuation without a header")
        #expect(parseError(bytes("--b1x\r\n\r\nx\r\n--b1--"), "b1")
                == MultipartError("boundary line not followed by CRLF", offset: 0))
        #expect(parseError(bytes("--b1\r\n\r\nx\r\n--b1junk\r\n--b1--"), "b1")
                == MultipartError("boundary line not followed by CRLF", offset: 11))
        #expect(parseError(bytes("--\r\n\r\nx\r\n----"), "")?.rule == "boundary must be 1 to 70 characters")
        let long = String(repeating: "b", count: 71)
        #expect(parseError(bytes("--\(long)\r\n\r\nx\r\n--\(long)--"), long)?.rule == "boundary must be 1 to 70 characters")
        #expect(MultipartError("missing closing boundary", offset: 9).description == "missing closing boundary at offset 9")
    }

    @Test func headerFormsAndEmptyParts() throws {
        let body = bytes("--b1\r\nContent-Type: text/plain;\r\n charset=utf-8\nc: ignored\n\nbody\r\n" +
                         "--b1\r\n\r\n--b1\r\n\r\n\r\n--b1--")
        let mp = try MultipartBody(parsing: body, boundary: "b1")
        #expect(mp.parts.count == 3)
        #expect(mp.parts[0].headers.map(\.name) == ["Content-Type", "c"])
        #expect(mp.parts[0].contentType == "text/plain; charset=utf-8")
        #expect(mp.parts[0].body == bytes("body"))
        #expect(mp.parts[1].headers.isEmpty && mp.parts[1].body.isEmpty)
        #expect(mp.parts[2].headers.isEmpty && mp.parts[2].body.isEmpty)
    }

    @Test func compactContentTypeAndSetter() {
        var p = MultipartBody.Part(headers: [(name: "c", value: "application/sdp")], body: bytes("v=0\r\n"))
        #expect(p.contentType == "application/sdp")
        p.contentType = "text/plain"
        #expect(p.headers.count == 1 && p.headers[0].value == "text/plain")
        p.contentType = nil
        #expect(p.headers.isEmpty)
        p.contentType = "application/pidf+xml"
        #expect(p.headers.map(\.name) == ["Content-Type"])
    }

    @Test func buildAndSerialize() throws {
        let mp = MultipartBody(boundary: "zz", parts: [
            .init(headers: [(name: "Content-Type", value: "application/sdp")], body: bytes("v=0\r\n")),
            .init(body: [0x00, 0x0A]),
        ])
        let expected = bytes("--zz\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n--zz\r\n\r\n") + [0x00, 0x0A]
            + bytes("\r\n--zz--\r\n")
        #expect(mp.serialized == expected)
        let back = try MultipartBody(parsing: mp.serialized, boundary: "zz")
        #expect(back.parts.map(\.body) == [bytes("v=0\r\n"), [0x00, 0x0A]])
    }

    @Test func partLimit() throws {
        func body(_ n: Int) -> [UInt8] {
            bytes(String(repeating: "--b\r\n\r\nx\r\n", count: n) + "--b--")
        }
        #expect(try MultipartBody(parsing: body(MultipartBody.maxParts), boundary: "b").parts.count == 1000)
        #expect(parseError(body(MultipartBody.maxParts + 1), "b")?.rule == "more than 1000 parts")
    }

    /// Mutated bodies must give a value or an error, never a trap.
    @Test func mutatedBodiesNeverTrap() {
        let seed = mpart01Body()
        var rng = SplitMix64(seed: 0xB0D1)
        let specials: [UInt8] = [0x00, 0x0D, 0x0A, 0x2D, 0x20, 0x3A, 0x37, 0x35]
        for _ in 0..<2000 {
            var b = seed
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                guard !b.isEmpty else { break }
                let i = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 3 {
                case 0: b[i] = specials[Int(rng.next() % UInt64(specials.count))]
                case 1: b.remove(at: i)
                default: b.insert(specials[Int(rng.next() % UInt64(specials.count))], at: i)
                }
            }
            if let mp = try? MultipartBody(parsing: b, boundary: "7a9cbec02ceef655") {
                #expect(!mp.parts.isEmpty)
                _ = mp.serialized
            }
        }
        // Truncations at every length.
        for n in 0...seed.count {
            _ = try? MultipartBody(parsing: Array(seed.prefix(n)), boundary: "7a9cbec02ceef655")
        }
    }
}
