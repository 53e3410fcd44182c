// The project's own trained weights, compiled into the binary with #embed so that a copied `smsr`
// executable carries its models (a resource bundle beside it would be easy to lose).
// A scale whose file is absent from Models/ is simply not built in.
#include "default_models.h"

#if __has_embed("../../Models/smsr_x2.safetensors")
static const unsigned char model_x2[] = {
#embed "../../Models/smsr_x2.safetensors"
};
#define HAVE_X2 1
#endif

#if __has_embed("../../Models/smsr_x3.safetensors")
static const unsigned char model_x3[] = {
#embed "../../Models/smsr_x3.safetensors"
};
#define HAVE_X3 1
#endif

#if __has_embed("../../Models/smsr_x4.safetensors")
static const unsigned char model_x4[] = {
#embed "../../Models/smsr_x4.safetensors"
};
#define HAVE_X4 1
#endif

const unsigned char *smsr_default_model(int scale, size_t *length) {
    switch (scale) {
#ifdef HAVE_X2
    case 2: *length = sizeof model_x2; return model_x2;
#endif
#ifdef HAVE_X3
    case 3: *length = sizeof model_x3; return model_x3;
#endif
#ifdef HAVE_X4
    case 4: *length = sizeof model_x4; return model_x4;
#endif
    default: *length = 0; return NULL;
    }
}
