/// A place in a scenario file (1-based line and column, as Yams reports them).
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}

/// One problem in a scenario file, printed as `FILE:LINE:COL: error: <what>; expected <what>`.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible, Error {
    public var location: SourceLocation
    public var message: String
    public var expected: String

    public init(_ location: SourceLocation, _ message: String, expected: String) {
        self.location = location
        self.message = message
        self.expected = expected
    }

    public var description: String { "\(location): error: \(message); expected \(expected)" }
}

/// Collects diagnostics; decoding goes on after an error so one pass reports several.
public struct DiagnosticBag: Sendable {
    public private(set) var items: [Diagnostic] = []
    public init() {}
    public mutating func error(_ at: SourceLocation, _ message: String, expected: String) {
        let d = Diagnostic(at, message, expected: expected)
        if !items.contains(d) { items.append(d) }
    }
    public mutating func append(contentsOf other: [Diagnostic]) {
        for d in other where !items.contains(d) { items.append(d) }
    }
    public var isEmpty: Bool { items.isEmpty }
    /// Sorted by place so output is stable whatever order the checks ran in.
    public var sorted: [Diagnostic] { items.sorted { ($0.location, $0.message) < ($1.location, $1.message) } }
}

/// Levenshtein distance, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.lowercased().unicodeScalars), y = Array(b.lowercased().unicodeScalars)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count), cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        cur[0] = i
        for j in 1...y.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[y.count]
}

/// The closest candidate within a distance that still looks like a typo.
func closest(_ word: String, in candidates: [String]) -> String? {
    // Ties go to the candidate sharing the first letter, then the longer one (pcsf -> pcscf).
    var best: (String, Int, Int)?
    for c in Set(candidates).sorted() {
        let d = editDistance(word, c)
        let rank = (c.first == word.first ? 0 : 1)
        if best == nil || d < best!.1 || (d == best!.1 && rank < best!.2) { best = (c, d, rank) }
    }
    guard let (c, d, _) = best, d <= max(2, (word.count + 1) / 2), d < word.count else { return nil }
    return c
}

/// "one of a, b, c" (did you mean x?)
func expectedOneOf(_ word: String?, _ candidates: [String]) -> String {
    let list = Set(candidates).sorted().joined(separator: ", ")
    if let w = word, let c = closest(w, in: candidates) { return "'\(c)' (did you mean it?); one of \(list)" }
    return "one of \(list)"
}
