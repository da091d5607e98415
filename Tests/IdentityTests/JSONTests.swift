import Testing
@testable import Identity

struct CanonicalJSONTests {
    @Test func sortsKeysAndDropsWhitespace() throws {
        let v = try JSONValue.parse(#" { "orig" : {"tn":"1"}, "dest": {"tn": ["2"]}, "iat" : 5, "attest":"A" } "#)
        #expect(v.canonicalString == #"{"attest":"A","dest":{"tn":["2"]},"iat":5,"orig":{"tn":"1"}}"#)
    }

    @Test func sortsByUTF8ByteOrder() {
        // Upper case before lower case; shorter prefix first; code point order beyond ASCII.
        let v: JSONValue = .object(["b": 1, "a": 2, "B": 3, "ab": 4, "é": 5, "z": 6])
        #expect(v.canonicalString == #"{"B":3,"a":2,"ab":4,"b":1,"z":6,"é":5}"#)
        // The empty key sorts first; an empty string value is written as "".
        let empty: JSONValue = .object(["a": .string(""), "": 1, "a long key beyond the small-string size": 2])
        #expect(empty.canonicalString == #"{"":1,"a":"","a long key beyond the small-string size":2}"#)
    }

    @Test func doesNotEscapeSlashAndEscapesMinimally() throws {
        let v: JSONValue = .object(["x5u": "https://cert.example.org/a.cer", "q": "say \"hi\"\\", "c": "\u{01}\n\r\t\u{08}\u{0C}\u{1F}", "u": "é☎"])
        #expect(v.canonicalString == #"{"c":"\u0001\n\r\t\b\f\u001f","q":"say \"hi\"\\","u":"é☎","x5u":"https://cert.example.org/a.cer"}"#)
        // Escaped input ('\/', '\u00e9') canonicalises to the raw form.
        #expect(try JSONValue.parse(#""a\/b\u00e9""#).canonicalString == "\"a/bé\"")
    }

    @Test func escapesAtEveryOffsetAndLeavesOtherBytes() {
        // The scan for bytes needing an escape goes a word at a time: each one is tried at every
        // position of a 24-byte string, beside bytes just above and below the flagged values.
        for (byte, escaped) in [("\"", "\\\""), ("\\", "\\\\"), ("\u{1F}", "\\u001f"), ("\n", "\\n"), ("\u{00}", "\\u0000")] {
            for k in 0..<24 {
                let s = String(repeating: "a", count: k) + byte + String(repeating: "é", count: (23 - k) / 2) + (k % 2 == 0 ? "!" : "")
                let want = "\"" + String(repeating: "a", count: k) + escaped + String(repeating: "é", count: (23 - k) / 2) + (k % 2 == 0 ? "!" : "") + "\""
                #expect(JSONValue.string(s).canonicalString == want, "\(escaped) at \(k)")
            }
        }
        let plain = " !#[]^~\u{7F}é☎ #$%&'()*+,-./0123456789:;<=>?@[]"
        #expect(JSONValue.string(plain).canonicalString == "\"" + plain + "\"")
    }

    @Test func numbers() throws {
        #expect(JSONValue.array([0, 7, 10, -1, 9_223_372_036_854_775_807]).canonicalString == "[0,7,10,-1,9223372036854775807]")
        #expect(try JSONValue.parse("1443208345") == .integer(1_443_208_345))
        #expect(try JSONValue.parse("-0") == .integer(0))
        #expect(try JSONValue.parse("1.0") == .double(1.0))
        #expect(try JSONValue.parse("1e3") == .double(1000))
        #expect(JSONValue.integer(-9_223_372_036_854_775_808).canonicalString == "-9223372036854775808")
        #expect(JSONValue.array([.bool(true), .bool(false), .null]).canonicalString == "[true,false,null]")
    }

    @Test func nestedArraysKeepOrder() throws {
        let card = try JSONValue.parse(#"["vcard", [ ["version", {}, "text", "4.0"], ["fn",{},"text","Q Branch"] ]]"#)
        #expect(card.canonicalString == #"["vcard",[["version",{},"text","4.0"],["fn",{},"text","Q Branch"]]]"#)
    }
}

struct StrictJSONParserTests {
    func rejects(_ text: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let v = try JSONValue.parse(text)
            Issue.record("accepted \(v)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func rejectsMalformed() {
        rejects(#"{"a":1,"a":2}"#, "duplicate key \"a\"")
        rejects(#"{"a":1} x"#, "trailing data")
        rejects(#"{"a":1}{}"#, "trailing data")
        rejects("", "unexpected end")
        rejects(#"{"a":1,}"#, "expected a string key")
        rejects("[1,]", "unexpected ']'")
        rejects("01", "leading zero")
        rejects("1.", "expected a digit after '.'")
        rejects("+1", "unexpected '+'")
        rejects("99999999999999999999", "out of 64-bit range")
        rejects("1e999", "out of range")
        rejects("\"a\u{01}\"", "unescaped control character")
        rejects(#""\x""#, "invalid escape")
        rejects(#""\ud800""#, "lone high surrogate")
        rejects(#""\udc00""#, "lone low surrogate")
        rejects("tru", "invalid literal")
        rejects("NaN", "unexpected 'N'")
        rejects(#"{'a':1}"#, "expected a string key")
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONError.self) { try JSONValue.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }  // UTF-8 surrogate
    }

    @Test func surrogatePairsDecode() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    @Test func enforcesDepthLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        rejects(deep, "nesting deeper than 64")
        // Far beyond the limit: must fail cleanly, not overflow the stack.
        rejects(String(repeating: "[", count: 60_000), "nesting deeper than 64")
    }

    @Test func enforcesSizeLimit() {
        let big = "\"" + String(repeating: "a", count: 64 * 1024) + "\""
        rejects(big, "exceeds the 65536-byte limit")
        #expect(throws: Never.self) { try JSONValue.parse("[1]", limits: JSONLimits(maxBytes: 3)) }
    }

    /// `plainRun` (eight bytes at a time) finds the first control character, '"' or '\\' and
    /// says whether the bytes before it are ASCII, as a byte-by-byte scan does; strings with and
    /// without escapes and non-ASCII bytes parse back to themselves. Seeded bytes.
    @Test func plainRunMatchesByteScan() throws {
        let alphabet: [UInt8] = [0x41, 0x7A, 0x20, 0x22, 0x5C, 0x1F, 0x00, 0x7F, 0x80, 0xC3, 0xA9, 0xFF, 0x2F, 0x21, 0x23, 0x5D]
        var state: UInt64 = 31
        func draw(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % n
        }
        for _ in 0..<500 {
            let bytes = (0..<draw(40)).map { _ in draw(4) == 0 ? alphabet[draw(alphabet.count)] : UInt8(0x30 + draw(40)) }
            let from = draw(bytes.count + 1)
            var end = from
            while end < bytes.count, bytes[end] >= 0x20, bytes[end] != 0x22, bytes[end] != 0x5C { end += 1 }
            let ascii = bytes[from..<end].allSatisfy { $0 < 0x80 }
            let run = bytes.withUnsafeBufferPointer { JSONValue.plainRun($0, from: from) }
            #expect(run.end == end && run.ascii == ascii, "\(bytes) from \(from)")
        }
        for text in ["plain", "with \"quote\" and \\ and \n", "caf\u{e9} \u{1F600}", "", String(repeating: "0123456789", count: 9) + "\u{e9}"] {
            #expect(try JSONValue.parse(JSONValue.string(text).canonicalBytes) == .string(text))
        }
    }
}

struct JSONPointerTests {
    @Test func parsesAndResolves() throws {
        let doc = try JSONValue.parse(#"{"a/b":{"m~n":[10,20]},"":1}"#)
        #expect(JSONPointer("/a~1b/m~0n/1")?.resolve(in: doc) == .integer(20))
        #expect(JSONPointer("/")?.resolve(in: doc) == .integer(1))
        #expect(JSONPointer("")?.resolve(in: doc) == doc)
        #expect(JSONPointer("/a~1b/m~0n/01")?.resolve(in: doc) == nil)
        #expect(JSONPointer("/a~1b/m~0n/2")?.resolve(in: doc) == nil)
        #expect(JSONPointer("/a~1b/m~0n/-")?.resolve(in: doc) == nil)
        #expect(JSONPointer("a") == nil)
        #expect(JSONPointer("/a~2") == nil)
        #expect(JSONPointer("/a~") == nil)
        #expect(JSONPointer("/a~1b/m~0n")?.description == "/a~1b/m~0n")
    }
}

/// `JSONWriter` streams what `JSONValue.canonicalBytes` writes for the same document.
@Suite struct JSONWriterTests {
    @Test func writesTheCanonicalForm() {
        let value: JSONValue = .object([
            "a": .array([]), "b": .object([]), "c": .array([1, .string("x\"y"), .null, .object(["k": true])]),
            "d": .string(""), "e": -7, "z": .object(["2": 2, "10": 10, "é": 3]),
        ])
        var w = JSONWriter()
        w.object { w in
            w.key("a"); w.array([Int]()) { w, i in w.integer(i) }
            w.key("b"); w.object { _ in }
            w.key("c"); w.array([0, 1, 2, 3]) { w, i in
                switch i {
                case 0: w.integer(1)
                case 1: w.string("x\"y")
                case 2: w.string(nil)
                default: w.object { w in w.key("k"); w.bool(true) }
                }
            }
            w.key("d"); w.string("")
            w.key("e"); w.integer(-7)
            w.key("z"); w.object(sorting: [("é", 3), ("2", 2), ("10", 10)]) { w, n in w.integer(n) }
        }
        #expect(w.bytes == value.canonicalBytes)
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"{"a":[],"b":{},"c":[1,"x\"y",null,{"k":true}],"d":"","e":-7,"z":{"10":10,"2":2,"é":3}}"#)
    }
}
