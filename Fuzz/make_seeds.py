#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (Fuzz/corpus/TARGET/NAME): small well-formed inputs, each
reaching deep into its target, and a few refused ones. Images are drawn here with Pillow and pypng
(no third-party files), a few hundred bytes each. Run from anywhere; rewrites the seeds in place.
The fuzzer's own findings are not kept in the corpus, only crash inputs (Fuzz/regressions/)."""
import io
import os
import shutil
import struct
import zlib

import png
from PIL import Image
from h2.config import H2Configuration
from h2.connection import H2Connection

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def write(target, seeds):
    folder = os.path.join(ROOT, target)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for name, data in seeds.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def picture(mode, size=(6, 5)):
    """A small image with some structure (gradients and an edge) in `mode`."""
    w, h = size
    rgba = Image.new("RGBA", size)
    for y in range(h):
        for x in range(w):
            rgba.putpixel((x, y), (x * 40 % 256, y * 50 % 256, (x + y) * 20 % 256, 255 if x < w - 1 else 90))
    if mode == "P":
        return rgba.convert("RGB").convert("P", palette=Image.ADAPTIVE, colors=8)
    return rgba.convert(mode)


def save(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def exif(orientation):
    e = Image.Exif()
    e[0x0112] = orientation
    return e.tobytes()


def pypng(rows, width, height, **options):
    out = io.BytesIO()
    png.Writer(width, height, **options).write(out, rows)
    return out.getvalue()


def png_seeds():
    palette_transparent = picture("P")
    palette_transparent.info["transparency"] = 0
    return {
        "rgb.png": save(picture("RGB"), "PNG"),
        "rgba.png": save(picture("RGBA"), "PNG"),
        "gray.png": save(picture("L"), "PNG"),
        "gray-alpha.png": save(picture("LA"), "PNG"),
        "palette.png": save(picture("P"), "PNG"),
        "palette-trns.png": save(palette_transparent, "PNG", transparency=0),
        "bilevel.png": save(picture("1", (9, 3)), "PNG"),
        "gray16.png": pypng([[(x * 9000 + y * 3000) % 65536 for x in range(5)] for y in range(4)], 5, 4,
                             greyscale=True, bitdepth=16),
        "rgb16-interlaced.png": pypng([[(x * y * 999 + c * 5000) % 65536 for x in range(7) for c in range(3)]
                                       for y in range(9)], 7, 9, greyscale=False, bitdepth=16, interlace=True),
        "gray2-interlaced.png": pypng([[(x + y) % 4 for x in range(10)] for y in range(10)], 10, 10,
                                      greyscale=True, bitdepth=2, interlace=True),
        "exif-rotated.png": save(picture("RGB"), "PNG", exif=exif(6)),
    }


def jpeg_seeds():
    cmyk = picture("RGB", (8, 8)).convert("CMYK")
    return {
        "rgb.jpg": save(picture("RGB", (16, 16)), "JPEG", quality=80),
        "gray.jpg": save(picture("L", (9, 7)), "JPEG", quality=70),
        "progressive.jpg": save(picture("RGB", (17, 9)), "JPEG", quality=60, progressive=True),
        "subsampled-444.jpg": save(picture("RGB", (8, 8)), "JPEG", quality=90, subsampling=0),
        "optimized.jpg": save(picture("RGB", (10, 10)), "JPEG", quality=50, optimize=True),
        "cmyk.jpg": save(cmyk, "JPEG", quality=75),
        "exif-rotated.jpg": save(picture("RGB", (12, 5)), "JPEG", quality=75, exif=exif(6)),
        "restart-markers.jpg": save(picture("RGB", (16, 16)), "JPEG", quality=75, restart_marker_blocks=1),
    }


def webp_seeds():
    frames = [picture("RGBA", (6, 6)), picture("RGBA", (6, 6)).transpose(Image.FLIP_LEFT_RIGHT)]
    return {
        "lossy.webp": save(picture("RGB", (8, 8)), "WEBP", quality=60),
        "lossy-alpha.webp": save(picture("RGBA", (8, 8)), "WEBP", quality=60),
        "lossless.webp": save(picture("RGB", (7, 5)), "WEBP", lossless=True),
        "lossless-alpha.webp": save(picture("RGBA", (7, 5)), "WEBP", lossless=True),
        "exif-rotated.webp": save(picture("RGB", (9, 4)), "WEBP", quality=70, exif=exif(8)),
        "animated.webp": save(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True),
    }


def request_head_seeds():
    heads = {
        "get": "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "get-query-absolute": "GET http://x/v1/models?x=1&y=%20 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
        "post-length": "POST /v1/upscale?scale=2&format=webp HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                       "Content-Length: 1234\r\nAuthorization: Bearer k\r\n\r\n",
        "post-chunked-continue": "POST /v1/upscale HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                 "Expect: 100-continue\r\n\r\n",
        "http10-keepalive": "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "h2c-upgrade": "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                       "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
        "leading-empty-lines": "\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
        "conditional": "GET /openapi.json HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"abc\", W/\"d\"\r\n"
                       "Accept-Encoding: gzip;q=0.5\r\n\r\n",
        "obs-fold": "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n",
        "version-5-6": "GET / HTTP/5.6\r\nHost: x\r\n\r\n",
    }
    return {name: text.encode() for name, text in heads.items()}


def chunked_seeds():
    bodies = {
        "plain": b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        "extensions": b"5;name=value;q=\"x \\\" y\"\r\nhello\r\n6 ; ext\r\n world\r\n0\r\n\r\n",
        "trailers": b"A\r\n0123456789\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n",
        "upper-hex": b"1F\r\n" + bytes(range(65, 96)) + b"\r\n0\r\n\r\n",
        "leading-zeros": b"0003\r\nabc\r\n000\r\n\r\n",
        "bad-extension": b"2 xyz\r\nab\r\n0\r\n\r\n",
    }
    return bodies


def http1_session_seeds():
    png_bytes = save(picture("RGB", (2, 2)), "PNG")
    seeds = {
        "pipelined": b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"HEAD /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "post-length": b"POST /v1/upscale HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: "
                       + str(len(png_bytes)).encode() + b"\r\n\r\n" + png_bytes + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "chunked-continue": b"POST /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
                            b"3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n",
        "http10": b"GET / HTTP/1.0\r\n\r\n",
        "h2c-upgrade": b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                       b"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
        "prior-knowledge": PREFACE + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00",
        "refused-then-more": b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
    }
    return seeds


def h2_frames(build):
    connection = H2Connection(config=H2Configuration(client_side=True, header_encoding="utf-8"))
    connection.initiate_connection()
    build(connection)
    data = connection.data_to_send()
    assert data.startswith(PREFACE)
    return data[len(PREFACE):]


def raw_frame(kind, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def http2_seeds():
    get = [(":method", "GET"), (":path", "/healthz"), (":scheme", "http"), (":authority", "x")]
    post = [(":method", "POST"), (":path", "/v1/upscale?scale=2"), (":scheme", "http"), (":authority", "x"),
            ("content-type", "image/png")]

    def one_get(c):
        c.send_headers(1, get, end_stream=True)

    def several(c):
        for stream in (1, 3, 5):
            c.send_headers(stream, get, end_stream=True)
        c.ping(b"12345678")
        c.reset_stream(3)

    def upload(c):
        c.send_headers(1, post + [("content-length", "9")])
        c.send_data(1, b"\x89PNG\r\n\x1a\n!", end_stream=True)
        c.increment_flow_control_window(65535)

    def trailers(c):
        c.send_headers(1, post)
        c.send_data(1, b"abc")
        c.send_headers(1, [("x-trailer", "t")], end_stream=True)

    def settings_and_goaway(c):
        c.update_settings({4: 1 << 20, 5: 1 << 15, 3: 10})
        c.send_headers(1, get, end_stream=True)
        c.close_connection()

    continuation = raw_frame(1, 0x1, 1, bytes([0x82, 0x84])) + raw_frame(9, 0x4, 1, bytes([0x86, 0x01, 0x01, 0x78]))
    return {
        "get": h2_frames(one_get),
        "several-streams": h2_frames(several),
        "upload": h2_frames(upload),
        "trailers": h2_frames(trailers),
        "settings-goaway": h2_frames(settings_and_goaway),
        "continuation": raw_frame(4, 0, 0, b"") + continuation,
        "priority-window": raw_frame(4, 0, 0, b"") + raw_frame(2, 0, 1, bytes(5)) + raw_frame(8, 0, 0, bytes([0, 0, 1, 0]))
                           + raw_frame(1, 0x5, 1, bytes([0x82, 0x84, 0x86, 0x01, 0x01, 0x78])),
    }


def upload_seeds():
    png_bytes = save(picture("RGB", (3, 3)), "PNG")
    jpeg_bytes = save(picture("RGB", (8, 8)), "JPEG", quality=50)

    def form(boundary, parts):
        out = b""
        for headers, content in parts:
            out += b"--" + boundary + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + content + b"\r\n"
        return out + b"--" + boundary + b"--\r\n"

    image_part = ([b'Content-Disposition: form-data; name="image"; filename="a.png"', b"Content-Type: image/png"], png_bytes)
    return {
        "form": b"multipart/form-data; boundary=XyZ\n" + form(b"XyZ", [image_part]),
        "form-quoted-boundary": b'multipart/form-data; boundary="a b:c"\n' + b"preamble\r\n"
                                + form(b"a b:c", [([b'Content-Disposition: form-data; name="scale"'], b"2"), image_part]),
        "form-no-image-field": b"multipart/form-data; boundary=q\n"
                               + form(b"q", [([b'Content-Disposition: form-data; name="other"'], b"x")]),
        "raw-png": b"image/png\n" + png_bytes,
        "octet-jpeg": b"application/octet-stream\n" + jpeg_bytes,
        "no-type": b"\n" + jpeg_bytes,
    }


def main():
    write("png", png_seeds())
    write("jpeg", jpeg_seeds())
    write("webp", webp_seeds())
    write("request-head", request_head_seeds())
    write("chunked-body", chunked_seeds())
    write("http1-session", http1_session_seeds())
    write("http2-frames", http2_seeds())
    write("image-upload", upload_seeds())
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(ROOT) for f in fs)
    print(f"seeds written under {ROOT}: {total} bytes")


if __name__ == "__main__":
    main()
