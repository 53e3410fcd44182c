import Foundation

/// The `ETag` of an image answer. An upscale is a function of the input bytes, the model's weights
/// and the parameters, so a digest of those names the answer before any work is done: a client (or a
/// cache in front) that already holds it sends `If-None-Match` and gets `304 Not Modified` at the cost
/// of reading the body and hashing it.
///
/// The tag is weak (`W/"..."`): the same request gives the same pixels on one machine, but kernels
/// built for other instruction sets may round a last bit differently, so two replicas promise the
/// same image, not the same bytes.
struct EntityTag: Sendable, Equatable {
    /// The opaque part, between the quotes.
    let opaque: String

    /// A tag from what decides the answer: each part in order, then the image bytes.
    init(parts: [String], image: [UInt8]) {
        var hash = SHA256()
        hash.update(Array(parts.joined(separator: "\n").utf8) + [0x0A, 0x00])
        hash.update(image)
        opaque = String(hash.hexDigest().prefix(32))
    }

    var header: String { "W/\"\(opaque)\"" }

    /// Whether `If-None-Match` (RFC 9110 §13.1.2: `*`, or a list of tags compared weakly) matches.
    func isMatched(byIfNoneMatch header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { item in
            var tag = item.trimmingCharacters(in: .whitespaces)[...]
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            return tag == "\"\(opaque)\""
        }
    }
}
