/* Times the service's own PNG writer (Sources/CCodecs/png_codec.c, compiled in) on one raw image under a
 * range of zlib levels, strategies and row filters. Driven by png_cost.py, which makes the images.
 *
 *   png_cost RAW WIDTH HEIGHT CHANNELS RUNS
 *
 * prints one JSON object a line: {"level":..,"strategy":..,"filters":..,"min_ms":..,"median_ms":..,"bytes":..}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccodecs.h"

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s RAW WIDTH HEIGHT CHANNELS RUNS\n", argv[0]);
        return 64;
    }
    uint32_t width = (uint32_t)atoi(argv[2]), height = (uint32_t)atoi(argv[3]);
    int32_t channels = atoi(argv[4]);
    int runs = atoi(argv[5]);
    size_t size = (size_t)width * height * (size_t)channels;
    uint8_t *pixels = malloc(size);
    FILE *file = fopen(argv[1], "rb");
    if (pixels == NULL || file == NULL || fread(pixels, 1, size, file) != size || runs < 1) {
        fprintf(stderr, "cannot read %zu bytes from %s\n", size, argv[1]);
        return 66;
    }
    fclose(file);

    static const struct { const char *name; int32_t bits; } filters[] = {
        {"none", 0x08}, {"sub", 0x10}, {"up", 0x20}, {"paeth", 0x80}, {"all", 0xF8},
    };
    static const struct { const char *name; int32_t value; } strategies[] = {
        {"filtered", 1}, {"rle", 3},
    };
    static const int levels[] = {1, 2, 3, 4, 6, 9};
    double *times = malloc(sizeof(double) * (size_t)runs);
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        for (size_t s = 0; s < sizeof strategies / sizeof strategies[0]; s++) {
            for (size_t f = 0; f < sizeof filters / sizeof filters[0]; f++) {
                cc_png_settings settings = {levels[l], strategies[s].value, filters[f].bits};
                size_t bytes = 0;
                for (int r = 0; r < runs; r++) {
                    cc_buffer out = {0};
                    cc_error error = {0};
                    double start = now_ms();
                    if (cc_png_encode(pixels, width, height, channels, &settings, &out, &error) != CC_OK) {
                        fprintf(stderr, "encode failed: %s\n", error.message);
                        return 70;
                    }
                    times[r] = now_ms() - start;
                    bytes = out.size;
                    cc_buffer_free(&out);
                }
                qsort(times, (size_t)runs, sizeof(double), compare);
                printf("{\"level\":%d,\"strategy\":\"%s\",\"filters\":\"%s\",\"min_ms\":%.3f,\"median_ms\":%.3f,"
                       "\"bytes\":%zu}\n",
                       levels[l], strategies[s].name, filters[f].name, times[0], times[runs / 2], bytes);
                fflush(stdout);
            }
        }
    }
    free(times);
    free(pixels);
    return 0;
}
