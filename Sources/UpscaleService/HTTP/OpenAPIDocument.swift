import HTTPServer

/// `GET /openapi.json`: the OpenAPI 3.1 description of every route, parameter, header, body and
/// problem type, so clients can be generated rather than written by hand. Kept beside the routes it
/// describes; `OpenAPITests` validates it and checks it against the routes and problem types, and CI
/// runs schemathesis against a live `smsr serve` with it (`scripts/schemathesis.sh`).
enum OpenAPIDocument {
    static func response(requestID: String) -> Response {
        Response(status: 200,
                 headers: ["Content-Type": "application/json", RequestID.header: requestID, "Cache-Control": "no-cache"],
                 body: body)
    }

    static let body = Array(json.utf8)

    /// The headers that carry the report, on every 200 that ran the network (`/v1/upscale`, `/v1/analyze`,
    /// `/v1/masks`). A Response Object's `headers` map cannot itself be a `$ref`, so each route's map is
    /// written from this one list; every header in it is defined once, under `components/headers`.
    private static let reportHeaders = [
        "X-Request-ID", "SMSR-FLOPs-Dense", "SMSR-FLOPs-Executed", "SMSR-FLOPs-Saved", "SMSR-Scale",
        "SMSR-Input-Size", "SMSR-Output-Size", "Server-Timing",
    ]

