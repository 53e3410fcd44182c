import Testing
@testable import UpscaleService

@Suite struct MultipartFormTests {
    func body(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func partsAreFoundWithTheirNamesFilenamesAndTypes() throws {
        let form = try MultipartForm(body: body(
            "--AaB03x\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
                + "--AaB03x\r\ncontent-disposition: form-data; name=\"image\"; filename=\"a b.png\"\r\nContent-Type: image/png\r\n\r\n"
                + "\u{01}\u{02}\r\n--AaB03 not yet\r\n\r\n--AaB03x--\r\n"), boundary: "AaB03x")
        #expect(form.parts.count == 2)
        #expect(form.parts[0].name == "note" && String(decoding: form.parts[0].content, as: UTF8.self) == "hello")
        let image = try #require(form.part(named: "image"))
        #expect(image.filename == "a b.png" && image.contentType == "image/png")
        // Content that merely resembles a delimiter, and CRLFs inside it, are kept.
        #expect(Array(image.content) == body("\u{01}\u{02}\r\n--AaB03 not yet\r\n"))
    }

    @Test func preambleEpilogueAndBinaryContentSurvive() throws {
        let payload: [UInt8] = (0..<256).map { UInt8($0) } + [0x0D, 0x0A, 0x2D, 0x2D]
        let bytes = body("ignored preamble\r\n--b\r\nContent-Disposition: form-data; name=image\r\n\r\n") + payload
            + body("\r\n--b--\r\nignored epilogue")
        let form = try MultipartForm(body: bytes, boundary: "b")
        #expect(form.parts.count == 1 && Array(form.parts[0].content) == payload && form.parts[0].name == "image")
    }

    @Test func aPartWithoutHeadersHasNoName() throws {
        let form = try MultipartForm(body: body("--b\r\n\r\nraw\r\n--b--"), boundary: "b")
        #expect(form.parts.count == 1 && form.parts[0].name == nil && String(decoding: form.parts[0].content, as: UTF8.self) == "raw")
    }

    @Test func malformedBodiesAreRefused() {
        #expect(throws: MultipartForm.ParseError.missingFirstBoundary) { try MultipartForm(body: body("no boundary here"), boundary: "b") }
        #expect(throws: MultipartForm.ParseError.unterminatedPart) {
            try MultipartForm(body: body("--b\r\nContent-Disposition: form-data; name=x\r\n\r\nabc"), boundary: "b")
        }
        #expect(throws: MultipartForm.ParseError.malformedPartHeaders) {
            try MultipartForm(body: body("--b\r\nno colon line\r\n\r\nabc\r\n--b--"), boundary: "b")
        }
        #expect(throws: MultipartForm.ParseError.invalidBoundary) { try MultipartForm(body: [], boundary: "") }
        let many = String(repeating: "--b\r\n\r\nx\r\n", count: MultipartForm.maxParts + 1) + "--b--"
        #expect(throws: MultipartForm.ParseError.tooManyParts(limit: MultipartForm.maxParts)) {
            try MultipartForm(body: body(many), boundary: "b")
        }
    }

    @Test func theBoundaryComesFromTheContentTypeQuotedOrNot() {
        #expect(MediaType("multipart/form-data; boundary=\"a;b c\"")?.parameters["boundary"] == "a;b c")
        #expect(MediaType("Multipart/Form-Data;boundary=----WebKitFormBoundary7MA4YWxk")?.parameters["boundary"]
            == "----WebKitFormBoundary7MA4YWxk")
        #expect(ImageUpload.acceptsContentType("multipart/form-data; boundary=x"))
        #expect(!ImageUpload.acceptsContentType("multipart/form-data"), "no boundary, no way to read it")
        #expect(ImageUpload.acceptsContentType("image/JPEG") && ImageUpload.acceptsContentType("image/webp"))
        #expect(ImageUpload.acceptsContentType("application/octet-stream"), "sniffed like any image body")
        #expect(ImageUpload.acceptsContentType(nil), "no type: the bytes decide")
        #expect(!ImageUpload.acceptsContentType("text/plain") && !ImageUpload.acceptsContentType("image/gif"))
        #expect(!ImageUpload.acceptsContentType("not a media type"))
    }
}
