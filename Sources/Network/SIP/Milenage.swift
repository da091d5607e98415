import Crypto
import _CryptoExtras

/// MILENAGE (3GPP TS 35.206 §4): the AKA functions f1, f1*, f2, f3, f4, f5, f5* built on
/// AES-128 (swift-crypto's single-block permutation is the kernel E_K). Test sets in
/// TS 35.208; sets 1 and 2 are checked by the tests.
struct Milenage {
    enum KeyError: Error, Equatable, CustomStringConvertible {
        case length(String, Int)
        case noOPc
        var description: String {
            switch self {
            case .length(let what, let n): "\(what) must be 16 bytes (32 hex digits), got \(n)"
            case .noOPc: "an AKA subscriber needs OPc or OP"
            }
        }
    }

    private let key: SymmetricKey
    let opc: [UInt8]

    init(k: [UInt8], opc: [UInt8]) throws(KeyError) {
        guard k.count == 16 else { throw .length("K", k.count) }
        guard opc.count == 16 else { throw .length("OPc", opc.count) }
        key = SymmetricKey(data: k)
        self.opc = opc
    }

    /// OPc = OP ⊕ E_K(OP) (§4.1), when a subscriber is given OP instead of OPc.
    init(k: [UInt8], op: [UInt8]) throws(KeyError) {
        guard op.count == 16 else { throw .length("OP", op.count) }
        let withOP = try Milenage(k: k, opc: op)
        try self.init(k: k, opc: xorBytes(withOP.encrypt(op), op))
    }

    /// The functions of one subscriber (OPc given, or derived from OP).
    init(_ sub: AKASubscription) throws(KeyError) {
        if let opc = sub.opc {
            try self.init(k: sub.k, opc: opc)
        } else if let op = sub.op {
            try self.init(k: sub.k, op: op)
        } else {
            throw .noOPc
        }
    }

    /// E_K on one 16-byte block. The key and block sizes are checked in init, so the
    /// permutation cannot fail; an all-zero block stands in should it ever.
    private func encrypt(_ block: [UInt8]) -> [UInt8] {
        var b = block
        do { try AES.permute(&b, key: key) } catch { return [UInt8](repeating: 0, count: 16) }
        return b
    }

    /// TEMP = E_K(RAND ⊕ OPc).
    private func temp(_ rand: [UInt8]) -> [UInt8] { encrypt(xorBytes(rand, opc)) }

    /// OUTi = E_K(rot(TEMP ⊕ OPc, r) ⊕ c) ⊕ OPc for i = 2..5, where c has one bit set in its
    /// last byte (c2 = 1, c3 = 2, c4 = 4, c5 = 8) and r is a whole number of bytes.
    private func out(_ temp: [UInt8], rotateBytes r: Int, c: UInt8) -> [UInt8] {
        var x = rotate(xorBytes(temp, opc), r)
        x[15] ^= c
        return xorBytes(encrypt(x), opc)
    }

    /// f1 and f1*: MAC-A (first 8 bytes of OUT1) and MAC-S (last 8). SQN 6 bytes, AMF 2.
    func f1(rand: [UInt8], sqn: [UInt8], amf: [UInt8]) -> (macA: [UInt8], macS: [UInt8]) {
        let t = temp(rand)
        let in1 = sqn + amf + sqn + amf
        // OUT1 = E_K(TEMP ⊕ rot(IN1 ⊕ OPc, r1 = 64) ⊕ c1 = 0) ⊕ OPc.
        let out1 = xorBytes(encrypt(xorBytes(t, rotate(xorBytes(in1, opc), 8))), opc)
        return (Array(out1[0..<8]), Array(out1[8..<16]))
    }

    /// f2 (RES), f3 (CK), f4 (IK), f5 (AK) from one RAND.
    func f2345(rand: [UInt8]) -> (res: [UInt8], ck: [UInt8], ik: [UInt8], ak: [UInt8]) {
        let t = temp(rand)
        let out2 = out(t, rotateBytes: 0, c: 1)
        return (Array(out2[8..<16]), out(t, rotateBytes: 4, c: 2), out(t, rotateBytes: 8, c: 4), Array(out2[0..<6]))
    }

    /// f5*: the AK that conceals SQN_MS in AUTS (resynchronisation).
    func f5star(rand: [UInt8]) -> [UInt8] { Array(out(temp(rand), rotateBytes: 12, c: 8)[0..<6]) }
}

func xorBytes(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] { zip(a, b).map { $0 ^ $1 } }

/// Cyclic left rotation by whole bytes (TS 35.206 rot(x, r) for r a multiple of 8).
private func rotate(_ x: [UInt8], _ bytes: Int) -> [UInt8] {
    (0..<x.count).map { x[($0 + bytes) % x.count] }
}
