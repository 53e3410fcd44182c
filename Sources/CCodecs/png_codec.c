#include "cc_internal.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

/* ---- error handling: libpng's error callback must not return, so it longjmps to the setjmp
 * that each entry point holds in png_jmpbuf. Warnings are dropped: they are never fatal and a
 * library must not write to stderr. */

static void on_png_error(png_structp png, png_const_charp message) {
    cc_error *error = (cc_error *)png_get_error_ptr(png);
    int32_t code = CC_ERR_CORRUPT;
    if (strstr(message, "memory") != NULL) code = CC_ERR_MEMORY;
    if (strstr(message, "exceeds user limit") != NULL || strstr(message, "too large") != NULL)
        code = CC_ERR_LIMIT;
    cc_fail(error, code, "PNG: %s", message);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/* ---- reading from memory */

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} png_source;

static void read_from_source(png_structp png, png_bytep out, size_t length) {
    png_source *source = (png_source *)png_get_io_ptr(png);
    if (length > source->size - source->offset) {
        png_error(png, "unexpected end of data (truncated file)");
    }
    memcpy(out, source->data + source->offset, length);
    source->offset += length;
}

static uint32_t read_be32(const uint8_t *bytes) {
    return ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) | ((uint32_t)bytes[2] << 8) |
           (uint32_t)bytes[3];
}

/* Checks the signature and, before libpng sees the file, the IHDR dimensions: an image beyond
 * our dimension cap is reported as a limit error that still carries its size. */
static int32_t check_signature_and_size(const uint8_t *data, size_t size, cc_image_info *info,
                                        cc_error *error) {
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        return cc_fail(error, CC_ERR_CORRUPT, "PNG: bad signature");
    }
    if (size >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        uint32_t width = read_be32(data + 16);
        uint32_t height = read_be32(data + 20);
        if (width > CC_PNG_MAX_DIMENSION || height > CC_PNG_MAX_DIMENSION) {
            if (width <= PNG_UINT_31_MAX && height <= PNG_UINT_31_MAX) {
                info->width = width;
                info->height = height;
                return cc_fail(error, CC_ERR_LIMIT,
                               "PNG: %u x %u exceeds the largest accepted side of %u pixels",
                               width, height, CC_PNG_MAX_DIMENSION);
            }
        }
    }
    return CC_OK;
}

/* Creates a reader with our handlers and limits. Returns 0 on allocation failure. */
static int open_reader(png_source *source, cc_error *error, png_structp *png_out,
                       png_infop *info_out) {
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, error, on_png_error, on_png_warning);
    if (png == NULL) {
        cc_fail(error, CC_ERR_MEMORY, "PNG: cannot create reader");
        return 0;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        cc_fail(error, CC_ERR_MEMORY, "PNG: cannot create info");
        return 0;
    }
    /* A hostile file must not make libpng allocate much on its own: cap the image sides, the
     * size of any ancillary chunk it buffers (iCCP, zTXt, ...), and how many it caches. */
    png_set_user_limits(png, CC_PNG_MAX_DIMENSION, CC_PNG_MAX_DIMENSION);
    png_set_chunk_malloc_max(png, CC_PNG_CHUNK_MALLOC_MAX);
    png_set_chunk_cache_max(png, 256);
    png_set_read_fn(png, source, read_from_source);
    *png_out = png;
    *info_out = info;
    return 1;
}

/* Channels after our normalization: palette -> RGB, tRNS -> alpha. */
static int32_t normalized_channels(png_structp png, png_infop info, int color_type) {
    int32_t transparency = png_get_valid(png, info, PNG_INFO_tRNS) ? 1 : 0;
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return 1 + transparency;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3 + transparency;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    case PNG_COLOR_TYPE_PALETTE: return 3 + transparency;
    default: return 0;
    }
}

static void fill_info(png_structp png, png_infop info, cc_image_info *out) {
    out->width = png_get_image_width(png, info);
    out->height = png_get_image_height(png, info);
    out->bit_depth = png_get_bit_depth(png, info);
    out->color_type = png_get_color_type(png, info);
    out->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    out->channels = normalized_channels(png, info, out->color_type);
}

int32_t cc_png_read_header(const uint8_t *data, size_t size, cc_image_info *info,
                           cc_error *error) {
    cc_clear(error);
    memset(info, 0, sizeof *info);
    if (check_signature_and_size(data, size, info, error) != CC_OK) return error->code;

    png_source source = {data, size, 0};
    png_structp png = NULL;
    png_infop png_info = NULL;
    if (!open_reader(&source, error, &png, &png_info)) return error->code;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &png_info, NULL);
        return error->code;
    }
    /* Reads every chunk before the first IDAT; no pixel memory is allocated. */
    png_read_info(png, png_info);
    fill_info(png, png_info, info);
    png_destroy_read_struct(&png, &png_info, NULL);
    if (info->channels == 0) return cc_fail(error, CC_ERR_CORRUPT, "PNG: unknown color type");
    return CC_OK;
}

