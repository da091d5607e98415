import Testing
import TestSupport
@testable import Identity

struct Base64URLTests {
    @Test func encodesWithoutPadding() {
        #expect(Base64URL.encode("") == "")
        #expect(Base64URL.encode("f") == "Zg")
        #expect(Base64URL.encode("fo") == "Zm8")
        #expect(Base64URL.encode("foo") == "Zm9v")
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64Standard.encode([0xFB, 0xFF]) == "+/8")
        #expect(Base64Standard.encode([0xFB, 0xFF], padded: true) == "+/8=")
    }

    @Test func roundTripsAllLengths() throws {
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(try Base64URL.decode(Base64URL.encode(bytes)) == bytes)
            #expect(try Base64Standard.decode(Base64Standard.encode(bytes, padded: true)) == bytes)
            #expect(try Base64Standard.decode(Base64Standard.encode(bytes)) == bytes)
        }
    }

    @Test func rejectsPadding() {
        #expect(throws: Base64Error(reason: .padding, offset: 2)) { try Base64URL.decode("Zg==") }
        #expect(throws: Base64Error(reason: .padding, offset: 3)) { try Base64URL.decode("Zm8=") }
    }

    @Test func rejectsStandardAlphabetAndWhitespace() {
        #expect(throws: Base64Error(reason: .invalidCharacter(UInt8(ascii: "+")), offset: 0)) { try Base64URL.decode("+/8") }
        #expect(throws: Base64Error(reason: .invalidCharacter(UInt8(ascii: "/")), offset: 1)) { try Base64URL.decode("-/8") }
        #expect(throws: Base64Error(reason: .invalidCharacter(0x20), offset: 2)) { try Base64URL.decode("Zm 9v") }
        #expect(throws: Base64Error(reason: .invalidCharacter(0x0A), offset: 4)) { try Base64URL.decode("Zm9v\n") }
        #expect(throws: Base64Error(reason: .invalidCharacter(UInt8(ascii: "-")), offset: 0)) { try Base64Standard.decode("-_8") }
    }

    @Test func rejectsBadLengthAndNonCanonicalBits() {
        #expect(throws: Base64Error(reason: .invalidLength(5), offset: 5)) { try Base64URL.decode("Zm9vY") }
        // "Zh" decodes to 'f' only if the unused 4 bits are dropped: a second spelling of "Zg".
        #expect(throws: Base64Error(reason: .nonCanonicalTrailingBits, offset: 1)) { try Base64URL.decode("Zh") }
    }

    @Test func standardPaddingMustBeExact() throws {
        #expect(try Base64Standard.decode("Zg==") == Array("f".utf8))
        #expect(try Base64Standard.decode("Zg") == Array("f".utf8))
        #expect(throws: Base64Error.self) { try Base64Standard.decode("Zg=") }
        #expect(throws: Base64Error.self) { try Base64Standard.decode("Zg===") }
        #expect(throws: Base64Error.self) { try Base64Standard.decode("Zg=a") }
        #expect(throws: Base64Error.self) { try Base64Standard.decode("Zm9v====") }
    }

    @Test func errorsDescribeThemselves() {
        #expect(Base64Error(reason: .padding, offset: 2).description == "unexpected '=' padding at offset 2")
        #expect(Base64Error(reason: .invalidCharacter(UInt8(ascii: "+")), offset: 0).description == "invalid base64 character '+' at offset 0")
    }
}

/// The encoder writes whole groups in place and the decoder takes whole quanta four characters
/// at a time: both are checked against the plain bit-at-a-time codec, on seeded inputs that
/// include stray characters and padding anywhere.
struct Base64FastPathTests {
    /// Bit-accumulator reference: RFC 4648 as written, one character at a time.
    static func referenceEncode(_ bytes: [UInt8], url: Bool, pad: Bool) -> String {
        let alphabet = url ? Base64Codec.urlAlphabet : Base64Codec.stdAlphabet
        var out: [UInt8] = []
        var acc: UInt32 = 0, bits: UInt32 = 0
        for b in bytes {
            acc = acc << 8 | UInt32(b)
            bits += 8
            while bits >= 6 {
                bits -= 6
                out.append(alphabet[Int(acc >> bits & 63)])
            }
        }
        if bits > 0 { out.append(alphabet[Int(acc << (6 - bits) & 63)]) }
        while pad, out.count % 4 != 0 { out.append(UInt8(ascii: "=")) }
        return String(decoding: out, as: UTF8.self)
    }

    static func referenceDecode(_ input: [UInt8], url: Bool, allowPadding: Bool) -> Result<[UInt8], Base64Error> {
        var chars = input[...]
        if let firstPad = input.firstIndex(of: UInt8(ascii: "=")) {
            let padCount = input.count - firstPad
            guard allowPadding, padCount <= 2, input[firstPad...].allSatisfy({ $0 == UInt8(ascii: "=") }), input.count % 4 == 0
            else { return .failure(Base64Error(reason: .padding, offset: firstPad)) }
            chars = input[..<firstPad]
        }
        var out: [UInt8] = []
        var acc: UInt32 = 0, bits: UInt32 = 0
        for (offset, b) in chars.enumerated() {
            guard let v = Base64Codec.value(b, url: url) else { return .failure(Base64Error(reason: .invalidCharacter(b), offset: offset)) }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> bits))
                acc &= (1 << bits) - 1
            }
        }
        if chars.count % 4 == 1 { return .failure(Base64Error(reason: .invalidLength(chars.count), offset: chars.count)) }
        if acc != 0 { return .failure(Base64Error(reason: .nonCanonicalTrailingBits, offset: max(chars.count - 1, 0))) }
        return .success(out)
    }

    @Test func encodeMatchesReference() {
        var rng = SplitMix64(seed: 7)
        for n in 0..<300 {
            let bytes = (0..<(n % 97)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(Base64URL.encode(bytes) == Self.referenceEncode(bytes, url: true, pad: false))
            #expect(Base64Standard.encode(bytes, padded: true) == Self.referenceEncode(bytes, url: false, pad: true))
            #expect(Base64Standard.encode(bytes) == Self.referenceEncode(bytes, url: false, pad: false))
            var prefixed = Array("ab.".utf8)
            Base64URL.encode(bytes, into: &prefixed)
            #expect(String(decoding: prefixed, as: UTF8.self) == "ab." + Self.referenceEncode(bytes, url: true, pad: false))
        }
    }

    @Test func decodeMatchesReference() {
        var rng = SplitMix64(seed: 11)
        let extras = Array("=+/-_ \n.".utf8)
        for n in 0..<2000 {
            let bytes = (0..<(n % 61)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let url = n % 2 == 0
            var text = Array(Self.referenceEncode(bytes, url: url, pad: n % 3 == 0).utf8)
            // Most inputs get one to three edits: a stray or padding character put in or
            // swapped anywhere, or a character dropped.
            for _ in 0..<Int(rng.next() % 4) where !text.isEmpty {
                let at = Int(rng.next() % UInt64(text.count))
                switch rng.next() % 3 {
                case 0: text[at] = extras[Int(rng.next() % UInt64(extras.count))]
                case 1: text.insert(extras[Int(rng.next() % UInt64(extras.count))], at: at)
                default: text.remove(at: at)
                }
            }
            let expected = Self.referenceDecode(text, url: url, allowPadding: !url)
            let actual: Result<[UInt8], Base64Error>
            do { actual = .success(try Base64Codec.decode(text, url: url, allowPadding: !url)) } catch { actual = .failure(error) }
            #expect(actual == expected, "\(String(decoding: text, as: UTF8.self)) url \(url)")
        }
    }
}

