#ifndef CCODECS_H
#define CCODECS_H

/*
 * Thin C layer over libpng, libjpeg and libwebp, working on memory buffers only.
 *
 * libpng and libjpeg report fatal errors by calling a handler that must not return; Swift cannot
 * setjmp, so every entry point here owns its setjmp and turns any library error into a status
 * code plus a message in `cc_error` (libwebp returns status codes, turned the same way). Nothing
 * here prints, aborts or exits.
 *
 * Decoding is split in two calls so that the caller can look at the dimensions and refuse or
 * allocate the pixel buffer itself: `*_read_header`, then `*_decode` into that buffer.
 */

#include <stddef.h>
#include <stdint.h>

/* Status codes (macros, so that Swift sees plain Int32 constants). */
/** Success. */
#define CC_OK 0
/** The data is malformed, truncated, or uses a feature the library rejects. */
#define CC_ERR_CORRUPT 1
/** The image exceeds a size limit (a header's dimensions are still filled in when known). */
#define CC_ERR_LIMIT 2
/** An allocation failed. */
#define CC_ERR_MEMORY 3
/** The caller passed inconsistent arguments (e.g. a buffer of the wrong size). */
#define CC_ERR_ARGUMENT 4

typedef struct {
    int32_t code;        /* one of the CC_ codes above */
    char message[256];   /* NUL-terminated, empty on success */
} cc_error;

/** What a file's header says, plus the normalized 8-bit layout `*_decode` will produce. */
typedef struct {
    uint32_t width;
    uint32_t height;
    /** Channels of the decoded 8-bit pixels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
    int32_t channels;
    /** Bits per sample as stored in the file (PNG: 1, 2, 4, 8 or 16; JPEG: 8). */
    int32_t bit_depth;
    /** PNG color type, or libjpeg's J_COLOR_SPACE of the file for JPEG. */
    int32_t color_type;
    /** PNG: Adam7 interlaced; JPEG: progressive. */
    int32_t interlaced;
} cc_image_info;

/** A buffer allocated here with malloc; release it with cc_buffer_free. */
typedef struct {
    uint8_t *data;
    size_t size;
} cc_buffer;

void cc_buffer_free(cc_buffer *buffer);

/** Largest PNG width or height accepted (libpng's user limits are set to this). */
#define CC_PNG_MAX_DIMENSION 16777216u
/** Largest ancillary chunk libpng may allocate while reading (bytes). */
#define CC_PNG_CHUNK_MALLOC_MAX (8u * 1024u * 1024u)

int32_t cc_png_read_header(const uint8_t *data, size_t size, cc_image_info *info, cc_error *error);
/** Decodes into `out`, which must hold exactly width * height * channels bytes as reported by
 *  cc_png_read_header. 16-bit samples are scaled to 8 bits with rounding (png_set_scale_16). */
int32_t cc_png_decode(const uint8_t *data, size_t size, uint8_t *out, size_t out_size,
                      cc_error *error);
/** How hard the PNG writer compresses: the zlib level and strategy, and which row filters libpng
 *  may choose from (it picks one per row when several are allowed). */
typedef struct {
    /** zlib level, 0 (store) to 9. */
    int32_t level;
    /** zlib strategy: 0 default, 1 filtered, 2 Huffman only, 3 run-length (Z_RLE). */
    int32_t strategy;
    /** A set of PNG_FILTER_ bits: 0x08 none, 0x10 sub, 0x20 up, 0x40 average, 0x80 Paeth. */
    int32_t filters;
} cc_png_settings;

/** Encodes 8-bit interleaved pixels with 1-4 channels. */
int32_t cc_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                      const cc_png_settings *settings, cc_buffer *out, cc_error *error);

int32_t cc_jpeg_read_header(const uint8_t *data, size_t size, cc_image_info *info,
                            cc_error *error);
/** Decodes into `out` (width * height * channels bytes); CMYK/YCCK is converted to RGB. */
int32_t cc_jpeg_decode(const uint8_t *data, size_t size, uint8_t *out, size_t out_size,
                       cc_error *error);
/** Encodes 8-bit gray (1 channel) or RGB (3 channels) pixels at quality 1-100. */
int32_t cc_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                       int32_t quality, cc_buffer *out, cc_error *error);

/** Largest WebP width or height (the format's own limit). */
#define CC_WEBP_MAX_DIMENSION 16383u

/** Still images only: an animated file is refused. Decoded layout is RGB, or RGBA when the file
 *  has alpha. */
int32_t cc_webp_read_header(const uint8_t *data, size_t size, cc_image_info *info,
                            cc_error *error);
/** Decodes into `out` (width * height * channels bytes as reported by cc_webp_read_header). */
int32_t cc_webp_decode(const uint8_t *data, size_t size, uint8_t *out, size_t out_size,
                       cc_error *error);
/** Encodes 8-bit RGB (3 channels) or RGBA (4) pixels: lossy at quality 1-100 (alpha kept
 *  losslessly), or lossless (quality ignored) when `lossless` is non-zero. */
int32_t cc_webp_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                       int32_t quality, int32_t lossless, cc_buffer *out, cc_error *error);

#endif
