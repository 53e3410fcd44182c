#include "cc_internal.h"

#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/encode.h>

/* libwebp reports failures as return codes (no callbacks, no longjmp), so each call's status is
 * turned into a cc_error here. */

static const char *status_text(VP8StatusCode status) {
    switch (status) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_SUSPENDED: return "decoding suspended";
    case VP8_STATUS_USER_ABORT: return "decoding aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "unexpected end of data (truncated file)";
    default: return "unknown error";
    }
}

static int32_t status_code(VP8StatusCode status) {
    return status == VP8_STATUS_OUT_OF_MEMORY ? CC_ERR_MEMORY : CC_ERR_CORRUPT;
}

/* Reads the features; animated files are refused (one frame out of many is not the image). */
static int32_t read_features(const uint8_t *data, size_t size, WebPBitstreamFeatures *features,
                             cc_error *error) {
    VP8StatusCode status = WebPGetFeatures(data, size, features);
    if (status != VP8_STATUS_OK) {
        return cc_fail(error, status_code(status), "WebP: %s", status_text(status));
    }
    if (features->has_animation) {
        return cc_fail(error, CC_ERR_CORRUPT, "WebP: animated images are not supported");
    }
    if (features->width <= 0 || features->height <= 0) {
        return cc_fail(error, CC_ERR_CORRUPT, "WebP: invalid size %d x %d", features->width,
                       features->height);
    }
    return CC_OK;
}

int32_t cc_webp_read_header(const uint8_t *data, size_t size, cc_image_info *info,
                            cc_error *error) {
    cc_clear(error);
    memset(info, 0, sizeof *info);
    WebPBitstreamFeatures features;
    if (read_features(data, size, &features, error) != CC_OK) return error->code;
    info->width = (uint32_t)features.width;
    info->height = (uint32_t)features.height;
    info->channels = features.has_alpha ? 4 : 3;
    info->bit_depth = 8;
    /* 0 undefined/mixed, 1 lossy, 2 lossless (WebPBitstreamFeatures.format). */
    info->color_type = features.format;
    info->interlaced = 0;
    return CC_OK;
}

int32_t cc_webp_decode(const uint8_t *data, size_t size, uint8_t *out, size_t out_size,
                       cc_error *error) {
    cc_clear(error);
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) {
        return cc_fail(error, CC_ERR_ARGUMENT, "WebP: library version mismatch");
    }
    if (read_features(data, size, &config.input, error) != CC_OK) return error->code;
    int channels = config.input.has_alpha ? 4 : 3;
    size_t stride = (size_t)config.input.width * (size_t)channels;
    if (out_size != stride * (size_t)config.input.height) {
        return cc_fail(error, CC_ERR_ARGUMENT,
                       "WebP: output buffer of %zu bytes does not match %d x %d x %d", out_size,
                       config.input.width, config.input.height, channels);
    }
    /* Decode straight into the caller's buffer: no second copy of the pixels. */
    config.output.colorspace = channels == 4 ? MODE_RGBA : MODE_RGB;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = out;
    config.output.u.RGBA.stride = (int)stride;
    config.output.u.RGBA.size = out_size;
    VP8StatusCode status = WebPDecode(data, size, &config);
    WebPFreeDecBuffer(&config.output);
    if (status != VP8_STATUS_OK) {
        return cc_fail(error, status_code(status), "WebP: %s", status_text(status));
    }
    return CC_OK;
}

static const char *encoding_error_text(WebPEncodingError code) {
    switch (code) {
    case VP8_ENC_ERROR_OUT_OF_MEMORY:
    case VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY: return "out of memory";
    case VP8_ENC_ERROR_BAD_DIMENSION: return "the size is beyond WebP's limit of 16383 pixels a side";
    case VP8_ENC_ERROR_FILE_TOO_BIG: return "the file would exceed 4 GiB";
    default: return "encoding failed";
    }
}

int32_t cc_webp_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                       int32_t quality, int32_t lossless, cc_buffer *out, cc_error *error) {
    cc_clear(error);
    out->data = NULL;
    out->size = 0;
    if (channels != 3 && channels != 4) {
        return cc_fail(error, CC_ERR_ARGUMENT, "WebP: %d channels cannot be encoded", channels);
    }
    if (quality < 1 || quality > 100) {
        return cc_fail(error, CC_ERR_ARGUMENT, "WebP: quality %d is outside 1-100", quality);
    }
    if (width == 0 || height == 0 || width > WEBP_MAX_DIMENSION || height > WEBP_MAX_DIMENSION) {
        return cc_fail(error, CC_ERR_ARGUMENT,
                       "WebP: cannot encode a %u x %u image (at most %d pixels a side)", width,
                       height, WEBP_MAX_DIMENSION);
    }
    WebPConfig config;
    if (!WebPConfigInit(&config)) {
        return cc_fail(error, CC_ERR_ARGUMENT, "WebP: library version mismatch");
    }
    if (lossless) {
        /* Level 1 of 0-9: fast; Benchmarks/README.md has the measured trade. `exact` keeps the colour
         * under fully transparent pixels, so a lossless file decodes to exactly what was encoded. */
        WebPConfigLosslessPreset(&config, 1);
        config.exact = 1;
    } else {
        config.quality = (float)quality;
        /* Alpha stays lossless (alpha_quality 100, the default) in a lossy file. */
    }
    WebPPicture picture;
    if (!WebPPictureInit(&picture)) {
        return cc_fail(error, CC_ERR_ARGUMENT, "WebP: library version mismatch");
    }
    picture.width = (int)width;
    picture.height = (int)height;
    picture.use_argb = lossless ? 1 : 0;
    int stride = (int)width * channels;
    int imported = channels == 4 ? WebPPictureImportRGBA(&picture, pixels, stride)
                                 : WebPPictureImportRGB(&picture, pixels, stride);
    if (!imported) {
        WebPPictureFree(&picture);
        return cc_fail(error, CC_ERR_MEMORY, "WebP: out of memory for the picture");
    }
    WebPMemoryWriter writer;
    WebPMemoryWriterInit(&writer);
    picture.writer = WebPMemoryWrite;
    picture.custom_ptr = &writer;
    int encoded = WebPEncode(&config, &picture);
    WebPEncodingError code = picture.error_code;
    WebPPictureFree(&picture);
    if (!encoded) {
        WebPMemoryWriterClear(&writer);
        int32_t kind = (code == VP8_ENC_ERROR_OUT_OF_MEMORY || code == VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY)
                           ? CC_ERR_MEMORY
                           : CC_ERR_ARGUMENT;
        return cc_fail(error, kind, "WebP: %s", encoding_error_text(code));
    }
    /* The writer's buffer comes from WebPMalloc, which is malloc: cc_buffer_free's free() fits. */
    out->data = writer.mem;
    out->size = writer.size;
    return CC_OK;
}
