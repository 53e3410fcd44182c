#ifndef CC_INTERNAL_H
#define CC_INTERNAL_H

#include "ccodecs.h"

/* Resets `error` to success. */
void cc_clear(cc_error *error);
/* Records a failure (the first one wins, so the innermost cause is kept) and returns its code. */
int32_t cc_fail(cc_error *error, int32_t code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
