import FormCore
import FoundationEssentials
import HTTPServer
import Logging
import Outbox
import WebText

/// `POST /leads`, as one pipeline: rate limit → decode → form → spam guards → validate → files → store and
/// deliver. Each step either passes its result on or throws why the lead is refused; a `LeadRefusal` renders itself.
struct LeadEndpoint: Sendable {
    let forms: [String: FormDefinition]
    /// Where the files that come with leads are staged and kept.
    let attachmentFiles: AttachmentFiles
    let pages: Pages
    let delivery: any LeadDelivery
    let guards: SubmissionGuard
    let metrics: Metrics
    /// Whether the sending page's origin may send to the form the body names (`forms.ID.allowed_origins`).
    let origins: OriginPolicy
    /// Pages shown again (a refusal without JavaScript) carry their form's frame-ancestors.
    let framing: FormFraming
    let logger: Logger
    let now: @Sendable () -> Date

    /// What is known of a submission when it is refused, to show the form again.
    private struct Known {
        var form: FormDefinition?
        var values: [String: String] = [:]
        var lists: [String: [String]] = [:]
        var language: Language?
    }

    func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        var known = Known()
        do {
            return try await take(request, &known)
        } catch {
            let refusal = LeadRefusal(
                reason: error, form: known.form, values: known.values, lists: known.lists,
                language: known.language, pages: pages)
            logger.info(
                "lead refused", metadata: ["reason": "\(refusal.logReason)", "form": "\(known.form?.id ?? "-")"])
            metrics.lead(refusal.result)
            return framing.framed(refusal.response(to: request), form: known.form?.id)
        }
    }

    private func take(_ request: HTTPRequest, _ known: inout Known) async throws(LeadRefusal.Reason) -> HTTPResponse {
        let json = Negotiation.prefersJSON(request)
        if let seconds = guards.rateLimit(request, now: now()) { throw .rateLimited(retryAfter: seconds) }
        let (lists, files) = try await decode(request)
        // Of a repeated name the first value counts; only a `checkboxes` question takes them all.
        var values = lists.compactMapValues(\.first)
        known.values = values
        known.lists = lists
        let form = try form(for: values)
        known.form = form
        // Another business's site: the middleware let it through for the form it may send to, not this one.
        guard origins.admits(request, form: form.id) else { throw .originNotAllowed }
        if form.attribution, let page = Self.refererPage(request, values: values) {
            values[Attribution.Key.pageURL.rawValue] = page
            known.values = values
        }
        // The page's language (`?lang=en` on a German form) comes back in the hidden field `lang`.
        let language = values["lang"].flatMap(Language.init(rawValue:)) ?? form.language
        known.language = language
        if guards.honeypotTripped(values) {
            // Looks exactly like success to the bot, files counted as a stored lead counts them; nothing is stored
            // or sent.
            logger.info("lead refused", metadata: ["reason": "honeypot filled", "form": "\(form.id)"])
            metrics.lead(.spam)
            return LeadAnswer.taken(
                reference: Reference.generate(), delivered: true, form: form, json: json,
                files: form.attachments.map { _ in files.count })
        }
        let checked = try guards.check(values, form: form, now: now())
        let lead = try validate(values, lists: lists, form: form, language: language, files: files)
        // Checked before the files are written, which is the expensive step.
        if let key = request.headers["Idempotency-Key"], !Self.isValidIdempotencyKey(key) {
            throw .malformedIdempotencyKey
        }
        let staged = try await stage(files, of: request, form: form, language: language)
        do throws(LeadRefusal.Reason) {
            var submission = try submission(lead, form: form, request: request, files: staged)
            // The token and the solution are spent by the outbox, after its duplicate check.
            submission.spending = guards.spending(checked, now: now)
            submission.account = form.heroAccount
            let count = form.attachments.map { _ in staged?.attachments.count ?? 0 }
            let result = await delivery.submit(submission)
            switch result {
            case .delivered, .queued: metrics.leadTaken(source: lead.attribution[.source]) // a new lead, stored
            default: break
            }
            return try answer(result, form: form, json: json, files: count, spending: submission.spending)
        } catch {
            // A stored lead took its files along; a refused one leaves none behind.
            staged?.folder.discard()
            throw error
        }
    }

    /// The fields, and for a multipart body the files sent under the file input (described, not yet stored).
    private func decode(
        _ request: HTTPRequest
    ) async throws(LeadRefusal.Reason) -> ([String: [String]], [MultipartFormReader.FilePart]) {
        let contentType = request.headers["Content-Type"]
        // Only multipart bodies carry files, and only they may be larger than text takes (and spooled); their text
        // is held to the same limit.
        let textLimit = Self.textBodyLimit(forms)
        if let contentType, let media = MediaType(contentType), media.essence == "multipart/form-data" {
            do throws(AttachmentIntake.Failure) {
                let described = try await AttachmentIntake.describe(
                    request.body, boundary: media.parameters["boundary"], maxTextBytes: textLimit)
                return (described.values, described.files)
            } catch {
                throw reason(error)
            }
        }
        guard !request.body.isSpooled, request.body.count <= textLimit else { throw .bodyTooLarge(limit: textLimit) }
        switch BodyDecoder.decodeAll(request.body.bytes, contentType: contentType) {
        case .success(let values): return (values, [])
        case .failure(let error): throw .unreadableBody(error)
        }
    }

    /// Writes the form's files to the outbox's staging folder (photos without location data); nil without files.
    private func stage(
        _ files: [MultipartFormReader.FilePart], of request: HTTPRequest, form: FormDefinition, language: Language
    ) async throws(LeadRefusal.Reason) -> AttachmentIntake.Staged? {
        guard form.attachments != nil, !files.isEmpty,
            let media = request.headers["Content-Type"].flatMap(MediaType.init)
        else { return nil }
        do throws(AttachmentIntake.Failure) {
            return try await AttachmentIntake.stage(
                request.body, boundary: media.parameters["boundary"], into: attachmentFiles)
        } catch {
            if case .unreadableFile(let filename, let problem) = error {
                // The problem names bytes and structures of the file, nothing of its content or name.
                logger.info("a file is not a readable image", metadata: ["problem": "\(problem)"])
                let texts = AttachmentTexts.forLanguage(language)
                throw .invalid(ValidationFailure(errors: [:], attachments: [texts.unreadable(name: filename)]))
            }
            throw reason(error)
        }
    }

    private func reason(_ failure: AttachmentIntake.Failure) -> LeadRefusal.Reason {
        switch failure {
        case .unreadable(.textTooLarge(let limit)):
            return .bodyTooLarge(limit: limit)
        case .unreadable(let error):
            return .unreadableBody(error)
        case .storage(let problem):
            // Paths and system errors only: staging folders are named at random, files by number.
            logger.error("cannot read a request's body or store its files", metadata: ["error": "\(problem)"])
            return .notStored
        case .unreadableFile:
            return .unreadableBody(.malformed("a file is not what its first bytes say"))
        }
    }

    /// The body limit of `POST /leads`: what the largest form with files may take, or text alone.
    static func bodyLimit(_ forms: [String: FormDefinition]) -> Int {
        max(forms.values.compactMap(\.attachments?.bodyLimit).max() ?? 0, textBodyLimit(forms))
    }

    /// The largest body without files: text fields only, the form with the most room for answers.
    static func textBodyLimit(_ forms: [String: FormDefinition]) -> Int {
        forms.values.map(\.textBodyLimit).max() ?? 64 * 1024
    }

    private func form(for values: [String: String]) throws(LeadRefusal.Reason) -> FormDefinition {
        let id = values[Field.form.rawValue].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        guard let form = forms[id] else { throw .unknownForm }
        return form
    }

    /// The fields and the files together, so the visitor hears of every problem at once. A form that takes no files
    /// ignores any sent.
    private func validate(
        _ values: [String: String], lists: [String: [String]], form: FormDefinition,
        language: Language, files: [MultipartFormReader.FilePart]
    ) throws(LeadRefusal.Reason) -> Lead {
        var asShown = form
        asShown.language = language
        let fileProblems = form.attachments?.problems(files, language: language) ?? []
        let today = QuestionDate.earliestToday(secondsSince1970: now().timeIntervalSince1970)
        switch Validator.validate(values, lists: lists, form: asShown, today: today) {
        case .success(let lead):
            guard fileProblems.isEmpty else {
                throw .invalid(ValidationFailure(errors: [:], attachments: fileProblems))
            }
            return lead
        case .failure(var failure):
            failure.attachments = fileProblems
            throw .invalid(failure)
        }
    }

    private func submission(
        _ lead: Lead, form: FormDefinition,
        request: HTTPRequest, files: AttachmentIntake.Staged?
    ) throws(LeadRefusal.Reason) -> Submission {
        let key = request.headers["Idempotency-Key"]
        let consentAt = now()
        let (photos, documents) = (files?.photos ?? 0, files?.documents ?? 0)
        return Submission(
            formID: form.id,
            // The answers count too: the same fields with other answers are another submission.
            fields: Dictionary(uniqueKeysWithValues: lead.values.map { ($0.key.rawValue, $0.value) })
                .merging(lead.answers.mapValues { $0.joined(separator: "\n") }) { field, _ in field },
            idempotencyKey: key,
            files: files,
            payload: { reference in
                HeroMapping.payload(
                    for: lead, form: form, reference: reference, consentAt: consentAt, photos: photos,
                    documents: documents)
            })
    }

    /// What the visitor is told once the outbox has had its say.
    /// `files` is how many files came with the lead, for a form that takes files.
    private func answer(
        _ result: DeliveryResult, form: FormDefinition,
        json: Bool, files: Int?, spending: GuardSpending?
    ) throws(LeadRefusal.Reason) -> HTTPResponse {
        switch result {
        case .delivered(let reference), .duplicate(let reference, delivered: true):
            metrics.lead(result == .delivered(reference: reference) ? .delivered : .duplicate)
            return LeadAnswer.taken(reference: reference, delivered: true, form: form, json: json, files: files)
        case .queued(let reference), .duplicate(let reference, delivered: false):
            metrics.lead(result == .queued(reference: reference) ? .queued : .duplicate)
            return LeadAnswer.taken(reference: reference, delivered: false, form: form, json: json, files: files)
        case .keyConflict:
            throw .idempotencyKeyConflict
        case .notAdmitted:
            throw spending?.refusal ?? .sendAgain(.token, code: FormToken.Problem.used.code)
        case .notStored:
            throw .notStored
        }
    }

    /// The page a lead was sent from when its body names none: the Referer's origin and path (a site's own form
    /// posting here), never one of heroform's own pages (the form page itself, whose address says nothing).
    static func refererPage(_ request: HTTPRequest, values: [String: String]) -> String? {
        guard Attribution(values)[.pageURL] == nil, let referer = request.headers["Referer"],
            let origin = Attribution.origin(of: referer),
            !OriginPolicy.isSameHost(origin, host: request.headers["Host"])
        else { return nil }
        return Attribution.page(fromReferer: referer)
    }

    static func isValidIdempotencyKey(_ key: String) -> Bool {
        (1...200).contains(key.utf8.count) && key.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
