import Foundation
import HeroStandIn
import HTTPTesting
@testable import Outbox
import Synchronization
import Testing
@testable import HeroformApp

/// What the visitor and HERO see of the outbox: store first, duplicates, idempotency keys, readiness.
@Suite struct OutboxFlowTests {
    let lead = #"{"email":"a@b.de","last_name":"Becker","zipcode":"30449","consent":true,"message":"Dach"}"#

    @Test func doubleSubmissionCreatesOneProjectAndTheSameReference() async throws {
        try await withApp { server, hero, app in
            let first = try await post(server, lead, contentType: "application/json")
            // A double click sends the same again, with other whitespace and case.
            let again = try await post(server, #"{"email":"A@B.de","last_name":"Becker ","zipcode":"30449","consent":true,"message":"Dach"}"#,
                                       contentType: "application/json")
            #expect(first.status == 200)
            #expect(again.status == 200)
            #expect(jsonObject(first)?["reference"] as? String == jsonObject(again)?["reference"] as? String)
            #expect(hero.createdProjects.count == 1)
            #expect(try await app.store.perform { try $0.counts() }.delivered == 1)
            let other = try await post(server, #"{"email":"a@b.de","last_name":"Becker","zipcode":"30449","consent":true,"message":"Keller"}"#,
                                       contentType: "application/json")
            #expect(jsonObject(other)?["reference"] as? String != jsonObject(first)?["reference"] as? String)
            #expect(hero.createdProjects.count == 2)
        }
    }

    @Test func reloadedHTMLPostGoesToTheSameThanksPage() async throws {
        try await withApp { server, hero, _ in
            let body = urlencoded([("email", "c@d.de"), ("last_name", "Meyer"), ("zipcode", "30449"), ("consent", "on")])
            let first = try await post(server, body)
            let reload = try await post(server, body)
            #expect(first.status == 303)
            #expect(first.header("Location") == reload.header("Location"))
            #expect(hero.createdProjects.count == 1)
        }
    }

    @Test func idempotencyKeyReturnsTheFirstLead() async throws {
        try await withApp { server, hero, _ in
            let first = try await post(server, lead, contentType: "application/json", extraHeaders: "Idempotency-Key: order-4711\r\n")
            // The site's script retries after a network error: same key, same lead, a day later still the same.
            let retried = try await post(server, lead, contentType: "application/json", extraHeaders: "Idempotency-Key: order-4711\r\n")
            #expect(jsonObject(first)?["reference"] as? String == jsonObject(retried)?["reference"] as? String)
            #expect(hero.createdProjects.count == 1)
            let bad = try await post(server, lead, contentType: "application/json", extraHeaders: "Idempotency-Key: \(String(repeating: "k", count: 201))\r\n")
            #expect(bad.status == 400)
            #expect((jsonObject(bad)?["message"] as? String)?.contains("Idempotency-Key") == true)
        }
    }

    @Test func leadIsStoredBeforeTheAnswerAndQueuedWhileHeroIsDown() async throws {
        try await withApp(heroTimeout: .seconds(1)) { server, hero, app in
            hero.mode = .slow(.seconds(3))
            let response = try await post(server, lead, contentType: "application/json")
            // 202, not 200: the deadline ended the visitor's wait; HERO would have said yes after 3 s.
            #expect(response.status == 202)
            let reference = try #require(jsonObject(response)?["reference"] as? String)
            let record = try #require(try await app.store.perform { try $0.find(reference) })
            #expect(record.payload != nil)
            // The slow call finishes in the background and is recorded; no second call is made.
            func status() async throws -> LeadRecord.Status? {
                try await app.store.perform { try $0.find(reference) }?.status
            }
            for _ in 0..<60 where try await status() != .delivered { try await Task.sleep(for: .milliseconds(100)) }
            #expect(try await status() == .delivered)
            #expect(hero.calls.count == 1)
        }
    }

