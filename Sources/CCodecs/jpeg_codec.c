#include "cc_internal.h"

#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE and size_t first */
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

/* ---- error handling: libjpeg's error_exit must not return, so it longjmps to the setjmp that
 * each entry point holds. Messages are never printed. */

typedef struct {
    struct jpeg_error_mgr base; /* first, so that cinfo->err can be cast back */
    jmp_buf jump;
    cc_error *error;
} jpeg_failure;

static void on_jpeg_error(j_common_ptr cinfo) {
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    int32_t code = CC_ERR_CORRUPT;
    if (cinfo->err->msg_code == JERR_OUT_OF_MEMORY) code = CC_ERR_MEMORY;
    if (cinfo->err->msg_code == JERR_IMAGE_TOO_BIG) code = CC_ERR_LIMIT;
    cc_fail(failure->error, code, "JPEG: %s", message);
    longjmp(failure->jump, 1);
}

/* libjpeg's default on running out of data is a warning, a fake EOI and a gray-filled rest of
 * the image. A truncated file is an error here. Other warnings (e.g. extraneous bytes before a
 * marker, common in files from cameras) are recoverable and stay silent. */
static void on_jpeg_message(j_common_ptr cinfo, int level) {
    if (level < 0) {
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) on_jpeg_error(cinfo);
        cinfo->err->num_warnings++;
    }
}

static void on_jpeg_output(j_common_ptr cinfo) { (void)cinfo; }

static struct jpeg_error_mgr *install_failure(jpeg_failure *failure, cc_error *error) {
    jpeg_std_error(&failure->base);
    failure->base.error_exit = on_jpeg_error;
    failure->base.emit_message = on_jpeg_message;
    failure->base.output_message = on_jpeg_output;
    failure->error = error;
    return &failure->base;
}

/* ---- decoding */

static int32_t decoded_channels(J_COLOR_SPACE space) {
    switch (space) {
    case JCS_GRAYSCALE: return 1;
    case JCS_YCbCr:
    case JCS_RGB:
    case JCS_CMYK:
    case JCS_YCCK: return 3;
    default: return 0;
    }
}

/* Fills `info` from a decompressor that has read the header; errors out on color spaces we
 * cannot turn into gray or RGB. */
static void describe(j_decompress_ptr cinfo, cc_image_info *info) {
    info->width = cinfo->image_width;
    info->height = cinfo->image_height;
    info->bit_depth = cinfo->data_precision;
    info->color_type = (int32_t)cinfo->jpeg_color_space;
    info->interlaced = cinfo->progressive_mode ? 1 : 0;
    info->channels = decoded_channels(cinfo->jpeg_color_space);
    if (info->channels == 0) {
        cc_fail(((jpeg_failure *)cinfo->err)->error, CC_ERR_CORRUPT,
                "JPEG: unsupported color space with %d components", cinfo->num_components);
        longjmp(((jpeg_failure *)cinfo->err)->jump, 1);
    }
}

int32_t cc_jpeg_read_header(const uint8_t *data, size_t size, cc_image_info *info,
                            cc_error *error) {
    cc_clear(error);
    memset(info, 0, sizeof *info);
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = install_failure(&failure, error);
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return error->code;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    /* Reads markers up to the first scan; no pixel memory is allocated. */
    jpeg_read_header(&cinfo, TRUE);
    describe(&cinfo, info);
    jpeg_destroy_decompress(&cinfo);
    return CC_OK;
}

/* Adobe applications write CMYK inverted (0 = full ink); libjpeg hands the samples over as
 * stored, so the conversion depends on whether an Adobe marker was seen. */
static void cmyk_to_rgb(const JSAMPLE *cmyk, uint8_t *rgb, uint32_t width, int inverted) {
    for (uint32_t x = 0; x < width; x++) {
        unsigned c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        /* Now each value is the fraction of light let through: R = (1 - C)(1 - K). */
        rgb[0] = (uint8_t)((c * k + 127) / 255);
        rgb[1] = (uint8_t)((m * k + 127) / 255);
        rgb[2] = (uint8_t)((y * k + 127) / 255);
        cmyk += 4;
        rgb += 3;
    }
}

