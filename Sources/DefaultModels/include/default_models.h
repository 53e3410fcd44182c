#ifndef SMSR_DEFAULT_MODELS_H
#define SMSR_DEFAULT_MODELS_H
#include <stddef.h>

/// The safetensors bytes of the default model for `scale` built into this binary, or NULL (length 0)
/// when this build has none for that scale.
const unsigned char *smsr_default_model(int scale, size_t *length);

#endif
