@testable import Network
import SIPCore
import TestSupport
import Testing

/// The actor a message's top Route and Request-URI name, read from the bytes (`actorOfTopRoute`,
/// `actorOfRequestURI`), against `actor(for:)` of the String accessors' texts in a second
/// network of the same spec. Seeded values: own and other actors, host forms, parameters,
/// lists, quoted commas, folding, tel and junk, non-ASCII and invalid UTF-8.
@Suite struct RouteResolutionTests {
    static let uris = ["<sip:pcscf;lr>", "<sip:scscf;lr;orig>", "<sip:scscf.ims.example;lr>", "<sip:SCSCF;lr>", "sip:pcscf;lr",
                       "<sips:sti-as;lr>", "<sip:bob@ims.example>", "<tel:+12025550102>", "<sip:nobody;lr>", "<sip:pcscf;lr",
                       "\"S, CSCF\" <sip:scscf;lr>", "<sip:sti-vs:5070;lr>", "<sip:[::1];lr>", "< sip:pcscf;lr >", "",
                       "<sip:caf\u{e9};lr>", "<sip:pcscf\u{FF};lr>", "junk", "<sip:scscf.;lr>", "<sip:.scscf;lr>"]
    static let separators = [", ", ",", ",\r\n "]

    static func message(route: [UInt8]?, requestURI: [UInt8]) -> SIPMessage? {
        var bytes = Array("INVITE ".utf8) + requestURI + Array(" SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n".utf8)
        if let route { bytes += Array("Route: ".utf8) + route + Array("\r\n".utf8) }
        bytes += Array("Call-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n".utf8)
        return try? SIPMessage(parsing: bytes)
    }

    static func bytes(_ s: String) -> [UInt8] {
        // U+FF stands for a byte that is not UTF-8.
        s.unicodeScalars.flatMap { $0 == "\u{FF}" ? [0xFF] : Array(String($0).utf8) }
    }

    @Test func sameActorAsTheTexts() throws {
        let spec = Fixtures.spec(signer: true, verifier: true)
        let a = try SimulatedNetwork(spec: spec, seed: 1), b = try SimulatedNetwork(spec: spec, seed: 1)
        let e = try #require(a.elements["scscf"])
        var g = SplitMix64(seed: 0x524F_5554)
        var parsed = 0, named = 0
        for n in 0..<3000 {
            var route = ""
            for k in 0..<g.int(1...3) { route += (k > 0 ? g.pick(Self.separators) : "") + g.pick(Self.uris) }
            let uri = g.pick(Self.uris).filter { $0 != "<" && $0 != ">" && $0 != " " && $0 != "\"" && $0 != "," }
            guard let m = Self.message(route: g.chance(6) ? nil : Self.bytes(route), requestURI: Self.bytes(uri.isEmpty ? "x" : uri))
            else { continue }
            parsed += 1
            // Either order: the first lookup of a text may be by bytes or by String.
            let expectedRoute = m.firstListValue(.route).flatMap { b.ctx.actor(for: $0) }
            let expectedURI = m.requestURIText.flatMap { b.ctx.actor(for: $0) }
            if g.chance(2) { _ = m.firstListValue(.route).map { a.ctx.actor(for: $0) } }
            #expect(e.actorOfTopRoute(m) == expectedRoute, "case \(n): \(route.debugDescription)")
            #expect(e.actorOfRequestURI(m) == expectedURI, "case \(n): \(uri.debugDescription)")
            if expectedRoute != nil { named += 1 }
        }
        #expect(parsed > 2500)
        #expect(named > 1000)
    }

    @Test func valueBytesAreThoseOfTheTexts() throws {
        var g = SplitMix64(seed: 0x5642_5954)
        for n in 0..<2000 {
            var route = ""
            for k in 0..<g.int(1...3) { route += (k > 0 ? g.pick(Self.separators) : "") + g.pick(Self.uris) }
            guard let m = Self.message(route: g.chance(6) ? nil : Self.bytes(route), requestURI: Self.bytes("sip:x\u{FF}y")) else { continue }
            var first: String??, uri: String??
            m.withFirstListValue(.route) { first = .some($0.map { String(decoding: $0, as: UTF8.self) }) }
            m.withRequestURI { uri = .some($0.map { String(decoding: $0, as: UTF8.self) }) }
            #expect(first == .some(m.firstListValue(.route)), "case \(n): \(route.debugDescription)")
            #expect(uri == .some(m.requestURIText))
        }
        let response = try SIPMessage(parsing: "SIP/2.0 200 OK\r\nCall-ID: c\r\nContent-Length: 0\r\n\r\n")
        var called = 0
        response.withRequestURI { #expect($0 == nil); called += 1 }
        response.withFirstListValue(.route) { #expect($0 == nil); called += 1 }
        #expect(called == 2)
    }
}