int32_t cc_jpeg_decode(const uint8_t *data, size_t size, uint8_t *out, size_t out_size,
                       cc_error *error) {
    cc_clear(error);
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    cc_image_info info;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&info, 0, sizeof info);
    cinfo.err = install_failure(&failure, error);
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return error->code;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    describe(&cinfo, &info);

    size_t row_bytes = (size_t)info.width * (size_t)info.channels;
    if (out_size != row_bytes * info.height) {
        cc_fail(error, CC_ERR_ARGUMENT,
                "JPEG: output buffer of %zu bytes does not match %u x %u x %d", out_size,
                info.width, info.height, info.channels);
        jpeg_destroy_decompress(&cinfo);
        return error->code;
    }
    int is_cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    if (info.channels == 1) {
        cinfo.out_color_space = JCS_GRAYSCALE;
    } else if (is_cmyk) {
        cinfo.out_color_space = JCS_CMYK; /* libjpeg turns YCCK into CMYK; we do CMYK -> RGB */
    } else {
        cinfo.out_color_space = JCS_RGB;
    }
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_width != info.width || cinfo.output_height != info.height ||
        cinfo.output_components != (is_cmyk ? 4 : info.channels)) {
        cc_fail(error, CC_ERR_CORRUPT, "JPEG: unexpected output geometry");
        jpeg_destroy_decompress(&cinfo);
        return error->code;
    }
    /* Freed with the decompressor, also on the error path. */
    JSAMPARRAY cmyk_row = is_cmyk ? (*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE,
                                                               info.width * 4, 1)
                                  : NULL;
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *row = out + (size_t)cinfo.output_scanline * row_bytes;
        JSAMPROW target = is_cmyk ? cmyk_row[0] : row;
        if (jpeg_read_scanlines(&cinfo, &target, 1) != 1) {
            cc_fail(error, CC_ERR_CORRUPT, "JPEG: decoder stopped before the last row");
            jpeg_destroy_decompress(&cinfo);
            return error->code;
        }
        if (is_cmyk) cmyk_to_rgb(cmyk_row[0], row, info.width, cinfo.saw_Adobe_marker);
    }
    /* Reads to EOI: a file cut after its last scan is reported too. */
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return CC_OK;
}

/* ---- encoding into a growing memory buffer (our own destination: libjpeg's jpeg_mem_dest
 * leaves the caller no safe way to free its buffer after an error mid-way). */

typedef struct {
    struct jpeg_destination_mgr base;
    uint8_t *data;
    size_t capacity;
    size_t size;
} memory_destination;

static void start_destination(j_compress_ptr cinfo) {
    memory_destination *destination = (memory_destination *)cinfo->dest;
    destination->base.next_output_byte = destination->data;
    destination->base.free_in_buffer = destination->capacity;
}

static boolean grow_destination(j_compress_ptr cinfo) {
    memory_destination *destination = (memory_destination *)cinfo->dest;
    /* Called when the whole buffer is full. */
    size_t used = destination->capacity;
    if (used > SIZE_MAX / 2) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 1);
    uint8_t *grown = (uint8_t *)realloc(destination->data, used * 2);
    if (grown == NULL) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 2);
    destination->data = grown;
    destination->capacity = used * 2;
    destination->base.next_output_byte = grown + used;
    destination->base.free_in_buffer = destination->capacity - used;
    return TRUE;
}

static void finish_destination(j_compress_ptr cinfo) {
    memory_destination *destination = (memory_destination *)cinfo->dest;
    destination->size = destination->capacity - destination->base.free_in_buffer;
}

int32_t cc_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                       int32_t quality, cc_buffer *out, cc_error *error) {
    cc_clear(error);
    out->data = NULL;
    out->size = 0;
    if (channels != 1 && channels != 3) {
        return cc_fail(error, CC_ERR_ARGUMENT, "JPEG: %d channels cannot be encoded", channels);
    }
    if (quality < 1 || quality > 100) {
        return cc_fail(error, CC_ERR_ARGUMENT, "JPEG: quality %d is outside 1-100", quality);
    }
    if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        return cc_fail(error, CC_ERR_ARGUMENT, "JPEG: cannot encode a %u x %u image", width,
                       height);
    }
    /* Allocated before setjmp and never reassigned, so the error path can free it. */
    memory_destination *destination = (memory_destination *)calloc(1, sizeof *destination);
    if (destination == NULL) return cc_fail(error, CC_ERR_MEMORY, "JPEG: out of memory");
    destination->capacity = 16384;
    destination->data = (uint8_t *)malloc(destination->capacity);
    if (destination->data == NULL) {
        free(destination);
        return cc_fail(error, CC_ERR_MEMORY, "JPEG: out of memory");
    }
    destination->base.init_destination = start_destination;
    destination->base.empty_output_buffer = grow_destination;
    destination->base.term_destination = finish_destination;

    struct jpeg_compress_struct cinfo;
    jpeg_failure failure;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = install_failure(&failure, error);
    if (setjmp(failure.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(destination->data);
        free(destination);
        return error->code;
    }
    jpeg_create_compress(&cinfo);
    cinfo.dest = &destination->base;
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    cinfo.optimize_coding = TRUE; /* smaller files for a little CPU */
    jpeg_start_compress(&cinfo, TRUE);
    size_t row_bytes = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * row_bytes);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);

    out->data = destination->data;
    out->size = destination->size;
    free(destination);
    return CC_OK;
}
