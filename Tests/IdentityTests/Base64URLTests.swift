import Testing
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
