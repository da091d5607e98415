// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ims-harness",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "SIPCore", targets: ["SIPCore"]),
        .executable(name: "ims-harness", targets: ["ims-harness"]),
        .executable(name: "parse-bench", targets: ["parse-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Bytes <-> SIP messages. No I/O and no dependencies beyond Foundation.
        .target(name: "SIPCore"),
        .executableTarget(
            name: "ims-harness",
            dependencies: [
                "SIPCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "parse-bench",
            dependencies: ["SIPCore"],
            path: "Benchmarks/parse-bench"
        ),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore"]),
        .testTarget(name: "CLITests", dependencies: ["ims-harness"]),
    ]
)
