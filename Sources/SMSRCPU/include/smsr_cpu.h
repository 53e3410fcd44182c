#ifndef SMSR_CPU_H
#define SMSR_CPU_H

/// What the processor offers, asked once at start-up to choose a kernel build.
int smsr_cpu_has_avx512(void);
int smsr_cpu_has_avx2_fma(void);

/// One gathered convolution: the interface between the engine and its kernel builds, which are compiled
/// separately (one per instruction set) and so cannot share Swift types.
///
/// Output pixel `pos` (a row-major index into height x width) receives, for outputs 0..<computed_outputs,
///   bias + sum over taps (ky, kx) and inputs ci of w[ky][kx][ci][co] * input[neighbour][ci]
/// where inputs 0..<dense_inputs are read at every neighbour inside the image, inputs
/// dense_inputs..<used_inputs only at neighbours whose mask byte is non-zero (every neighbour when mask
/// is NULL), and nothing outside the image (zero padding). Inputs dense_inputs..<used_inputs must be 0 at
/// pixels whose mask byte is 0: kernels may read them there as stored instead of skipping them.
typedef struct smsr_convolution {
    const float *input;          /* channels-last, height x width x input_channels */
    long height;
    long width;
    long input_channels;
    long dense_inputs;
    long used_inputs;
    const unsigned char *mask;   /* height x width, or NULL */
    long kernel_size;            /* 1 or 3 */
    const float *weights;        /* [ky][kx][input_channels][padded_outputs] */
    long padded_outputs;         /* a multiple of 16; weight columns past the real outputs are zero */
    const float *bias;           /* padded_outputs values, or NULL */
    float *output;               /* channels-last, height x width x output_channels */
    long output_channels;
    long computed_outputs;       /* outputs 0..<computed_outputs are written */
    long cleared_outputs;        /* outputs computed_outputs..<cleared_outputs are set to 0; the rest are left alone */
    int accumulate;              /* add to the output instead of overwriting it */
    int relu;
    long input_ring_rows;        /* 0: input holds every row; n: a ring of n rows, row y stored as row y % n */
    long output_ring_rows;       /* likewise for output */
    const int *positions;        /* the output pixels, or NULL for first..<first+count */
    long first;
    long count;
    unsigned int empty_taps;     /* bit ky * kernel_size + kx set: that tap's weights are all 0, and it is skipped */
    int bias_last;               /* the bias is added to the finished sum (with accumulate 0: a sum onto a constant map) */
} smsr_convolution;

/// The 1x1 collect of a sparse mask block's layers over one row, in one pass: output pixel x receives
///   bias + sum over layers l and inputs ci of w[l][ci][co] * layer_l[x][ci]
/// for every output co, overwriting the output row. Inputs 0..<dense_inputs[l] of layer l are read at every
/// pixel, the rest only where the mask byte is non-zero; they must be 0 where it is 0, since kernels may read
/// them there as stored.
typedef struct smsr_layer_collect {
    const float *layers[4];      /* each layer's row, width x channels */
    long dense_inputs[4];
    long layer_count;            /* 1...4 */
    long channels;               /* inputs per layer, and outputs */
    long width;
    const unsigned char *mask;   /* the row's mask bytes */
    const float *weights;        /* [layer][channels][padded_outputs] */
    long padded_outputs;         /* a multiple of 16; weight columns past the real outputs are zero */
    const float *bias;           /* padded_outputs values */
    float *output;               /* width x channels */
} smsr_layer_collect;

/// A few outputs of a 3x3 convolution over one row, with positions along the vector lanes instead of outputs
/// (for layers whose dense outputs would fill a small part of a vector): output pixel x receives, for outputs
/// 0..<outputs, after ReLU,
///   sum over taps (ky, kx) and inputs ci < inputs of w[ky][kx][ci][co] * planar[ky][ci][x + kx]
/// summed in that order from 0, as `smsr_convolution` sums. planar[ky] holds input row y + ky - 1 channel by
/// channel, `pitch` floats per channel, pixel x at column x + 1, with zeros in column 0 and in columns width + 1
/// to width + 64 (tiles read whole spans of positions). Outputs past `outputs` are left alone.
typedef struct smsr_planar_row {
    const float *planar[3];
    long pitch;
    long width;
    long inputs;
    const float *weights;        /* [ky][kx][weight_inputs][padded_outputs] */
    long weight_inputs;
    long padded_outputs;         /* a multiple of 16; weight columns past the real outputs are zero */
    long outputs;                /* at most padded_outputs */
    float *output;               /* width pixels, output_channels apart */
    long output_channels;
} smsr_planar_row;

