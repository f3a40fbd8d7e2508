import FormCore
import FoundationEssentials
import HTTPServer
import Logging

/// `POST /leads`, as one pipeline: rate limit → decode → form → spam guards → validate → store and deliver. Each
/// step either passes its result on or throws why the lead is refused; a `LeadRefusal` renders itself.
struct LeadEndpoint: Sendable {
    let forms: [String: FormDefinition]
    let pages: Pages
    let delivery: any LeadDelivery
    let guards: SubmissionGuard
    let metrics: Metrics
    let logger: Logger
    let now: @Sendable () -> Date

    /// What is known of a submission when it is refused, to show the form again.
    private struct Known {
        var form: FormDefinition?
        var values: [String: String] = [:]
        var language: Language?
    }

    func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        var known = Known()
        do {
            return try await take(request, &known)
        } catch {
            let refusal = LeadRefusal(
                reason: error, form: known.form, values: known.values, language: known.language,
                pages: pages)
            logger.info(
                "lead refused", metadata: ["reason": "\(refusal.logReason)", "form": "\(known.form?.id ?? "-")"])
            metrics.lead(refusal.result)
            throw refusal
        }
    }

    private func take(_ request: HTTPRequest, _ known: inout Known) async throws(LeadRefusal.Reason) -> HTTPResponse {
        let json = Negotiation.prefersJSON(request)
        if let seconds = guards.rateLimit(request, now: now()) { throw .rateLimited(retryAfter: seconds) }
        let values = try decode(request)
        known.values = values
        let form = try form(for: values)
        known.form = form
        // The page's language (`?lang=en` on a German form) comes back in the hidden field `lang`.
        let language = values["lang"].flatMap(Language.init(rawValue:)) ?? form.language
        known.language = language
        if guards.honeypotTripped(values) {
            // Looks exactly like success to the bot; nothing is stored or sent.
            logger.info("lead refused", metadata: ["reason": "honeypot filled", "form": "\(form.id)"])
            metrics.lead(.spam)
            return LeadAnswer.taken(reference: Reference.generate(), delivered: true, form: form, json: json)
        }
        let solution = try guards.check(values, form: form, now: now())
        let lead = try validate(values, form: form, language: language)
        let submission = try submission(lead, form: form, request: request)
        // Only now, with everything else in order, is the proof of work used up: a typo does not cost a solution.
        try guards.spend(solution, now: now())
        return try answer(await delivery.submit(submission), form: form, json: json)
    }

    private func decode(_ request: HTTPRequest) throws(LeadRefusal.Reason) -> [String: String] {
        switch BodyDecoder.decode(request.body.bytes, contentType: request.headers["Content-Type"]) {
        case .success(let values): values
        case .failure(let error): throw .unreadableBody(error)
        }
    }

    private func form(for values: [String: String]) throws(LeadRefusal.Reason) -> FormDefinition {
        let id = values[Field.form.rawValue].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        guard let form = forms[id] else { throw .unknownForm }
        return form
    }

    private func validate(
        _ values: [String: String], form: FormDefinition,
        language: Language
    ) throws(LeadRefusal.Reason) -> Lead {
        var asShown = form
        asShown.language = language
        switch Validator.validate(values, form: asShown) {
        case .success(let lead): return lead
        case .failure(let failure): throw .invalid(failure)
        }
    }

    private func submission(
        _ lead: Lead, form: FormDefinition,
        request: HTTPRequest
    ) throws(LeadRefusal.Reason) -> Submission {
        let key = request.headers["Idempotency-Key"]
        if let key, !Self.isValidIdempotencyKey(key) { throw .malformedIdempotencyKey }
        let consentAt = now()
        return Submission(
            formID: form.id,
            fields: Dictionary(uniqueKeysWithValues: lead.values.map { ($0.key.rawValue, $0.value) }),
            idempotencyKey: key,
            payload: { reference in
                HeroMapping.payload(for: lead, form: form, reference: reference, consentAt: consentAt)
            })
    }

    /// What the visitor is told once the outbox has had its say.
    private func answer(
        _ result: DeliveryResult, form: FormDefinition,
        json: Bool
    ) throws(LeadRefusal.Reason) -> HTTPResponse {
        switch result {
        case .delivered(let reference), .duplicate(let reference, delivered: true):
            metrics.lead(result == .delivered(reference: reference) ? .delivered : .duplicate)
            return LeadAnswer.taken(reference: reference, delivered: true, form: form, json: json)
        case .queued(let reference), .duplicate(let reference, delivered: false):
            metrics.lead(result == .queued(reference: reference) ? .queued : .duplicate)
            return LeadAnswer.taken(reference: reference, delivered: false, form: form, json: json)
        case .keyConflict:
            throw .idempotencyKeyConflict
        case .notStored:
            throw .notStored
        }
    }

    static func isValidIdempotencyKey(_ key: String) -> Bool {
        (1...200).contains(key.utf8.count) && key.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
