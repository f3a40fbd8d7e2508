import FormCore
import Foundation
import HTTPServer
import HTTPTesting
import Logging
import Synchronization
import Testing
@testable import HeroformApp

/// /healthz, /readyz, /metrics and who may read them; gzip; reloading the config.
@Suite struct ObservabilityTests {
    func get(_ server: some RequestSender, _ target: String, _ headers: String = "") async throws -> RawResponse {
        try await exchange(server, "GET \(target) HTTP/1.1\r\nHost: a\r\n\(headers)\r\n")
    }

    @Test func metricsCountRequestsLeadsAndHeroCalls() async throws {
        try await withApp { server, _, app in
            _ = try await get(server, "/")
            _ = try await get(server, "/forms/english")
            _ = try await get(server, "/nothing-here")
            _ = try await post(server, #"{"email":"m@b.de","last_name":"M","zipcode":"30449","consent":true}"#, contentType: "application/json")
            _ = try await post(server, #"{"email":"x"}"#, contentType: "application/json")
            _ = try await post(server, #"{"email":"m@b.de","last_name":"M","zipcode":"30449","consent":true,"website":"x"}"#, contentType: "application/json")
            let metrics = try await get(server, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            let text = metrics.text
            #expect(text.contains("heroform_info{version=\"0.1.0\",mode=\"live\"} 1"))
            #expect(text.contains("heroform_http_requests_total{method=\"GET\",route=\"/\",status=\"200\"} 1"))
            #expect(text.contains("heroform_http_requests_total{method=\"GET\",route=\"/forms/{id}\",status=\"200\"} 1"))
            #expect(text.contains("heroform_http_requests_total{method=\"GET\",route=\"(files)\",status=\"404\"} 1"))
            #expect(text.contains("heroform_http_requests_total{method=\"POST\",route=\"/leads\",status=\"200\"} 2"))
            #expect(text.contains("heroform_http_requests_total{method=\"POST\",route=\"/leads\",status=\"422\"} 1"))
            #expect(text.contains("heroform_http_request_duration_seconds_bucket{route=\"/leads\",le=\"+Inf\"} 3"))
            #expect(text.contains("heroform_http_request_duration_seconds_count{route=\"/\"} 1"))
            #expect(text.contains("heroform_leads_total{result=\"delivered\"} 1"))
            #expect(text.contains("heroform_leads_total{result=\"rejected\"} 1"))
            #expect(text.contains("heroform_leads_total{result=\"spam\"} 1"))
            #expect(text.contains("heroform_leads_total{result=\"rate_limited\"} 0"))
            #expect(text.contains("heroform_hero_calls_total{outcome=\"created\"} 1"))
            #expect(text.contains("heroform_outbox_leads{status=\"delivered\"} 1"))
            #expect(text.contains("heroform_outbox_leads{status=\"pending\"} 0"))
            #expect(!text.contains("m@b.de"))
            #expect(app.metrics.render(outbox: [:], mode: "x", version: "y").contains("# TYPE heroform_leads_total counter"))
        }
    }

    @Test func metricsAndReadinessAreForThisMachineOrTheToken() async throws {
        try await withApp(configure: {
            $0.server.trustedProxies = ["127.0.0.1"]
            $0.observability.token = "metrics-token-0123456789"
        }) { server, _, _ in
            let local = try await get(server, "/metrics", "X-Forwarded-For: 127.0.0.1\r\n")
            #expect(local.status == 200, "loopback, through the proxy on this machine")
            #expect(try await get(server, "/readyz", "X-Forwarded-For: ::1\r\n").status == 200, "loopback")
            let viaProxy = "X-Forwarded-For: 203.0.113.5\r\n"
            #expect(try await get(server, "/metrics", viaProxy).status == 403, "a visitor through the reverse proxy")
            #expect(try await get(server, "/readyz", viaProxy).status == 403)
            #expect(try await get(server, "/healthz", viaProxy).status == 200, "liveness stays open")
            #expect(try await get(server, "/metrics", viaProxy + "Authorization: Bearer metrics-token-0123456789\r\n").status == 200)
            #expect(try await get(server, "/metrics", viaProxy + "Authorization: Bearer wrong-token-0123456789xx\r\n").status == 403)
        }
        try await withApp(configure: {
            $0.server.trustedProxies = ["127.0.0.1"]
            $0.observability.allowRemote = true
        }) { server, _, _ in
            let remote = try await get(server, "/metrics", "X-Forwarded-For: 203.0.113.5\r\n")
            #expect(remote.status == 200)
        }
    }

    @Test func textAnswersAreGzippedWhenAccepted() async throws {
        try await withApp { server, _, _ in
            let plain = try await get(server, "/")
            #expect(plain.header("Content-Encoding") == nil)
            #expect(plain.header("Vary")?.contains("Accept-Encoding") == true)
            let zipped = try await get(server, "/", "Accept-Encoding: br;q=1, gzip;q=0.8\r\n")
            #expect(zipped.header("Content-Encoding") == "gzip")
            #expect(zipped.body.count < plain.body.count / 2)
            let unzipped = try #require(Gzip.decompress(zipped.body))
            // The form page carries a fresh token each time; everything else is the same.
            #expect(String(decoding: unzipped, as: UTF8.self).contains("<form class=\"hf-form\""))
            #expect(try await get(server, "/", "Accept-Encoding: gzip;q=0\r\n").header("Content-Encoding") == nil)
            #expect(try await get(server, "/", "Accept-Encoding: identity\r\n").header("Content-Encoding") == nil)
            #expect(try await get(server, "/", "Accept-Encoding: *\r\n").header("Content-Encoding") == "gzip")
            #expect(try await get(server, "/healthz", "Accept-Encoding: gzip\r\n").header("Content-Encoding") == nil, "too small")
        }
    }

    @Test func compressedAssetsRevalidateWithTheirETag() async throws {
        try await withApp { server, _, _ in
            let css = try await get(server, "/assets/form.css", "Accept-Encoding: gzip\r\n")
            #expect(css.status == 200)
            #expect(css.header("Content-Encoding") == "gzip")
            let etag = try #require(css.header("ETag"))
            #expect(etag.hasSuffix("-gz\""))
            let plain = try await get(server, "/assets/form.css")
            #expect(plain.header("ETag") != etag)
            #expect(try #require(Gzip.decompress(css.body)) == plain.body)
            #expect(try await get(server, "/assets/form.css", "Accept-Encoding: gzip\r\nIf-None-Match: \(etag)\r\n").status == 304)
            #expect(try await get(server, "/assets/form.css", "If-None-Match: \(try #require(plain.header("ETag")))\r\n").status == 304)
            #expect(css.header("Cache-Control") == "public, max-age=3600")
        }
    }

    @Test func reloadKeepsTheRateLimitCounts() async throws {
        try await withApp(configure: { $0.security.rateLimitSubmissions = 1 }) { server, _, app in
            let lead = #"{"email":"r@b.de","last_name":"R","zipcode":"30449","consent":true}"#
            #expect(try await post(server, lead, contentType: "application/json").status == 200)
            var changed = app.config
            changed.forms["default"]?.title = "Neu"
            _ = try app.reload(changed)
            let response = try await post(server, lead.replacingOccurrences(of: "r@b", with: "s@b"),
                                          contentType: "application/json")
            #expect(response.status == 429, "a reload must not hand out a fresh allowance")
        }
    }

    @Test func refusalsByMiddlewareCountForTheirRoute() async throws {
        try await withApp { server, _, _ in
            let forbidden = try await exchange(server, "POST /leads HTTP/1.1\r\nHost: a\r\nOrigin: https://evil.example\r\nContent-Length: 0\r\n\r\n")
            #expect(forbidden.status == 403)
            let metrics = try await get(server, "/metrics")
            #expect(metrics.text.contains("heroform_http_requests_total{method=\"POST\",route=\"/leads\",status=\"403\"} 1"))
        }
    }

    @Test func reloadTakesANewConfigAndKeepsTheOldOneOnError() async throws {
        try await withApp { server, _, app in
            var changed = app.config
            changed.forms["default"]?.title = "Neuer Titel"
            changed.forms["extra"] = changed.forms["english"].map { form in
                var copy = form
                copy.id = "extra"
                return copy
            }
            changed.storage.retention = 5 * AppConfig.secondsPerDay
            changed.server.port = 1
            let needsRestart = try app.reload(changed)
            #expect(needsRestart == ["server.host/port", "storage"])
            // What needs a restart keeps its running value until then.
            #expect(app.config.storage.retention == 30 * AppConfig.secondsPerDay)
            #expect(app.config.server.port != 1)
            let page = try await get(server, "/")
            #expect(page.text.contains("<title>Neuer Titel</title>"))
            #expect(try await get(server, "/forms/extra").status == 200)
            var broken = changed
            broken.server.publicDir = "/nonexistent/public"
            #expect(throws: (any Error).self) { try app.reload(broken) }
            #expect(app.config.forms["default"]?.title == "Neuer Titel")
        }
    }
}

@Suite struct JSONLogHandlerTests {
    @Test func metricLabelValuesAreEscapedScalarByScalar() {
        // "\r\n" is one Character: a Character-wise replace of "\n" would let a line break into the exposition.
        #expect(Metrics.escape("a\r\nb\"c\\d\ne") == "a\r\\nb\\\"c\\\\d\\ne")
    }

    @Test func writesOneJSONObjectPerLine() throws {
        let lines = Mutex<[String]>([])
        var handler = JSONLogHandler(label: "heroform") { line in lines.withLock { $0.append(line) } }
        handler.logLevel = .info
        handler[metadataKey: "instance"] = "a"
        let logger = Logger(label: "heroform") { _ in handler }
        logger.info("lead AAA-AAA-AAA \"stored\"", metadata: ["form": "default"])
        logger.debug("not written")
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.hasSuffix("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["message"] as? String == "lead AAA-AAA-AAA \"stored\"")
        #expect(object["label"] as? String == "heroform")
        #expect(object["metadata"] as? [String: String] == ["form": "default", "instance": "a"])
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
    }
}
