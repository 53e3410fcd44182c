import HTTPServer
import Imaging

/// The image a request carries: the whole body when `Content-Type` is an image type,
/// `application/octet-stream` or missing, or the field named `image` of a `multipart/form-data` body.
/// The bytes themselves decide the format (PNG, JPEG and WebP are told apart by their first bytes);
/// a declared type only shapes the error when they are none of these.
struct ImageUpload: Sendable {
    static let fieldName = "image"
    static let octetStream = "application/octet-stream"

    var bytes: [UInt8]
    /// The format the bytes themselves announce.
    var format: ImageFormat

    /// Whether a `Content-Type` could carry an image, checked before the body is read.
    static func acceptsContentType(_ value: String?) -> Bool {
        guard let value else { return true }
        guard let type = MediaType(value) else { return false }
        if ImageFormat(mimeType: type.essence) != nil || type.essence == octetStream { return true }
        return type.essence == "multipart/form-data" && type.parameters["boundary"] != nil
    }

    init(request: Request) throws(ProblemDetails) {
        let contentType = request.headers["Content-Type"]
        guard Self.acceptsContentType(contentType) else { throw .unsupportedMediaType(contentType) }
        let declared: String?
        if let value = contentType, let type = MediaType(value), type.essence == "multipart/form-data" {
            let form: MultipartForm
            do {
                form = try MultipartForm(body: request.body, boundary: type.parameters["boundary"] ?? "")
            } catch {
                throw .badRequest(error.description, kind: "malformed-multipart")
            }
            guard let part = form.part(named: Self.fieldName) else {
                let names = form.parts.compactMap(\.name)
                throw .badRequest("the form has no field named \(Self.fieldName)"
                    + (names.isEmpty ? "" : " (fields sent: \(names.joined(separator: ", ")))"), kind: "missing-image-field")
            }
            bytes = Array(part.content)
            declared = part.contentType
        } else {
            bytes = request.body
            declared = contentType.flatMap { MediaType($0)?.essence }
        }
        guard !bytes.isEmpty else { throw .badRequest("the image is empty", kind: "empty-image") }
        guard let sniffed = ImageCodec.sniff(bytes) else {
            // Declared as an image format but not one: a broken file. Anything else: the wrong kind of file.
            if let declared, ImageFormat(mimeType: declared) != nil {
                throw .corruptImage("the data sent as \(declared) is not a PNG, JPEG or WebP image")
            }
            throw .notAnImage(declared: declared)
        }
        format = sniffed
    }
}
