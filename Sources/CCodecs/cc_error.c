#include "cc_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void cc_clear(cc_error *error) {
    error->code = CC_OK;
    error->message[0] = '\0';
}

int32_t cc_fail(cc_error *error, int32_t code, const char *format, ...) {
    /* A library error handler may run after a more specific failure was recorded (e.g. the read
     * callback saw the end of the data, then libpng reports a generic error): keep the first. */
    if (error->code != CC_OK) return error->code;
    error->code = code;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error->message, sizeof error->message, format, arguments);
    va_end(arguments);
    return code;
}

void cc_buffer_free(cc_buffer *buffer) {
    if (buffer == NULL) return;
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = 0;
}
