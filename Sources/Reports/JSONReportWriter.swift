import Foundation

/// The full result model as JSON: keys sorted, pretty printed, `/` unescaped, a final newline.
/// Identical input gives identical bytes, so two runs with the same seed can be compared with `cmp`.
public enum JSONReportWriter {
    /// NaN and infinities cannot appear in JSON; they are written as these strings instead of failing.
    static let floatStrategy = (positiveInfinity: "+Infinity", negativeInfinity: "-Infinity", nan: "NaN")

    public static func data(for suite: SuiteReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: floatStrategy.positiveInfinity,
            negativeInfinity: floatStrategy.negativeInfinity,
            nan: floatStrategy.nan)
        var data = try encoder.encode(suite)
        data.append(0x0A)
        return data
    }

    public static func string(for suite: SuiteReport) throws -> String {
        String(decoding: try data(for: suite), as: UTF8.self)
    }

    /// Reads a report back (for tools comparing runs, and for the round-trip test).
    public static func decode(_ data: Data) throws -> SuiteReport {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: floatStrategy.positiveInfinity,
            negativeInfinity: floatStrategy.negativeInfinity,
            nan: floatStrategy.nan)
        return try decoder.decode(SuiteReport.self, from: data)
    }
}
