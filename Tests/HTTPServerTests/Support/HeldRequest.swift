import Foundation
import HTTPServer
import TestSupport

/// A handler whose `/slow` stays in flight until `release` is set, then answers "finished"; `arrived` is
/// set once it is being handled. Every other path answers "quick" at once. The request a shutdown must drain
/// (`ShutdownTests` over HTTP/1.1, `HTTP2Tests` over HTTP/2).
final class HeldRequest: Sendable {
    let arrived = Flag()
    let release = Flag()

    var handler: Server.Handler {
        { [arrived, release] request, respond in
            if request.path == "/slow" {
                arrived.set()
                DispatchQueue.global().async {
                    release.wait(seconds: 10)
                    respond(.text("finished"))
                }
            } else {
                respond(.text("quick"))
            }
        }
    }
}
