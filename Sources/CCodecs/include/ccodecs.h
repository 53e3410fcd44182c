#ifndef CCODECS_H
#define CCODECS_H

/*
 * Thin C layer over libpng and libjpeg, working on memory buffers only.
 *
 * Both libraries report fatal errors by calling a handler that must not return; Swift cannot
 * setjmp, so every entry point here owns its setjmp and turns any library error into a status
 * code plus a message in `cc_error`. Nothing here prints, aborts or exits.
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
/** Encodes 8-bit interleaved pixels with 1-4 channels. */
int32_t cc_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                      cc_buffer *out, cc_error *error);

int32_t cc_jpeg_read_header(const uint8_t *data, size_t size, cc_image_info *info,
                            cc_error *error);
/** Decodes into `out` (width * height * channels bytes); CMYK/YCCK is converted to RGB. */
int32_t cc_jpeg_decode(const uint8_t *data, size_t size, uint8_t *out, size_t out_size,
                       cc_error *error);
/** Encodes 8-bit gray (1 channel) or RGB (3 channels) pixels at quality 1-100. */
int32_t cc_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                       int32_t quality, cc_buffer *out, cc_error *error);

#endif