    /// HERO down: after three failed calls the circuit opens, the next visitor is answered "queued" without a call,
    /// /readyz and /metrics say so, and once HERO answers again a probe finds out and every waiting lead goes.
    @Test func whileHeroIsDownLeadsAreQueuedWithoutACallAndGoOnceItIsBack() async throws {
        try await withApp { server, hero, app in
            hero.mode = .failing(status: 503, message: "maintenance")
            var references: [String] = []
            for name in ["Becker", "Adler", "Ziegler", "Neumann"] {
                let body = #"{"email":"a@b.de","last_name":"\#(name)","zipcode":"30449","consent":true}"#
                let response = try await post(server, body, contentType: "application/json")
                #expect(response.status == 202)
                references.append(try #require(jsonObject(response)?["reference"] as? String))
            }
            #expect(hero.calls.count == 3, "the fourth lead was stored and answered without calling HERO")
            let ready = try await exchange(server, "GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(ready.status == 200)
            let body = try #require(jsonObject(ready))
            #expect(body["status"] as? String == "degraded")
            let heroState = try #require(body["hero"] as? [String: Any])
            #expect(heroState["circuit"] as? String == "open")
            #expect(heroState["unreachable_seconds"] as? Int != nil)
            #expect((body["outbox"] as? [String: Int])?["pending"] == 4)
            let metrics = try await exchange(server, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n").text
            #expect(metrics.contains("heroform_hero_circuit{state=\"open\"} 1"))
            #expect(metrics.contains("heroform_hero_circuit{state=\"closed\"} 0"))
            #expect(metrics.contains("heroform_outbox_oldest_pending_seconds "))

            hero.mode = .up
            try await app.start()
            func delivered() async throws -> Int { try await app.store.perform { try $0.counts() }.delivered }
            for _ in 0..<300 where try await delivered() < 4 { try await Task.sleep(for: .milliseconds(100)) }
            #expect(try await delivered() == 4, "the probe closed the circuit and the backlog went without a restart")
            #expect(hero.createdProjects.count == 4)
            #expect(app.worker.health.circuit == .closed)
        }
    }

    @Test func readinessReportsModeOutboxAndKeyProblems() async throws {
        try await withApp { server, hero, _ in
            let ready = try await exchange(server, "GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(ready.status == 200)
            let body = try #require(jsonObject(ready))
            #expect(body["status"] as? String == "ready")
            #expect(body["mode"] as? String == "live")
            #expect(body["storage"] as? String == "ok")
            #expect(body["outbox"] as? [String: Int] == ["pending": 0, "failed": 0, "oldest_pending_seconds": 0])
            #expect((body["hero"] as? [String: Any])?["circuit"] as? String == "closed")

            hero.mode = .failing(status: 401, message: "Unauthenticated.")
            _ = try await post(server, lead, contentType: "application/json")
            let degraded = try await exchange(server, "GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(degraded.status == 200, "leads are still stored, so the instance stays in the load balancer")
            let after = try #require(jsonObject(degraded))
            #expect(after["status"] as? String == "degraded")
            #expect((after["hero"] as? [String: Any])?["key_rejected"] as? Bool == true)
            let outbox = try #require(after["outbox"] as? [String: Int])
            #expect(outbox["pending"] == 1 && outbox["failed"] == 0)
            #expect(outbox["oldest_pending_seconds"].map { $0 >= 0 && $0 < 600 } == true)
            #expect(!degraded.text.contains("test-api-key-123"))
        }
        try await withApp(live: false) { server, _, _ in
            let ready = try await exchange(server, "GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(jsonObject(ready)?["mode"] as? String == "dry-run")
        }
    }

    /// A store that cannot grow, as on a full disk: the write lock is still had, but `/readyz` writes and so sees it.
    @Test func readinessIsNotReadyWhenTheStoreCannotWrite() async throws {
        try await withApp { server, _, app in
            try app.store.database.withLock { db in
                // No free page left, and no new one allowed.
                var index = 0
                while try db.query("PRAGMA freelist_count").first?["freelist_count"]?.int ?? 0 > 0 {
                    try db.execute("CREATE TABLE filler\(index) (x)")
                    index += 1
                }
                let pages = try #require(try db.query("PRAGMA page_count").first?["page_count"]?.int)
                try db.execute("PRAGMA max_page_count = \(pages)")
            }
            let full = try await exchange(server, "GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(full.status == 503)
            #expect(jsonObject(full)?["status"] as? String == "not ready")
            #expect(jsonObject(full)?["storage"] as? String == "not writable")
            try app.store.database.withLock { try $0.execute("PRAGMA max_page_count = 1073741823") }
            let again = try await exchange(server, "GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(again.status == 200)
            #expect(jsonObject(again)?["storage"] as? String == "ok")
        }
    }

    /// Reference, form and attempt are log metadata (fields of their own in JSON logs), not part of the message;
    /// HERO's message, which may quote the visitor, only at debug.
    @Test func logsNameTheLeadInMetadata() async throws {
        let capture = LogCapture()
        try await withApp(logger: capture.logger) { server, hero, _ in
            func reference(_ response: RawResponse) throws -> String {
                try #require(jsonObject(response)?["reference"] as? String)
            }
            let delivered = try reference(try await post(server, lead, contentType: "application/json"))
            hero.mode = .failing(status: 422, message: "Ungültig")
            let other = #"{"email":"c@d.de","last_name":"Meyer","zipcode":"30449","consent":true}"#
            let refused = try reference(try await post(server, other, contentType: "application/json"))
            let lines = capture.lines.withLock { $0 }
            #expect(lines.contains("info lead stored form=default reference=\(delivered)"), "\(lines)")
            #expect(lines.contains("info lead delivered attempt=1 external_id=1001 form=default "
                                   + "reference=\(delivered)"))
            #expect(lines.contains("error lead failed attempt=1 form=default hint=heroform outbox show \(refused) "
                                   + "reason=HERO rejected it (HTTP 422) reference=\(refused)"), "\(lines)")
            #expect(lines.contains("debug lead refused; the receiver's message detail=Ungültig reference=\(refused)"))
            #expect(!lines.filter { !$0.hasPrefix("debug") }.joined().contains("Ungültig"))
        }
    }
}
