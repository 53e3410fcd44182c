import HTTPServer

/// `GET /`: the demo page. A placeholder until the interactive page (upload, side-by-side slider,
/// FLOPs, timings, mask picture) takes its place.
enum DemoPage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>smsr-serve</title></head>
        <body>
        <h1>smsr-serve</h1>
        <p>Image super-resolution with sparse masks. POST a PNG or JPEG to <code>/v1/upscale</code>;
        see <a href="/v1/models">/v1/models</a>.</p>
        </body>
        </html>

        """

    static func response(requestID: String) -> Response {
        Response(status: 200, headers: ["Content-Type": "text/html; charset=utf-8", "X-Request-ID": requestID],
                 body: Array(html.utf8))
    }
}
