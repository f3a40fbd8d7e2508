package import Foundation
import Sockets

/// A small W3C WebDriver client for headless Chromium through chromedriver (Debian's `chromium` and
/// `chromium-driver`): enough to open pages, type, click, run scripts and take screenshots in tests.
package final class WebDriver: Sendable {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    /// The element reference key of the W3C protocol.
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    package static var chromedriverPath: String? {
        ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    package static var chromiumPath: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    package static var isAvailable: Bool { chromedriverPath != nil && chromiumPath != nil }

    private let driver: ChildProcess
    private let base: URL
    package let session: String

    /// Starts chromedriver and a headless browser session. `javascript: false` turns page scripts off.
    package init(javascript: Bool = true, width: Int = 1280, height: Int = 900) async throws {
        guard let chromedriver = Self.chromedriverPath, let chromium = Self.chromiumPath else {
            throw Failure(
                description: "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
        }
        // A port the kernel just handed out is free (for the moment chromedriver needs to take it).
        guard let loopback = try SocketAddress.resolve(host: "127.0.0.1", port: 0).first else {
            throw Failure(description: "no loopback")
        }
        let probe = try Socket.listening(on: loopback, v6Only: false)
        let port = Int(probe.localAddress?.port ?? 0)
        probe.close()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("chromedriver-\(port).log")
        driver = try ChildProcess(
            executable: chromedriver, arguments: ["--port=\(port)", "--allowed-ips=127.0.0.1"], output: .file(log.path))
        guard let url = URL(string: "http://127.0.0.1:\(port)") else { throw Failure(description: "bad port \(port)") }
        base = url
        var ready = false
        var lastError = ""
        // Generous: with the rest of the test suite running in parallel, chromedriver can be slow to come up.
        for _ in 0..<300 {
            do {
                _ = try await Self.call(base, "GET", "/status")
                ready = true
                break
            } catch {
                lastError = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard ready else {
            Self.stop(driver)
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw Failure(description: "chromedriver did not start (\(lastError)): \(output.prefix(500))")
        }
        var options: [String: Any] = [
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=\(width),\(height)", "--hide-scrollbars", "--force-device-scale-factor=1",
            ],
        ]
        if !javascript { options["prefs"] = ["profile.managed_default_content_settings.javascript": 2] }
        let answer = try await Self.call(
            base, "POST", "/session", ["capabilities": ["alwaysMatch": ["goog:chromeOptions": options]]])
        guard let value = answer as? [String: Any], let id = value["sessionId"] as? String else {
            Self.stop(driver)
            throw Failure(description: "no session: \(String(describing: answer))")
        }
        session = id
    }

    package func quit() async {
        _ = try? await Self.call(base, "DELETE", "/session/\(session)")
        Self.stop(driver)
    }

    /// SIGKILL, not `terminate()`: started from the test process, chromedriver did not stop on SIGTERM (probably an
    /// ignored or blocked signal inherited from it) and outlived every test run, five processes a run.
    private static func stop(_ driver: ChildProcess) {
        driver.signal(SIGKILL)
    }

    // MARK: - Pages

    package func open(_ url: String) async throws {
        try await command("POST", "url", ["url": url])
    }

    package var currentURL: String {
        get async throws { try await command("GET", "url") as? String ?? "" }
    }

    package var source: String {
        get async throws { try await command("GET", "source") as? String ?? "" }
    }

    package func resize(width: Int, height: Int) async throws {
        try await command("POST", "window/rect", ["width": width, "height": height])
    }

    /// PNG bytes of the viewport.
    package func screenshot() async throws -> Data {
        guard let text = try await command("GET", "screenshot") as? String, let data = Data(base64Encoded: text) else {
            throw Failure(description: "no screenshot")
        }
        return data
    }

    // MARK: - Elements

    package func find(_ selector: String) async throws -> String {
        let value = try await command("POST", "element", ["using": "css selector", "value": selector])
        guard let element = (value as? [String: Any])?[Self.elementKey] as? String else {
            throw Failure(description: "no element \(selector)")
        }
        return element
    }

    package func type(_ selector: String, _ text: String) async throws {
        let element = try await find(selector)
        try await command("POST", "element/\(element)/value", ["text": text])
    }

    /// Chooses files in the `<input type="file">` matched by `selector`, as a visitor picking them in one go:
    /// chromedriver takes the paths (local to it) as the element's text, one per line.
    package func choose(_ selector: String, files paths: [String]) async throws {
        let element = try await find(selector)
        try await command("POST", "element/\(element)/value", ["text": paths.joined(separator: "\n")])
    }

    package func click(_ selector: String) async throws {
        let element = try await find(selector)
        try await command("POST", "element/\(element)/click", [:])
    }

    /// The page's source once it contains `text`, polled from here so it works with JavaScript off too (a click
    /// that submits a form may return before the next page is there); the last source seen after `timeout`.
    package func source(containing text: String, timeout: Duration = .seconds(10)) async throws -> String {
        try await polled(containing: text, timeout: timeout) { try await self.source }
    }

    /// The page's address once it contains `text`, polled as `source(containing:)` is; the last one seen after
    /// `timeout`. For a click that leaves a page whose source already holds what the next one shows.
    package func url(containing text: String, timeout: Duration = .seconds(10)) async throws -> String {
        try await polled(containing: text, timeout: timeout) { try await self.currentURL }
    }

    /// What `read` gives once it contains `text`, read every 100 ms; the last value read after `timeout`.
    private func polled(
        containing text: String, timeout: Duration, _ read: () async throws -> String
    ) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var value = try await read()
        while !value.contains(text), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            value = try await read()
        }
        return value
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns its value.
    @discardableResult
    package func run(_ script: String, _ args: [Any] = []) async throws -> Any? {
        try await command("POST", "execute/sync", ["script": script, "args": args])
    }

    /// Runs an asynchronous script: it calls `arguments[arguments.length - 1](result)` when done.
    package func runAsync(_ script: String, _ args: [Any] = []) async throws -> Any? {
        try await command("POST", "execute/async", ["script": script, "args": args])
    }

    /// Switches into the iframe matched by `selector`, or back to the page with nil.
    package func switchToFrame(_ selector: String?) async throws {
        if let selector {
            let element = try await find(selector)
            try await command("POST", "frame", ["id": [Self.elementKey: element]])
        } else {
            try await command("POST", "frame/parent", [:])
        }
    }

    /// Polls `condition` (a script returning true) until it holds or `timeout` passes.
    package func waitUntil(_ condition: String, timeout: Duration = .seconds(10)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await run(condition) as? Bool == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    // MARK: - Protocol

    @discardableResult
    private func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        try await Self.call(base, method, "/session/\(session)/\(path)", body)
    }

    /// One request on a fresh connection. Not URLSession: chromedriver writes `Content-Length:250` without a space,
    /// which Foundation's client on Linux rejects ("Failed writing header"); the raw client reads it fine.
    private static func call(_ base: URL, _ method: String, _ path: String, _ body: [String: Any]? = nil) async throws
        -> Any?
    {
        guard let port = base.port.map(UInt16.init) else { throw Failure(description: "no port in \(base)") }
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        let client = try await RawClient.connect(host: "127.0.0.1", port: port, timeout: 60)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if body != nil { head += "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\n" }
        try await client.send(Array((head + "\r\n").utf8) + Array(payload))
        let response = try await client.readResponse()
        client.close()
        let json =
            try? JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed]) as? [String: Any]
        let value = json?["value"]
        if response.status >= 400 {
            let message =
                (value as? [String: Any])?["message"] as? String
                ?? String(decoding: response.body.prefix(300), as: UTF8.self)
            throw Failure(description: "WebDriver \(method) \(path): \(response.status) \(message)")
        }
        return value is NSNull ? nil : value
    }
}
