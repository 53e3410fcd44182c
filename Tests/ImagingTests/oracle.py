#!/usr/bin/env python3
"""Independent decoders and encoders the Imaging tests compare against.

Needs the PyPI packages `pypng` (PNG) and `Pillow` (JPEG, WebP: Pillow's wheels carry their own
libwebp). Every command writes raw pixel files into OUTDIR and prints one JSON object per line
describing them.

  png-rgba OUTDIR FILE...      pypng decode of each PNG, normalized to 8-bit RGBA (see below)
  jpeg-fixtures OUTDIR         JPEGs written by Pillow (baseline, 4:4:4, progressive, gray,
                               CMYK with and without the Adobe marker, EXIF orientations 1-8)
                               plus Pillow's upright decode of each
  jpeg-decode OUTDIR FILE...   Pillow's upright decode of each JPEG (CMYK as Adobe-inverted)
  webp-fixtures OUTDIR         WebPs written by Pillow (lossless and lossy, with and without
                               alpha, EXIF orientation 6, and an animation) plus Pillow's
                               upright RGB or RGBA decode of each
  webp-decode OUTDIR FILE...   Pillow's upright RGB or RGBA decode of each WebP

PNG uses pypng rather than Pillow because Pillow cannot give exact values in three cases: it
clips 16-bit gray when converting to 8 bits, keeps only the high byte of 16-bit color (so a
16-bit tRNS color cannot be matched), and compares low-bit gray tRNS values against already
scaled samples. pypng's `read()` returns the stored samples untouched (no sBIT or gamma), and
the normalization below is the one the Swift decoder promises:
  * 1/2/4-bit gray: v * 255 / (2^depth - 1) (bit replication, exact)
  * 16-bit: round(v * 255 / 65535), i.e. libpng's png_set_scale_16 (never a tie)
  * palette: expanded, with the tRNS alpha of each entry (255 past the tRNS list)
  * gray/RGB tRNS: alpha 0 where the stored sample(s) equal the tRNS value at full depth
  * no gamma correction
"""

import io
import json
import os
import sys


def to_8bit(value, depth):
    if depth == 16:
        return (value * 255 + 32767) // 65535
    if depth < 8:
        return value * 255 // ((1 << depth) - 1)
    return value


def png_rgba(outdir, paths):
    import png  # pypng

    for path in paths:
        name = os.path.basename(path)
        width, height, rows, info = png.Reader(filename=path).read()
        depth = info["bitdepth"]
        planes = info["planes"]
        # A color image may carry a suggested palette (PLTE in RGB); only color type 3 uses it.
        is_palette = planes == 1 and not info["greyscale"]
        palette = info.get("palette") if is_palette else None
        transparent = info.get("transparent")
        if transparent is not None and not isinstance(transparent, tuple):
            transparent = (transparent,)
        out = bytearray()
        for row in rows:
            row = list(row)
            for x in range(width):
                samples = row[x * planes:(x + 1) * planes]
                if palette is not None:
                    entry = tuple(palette[samples[0]])
                    rgba = entry if len(entry) == 4 else entry + (255,)
                else:
                    color = samples[:1] if info["greyscale"] else samples[:3]
                    if info["alpha"]:
                        alpha = to_8bit(samples[-1], depth)
                    elif transparent is not None and tuple(color) == transparent:
                        alpha = 0
                    else:
                        alpha = 255
                    color8 = [to_8bit(v, depth) for v in color]
                    if len(color8) == 1:
                        color8 = color8 * 3
                    rgba = tuple(color8) + (alpha,)
                out.extend(rgba)
        with open(os.path.join(outdir, name + ".rgba"), "wb") as handle:
            handle.write(out)
        print(json.dumps({
            "name": name,
            "width": width,
            "height": height,
            "gray": bool(info["greyscale"]) and palette is None,
            "alpha": bool(info["alpha"]) or transparent is not None
                     or (palette is not None and any(len(e) == 4 for e in palette)),
            "bitDepth": depth,
            "interlaced": bool(info.get("interlace")),
        }))


def write_upright(outdir, name, image):
    """Writes Pillow's upright decode of `image` as NAME.raw (L or RGB samples)."""
    from PIL import ImageOps

    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("L", "RGB"):
        upright = upright.convert("RGB")
    with open(os.path.join(outdir, name + ".raw"), "wb") as handle:
        handle.write(upright.tobytes())
    return {"name": name, "width": upright.width, "height": upright.height,
            "channels": 1 if upright.mode == "L" else 3}


def write_upright_colour(outdir, name, image):
    """Writes Pillow's upright decode of `image` as NAME.raw: RGBA when it has alpha, else RGB."""
    from PIL import ImageOps

    upright = ImageOps.exif_transpose(image)
    alpha = "A" in upright.getbands()
    upright = upright.convert("RGBA" if alpha else "RGB")
    with open(os.path.join(outdir, name + ".raw"), "wb") as handle:
        handle.write(upright.tobytes())
    return {"name": name, "width": upright.width, "height": upright.height, "channels": 4 if alpha else 3}


def gradient_image():
    from PIL import Image

    width, height = 64, 48
    data = bytearray()
    for y in range(height):
        for x in range(width):
            data.extend(((x * 4) % 256, (y * 5) % 256, ((x + y) * 2) % 256))
    return Image.frombytes("RGB", (width, height), bytes(data))