int32_t cc_png_decode(const uint8_t *data, size_t size, uint8_t *out, size_t out_size,
                      cc_error *error) {
    cc_clear(error);
    cc_image_info info;
    memset(&info, 0, sizeof info);
    if (check_signature_and_size(data, size, &info, error) != CC_OK) return error->code;

    png_source source = {data, size, 0};
    png_structp png = NULL;
    png_infop png_info = NULL;
    if (!open_reader(&source, error, &png, &png_info)) return error->code;
    /* Assigned after setjmp, read after longjmp: must be volatile. */
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_read_struct(&png, &png_info, NULL);
        return error->code;
    }
    png_read_info(png, png_info);
    fill_info(png, png_info, &info);
    if (info.channels == 0) png_error(png, "unknown color type");

    if (info.color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (info.color_type == PNG_COLOR_TYPE_GRAY && info.bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (png_get_valid(png, png_info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    /* Scale (v * 255 / 65535, rounded) rather than strip the low byte: the nearest 8-bit value.
     * The tRNS match above happens on the full 16-bit samples, before scaling. */
    if (info.bit_depth == 16) png_set_scale_16(png);
    /* No png_set_gamma / png_set_background: pixels stay as stored. */
    png_set_interlace_handling(png);
    png_read_update_info(png, png_info);

    size_t row_bytes = png_get_rowbytes(png, png_info);
    if (png_get_channels(png, png_info) != (png_byte)info.channels ||
        png_get_bit_depth(png, png_info) != 8 ||
        row_bytes != (size_t)info.width * (size_t)info.channels) {
        png_error(png, "unexpected layout after transformations");
    }
    if (info.height == 0 || row_bytes > SIZE_MAX / info.height ||
        out_size != row_bytes * info.height) {
        cc_fail(error, CC_ERR_ARGUMENT, "PNG: output buffer of %zu bytes does not match %u x %u x %d",
                out_size, info.width, info.height, info.channels);
        png_longjmp(png, 1);
    }
    rows = (png_bytep *)malloc(sizeof(png_bytep) * info.height);
    if (rows == NULL) png_error(png, "out of memory for row pointers");
    for (uint32_t y = 0; y < info.height; y++) rows[y] = out + (size_t)y * row_bytes;

    png_read_image(png, rows);
    /* Reads up to IEND, so a file cut after its pixel data is still reported as truncated and
     * the zlib stream's checksum is verified. */
    png_read_end(png, NULL);

    free(rows);
    png_destroy_read_struct(&png, &png_info, NULL);
    return CC_OK;
}

/* ---- writing to memory */

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} png_sink;

static void write_to_sink(png_structp png, png_bytep bytes, size_t length) {
    png_sink *sink = (png_sink *)png_get_io_ptr(png);
    if (length > SIZE_MAX / 2 - sink->size) png_error(png, "output too large");
    size_t needed = sink->size + length;
    if (needed > sink->capacity) {
        size_t capacity = sink->capacity < 4096 ? 4096 : sink->capacity;
        while (capacity < needed) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(sink->data, capacity);
        if (grown == NULL) png_error(png, "out of memory for output");
        sink->data = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->data + sink->size, bytes, length);
    sink->size = needed;
}

static void flush_sink(png_structp png) { (void)png; }

int32_t cc_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                      const cc_png_settings *settings, cc_buffer *out, cc_error *error) {
    cc_clear(error);
    out->data = NULL;
    out->size = 0;
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                       PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    if (channels < 1 || channels > 4) {
        return cc_fail(error, CC_ERR_ARGUMENT, "PNG: %d channels cannot be encoded", channels);
    }
    if (width == 0 || height == 0 || width > PNG_UINT_31_MAX || height > PNG_UINT_31_MAX) {
        return cc_fail(error, CC_ERR_ARGUMENT, "PNG: cannot encode a %u x %u image", width,
                       height);
    }
    if (settings->level < 0 || settings->level > 9 || settings->strategy < 0 ||
        settings->strategy > 3 || (settings->filters & PNG_ALL_FILTERS) == 0 ||
        (settings->filters & ~PNG_ALL_FILTERS) != 0) {
        return cc_fail(error, CC_ERR_ARGUMENT, "PNG: invalid compression settings");
    }
    size_t row_bytes = (size_t)width * (size_t)channels;

    /* Everything the error path frees is allocated before setjmp, and those pointers are not
     * assigned afterwards. */
    png_sink *sink = (png_sink *)calloc(1, sizeof(png_sink));
    png_bytep *rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, error, on_png_error, on_png_warning);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (sink == NULL || rows == NULL || png == NULL || info == NULL) {
        free(sink);
        free(rows);
        png_destroy_write_struct(&png, &info);
        return cc_fail(error, CC_ERR_MEMORY, "PNG: cannot create writer");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        free(sink->data);
        free(sink);
        return error->code;
    }
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * row_bytes);
    png_set_write_fn(png, sink, write_to_sink, flush_sink);
    png_set_compression_level(png, settings->level);
    png_set_compression_strategy(png, settings->strategy);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, settings->filters);
    png_set_IHDR(png, info, width, height, 8, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, NULL);

    png_destroy_write_struct(&png, &info);
    free(rows);
    out->data = sink->data;
    out->size = sink->size;
    free(sink);
    return CC_OK;
}
