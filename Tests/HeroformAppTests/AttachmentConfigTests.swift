import FormCore
import Foundation
import HTTPServer
import Testing
@testable import HeroformApp

/// `forms.ID.attachments` and the HERO settings files need.
@Suite struct AttachmentConfigTests {
    func parse(_ json: String) throws(AppConfig.Invalid) -> AppConfig {
        try AppConfig.parse(Data(json.utf8), path: "test.json")
    }

    func problems(_ json: String) -> [String] {
        do {
            _ = try parse(json)
            return []
        } catch {
            return error.problems
        }
    }

    func form(_ attachments: String, hero: String = "{}") -> String {
        #"{"hero": \#(hero), "forms": {"default": {"measure": "DOG", "partner_source": "Web", "attachments": \#(attachments)}}}"#
    }

    @Test func withoutTheKeyOrWithFalseAFormTakesNoFiles() throws {
        #expect(try parse(#"{"forms": {"default": {"measure": "DOG", "partner_source": "Web"}}}"#)
            .forms["default"]?.attachments == nil)
        #expect(try parse(form("false")).forms["default"]?.attachments == nil)
    }

    @Test(arguments: ["true", "{}"])
    func trueOrAnEmptyObjectTakesTheDefaultsAndPDFsOnlyWithADocumentType(_ value: String) throws {
        let withoutType = try parse(form(value))
        #expect(withoutType.forms["default"]?.attachments == AttachmentPolicy(types: [.jpeg, .png, .webp, .heic]))
        #expect(withoutType.notes == [
            "forms.default.attachments: PDFs are not taken until hero.document_type_id is set "
                + "(the HERO document type PDFs are filed under; photos are taken)"
        ])
        let withType = try parse(form(value, hero: #"{"document_type_id": 1250455}"#))
        #expect(withType.forms["default"]?.attachments == AttachmentPolicy())
        #expect(withType.hero.documentTypeID == 1_250_455)
        #expect(withType.notes.isEmpty)
    }

    @Test func settingsAreRead() throws {
        let config = try parse(form(#"{"max_files": 3, "max_file_mb": 20, "types": ["JPEG", "png", "jpeg"], "resize_max_px": 2560}"#))
        let policy = try #require(config.forms["default"]?.attachments)
        #expect(policy == AttachmentPolicy(maxFiles: 3, maxFileBytes: 20 * 1024 * 1024, types: [.jpeg, .png],
                                           resizeMaxPixels: 2560))
        #expect(policy.bodyLimit == 61 * 1024 * 1024)
    }

    @Test func eachProblemIsNamed() {
        #expect(problems(form(#"{"max_files": 0, "max_file_mb": 500, "types": ["exe"], "resize_max_px": 10, "x": 1}"#))
            == [
                "forms.default.attachments.max_files: must be between 1 and 20",
                "forms.default.attachments.max_file_mb: must be between 1 and 100",
                "forms.default.attachments.resize_max_px: must be between 320 and 10000",
                "forms.default.attachments.types: unknown type \"exe\" (known: jpeg, png, webp, heic, pdf)",
                "forms.default.attachments.x: unknown key",
            ])
        #expect(problems(form(#"{"types": ["jpeg", "pdf"]}"#)) == [
            "forms.default.attachments.types: pdf needs hero.document_type_id (the HERO document type PDFs are filed under)"
        ])
        #expect(problems(form(#"{"types": []}"#)) == [
            "forms.default.attachments.types: must name at least one type (or leave attachments out to take no files)"
        ])
        #expect(problems(form(#""yes""#)) == ["forms.default.attachments: must be true, false or an object"])
    }

    @Test func aFormWithFilesGivesUploadsTimeAndASpoolFolder() throws {
        let plain = try parse(#"{"forms": {"default": {"measure": "DOG", "partner_source": "Web"}}}"#)
        #expect(plain.httpConfiguration.bodyTotalTimeout == .seconds(60))
        #expect(plain.httpConfiguration.bodySpoolDirectory == "data/tmp")
        // 5 × 10 MiB + 1 MiB at 128 KiB/s.
        #expect(try parse(form("true")).httpConfiguration.bodyTotalTimeout == .seconds(408))
        #expect(try parse(form(#"{"max_files": 20, "max_file_mb": 100}"#)).httpConfiguration.bodyTotalTimeout
            == .seconds(900))
    }

    /// The spool holds sixteen of the largest bodies at once (at least 512 MiB), and only with a form that takes
    /// files; text bodies, whatever a form's questions allow, stay in memory.
    @Test func theSpoolIsBoundedByTheLargestBody() throws {
        let mib = 1024 * 1024
        let plain = try parse(#"{"forms": {"default": {"measure": "DOG", "partner_source": "Web"}}}"#)
        #expect(plain.httpConfiguration.bodySpoolLimit == nil)
        #expect(plain.httpConfiguration.bodySpoolThreshold == mib)
        #expect(try parse(form("true")).httpConfiguration.bodySpoolLimit == 16 * 51 * mib)
        #expect(try parse(form(#"{"max_files": 1, "max_file_mb": 1}"#)).httpConfiguration.bodySpoolLimit == 512 * mib)
        let questions = (0..<30).map {
            #"{"name": "q\#($0)", "type": "textarea", "max_length": 10000, "label": {"de": "F", "en": "Q"}}"#
        }
        let long = try parse(
            #"{"forms": {"default": {"measure": "DOG", "partner_source": "Web", "questions": ["#
                + questions.joined(separator: ", ") + "]}}}")
        let text = try #require(long.forms["default"]).textBodyLimit
        #expect(text > mib)
        #expect(long.httpConfiguration.bodySpoolThreshold == text)
    }

    @Test func heroFileEndpointsAndDocumentType() throws {
        let config = try parse(form("false", hero: #"{"graphql_endpoint": "http://127.0.0.1:9/graphql", "upload_endpoint": "http://127.0.0.1:9/up"}"#))
        #expect(config.hero.graphQLEndpoint == "http://127.0.0.1:9/graphql")
        #expect(config.hero.uploadEndpoint == "http://127.0.0.1:9/up")
        #expect(AppConfig.Hero().graphQLEndpoint == "https://login.hero-software.de/api/external/v7/graphql")
        #expect(AppConfig.Hero().uploadEndpoint == "https://login.hero-software.de/app/v8/FileUploads/upload")
        #expect(problems(form("false", hero: #"{"graphql_endpoint": "ftp://x", "upload_endpoint": 3, "document_type_id": 0}"#))
            == [
                "hero.graphql_endpoint: must be an https URL", "hero.upload_endpoint: must be a string",
                "hero.document_type_id: must be between 1 and 2147483647",
            ])
    }
}
