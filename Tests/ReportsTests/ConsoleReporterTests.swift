import Foundation
import Testing
@testable import Reports

@Suite struct ConsoleReporterTests {
    let plain = ConsoleReporter(isTTY: false, colour: true)   // colour asked for, but no TTY
    let tty = ConsoleReporter(isTTY: true, colour: true)

    @Test func passLine() {
        #expect(plain.lines(for: Fixtures.passed) == "PASS UE spoofs PAI [strip_untrusted_pai=true] (12 ms)\n")
    }

    @Test func failBlockShowsAssertionEvidenceAndExcerpt() {
        let expected = """
        FAIL UE spoofs PAI [strip_untrusted_pai=false] (3 ms)
            assertion: never header P-Asserted-Identity at scscf-a equals sip:bob@b.example
            UE-supplied PAI reached scscf-a
            evidence: pcscf-a -> scscf-a at t=0.120s
              | INVITE sip:bob@b.example SIP/2.0
              | P-Asserted-Identity: <sip:bob@b.example>
              | X-Evil: a\u{241B}[2Jb\u{2400}c\u{240B}d & more

        """
        #expect(plain.lines(for: Fixtures.failed) == expected)
    }

    @Test func errorLine() {
        #expect(plain.lines(for: Fixtures.errored) == "ERROR Broken network: unknown actor 'pcscf-z' in link / second line\n")
    }

    @Test func summaryLineIsExact() {
        let passed = Array(repeating: Fixtures.passed, count: 38)
        let suite = SuiteReport(scenarios: passed + [Fixtures.failed, Fixtures.errored])
        let out = plain.summary(for: suite)
        #expect(out == "1 error (counted as failed)\n38 passed, 2 failed\n")
        #expect(out.split(separator: "\n").last == "38 passed, 2 failed")
        #expect(plain.summary(for: SuiteReport(scenarios: passed)) == "38 passed, 0 failed\n")
        #expect(ConsoleReporter.summaryLine(passed: 0, failed: 0) == "0 passed, 0 failed")
        // Even on a colour TTY the summary words stay plain.
        #expect(tty.summary(for: SuiteReport(scenarios: passed)) == "\r\u{1B}[K38 passed, 0 failed\n")
    }

    @Test func progressOnlyOnATTY() {
        #expect(plain.progress(completed: 12, total: 40, running: "x") == nil)
        #expect(tty.progress(completed: 12, total: 40, running: "UE spoofs PAI") == "\r[12/40] running UE spoofs PAI\u{1B}[K")
        let narrow = ConsoleReporter(isTTY: true, colour: false, width: 40)
        let line = narrow.progress(completed: 1, total: 2, running: String(repeating: "n", count: 100))!
        #expect(line.hasSuffix("…\u{1B}[K"))
        #expect(line.count - 1 - 3 < 40)  // minus \r and the clear sequence: stays on one line
    }

    @Test func colourOnlyOnATTY() {
        #expect(!plain.lines(for: Fixtures.failed).contains("\u{1B}"))
        #expect(tty.lines(for: Fixtures.passed) == "\r\u{1B}[K\u{1B}[32mPASS\u{1B}[0m UE spoofs PAI [strip_untrusted_pai=true] (12 ms)\n")
        #expect(tty.lines(for: Fixtures.failed).contains("\u{1B}[31mFAIL\u{1B}[0m"))
        let ttyNoColour = ConsoleReporter(isTTY: true, colour: false)
        #expect(ttyNoColour.lines(for: Fixtures.passed) == "\r\u{1B}[KPASS UE spoofs PAI [strip_untrusted_pai=true] (12 ms)\n")
    }

    @Test func attackerTextCannotDriveTheTerminal() {
        var s = Fixtures.errored
        s.name = "x\u{1B}]0;owned\u{7}y"
        s.error = "\u{1B}[2J\u{9B}31m"
        let out = plain.lines(for: s)
        #expect(!out.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(!out.unicodeScalars.contains { (0x7F...0x9F).contains($0.value) })
        #expect(out == "ERROR x\u{241B}]0;owned\u{2407}y: \u{241B}[2J\u{FFFD}31m\n")
    }

    @Test func verboseListsAssertions() {
        let verbose = ConsoleReporter(isTTY: false, colour: false, verbose: true)
        #expect(verbose.lines(for: Fixtures.passed)
            == "PASS UE spoofs PAI [strip_untrusted_pai=true] (12 ms)\n    ok never header P-Asserted-Identity at scscf-a\n")
    }

    @Test func colourPreference() {
        #expect(Terminal.colourWanted(isTTY: true, environment: [:]))
        #expect(!Terminal.colourWanted(isTTY: false, environment: [:]))
        #expect(!Terminal.colourWanted(isTTY: true, environment: ["NO_COLOR": "1"]))
        #expect(!Terminal.colourWanted(isTTY: true, environment: ["TERM": "dumb"]))
        #expect(Terminal.colourWanted(isTTY: true, environment: ["NO_COLOR": ""]))
    }

    @Test func streamInterleavesProgressAndResults() {
        final class Sink: @unchecked Sendable {
            let lock = NSLock()
            var chunks: [String] = []
            func add(_ s: String) { lock.lock(); chunks.append(s); lock.unlock() }
        }
        let sink = Sink()
        let stream = ConsoleStream(reporter: tty, total: 2, write: { sink.add($0) })
        stream.started("UE spoofs PAI [strip_untrusted_pai=true]")
        stream.started("Broken network")
        stream.finished(Fixtures.passed)
        stream.finished(Fixtures.errored)
        stream.finish(SuiteReport(scenarios: [Fixtures.passed, Fixtures.errored]))
        #expect(sink.chunks.count == 6)
        #expect(sink.chunks[0] == "\r[0/2] running UE spoofs PAI [strip_untrusted_pai=true]\u{1B}[K")
        #expect(sink.chunks[1] == "\r[0/2] running Broken network\u{1B}[K")
        #expect(sink.chunks[2].contains("PASS"))
        #expect(sink.chunks[3] == "\r[1/2] running Broken network\u{1B}[K")
        #expect(sink.chunks[4].contains("ERROR"))
        #expect(sink.chunks[5].hasSuffix("1 passed, 1 failed\n"))

        // Off a TTY: only results and the summary, no progress at all.
        let quiet = Sink()
        let plainStream = ConsoleStream(reporter: plain, total: 1, write: { quiet.add($0) })
        plainStream.started("Broken network")
        plainStream.finished(Fixtures.errored)
        plainStream.finish(SuiteReport(scenarios: [Fixtures.errored]))
        #expect(quiet.chunks.joined() == "ERROR Broken network: unknown actor 'pcscf-z' in link / second line\n"
            + "1 error (counted as failed)\n0 passed, 1 failed\n")
    }

    @Test func isattyHelperAnswers() {
        // A pipe is never a terminal.
        let pipe = Pipe()
        #expect(!Terminal.isTTY(pipe.fileHandleForWriting.fileDescriptor))
    }
}
