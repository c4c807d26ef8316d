// swift-tools-version:6.1
import PackageDescription

/// One set of settings for every target: Swift 6 mode with complete checking comes from the tools
/// version; warnings are errors in CI through `Scripts/test`.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Seek",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "seekd", targets: ["seekd"]),
        .executable(name: "seek", targets: ["seek"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
    ],
    targets: [
        .target(name: "SeekProtocol", swiftSettings: swiftSettings),
        // Below every target that shares state between threads: a lock ThreadSanitizer can see (Locked.swift says why).
        .target(name: "SeekLocking", swiftSettings: swiftSettings),
        .systemLibrary(name: "CInotifyTools", providers: [.apt(["libinotifytools0-dev"])]),
        .target(
            name: "SeekCore",
            dependencies: [
                "CInotifyTools",
                "SeekLocking",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // TOMLKit stays in a target of its own: its conformances give String, Int, Bool and others members
        // (`debugDescription`, `type`, subscripts) that would otherwise be visible throughout SeekCore.
        .target(
            name: "SeekConfig",
            dependencies: ["SeekCore", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SeekServer",
            dependencies: [
                "SeekCore",
                "SeekLocking",
                "SeekProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SeekClient",
            dependencies: [
                "SeekLocking",
                "SeekProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "seekd",
            dependencies: [
                "SeekServer",
                "SeekCore",
                "SeekConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "seek",
            dependencies: [
                "SeekClient",
                "SeekProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SeekTestSupport",
            dependencies: ["SeekClient", "SeekLocking", "SeekProtocol"],
            swiftSettings: swiftSettings
        ),
        // Fuzz/: inputs kept by Scripts/fuzz, replayed by the tests from the source tree.
        .testTarget(
            name: "SeekProtocolTests",
            dependencies: ["SeekProtocol"],
            exclude: ["Fuzz"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SeekCoreTests",
            dependencies: [
                "SeekCore", "SeekLocking", "SeekTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fuzz"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SeekLockingTests", dependencies: ["SeekLocking"], swiftSettings: swiftSettings),
        .testTarget(name: "SeekConfigTests", dependencies: ["SeekConfig", "SeekCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SeekClientTests",
            dependencies: ["SeekClient", "SeekProtocol"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SeekIntegrationTests",
            // GRDB only to make SQLite files that are not Seek's (the index fault tests).
            dependencies: [
                "SeekTestSupport", "SeekClient", "SeekLocking", "SeekProtocol",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
