@testable import Network
import XCTest

/// Milenage (TS 35.206) against TS 35.208 test sets 1 and 2, and the AKA framing built on it
/// (RFC 3310 nonce, AUTN, AUTS), with the values of DOMAIN.md §5.
final class MilenageTests: XCTestCase {
    private func h(_ s: String) -> [UInt8] { AKA.bytes(hex: s) ?? [] }

    func testSet1() throws {
        let m = try Milenage(k: h("465b5ce8b199b49faa5f0a2ee238a6bc"), op: h("cdc202d5123e20f62b6d676ac72cb318"))
        XCTAssertEqual(AKA.hex(m.opc), "cd63cb71954a9f4e48a5994e37a02baf")
        let rand = h("23553cbe9637a89d218ae64dae47bf35"), sqn = h("ff9bb4d0b607"), amf = h("b9b9")
        let f1 = m.f1(rand: rand, sqn: sqn, amf: amf)
        XCTAssertEqual(AKA.hex(f1.macA), "4a9ffac354dfafb3")
        XCTAssertEqual(AKA.hex(f1.macS), "01cfaf9ec4e871e9")
        let f = m.f2345(rand: rand)
        XCTAssertEqual(AKA.hex(f.res), "a54211d5e3ba50bf")
        XCTAssertEqual(AKA.hex(f.ck), "b40ba9a3c58b2a05bbf0d987b21bf8cb")
        XCTAssertEqual(AKA.hex(f.ik), "f769bcd751044604127672711c6d3441")
        XCTAssertEqual(AKA.hex(f.ak), "aa689c648370")
        XCTAssertEqual(AKA.hex(m.f5star(rand: rand)), "451e8beca43b")

        let v = AKA.vector(m, rand: rand, sqn: AKA.value48(sqn), amf: amf)
        XCTAssertEqual(AKA.hex(v.autn), "55f328b43577b9b94a9ffac354dfafb3")
        XCTAssertEqual(v.nonce, "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=")
        XCTAssertEqual(AKA.hex(AKA.auts(m, rand: rand, sqnMS: AKA.value48(sqn))), "ba853f3c123ccf44e93596e355c6")
    }

    func testSet2() throws {
        let m = try Milenage(k: h("0396eb317b6d1c36f19c1c84cd6ffd16"), op: h("ff53bade17df5d4e793073ce9d7579fa"))
        XCTAssertEqual(AKA.hex(m.opc), "53c15671c60a4b731c55b4a441c0bde2")
        let rand = h("c00d603103dcee52c4478119494202e8")
        XCTAssertEqual(AKA.hex(m.f1(rand: rand, sqn: h("fd8eef40df7d"), amf: h("af17")).macA), "5df5b31807e258b0")
        let f = m.f2345(rand: rand)
        XCTAssertEqual(AKA.hex(f.res), "d3a628ed988620f0")
        XCTAssertEqual(AKA.hex(f.ak), "c47783995f72")
        // Given OPc directly, the same functions.
        let direct = try Milenage(k: h("0396eb317b6d1c36f19c1c84cd6ffd16"), opc: h("53c15671c60a4b731c55b4a441c0bde2"))
        XCTAssertEqual(direct.f2345(rand: rand).res, f.res)
    }

    func testBadKeyLengthsAreErrors() throws {
        XCTAssertThrowsError(try Milenage(k: [1, 2, 3], opc: [UInt8](repeating: 0, count: 16))) { e in
            XCTAssertEqual(e as? Milenage.KeyError, .length("K", 3))
        }
        XCTAssertThrowsError(try Milenage(AKASubscription(k: [UInt8](repeating: 0, count: 16)))) { e in
            XCTAssertEqual(e as? Milenage.KeyError, .noOPc)
        }
        XCTAssertNil(AKA.bytes(hex: "abc"))
        XCTAssertNil(AKA.bytes(hex: "zz"))
        let m = try Milenage(k: h("465b5ce8b199b49faa5f0a2ee238a6bc"), opc: h("cd63cb71954a9f4e48a5994e37a02baf"))
        XCTAssertEqual(AKA.answer(m, nonce: "not base64", sqnMS: 0), .malformed)
    }

    /// The USIM: fresh SQN accepted, the same challenge again is a sync failure whose AUTS the
    /// network verifies, and a challenge from another key fails MAC-A.
    func testUSIMChecksAndResync() throws {
        let m = try Milenage(k: h("465b5ce8b199b49faa5f0a2ee238a6bc"), opc: h("cd63cb71954a9f4e48a5994e37a02baf"))
        let nonce = "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M="
        let sqn: UInt64 = 0xff9b_b4d0_b607
        guard case .accepted(let res, let got, _, _) = AKA.answer(m, nonce: nonce, sqnMS: sqn - 1) else { return XCTFail("not accepted") }
        XCTAssertEqual(AKA.hex(res), "a54211d5e3ba50bf")
        XCTAssertEqual(got, sqn)
        guard case .syncFailure(let auts) = AKA.answer(m, nonce: nonce, sqnMS: sqn) else { return XCTFail("no sync failure") }
        XCTAssertEqual(AKA.hex(auts), "ba853f3c123ccf44e93596e355c6")
        XCTAssertEqual(AKA.resync(m, rand: h("23553cbe9637a89d218ae64dae47bf35"), auts: auts), sqn)
        var forged = auts
        forged[13] ^= 1
        XCTAssertNil(AKA.resync(m, rand: h("23553cbe9637a89d218ae64dae47bf35"), auts: forged))
        let other = try Milenage(k: h("0396eb317b6d1c36f19c1c84cd6ffd16"), opc: h("53c15671c60a4b731c55b4a441c0bde2"))
        XCTAssertEqual(AKA.answer(other, nonce: nonce, sqnMS: 0), .macFailure)
        // A client that skips the checks answers anyway (the misconfiguration switches).
        if case .accepted = AKA.answer(other, nonce: nonce, sqnMS: 0, checkMAC: false) {} else { XCTFail("checkMAC off") }
        if case .accepted = AKA.answer(m, nonce: nonce, sqnMS: sqn, checkSQN: false) {} else { XCTFail("checkSQN off") }
    }
}
