import HTTPServer

/// The upload parsing the fuzz targets (Fuzz/) and their regression replay (Tests/FuzzReplayTests)
/// reach without making it public: `Content-Type` (media type and boundary) and a
/// `multipart/form-data` body, as a request to `/v1/upscale` brings them.
package enum ServiceFuzzTargets {
    /// The input's first line is the `Content-Type` value, the rest the body. True if the upload
    /// was taken (an image found in it).
    @discardableResult
    package static func imageUpload(_ input: [UInt8]) -> Bool {
        let lineEnd = input.firstIndex(of: 0x0A) ?? input.count
        let contentType = String(decoding: input[..<lineEnd], as: UTF8.self)
        let body = lineEnd < input.count ? Array(input[(lineEnd + 1)...]) : []
        let head = RequestHead(method: .post, target: "/v1/upscale", headers: ["Content-Type": contentType])
        let upload = try? ImageUpload(request: Request(head: head, body: body))
        if let upload { precondition(!upload.bytes.isEmpty && upload.bytes.count <= body.count) }
        // The form parser alone, with whatever boundary the media type gave, so the body is read
        // even when the upload is refused for another reason first.
        if let type = MediaType(contentType), let boundary = type.parameters["boundary"],
           let form = try? MultipartForm(body: body, boundary: boundary) {
            precondition(form.parts.count <= MultipartForm.maxParts)
            for part in form.parts {
                precondition(part.content.startIndex >= 0 && part.content.endIndex <= body.count)
            }
        }
            return upload != nil
    }
}
