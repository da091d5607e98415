import Foundation
import Testing
@testable import Reports

@Suite struct JSONReportWriterTests {
    @Test func identicalInputGivesIdenticalBytes() throws {
        let a = try JSONReportWriter.data(for: Fixtures.suite)
        let b = try JSONReportWriter.data(for: Fixtures.suite)
        #expect(a == b)
        // A copy built independently (through decoding) encodes to the same bytes too.
        let copy = try JSONReportWriter.decode(a)
        #expect(try JSONReportWriter.data(for: copy) == a)
        var changed = Fixtures.suite
        changed.scenarios[1].messages[2].failed = false
        #expect(try JSONReportWriter.data(for: changed) != a)
    }

    @Test func roundTripsTheFullModel() throws {
        let decoded = try JSONReportWriter.decode(JSONReportWriter.data(for: Fixtures.suite))
        #expect(decoded == Fixtures.suite)
        #expect(decoded.scenarios[1].failures.first?.evidence?.excerpt == Fixtures.excerpt)
    }

    @Test func exactLayout() throws {
        let suite = SuiteReport(scenarios: [
            ScenarioReport(name: "a/b", file: "x.yaml", tags: ["ki1"], verdict: .failed, durationMs: 1.5,
                           failures: [AssertionFailure(assertion: "never x", message: "x seen",
                                                       evidence: Evidence(time: "t=0.000s", hop: "a -> b", excerpt: "INVITE"))],
                           actors: [ActorColumn(name: "a", role: "ue")],
                           messages: [DiagramMessage(index: 0, timeMs: 0, from: "a", to: "b", label: "INVITE")]),
        ])
        let expected = """
        {
          "scenarios" : [
            {
              "actors" : [
                {
                  "name" : "a",
                  "role" : "ue"
                }
              ],
              "assertions" : [

              ],
              "description" : "",
              "durationMs" : 1.5,
              "failures" : [
                {
                  "assertion" : "never x",
                  "evidence" : {
                    "excerpt" : "INVITE",
                    "hop" : "a -> b",
                    "time" : "t=0.000s"
                  },
                  "message" : "x seen"
                }
              ],
              "file" : "x.yaml",
              "messages" : [
                {
                  "attacker" : false,
                  "details" : [

                  ],
                  "dropped" : false,
                  "failed" : false,
                  "from" : "a",
                  "index" : 0,
                  "label" : "INVITE",
                  "timeMs" : 0,
                  "to" : "b"
                }
              ],
              "name" : "a/b",
              "tags" : [
                "ki1"
              ],
              "verdict" : "failed"
            }
          ]
        }

        """
        #expect(try JSONReportWriter.string(for: suite) == expected)
    }

    @Test func nonFiniteDurationsDoNotFail() throws {
        var suite = Fixtures.suite
        suite.scenarios[0].durationMs = .nan
        suite.scenarios[1].durationMs = .infinity
        let text = try JSONReportWriter.string(for: suite)
        #expect(text.contains("\"durationMs\" : \"NaN\""))
        #expect(text.contains("\"durationMs\" : \"+Infinity\""))
        let back = try JSONReportWriter.decode(Data(text.utf8))
        #expect(back.scenarios[0].durationMs.isNaN)
        #expect(back.scenarios[1].durationMs == .infinity)
    }

    @Test func garbageIsAnErrorNotACrash() {
        #expect(throws: (any Error).self) { try JSONReportWriter.decode(Data("{\"scenarios\": 3}".utf8)) }
        #expect(throws: (any Error).self) { try JSONReportWriter.decode(Data([0xFF, 0x00])) }
    }
}
