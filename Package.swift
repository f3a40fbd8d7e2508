// swift-tools-version:6.0
import PackageDescription

/// A coming language mode's rules ahead of time: `any` spelled out for existentials, a member usable only where its
/// module is imported, imports internal unless marked `package` or `public`. On for the targets that follow them.
let upcomingFeatures: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "heroform",
    products: [
        .executable(name: "heroform", targets: ["heroform"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Non-blocking POSIX sockets driven by Dispatch; knows nothing of HTTP.
        .target(name: "Sockets", dependencies: ["CEpoll"], swiftSettings: upcomingFeatures),
        // Text formats of the web that the HTTP server and the form core both read: percent-encoding, HTTP's
        // optional whitespace, header values with parameters, media types. Pure, below both.
        .target(name: "WebText", swiftSettings: upcomingFeatures),
        // HTTP/1.1 parser, connections, router, middleware and static files; knows nothing of forms or HERO.
        .target(name: "HTTPServer", dependencies: [
            "Sockets", "WebText", "CZlib",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // Helpers for tests: a raw-socket HTTP client and a server harness.
        .target(name: "HTTPTesting", dependencies: [
            "Sockets", "HTTPServer",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // JSON as a value: a strict parser and a writer with sorted keys, in pure Swift (no Foundation).
        .target(name: "JSON", swiftSettings: upcomingFeatures),
        // The pure core: form schema, decoding, sanitizing, validation, mapping to HERO. No I/O.
        .target(name: "FormCore", dependencies: ["JSON", "WebText"], swiftSettings: upcomingFeatures),
        // System libraries: SQLite for the outbox, OpenSSL for hashes, HMAC, randomness and TLS.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // Linux epoll, which Swift's Glibc module leaves out.
        .systemLibrary(name: "CEpoll"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // SHA-256, HMAC and secure random bytes from libcrypto.
        .target(name: "CryptoPrimitives", dependencies: ["COpenSSL"], swiftSettings: upcomingFeatures),
        // The durable outbox: every accepted lead in SQLite, a worker delivering it with retries through a sender
        // it defines; knows nothing of HERO or HTTP.
        .target(name: "Outbox", dependencies: [
            "CSQLite", "CryptoPrimitives",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // An HTTP/1.1 client on Sockets and OpenSSL (TLS with certificate and host checks); knows nothing of HERO.
        .target(name: "HTTPClient", dependencies: ["Sockets", "COpenSSL", "WebText"], swiftSettings: upcomingFeatures),
        // The outbound HTTPS client for HERO: the Lead API, and the file upload and GraphQL steps after it.
        .target(name: "HeroClient", dependencies: ["HTTPClient", "JSON", "WebText"], swiftSettings: upcomingFeatures),
        // A local stand-in for HERO that enforces its contract, for tests and benchmarks.
        .target(name: "HeroStandIn", dependencies: [
            "HTTPServer", "JSON", "WebText", "CryptoPrimitives", "FormCore",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // Wires config, routes and pages together; everything the executable runs.
        .target(name: "HeroformApp", dependencies: [
            "Sockets", "HTTPServer", "HTTPClient", "FormCore", "HeroClient", "Outbox", "CryptoPrimitives", "JSON",
            "WebText",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // HERO's stand-in as a process, for benchmarks; `--upload-sink` serves Scripts/bench-upload.sh.
        .executableTarget(name: "hero-stand-in", dependencies: [
            "HeroStandIn", "HTTPServer", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        .executableTarget(name: "heroform", dependencies: [
            "HeroformApp", "HTTPServer", "HTTPClient", "Outbox", "JSON", "FormCore", "Sockets",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),

        .testTarget(name: "SocketsTests", dependencies: ["Sockets"], swiftSettings: upcomingFeatures),
        .testTarget(name: "HTTPServerTests", dependencies: [
            "HTTPServer", "HTTPTesting", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // Fixtures: real JPEGs (and the script that wrote them) read by path, as the browser tests do.
        .testTarget(name: "FormCoreTests", dependencies: ["FormCore", "JSON"], exclude: ["Fixtures"],
                    swiftSettings: upcomingFeatures),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: upcomingFeatures),
        .testTarget(name: "WebTextTests", dependencies: ["WebText"], swiftSettings: upcomingFeatures),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "Sockets", "COpenSSL"],
                    swiftSettings: upcomingFeatures),
        .testTarget(name: "HeroClientTests", dependencies: [
            "HeroClient", "HeroStandIn", "HTTPServer", "HTTPClient", "JSON", "CryptoPrimitives",
        ], swiftSettings: upcomingFeatures),
        .testTarget(name: "CryptoPrimitivesTests", dependencies: ["CryptoPrimitives"], swiftSettings: upcomingFeatures),
        .testTarget(name: "OutboxTests", dependencies: ["Outbox", .product(name: "Logging", package: "swift-log")],
                    swiftSettings: upcomingFeatures),
        .testTarget(name: "HeroformAppTests", dependencies: [
            "HeroformApp", "FormCore", "HTTPServer", "HTTPTesting", "HeroStandIn", "HeroClient", "Outbox", "JSON",
            "Sockets",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // Drives the form in headless Chromium (skipped when chromium is not installed, unless CI requires it).
        .testTarget(name: "HeroformBrowserTests", dependencies: [
            "HeroformApp", "FormCore", "HTTPServer", "HTTPTesting", "HeroStandIn", "JSON",
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["Fixtures"], swiftSettings: upcomingFeatures),
        // Runs the built `heroform` binary as a user would.
        .testTarget(name: "HeroformCLITests", dependencies: [
            "heroform", "hero-stand-in", "HTTPTesting", "HeroStandIn", "JSON", "Outbox", "Sockets",
        ], swiftSettings: upcomingFeatures),
    ],
    swiftLanguageModes: [.v6]
)