def quadrant_image():
    """48 x 32: red top-left, green top-right, blue bottom-left, white bottom-right."""
    from PIL import Image

    width, height = 48, 32
    colors = {(0, 0): (255, 0, 0), (1, 0): (0, 255, 0), (0, 1): (0, 0, 255), (1, 1): (255, 255, 255)}
    data = bytearray()
    for y in range(height):
        for x in range(width):
            data.extend(colors[(x * 2 // width, y * 2 // height)])
    return Image.frombytes("RGB", (width, height), bytes(data))


def without_adobe_marker(jpeg):
    """Drops APP14 segments, so a decoder sees plain (non-inverted) CMYK."""
    out = bytearray(jpeg[:2])
    offset = 2
    while offset + 4 <= len(jpeg) and jpeg[offset] == 0xFF and jpeg[offset + 1] != 0xDA:
        length = (jpeg[offset + 2] << 8) | jpeg[offset + 3]
        if jpeg[offset + 1] != 0xEE:
            out.extend(jpeg[offset:offset + 2 + length])
        offset += 2 + length
    out.extend(jpeg[offset:])
    return bytes(out)


def saved(outdir, name, image, kind, extension, **options):
    """Writes `image` with Pillow as OUTDIR/NAME.EXTENSION and returns the file's bytes."""
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    data = buffer.getvalue()
    with open(os.path.join(outdir, name + extension), "wb") as handle:
        handle.write(data)
    return data


def jpeg_fixtures(outdir):
    from PIL import Image

    def save(name, image, **options):
        return saved(outdir, name, image, "JPEG", ".jpg", **options)

    def emit(name, data):
        print(json.dumps(write_upright(outdir, name, Image.open(io.BytesIO(data)))))

    source = gradient_image()
    emit("baseline", save("baseline", source, quality=90))
    emit("baseline444", save("baseline444", source, quality=90, subsampling=0))
    emit("progressive", save("progressive", source, quality=90, progressive=True))
    emit("gray", save("gray", source.convert("L"), quality=90))
    # Pillow writes CMYK inverted with an Adobe APP14 marker, and reads every CMYK JPEG as
    # inverted; that is right for the Adobe file.
    cmyk = save("cmyk_adobe", source.convert("CMYK"), quality=90)
    emit("cmyk_adobe", cmyk)
    # Without the marker the stored samples are plain CMYK. Pillow's samples are 255 - stored,
    # so R = (255 - C)(255 - K) / 255 = pillow_C * pillow_K / 255, rounded.
    plain = without_adobe_marker(cmyk)
    with open(os.path.join(outdir, "cmyk_plain.jpg"), "wb") as handle:
        handle.write(plain)
    image = Image.open(io.BytesIO(plain))
    assert image.mode == "CMYK"
    samples = image.tobytes()
    rgb = bytearray()
    for i in range(0, len(samples), 4):
        c, m, y, k = samples[i:i + 4]
        rgb.extend(((c * k + 127) // 255, (m * k + 127) // 255, (y * k + 127) // 255))
    with open(os.path.join(outdir, "cmyk_plain.raw"), "wb") as handle:
        handle.write(bytes(rgb))
    print(json.dumps({"name": "cmyk_plain", "width": image.width, "height": image.height,
                      "channels": 3}))

    quadrants = quadrant_image()
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        name = "orientation%d" % orientation
        emit(name, save(name, quadrants, quality=95, exif=exif.tobytes()))


def jpeg_decode(outdir, paths):
    from PIL import Image

    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        with Image.open(path) as image:
            print(json.dumps(write_upright(outdir, name, image)))


def webp_fixtures(outdir):
    from PIL import Image

    def save(name, image, **options):
        return saved(outdir, name, image, "WEBP", ".webp", **options)

    def emit(name, data):
        print(json.dumps(write_upright_colour(outdir, name, Image.open(io.BytesIO(data)))))

    source = gradient_image()
    translucent = source.convert("RGBA")
    translucent.putalpha(Image.linear_gradient("L").resize(source.size))
    emit("lossless_rgb", save("lossless_rgb", source, lossless=True))
    emit("lossless_rgba", save("lossless_rgba", translucent, lossless=True, exact=True))
    emit("lossy_rgb", save("lossy_rgb", source, quality=80))
    emit("lossy_rgba", save("lossy_rgba", translucent, quality=80))
    exif = Image.Exif()
    exif[0x0112] = 6
    emit("orientation6", save("orientation6", quadrant_image(), lossless=True, exif=exif.tobytes()))
    # Two frames: not one image, so the decoder refuses it (no raw file).
    save("animated", source, save_all=True, append_images=[quadrant_image().resize(source.size)], duration=100)


def webp_decode(outdir, paths):
    from PIL import Image

    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        with Image.open(path) as image:
            print(json.dumps(write_upright_colour(outdir, name, image)))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    command, outdir, files = argv[1], argv[2], argv[3:]
    if command == "png-rgba":
        png_rgba(outdir, files)
    elif command == "jpeg-fixtures":
        jpeg_fixtures(outdir)
    elif command == "jpeg-decode":
        jpeg_decode(outdir, files)
    elif command == "webp-fixtures":
        webp_fixtures(outdir)
    elif command == "webp-decode":
        webp_decode(outdir, files)
    else:
        sys.exit("unknown command %r\n%s" % (command, __doc__))


if __name__ == "__main__":
    main(sys.argv)