/// A dense 3x3 convolution with zero padding 1 (smsr_convolution with kernel_size 3, no mask, no rings) by
/// Winograd's minimal filtering F(m x n, 3x3), m = block_height and n = block_width (each 2 or 4): each block of
/// m x n output pixels is A_m^T [U . (B_m^T d B_n)] A_n, where d is the block's (m+2) x (n+2) input patch and
/// U = G_m g G_n^T the transformed 3x3 weights g, the elementwise products summed over the inputs in each of the
/// (m+2)(n+2) transformed components. That takes (m+2)(n+2) multiply-adds per block, input and output where summing
/// the taps takes 9 m n (16 against 36 for 2x2, 24 against 72 for 2x4, 36 against 144 for 4x4); the sums are the
/// same up to rounding. Output pixel (y, x), for outputs
/// 0..<output_channels, receives bias + that sum (plus the stored value with accumulate), then ReLU if asked.
typedef struct smsr_winograd {
    const float *input;          /* channels-last, height x width x input_channels */
    long height;
    long width;
    long input_channels;         /* a multiple of 16, at most 1024 */
    long block_height;           /* m: 2 or 4 */
    long block_width;            /* n: 2 or 4 */
    const float *weights;        /* [(m+2)(n+2) components][input_channels][padded_outputs]: U per input and output */
    long padded_outputs;         /* a multiple of 16; columns past the real outputs are zero */
    const float *bias;           /* padded_outputs values, or NULL */
    float *output;               /* channels-last, height x width x output_channels */
    long output_channels;
    int accumulate;              /* add to the output instead of overwriting it */
    int relu;
    long first_block_row;        /* output rows m * first_block_row ..< m * (first_block_row + block_rows) */
    long block_rows;
} smsr_winograd;

/// The masked pass of a sparse layer (`convolution`: 3x3, no bias, nothing accumulated, every input channel used) with
/// runs of neighbouring pixels of a row taken in tiles of m = 4 or 2 outputs by Winograd's F(m, 3) along the row: for
/// each of the three kernel rows, the tile's m + 2 input pixels d (x - 1 ..< x + m + 1) become B^T d, each of the m + 2
/// components is a product over the 3 x input_channels (kernel row, input) pairs with U = G g, and the outputs at
/// x ..< x + m are A^T of the products. F(2, 3) (pairs, interpolation points 0, 1, -1 and infinity): B^T d = (d0 - d2,
/// d1 + d2, d2 - d1, d1 - d3), outputs m0 + m1 + m2 and m1 - m2 - m3, 12 multiply-adds per input and output for the pair
/// where the taps take 18. F(4, 3) (points 0, 1, -1, 1/2, -2, infinity): 18 for 4 pixels where the taps take 36. Each
/// G's first row is (1, 0, 0) and its last (0, 0, 1), so components 0 and m + 1 are the taps kx = 0 and kx = 2
/// themselves; F(4, 3)'s components 1 and 2 are the pairs' (its A^T columns 1 and 2 carry the factors 2/3 and -2/3
/// instead), so pairs and tiles of 4 read one array. A run of consecutive positions of the list away from the border is cut from the left into tiles
/// of 4 (when `fours` is set), then pairs; the other positions are computed as `convolution` says. The sums are the same
/// up to rounding.
typedef struct smsr_row_pairs {
    const smsr_convolution *convolution;
    const float *weights;        /* [components 1, 2 (, 3, 4)][3 kernel rows][input_channels][convolution->padded_outputs]:
                                    pairs read components 1 and 2, tiles of 4 components 1 ... 4; components 0 and
                                    m + 1 are taps kx = 0 and kx = 2 of convolution->weights */
    int fours;                   /* nonzero: take tiles of 4 (`weights` then holds components 1 ... 4) */
} smsr_row_pairs;

/// Asks for the cache line holding `address` ahead of its use (to be read, or to be written); a hint that changes no value.
static inline void smsr_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
static inline void smsr_prefetch_for_write(const void *address) { __builtin_prefetch(address, 1, 3); }

/// One vector-width build's kernels (SMSRKernels16Lanes, SMSRKernels8Lanes): the engine picks one table at
/// start-up, by what the CPU runs, and calls every kernel through it.
typedef struct smsr_kernel_table {
    long lanes;                  /* floats per vector register in this build */
    void (* convolution)(const smsr_convolution * job);
    void (* winograd)(const smsr_winograd * job);
    void (* layer_collect)(const smsr_layer_collect * job);
    void (* planar_row)(const smsr_planar_row * job);
    void (* row_pairs)(const smsr_row_pairs * job);
    /* sums[ch] += row[p * channels + ch] over the pixels in order, in double precision */
    void (* channel_sums)(const float * row, long pixels, long channels, double * sums);
} smsr_kernel_table;

#endif