    /// The entries of a response's `headers` map, each a `$ref` to `components/headers`, one a line at the
    /// served document's indent for them (so that it reads as if written out).
    private static func headers(_ names: [String]) -> String {
        names.map { ##""\##($0)": {"$ref": "#/components/headers/\##($0)"}"## }
            .joined(separator: ",\n" + String(repeating: " ", count: 14))
    }

    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "smsr-serve",
            "version": "\#(ServiceVersion.current)",
            "summary": "Image super-resolution with sparse masks (SMSR) on CPUs.",
            "description": "Upscales PNG, JPEG and WebP images with SMSR (Wang et al., CVPR 2021) and reports, for every image, how many multiply-accumulates the network's sparse masks saved and how long each stage took. Errors are `application/problem+json` (RFC 9457) whose `type` is `tag:smsr-serve,2026:problem/KIND`. When the service is started with `--api-keys-file`, every route but `/`, `/openapi.json`, `/healthz` and `/readyz` needs `Authorization: Bearer KEY`."
          },
          "tags": [
            {"name": "images", "description": "Upscaling, its report, and the mask picture."},
            {"name": "service", "description": "Models, health, metrics, this document and the demo page."}
          ],
          "security": [{}, {"bearer": []}],
          "paths": {
            "/v1/upscale": {
              "post": {
                "operationId": "upscale",
                "tags": ["images"],
                "summary": "Upscale an image",
                "description": "Decodes the image, runs the network, and answers the upscaled image in the chosen format, with the report in its headers. Gray input comes back gray (as RGB in WebP, which has no gray), alpha is upscaled bicubically and kept (JPEG drops it). An `If-None-Match` naming the answer gets `304` without any work.",
                "parameters": [
                  {"$ref": "#/components/parameters/scale"},
                  {"$ref": "#/components/parameters/format"},
                  {"$ref": "#/components/parameters/quality"},
                  {"$ref": "#/components/parameters/lossless"},
                  {"$ref": "#/components/parameters/Accept"},
                  {"$ref": "#/components/parameters/X-Request-ID"},
                  {"$ref": "#/components/parameters/If-None-Match"}
                ],
                "requestBody": {"$ref": "#/components/requestBodies/Image"},
                "responses": {
                  "200": {
                    "description": "The upscaled image.",
                    "headers": {
                      \#(headers(reportHeaders + ["ETag", "Cache-Control", "Vary"]))
                    },
                    "content": {
                      "image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}},
                      "image/jpeg": {"schema": {"type": "string", "contentMediaType": "image/jpeg"}},
                      "image/webp": {"schema": {"type": "string", "contentMediaType": "image/webp"}}
                    }
                  },
                  "304": {"$ref": "#/components/responses/NotModified"},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "406": {"$ref": "#/components/responses/NotAcceptable"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "503": {"$ref": "#/components/responses/ServiceUnavailable"},
                  "504": {"$ref": "#/components/responses/GatewayTimeout"}
                }
              }
            },
            "/v1/analyze": {
              "post": {
                "operationId": "analyze",
                "tags": ["images"],
                "summary": "Upscale an image and report the work",
                "description": "The same work as `/v1/upscale`, nothing encoded: the report as JSON, with the same keys as `smsr upscale --json`, and in the same headers.",
                "parameters": [{"$ref": "#/components/parameters/scale"}, {"$ref": "#/components/parameters/X-Request-ID"}],
                "requestBody": {"$ref": "#/components/requestBodies/Image"},
                "responses": {
                  "200": {
                    "description": "The report.",
                    "headers": {
                      \#(headers(reportHeaders))
                    },
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "503": {"$ref": "#/components/responses/ServiceUnavailable"},
                  "504": {"$ref": "#/components/responses/GatewayTimeout"}
                }
              }
            },
            "/v1/masks": {
              "post": {
                "operationId": "masks",
                "tags": ["images"],
                "summary": "Picture where the network computed",
                "description": "A PNG with one panel per sparse mask block, that block's spatial mask tinted over a dimmed copy of the input, and a last panel counting how many blocks computed at each pixel (dark blue: none, bright yellow: all).",
                "parameters": [
                  {"$ref": "#/components/parameters/scale"},
                  {"$ref": "#/components/parameters/X-Request-ID"},
                  {"$ref": "#/components/parameters/If-None-Match"}
                ],
                "requestBody": {"$ref": "#/components/requestBodies/Image"},
                "responses": {
                  "200": {
                    "description": "The mask picture.",
                    "headers": {
                      \#(headers(reportHeaders + ["ETag", "Cache-Control"]))
                    },
                    "content": {"image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}}}
                  },
                  "304": {"$ref": "#/components/responses/NotModified"},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "503": {"$ref": "#/components/responses/ServiceUnavailable"},
                  "504": {"$ref": "#/components/responses/GatewayTimeout"}
                }
              }
            },
            "/v1/models": {
              "get": {
                "operationId": "models",
                "tags": ["service"],
                "summary": "Loaded models",
                "description": "One entry per scale: parameters, where the weights came from (a file's name, or `embedded:xN`) and their sha256.",
                "parameters": [{"$ref": "#/components/parameters/X-Request-ID"}],
                "responses": {
                  "200": {
                    "description": "The models.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Models"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"}
                }
              }
            },
            "/healthz": {
              "get": {
                "operationId": "healthz",
                "tags": ["service"],
                "summary": "Liveness",
                "description": "200 whenever the process answers.",
                "parameters": [{"$ref": "#/components/parameters/X-Request-ID"}],
                "responses": {
                  "200": {
                    "description": "Alive.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
                  }
                },
                "security": [{}]
              }
            },
            "/readyz": {
              "get": {
                "operationId": "readyz",
                "tags": ["service"],
                "summary": "Readiness",
                "description": "200 once every model is loaded and warmed up; 503 before that and while draining.",
                "parameters": [{"$ref": "#/components/parameters/X-Request-ID"}],
                "responses": {
                  "200": {
                    "description": "Ready.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ready"}}}
                  },
                  "503": {"$ref": "#/components/responses/ServiceUnavailable"}
                },
                "security": [{}]
              }
            },
            "/metrics": {
              "get": {
                "operationId": "metrics",
                "tags": ["service"],
                "summary": "Prometheus metrics",
                "description": "The text exposition format 0.0.4 (here unless `--metrics-port` moves it).",
                "parameters": [{"$ref": "#/components/parameters/X-Request-ID"}],
                "responses": {
                  "200": {
                    "description": "Every metric.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {"text/plain": {"schema": {"type": "string"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"}
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "openapi",
                "tags": ["service"],
                "summary": "This document",
                "description": "The OpenAPI 3.1 description of the service.",
                "parameters": [{"$ref": "#/components/parameters/X-Request-ID"}],
                "responses": {
                  "200": {
                    "description": "The document.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {"application/json": {"schema": {"type": "object"}}}
                  }
                },
                "security": [{}]
              }
            },
            "/": {
              "get": {
                "operationId": "demoPage",
                "tags": ["service"],
                "summary": "Demo page",
                "description": "A self-contained page: choose or drop an image, see it upscaled, the work saved and the masks.",
                "parameters": [{"$ref": "#/components/parameters/X-Request-ID"}],
                "responses": {
                  "200": {
                    "description": "The page.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {"text/html": {"schema": {"type": "string"}}}
                  }
                },
                "security": [{}]
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {"type": "http", "scheme": "bearer", "description": "A key from the service's `--api-keys-file`."}
            },
            "parameters": {
              "scale": {
                "name": "scale",
                "in": "query",
                "description": "Upscaling factor; one of the loaded models' scales (`GET /v1/models`). Default: the service's default scale.",
                "schema": {"type": "integer", "minimum": 2, "maximum": 4}
              },
              "format": {
                "name": "format",
                "in": "query",
                "description": "Output format. Default: the best `Accept` allows, the input's on a tie.",
                "schema": {"type": "string", "enum": ["png", "jpeg", "jpg", "webp"]}
              },
              "quality": {
                "name": "quality",
                "in": "query",
                "description": "JPEG and lossy WebP quality.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 90}
              },
              "lossless": {
                "name": "lossless",
                "in": "query",
                "description": "Lossless WebP (PNG always is; refused for JPEG).",
                "schema": {"type": "boolean", "default": false}
              },
              "Accept": {
                "name": "Accept",
                "in": "header",
                "description": "Output formats the client takes, with `q` weights; without `format`, the highest rated of image/png, image/jpeg, image/webp, the input's on a tie.",
                "schema": {"type": "string"}
              },
              "X-Request-ID": {
                "name": "X-Request-ID",
                "in": "header",
                "description": "The client's request id, echoed when it is 1-128 visible ASCII characters.",
                "schema": {"type": "string", "maxLength": 128}
              },
              "If-None-Match": {
                "name": "If-None-Match",
                "in": "header",
                "description": "An `ETag` from an earlier answer (or `*`): when it names this answer, `304` without running the job.",
                "schema": {"type": "string"}
              }
            },
            "headers": {
              "X-Request-ID": {
                "description": "Ties the answer to the service's log line: the client's own `X-Request-ID` when it is 1-128 visible ASCII characters, else a fresh 32-hex-digit id.",
                "required": true,
                "schema": {"type": "string", "minLength": 1, "maxLength": 128}
              },
              "SMSR-FLOPs-Dense": {
                "description": "Multiply-accumulates the dense network would have done (the paper's FLOPs).",
                "required": true,
                "schema": {"type": "string", "pattern": "^[0-9]+$"}
              },
              "SMSR-FLOPs-Executed": {
                "description": "Multiply-accumulates the engine executed, the masked-out sparse work skipped.",
                "required": true,
                "schema": {"type": "string", "pattern": "^[0-9]+$"}
              },
              "SMSR-FLOPs-Saved": {
                "description": "1 - executed / dense, 4 decimals.",
                "required": true,
                "schema": {"type": "string", "pattern": "^[0-9]\\.[0-9]{4}$"}
              },
              "SMSR-Scale": {
                "description": "The upscaling factor used.",
                "required": true,
                "schema": {"type": "string", "pattern": "^[0-9]+$"}
              },
              "SMSR-Input-Size": {
                "description": "The input's size, upright, as WIDTHxHEIGHT.",
                "required": true,
                "schema": {"type": "string", "pattern": "^[0-9]+x[0-9]+$"}
              },
              "SMSR-Output-Size": {
                "description": "The upscaled image's size as WIDTHxHEIGHT.",
                "required": true,
                "schema": {"type": "string", "pattern": "^[0-9]+x[0-9]+$"}
              },
              "Server-Timing": {
                "description": "W3C Server Timing: `name;dur=ms` per stage (`queue`, `decode`, `infer`, `encode` where something was encoded), then `total`.",
                "required": true,
                "schema": {"type": "string", "pattern": "^[a-z.]+;dur=[0-9]+\\.[0-9]{3}(, [a-z.]+;dur=[0-9]+\\.[0-9]{3})*$"}
              },
              "ETag": {
                "description": "A weak tag over the input bytes, the model's sha256 and the parameters that shape the answer; send it back in `If-None-Match`.",
                "required": true,
                "schema": {"type": "string", "pattern": "^W/\"[0-9a-f]{32}\"$"}
              },
              "Cache-Control": {
                "description": "`public, max-age=86400` (`private` when the service needs an API key).",
                "required": true,
                "schema": {"type": "string"}
              },
              "Vary": {
                "description": "`Accept` when the output format was negotiated (no `format` in the query).",
                "schema": {"type": "string"}
              }
            },
            "requestBodies": {
              "Image": {
                "required": true,
                "description": "The image: PNG, JPEG or WebP, told apart by its bytes. Sent whole (as its own type, `application/octet-stream`, or without a `Content-Type`) or as the field `image` of a form.",
                "content": {
                  "image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}},
                  "image/jpeg": {"schema": {"type": "string", "contentMediaType": "image/jpeg"}},
                  "image/webp": {"schema": {"type": "string", "contentMediaType": "image/webp"}},
                  "application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}},
                  "multipart/form-data": {
                    "schema": {
                      "type": "object",
                      "required": ["image"],
                      "properties": {"image": {"type": "string", "contentMediaType": "application/octet-stream"}}
                    },
                    "encoding": {"image": {"contentType": "image/png, image/jpeg, image/webp, application/octet-stream"}}
                  }
                }
              }
            },
            "responses": {
              "BadRequest": {
                "description": "The request or its image is malformed: `corrupt-image` (unreadable or truncated image), `empty-image`, `malformed-multipart`, `missing-image-field`, `invalid-parameter`, `scale-unavailable` (no model loaded for `scale`), or `malformed-request` (framing the HTTP layer refused).",
                "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "Unauthorized": {
                "description": "The service was started with API keys (`--api-keys-file`) and this request has none, or a wrong one: `unauthorized`.",
                "headers": {
                  "X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"},
                  "WWW-Authenticate": {
                    "description": "`Bearer realm=\"smsr\"`, with `error=\"invalid_token\"` when a key was sent.",
                    "schema": {"type": "string"},
                    "required": true
                  }
                },
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "NotAcceptable": {
                "description": "`Accept` allows none of the output formats: `not-acceptable`.",
                "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "ContentTooLarge": {
                "description": "The body is larger than `--max-body-bytes`, refused from its declared length before it is read: `content-too-large`.",
                "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "UnsupportedMediaType": {
                "description": "The body is not a PNG, JPEG or WebP image, or its `Content-Type` cannot carry one: `unsupported-media-type`.",
                "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "UnprocessableContent": {
                "description": "Refused from the image's header, before decoding and before any inference: the image has more pixels than `--max-pixels`: `too-many-pixels`; the upscaled image (or, for `/v1/masks`, the mask picture) would have a side longer than the output format's encoder writes (PNG 1000000, libpng's user limit; JPEG 65500, libjpeg's JPEG_MAX_DIMENSION; WebP 16383): `too-large-for-format`; or the service's tiling would run the network on more than 4 times the image's pixels (only with small fixed tiles, `SMSR_TILE`): `tiling-overhead`. The detail names the limit.",
                "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "ServiceUnavailable": {
                "description": "The service cannot take the job now: `queue-full` (every worker busy and the queue full), `not-ready` (models still warming up) or `draining` (shutting down).",
                "headers": {
                  "X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"},
                  "Retry-After": {
                    "description": "Seconds to wait before retrying (`queue-full`, `not-ready`).",
                    "schema": {"type": "string", "pattern": "^[0-9]+$"}
                  }
                },
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "GatewayTimeout": {
                "description": "The job waited in the queue past `--request-timeout`: `queue-timeout`; or it computed past `--max-compute-seconds` and was stopped between tiles: `compute-timeout`.",
                "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "NotModified": {
                "description": "`If-None-Match` names this answer: the client already holds it. No job was run and no body is sent.",
                "headers": {
                  "ETag": {"$ref": "#/components/headers/ETag"},
                  "Cache-Control": {"$ref": "#/components/headers/Cache-Control"},
                  "Vary": {"$ref": "#/components/headers/Vary"},
                  "X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}
                }
              }
            },
            "schemas": {
              "Problem": {
                "type": "object",
                "description": "RFC 9457 problem details.",
                "required": ["type", "title", "status", "detail", "instance", "request_id"],
                "properties": {
                  "type": {
                    "type": "string",
                    "enum": [
                      "tag:smsr-serve,2026:problem/not-found",
                      "tag:smsr-serve,2026:problem/method-not-allowed",
                      "tag:smsr-serve,2026:problem/unauthorized",
                      "tag:smsr-serve,2026:problem/unsupported-media-type",
                      "tag:smsr-serve,2026:problem/content-too-large",
                      "tag:smsr-serve,2026:problem/too-many-pixels",
                      "tag:smsr-serve,2026:problem/too-large-for-format",
                      "tag:smsr-serve,2026:problem/tiling-overhead",
                      "tag:smsr-serve,2026:problem/corrupt-image",
                      "tag:smsr-serve,2026:problem/empty-image",
                      "tag:smsr-serve,2026:problem/malformed-multipart",
                      "tag:smsr-serve,2026:problem/missing-image-field",
                      "tag:smsr-serve,2026:problem/invalid-parameter",
                      "tag:smsr-serve,2026:problem/scale-unavailable",
                      "tag:smsr-serve,2026:problem/not-acceptable",
                      "tag:smsr-serve,2026:problem/queue-full",
                      "tag:smsr-serve,2026:problem/queue-timeout",
                      "tag:smsr-serve,2026:problem/compute-timeout",
                      "tag:smsr-serve,2026:problem/not-ready",
                      "tag:smsr-serve,2026:problem/draining",
                      "tag:smsr-serve,2026:problem/client-gone",
                      "tag:smsr-serve,2026:problem/internal",
                      "tag:smsr-serve,2026:problem/malformed-request",
                      "tag:smsr-serve,2026:problem/request-timeout",
                      "tag:smsr-serve,2026:problem/uri-too-long",
                      "tag:smsr-serve,2026:problem/headers-too-large",
                      "tag:smsr-serve,2026:problem/not-implemented",
                      "tag:smsr-serve,2026:problem/too-many-connections",
                      "tag:smsr-serve,2026:problem/version-not-supported"
                    ]
                  },
                  "title": {"type": "string"},
                  "status": {"type": "integer", "minimum": 400, "maximum": 599},
                  "detail": {"type": "string", "description": "What went wrong and what to change, for a person."},
                  "instance": {"type": "string", "pattern": "^urn:smsr-serve:request:"},
                  "request_id": {"type": "string"}
                }
              },
              "Size": {
                "type": "object",
                "required": ["width", "height"],
                "properties": {"width": {"type": "integer", "minimum": 1}, "height": {"type": "integer", "minimum": 1}}
              },
              "Report": {
                "type": "object",
                "description": "One upscale: sizes, scale, multiply-accumulates, mask densities, timings. `smsr upscale --json` prints the same.",
                "required": [
                  "input",
                  "output",
                  "scale",
                  "format",
                  "flops_dense",
                  "flops_executed",
                  "flops_saved",
                  "blocks",
                  "timings_ms"
                ],
                "properties": {
                  "input": {"$ref": "#/components/schemas/Size"},
                  "output": {"$ref": "#/components/schemas/Size"},
                  "scale": {"type": "integer", "minimum": 1},
                  "format": {
                    "type": "string",
                    "enum": ["png", "jpeg", "webp"],
                    "description": "The format written; `/v1/analyze` writes nothing and gives the input's."
                  },
                  "flops_dense": {"type": "integer", "minimum": 0},
                  "flops_executed": {"type": "integer", "minimum": 0},
                  "flops_saved": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1,
                    "description": "1 - executed / dense, 4 decimals."
                  },
                  "blocks": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["index", "mask_density"],
                      "properties": {
                        "index": {"type": "integer", "minimum": 0},
                        "mask_density": {
                          "type": "number",
                          "minimum": 0,
                          "maximum": 1,
                          "description": "Fraction of pixels where the block computed its sparse channels."
                        }
                      }
                    }
                  },
                  "timings_ms": {
                    "type": "object",
                    "description": "Milliseconds by stage: `queue` (service only), `decode`, `infer`, `encode` (when something was encoded), `infer.head`, `infer.mask`, `infer.smb`, `infer.collect`, `infer.tail`, `total`.",
                    "required": ["decode", "infer", "total"],
                    "additionalProperties": {"type": "number", "minimum": 0}
                  }
                }
              },
              "Models": {
                "type": "object",
                "required": ["default_scale", "models"],
                "properties": {
                  "default_scale": {"type": "integer"},
                  "models": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["scale", "parameters", "source", "sha256", "default"],
                      "properties": {
                        "scale": {"type": "integer"},
                        "parameters": {"type": "integer"},
                        "source": {"type": "string"},
                        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "default": {"type": "boolean"}
                      }
                    }
                  }
                }
              },
              "Health": {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}},
              "Ready": {
                "type": "object",
                "required": ["status", "scales"],
                "properties": {"status": {"const": "ready"}, "scales": {"type": "array", "items": {"type": "integer"}}}
              }
            }
          }
        }
        """#
}
