import Foundation

// The result model every writer reads. The scenario engine fills it; nothing here depends on the
// network or scenario modules, so reports can be produced (and tested) from plain values.

/// Outcome of one scenario (one matrix entry).
public enum Verdict: String, Codable, Sendable, Equatable, CaseIterable {
    case passed
    case failed
    /// The scenario could not run to the end (bad input, engine failure), as opposed to an assertion failing.
    case error
}

/// A whole run.
public struct SuiteReport: Codable, Sendable, Equatable {
    public var scenarios: [ScenarioReport]
    /// The seed the run was started with, when one was forced (`--seed`).
    public var seed: UInt64?

    public init(scenarios: [ScenarioReport], seed: UInt64? = nil) {
        self.scenarios = scenarios
        self.seed = seed
    }

    public var passedCount: Int { scenarios.count { $0.verdict == .passed } }
    /// Scenarios whose assertions failed (errors not included).
    public var failedCount: Int { scenarios.count { $0.verdict == .failed } }
    public var errorCount: Int { scenarios.count { $0.verdict == .error } }
    /// Sum of the scenario durations (they may have run in parallel, so this is not wall time).
    public var totalDurationMs: Double {
        scenarios.reduce(0) { $0 + ReportFormat.sanitisedMs($1.durationMs) }
    }
}

/// One scenario file, or one entry of its `matrix:` expansion.
public struct ScenarioReport: Codable, Sendable, Equatable {
    public var name: String
    /// Path of the scenario file as given on the command line (relative paths keep reports portable).
    public var file: String
    /// Which matrix entry this is, e.g. `strip_untrusted_pai=false`; nil for a file without a matrix.
    public var matrixLabel: String?
    public var description: String
    public var tags: [String]
    public var verdict: Verdict
    public var durationMs: Double
    public var failures: [AssertionFailure]
    /// Why the scenario ended in `.error`.
    public var error: String?
    /// Diagram columns, left to right.
    public var actors: [ActorColumn]
    /// Diagram rows, in time order.
    public var messages: [DiagramMessage]
    /// Every assertion that was evaluated, passed or not.
    public var assertions: [AssertionOutcome]
    /// Live runs: socket-level trouble (failed connections, TLS handshakes, bytes that are not
    /// SIP), which no assertion names; nil when there was none.
    public var transportErrors: [String]?

    public init(
        name: String,
        file: String,
        matrixLabel: String? = nil,
        description: String = "",
        tags: [String] = [],
        verdict: Verdict,
        durationMs: Double,
        failures: [AssertionFailure] = [],
        error: String? = nil,
        actors: [ActorColumn] = [],
        messages: [DiagramMessage] = [],
        assertions: [AssertionOutcome] = [],
        transportErrors: [String]? = nil
    ) {
        self.name = name
        self.file = file
        self.matrixLabel = matrixLabel
        self.description = description
        self.tags = tags
        self.verdict = verdict
        self.durationMs = durationMs
        self.failures = failures
        self.error = error
        self.actors = actors
        self.messages = messages
        self.assertions = assertions
        self.transportErrors = transportErrors
    }

    /// The name shown everywhere: `name [matrix label]` for a matrix entry, so entries stay distinct.
    public var displayName: String {
        guard let label = matrixLabel, !label.isEmpty else { return name }
        return "\(name) [\(label)]"
    }
}

/// A diagram column.
public struct ActorColumn: Codable, Sendable, Equatable {
    public var name: String
    /// `ue`, `pcscf`, `scscf`, `attacker`, ... (kept as text so this module needs no network types).
    public var role: String
    /// Trust domain the actor belongs to; nil when it is in none.
    public var domain: String?

    public init(name: String, role: String, domain: String? = nil) {
        self.name = name
        self.role = role
        self.domain = domain
    }
}

/// An assertion that did not hold.
public struct AssertionFailure: Codable, Sendable, Equatable {
    /// The assertion as written in the scenario.
    public var assertion: String
    /// What went wrong, in words.
    public var message: String
    public var evidence: Evidence?

    public init(assertion: String, message: String, evidence: Evidence? = nil) {
        self.assertion = assertion
        self.message = message
        self.evidence = evidence
    }
}

/// Where a failed assertion was observed.
public struct Evidence: Codable, Sendable, Equatable {
    /// Virtual time, e.g. `t=1.250s` (see `ReportFormat.virtualTime(ms:)`).
    public var time: String
    /// The link, e.g. `pcscf-a -> scscf-a`.
    public var hop: String
    /// A few lines of the offending message.
    public var excerpt: String

    public init(time: String, hop: String, excerpt: String) {
        self.time = time
        self.hop = hop
        self.excerpt = excerpt
    }
}

/// One arrow in the sequence diagram.
public struct DiagramMessage: Codable, Sendable, Equatable {
    public var index: Int
    /// Virtual time in milliseconds since the start of the scenario.
    public var timeMs: Double
    public var from: String
    public var to: String
    /// Method (`INVITE`) or status and reason (`403 Stale Date`).
    public var label: String
    /// Key identity headers, one short line each (PAI, Identity ppt/verdict, verstat, Privacy).
    public var details: [String]
    /// Changed or injected by the attacker.
    public var attacker: Bool
    /// Never delivered.
    public var dropped: Bool
    /// Evidence of a failed assertion.
    public var failed: Bool
    /// What changed it, e.g. the attacker rule or policy that fired.
    public var note: String?

    public init(
        index: Int,
        timeMs: Double,
        from: String,
        to: String,
        label: String,
        details: [String] = [],
        attacker: Bool = false,
        dropped: Bool = false,
        failed: Bool = false,
        note: String? = nil
    ) {
        self.index = index
        self.timeMs = timeMs
        self.from = from
        self.to = to
        self.label = label
        self.details = details
        self.attacker = attacker
        self.dropped = dropped
        self.failed = failed
        self.note = note
    }

    /// The hop in the form evidence uses: `from -> to`.
    public var hop: String { "\(from) -> \(to)" }
}

/// An evaluated assertion.
public struct AssertionOutcome: Codable, Sendable, Equatable {
    public var text: String
    public var passed: Bool

    public init(text: String, passed: Bool) {
        self.text = text
        self.passed = passed
    }
}
