// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ims-harness",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "SIPCore", targets: ["SIPCore"]),
        .library(name: "Identity", targets: ["Identity"]),
        .executable(name: "ims-harness", targets: ["ims-harness"]),
        .executable(name: "parse-bench", targets: ["parse-bench"]),
        .executable(name: "verify-bench", targets: ["verify-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // Bytes <-> SIP messages. No I/O and no dependencies beyond Foundation.
        .target(name: "SIPCore"),
        // PASSporT / SHAKEN / RCD. ES256 via swift-crypto; no wall clock inside.
        .target(
            name: "Identity",
            dependencies: [
                "SIPCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "ims-harness",
            dependencies: [
                "SIPCore",
                "Identity",
                "Capture",
                "LiveTransport",
                "Scenario",
                "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // `--static-swift-stdlib` links with `-export-dynamic`, which puts ~35,000 symbols in
            // the dynamic table for nothing to use: the loader and the runtime's start-up `dladdr`
            // then spend about a millisecond on them at every start. No effect on other builds.
            linkerSettings: [.unsafeFlags(["-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux]))]
        ),
        .executableTarget(
            name: "parse-bench",
            dependencies: ["SIPCore"],
            path: "Benchmarks/parse-bench"
        ),
        // Helpers shared by the test targets (a seeded generator).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["ims-harness"]),
        .testTarget(name: "IdentityTests", dependencies: ["Identity", "TestSupport"]),
        // Run reports: JUnit, JSON, SVG sequence diagrams, HTML index, console. Foundation only.
        .target(name: "Reports"),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
        // libcrypto (libssl-dev), only to cross-check ES256 with an independent implementation.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .testTarget(name: "InteropTests", dependencies: ["Identity", "COpenSSL", "TestSupport"]),
        // Scenario language (YAML via Yams), validation with file:line:col, engine over Network.
        .target(
            name: "Scenario",
            dependencies: ["SIPCore", "Identity", "Network", "Reports", "Capture", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "Network", "Reports"]),
        // Discrete-event simulated IMS network: virtual clock, links, transactions, actors, attacker.
        .target(
            name: "Network",
            dependencies: ["SIPCore", "Identity", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "_CryptoExtras", package: "swift-crypto")]
        ),
        .testTarget(name: "NetworkTests", dependencies: ["Network", "TestSupport"]),
        .executableTarget(name: "call-bench", dependencies: ["Network", "Identity", .product(name: "Crypto", package: "swift-crypto")],
                          path: "Benchmarks/call-bench"),
        // libpcap (libpcap-dev): capture files in and out.
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        // Captures: link layers, IP/TCP reassembly, SIP extraction, audit, replay, pcap export.
        .target(
            name: "Capture",
            dependencies: [
                "SIPCore", "Identity", "CPcap",
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "CPcap", "TestSupport"]),
        // Live mode: the Transport protocol over SwiftNIO sockets (UDP, TCP, TLS), a real-clock
        // scheduler, a SIP user agent for interop, and the load generator.
        .target(
            name: "LiveTransport",
            dependencies: [
                "Network", "SIPCore", "Identity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .testTarget(name: "LiveTransportTests", dependencies: ["LiveTransport", "Identity", "Scenario", "Reports"]),
        .executableTarget(
            name: "verify-bench",
            dependencies: ["Identity"],
            path: "Benchmarks/verify-bench"
        ),
    ]
)
