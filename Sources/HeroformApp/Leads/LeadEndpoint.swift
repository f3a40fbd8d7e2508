import FormCore
import FoundationEssentials
import Glibc
import HTTPServer
import Logging

/// `POST /leads`: decode, pick the form, validate, map to HERO's payload, deliver, and answer in JSON or HTML.
struct LeadEndpoint: Sendable {
    let forms: [String: FormDefinition]
    let pages: Pages
    let delivery: any LeadDelivery
    let guards: SubmissionGuard
    let metrics: Metrics
    let logger: Logger
    let now: @Sendable () -> Date

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        await answer(to: request).response()
    }

    /// Everything up to storing the lead happens at once, so a refusal (validation, spam guards, rate limit) is
    /// answered without a task; only a lead that is stored and delivered is work for later.
    func answer(to request: HTTPRequest) -> HTTPAnswer {
        let json = Negotiation.prefersJSON(request)
        if let retryAfter = guards.rateLimit(request, now: now()) {
            logger.info("lead refused: rate limit")
            metrics.lead(.rateLimited)
            let texts = Texts.forLanguage(.de)
            var response = json
                ? Self.json(["status": "error", "message": texts.rateLimitedText], status: .tooManyRequests)
                : pages.messagePage(title: texts.rateLimitedTitle, text: texts.rateLimitedText, language: .de, status: .tooManyRequests)
            response.headers.set("Retry-After", String(retryAfter))
            return .now(response)
        }
        let values: [String: String]
        switch BodyDecoder.decode(request.body, contentType: request.headers["Content-Type"]) {
        case .success(let decoded):
            values = decoded
        case .failure(let error):
            let status = HTTPStatus(error.statusCode, error.statusCode == 415 ? "Unsupported Media Type" : "Bad Request")
            logger.info("lead refused: \(error.statusCode) \(error)")
            metrics.lead(.rejected)
            if json { return .now(Self.json(["status": "error", "message": error.description], status: status)) }
            let texts = Texts.forLanguage(.de)
            return .now(pages.messagePage(title: texts.invalidRequestTitle, text: texts.invalidRequestText, language: .de, status: status))
        }

        let formID = (values[Field.form.rawValue]?.isEmpty == false ? values[Field.form.rawValue] : nil) ?? "default"
        guard let form = forms[formID] else {
            metrics.lead(.rejected)
            let texts = Texts.forLanguage(.de)
            if json {
                return .now(Self.json(["status": "error", "message": texts.unknownForm,
                                       "errors": [Field.form.rawValue: texts.unknownForm]], status: .unprocessableContent))
            }
            return .now(pages.messagePage(title: texts.notFoundTitle, text: texts.unknownForm, language: .de, status: .unprocessableContent))
        }

        // The page's language (`?lang=en` on a German form) comes back in the hidden field `lang`.
        let language = values["lang"].flatMap(Language.init(rawValue:)) ?? form.language
        if guards.honeypotTripped(values) {
            // Looks exactly like success to the bot; nothing is stored or sent.
            logger.info("lead refused: honeypot filled (form \(form.id))")
            metrics.lead(.spam)
            let fake = Reference.generate()
            if json { return .now(Self.json(["status": "success", "reference": fake])) }
            return .now(Self.redirect(to: form.successURL ?? "/thanks?ref=\(fake)&form=\(form.id)"))
        }
        let again = SendAgain(form: form, language: language, values: values, json: json)
        if let problem = guards.tokenProblem(values, form: form, now: now()) {
            return .now(refuse(again, "form token \(problem)", field: SubmissionGuard.tokenField, message: \.tokenRetry))
        }

        if let problem = guards.proofOfWorkProblem(values, now: now(), consume: false) {
            return .now(refuse(again, "proof of work \(problem)", field: SubmissionGuard.proofOfWorkField, message: \.proofOfWorkRetry))
        }

        let lead: Lead
        var asShown = form
        asShown.language = language
        switch Validator.validate(values, form: asShown) {
        case .success(let valid):
            lead = valid
        case .failure(let failure):
            metrics.lead(.rejected)
            logger.info("lead refused by validation (form \(form.id)): \(failure.errors.keys.map(\.rawValue).sorted().joined(separator: ", "))")
            let summary = failure.message(language: language)
            if json {
                let errors = Dictionary(uniqueKeysWithValues: failure.errors.map { ($0.key.rawValue, $0.value) })
                return .now(Self.json(["status": "error", "message": summary, "errors": errors], status: .unprocessableContent))
            }
            return .now(pages.formPage(form, language: language, state: .init(values: values, errors: failure.errors),
                                       status: .unprocessableContent))
        }

        // Only now, with everything else in order, is the proof of work used up.
        if let problem = guards.proofOfWorkProblem(values, now: now(), consume: true) {
            return .now(refuse(again, "proof of work \(problem)", field: SubmissionGuard.proofOfWorkField, message: \.proofOfWorkRetry))
        }
        let idempotencyKey = request.headers["Idempotency-Key"]
        if let key = idempotencyKey, !Self.isValidIdempotencyKey(key) {
            metrics.lead(.rejected)
            let message = "Idempotency-Key must be 1 to 200 visible ASCII characters"
            if json { return .now(Self.json(["status": "error", "message": message], status: .badRequest)) }
            return .now(.error(.badRequest, message))
        }
        let consentAt = now()
        let submission = Submission(
            formID: form.id,
            fields: Dictionary(uniqueKeysWithValues: lead.values.map { ($0.key.rawValue, $0.value) }),
            idempotencyKey: idempotencyKey,
            payload: { reference in HeroMapping.payload(for: lead, form: form, reference: reference, consentAt: consentAt) })
        return .later { await deliver(submission, form: form, language: language, values: values, json: json) }
    }

    /// Stores the lead, tries to deliver it, and says how that went.
    private func deliver(_ submission: Submission, form: FormDefinition, language: Language, values: [String: String],
                         json: Bool) async -> HTTPResponse {
        let result = await delivery.submit(submission)
        switch result {
        case .delivered: metrics.lead(.delivered)
        case .queued: metrics.lead(.queued)
        case .duplicate: metrics.lead(.duplicate)
        case .notStored: metrics.lead(.error)
        case .keyConflict: metrics.lead(.rejected)
        }
        switch result {
        case .delivered(let reference), .duplicate(let reference, delivered: true):
            if json { return Self.json(["status": "success", "reference": reference]) }
            return Self.redirect(to: form.successURL ?? "/thanks?ref=\(reference)&form=\(form.id)")
        case .queued(let reference), .duplicate(let reference, delivered: false):
            if json { return Self.json(["status": "queued", "reference": reference], status: .accepted) }
            return Self.redirect(to: form.successURL ?? "/thanks?ref=\(reference)&form=\(form.id)")
        case .keyConflict:
            let message = "this Idempotency-Key was already used for a different submission"
            if json { return Self.json(["status": "error", "message": message], status: .unprocessableContent) }
            return .error(.unprocessableContent, message)
        case .notStored:
            let texts = Texts.forLanguage(language)
            if json {
                var response = Self.json(["status": "error", "message": texts.unavailable], status: .serviceUnavailable)
                response.headers.set("Retry-After", "60")
                return response
            }
            var response = pages.formPage(form, language: language, state: .init(values: values, notice: texts.unavailable),
                                          status: .serviceUnavailable)
            response.headers.set("Retry-After", "60")
            return response
        }
    }

    /// What a "please send again" refusal needs to show the form again.
    private struct SendAgain {
        let form: FormDefinition
        let language: Language
        let values: [String: String]
        let json: Bool
    }

    /// A spam guard's refusal a person can get past by sending again: 422 with the guard's field and a friendly
    /// message, or the form again with the input kept.
    private func refuse(_ again: SendAgain, _ reason: String, field: String, message: KeyPath<Texts, String>) -> HTTPResponse {
        logger.info("lead refused: \(reason) (form \(again.form.id))")
        metrics.lead(.spam)
        let text = Texts.forLanguage(again.language)[keyPath: message]
        if again.json {
            return Self.json(["status": "error", "message": text, "errors": [field: text]], status: .unprocessableContent)
        }
        return pages.formPage(again.form, language: again.language, state: .init(values: again.values, notice: text),
                              status: .unprocessableContent)
    }

    static func isValidIdempotencyKey(_ key: String) -> Bool {
        (1...200).contains(key.utf8.count) && key.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// Made once: every refusal of a flood is one of these answers.
    private static let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"]

    static func json(_ object: [String: Any], status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: jsonHeaders, body: JSONText.bytes(object))
    }

    /// Post/redirect/get: a reload of the thank-you page does not submit again.
    static func redirect(to location: String) -> HTTPResponse {
        var response = HTTPResponse.redirect(to: location, status: .seeOther)
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
