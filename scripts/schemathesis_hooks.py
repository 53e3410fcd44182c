"""schemathesis hooks for smsr-serve (loaded by scripts/schemathesis.sh through SCHEMATHESIS_HOOKS).

The image bodies of /openapi.json are binary strings, for which schemathesis would send random bytes only:
every image route would answer 415 and its 200 (headers, content type) would never be checked. These
strategies send small real PNG, JPEG and WebP images of random size, layout and pixels, as well as random
bytes, so both the answers and the refusals are held against the document.
"""
import io

import schemathesis
from hypothesis import strategies as st
from PIL import Image

MODES = {"PNG": ["L", "LA", "RGB", "RGBA"], "JPEG": ["L", "RGB"], "WEBP": ["RGB", "RGBA"]}


@st.composite
def image_file(draw, kind):
    mode = draw(st.sampled_from(MODES[kind]))
    width, height = draw(st.integers(4, 24)), draw(st.integers(4, 24))
    pixels = draw(st.binary(min_size=width * height * len(mode), max_size=width * height * len(mode)))
    buffer = io.BytesIO()
    Image.frombytes(mode, (width, height), pixels).save(buffer, kind)
    return buffer.getvalue()


def body(*kinds):
    return st.one_of(*[image_file(kind) for kind in kinds], st.binary(max_size=64))


schemathesis.openapi.media_type("image/png", body("PNG"))
schemathesis.openapi.media_type("image/jpeg", body("JPEG"))
schemathesis.openapi.media_type("image/webp", body("WEBP"))
schemathesis.openapi.media_type("application/octet-stream", body("PNG", "JPEG", "WEBP"))
