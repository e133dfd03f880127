/* Fused elementwise chains (tensorlite/backends/fusion.py): one kernel runs a small op tape over
 * the n elements of an iteration shape, reading its inputs through broadcast strides and writing
 * one or more outputs, so a chain such as bias add + relu, or relu's backward (gt, where), is one
 * launch instead of one per op.
 *
 * Two kernels run the same tape (op codes of ops.h), each with the very functions of unary.cl /
 * binary.cl, so a fused result is bit-identical to the unfused launches (FP_CONTRACT off: a*b+c
 * stays two roundings):
 * - ``fused``, an interpreter reading the tape from the parameter buffer: one program per
 *   element type serves every tape (it lives in elementwise.cl's program, which a step builds
 *   anyway), so a new tape runs at once; ~2x slower than unfused launches per element on PoCL;
 * - ``fused_template`` / ``fused_template_rows`` (below, -D FUSED_TEMPLATE): the tape as -D
 *   defines, one program per tape, built in the background (opencl/fused.py) and used once
 *   built; every step folds to its one operation: 2-4x faster than the unfused launches.
 *
 * -D T=<register type> (the chain's values; a bool value is 0 or 1 in a register), U = T. Inputs
 * and outputs are T buffers, or uchar buffers (bool) where the tape's bool mask says so. This
 * file is included by elementwise.cl after unary.cl and binary.cl (their unary_op / binary_op),
 * so the float32 program a step already builds holds the fused kernel too. */
#ifdef FUSED_TEMPLATE  /* built on its own: the op functions come from here */
#include "unary.cl"
#include "binary.cl"
#endif
#pragma OPENCL FP_CONTRACT OFF

#define FUSED_OUTPUTS 4
#define FUSED_INPUTS 8
#define FUSED_OPERANDS 12  /* outputs 0..3, then inputs */
#define FUSED_CONSTANTS 8
#define FUSED_STEPS 32
#define FUSED_REGISTERS (FUSED_INPUTS + FUSED_CONSTANTS + FUSED_STEPS)

#define FUSED_UNARY 0    /* r = unary_op(op, r[a]) */
#define FUSED_BINARY 1   /* r = binary_op(op, r[a], r[b]) */
#define FUSED_WHERE 2    /* r = r[a] != 0 ? r[b] : r[c] */
#define FUSED_TO_BOOL 3  /* r = r[a] != 0 (a cast to bool) */
#define FUSED_COPY 4     /* r = r[a] (a cast between T and bool's 0/1, a broadcast) */

/* Registers: the inputs 0..inputs-1, the constants next, then one per step in order. Mirrors
 * tensorlite/backends/opencl/fused.py's packing (all ints). */
typedef struct {
    int ndim;
    int n;
    int shape[MAXD];
    int stride[FUSED_OPERANDS][MAXD];
    int offset[FUSED_OPERANDS];
    int inputs;
    int outputs;
    int constants;
    int steps;
    int bools;  /* bit k: operand k (outputs first) is a bool (uchar) buffer */
    int output_register[FUSED_OUTPUTS];
    int step[FUSED_STEPS][4];  /* (kind << 8 | op code, a, b, c) */
    /* fused_template_rows only: its work items (``work``) run ``chunk`` consecutive elements of
     * a row of the innermost walked dim each */
    int work;
    int chunk;
    int chunks_per_row;
} FusedTape;

typedef __global const FusedTape* TapePtr;

/* Every fused kernel's arguments: the tape, its constants, 4 outputs, 8 inputs. */
#define FUSED_ARGUMENTS TapePtr P, __global const T* consts, \
    __global T* out0, __global T* out1, __global T* out2, __global T* out3, \
    __global const T* in0, __global const T* in1, __global const T* in2, __global const T* in3, \
    __global const T* in4, __global const T* in5, __global const T* in6, __global const T* in7

/* Offsets of element i in operand slots first..first+count-1. */
inline void fused_offsets(TapePtr P, int i, int first, int count, int* out) {
    if (P->ndim <= 1) {  /* the common case after coalescing: no division at all */
        for (int k = first; k < first + count; ++k) out[k] = P->offset[k] + (P->ndim ? i * P->stride[k][0] : 0);
        return;
    }
    for (int k = first; k < first + count; ++k) out[k] = P->offset[k];
    for (int d = P->ndim - 1; d >= 0; --d) {
        int size = P->shape[d];
        int c = i % size;
        i /= size;
        for (int k = first; k < first + count; ++k) out[k] += c * P->stride[k][d];
    }
}

inline T fused_load(TapePtr P, __global const T* buffer, int operand, int offset) {
    if ((P->bools >> operand) & 1) return (T)((__global const uchar*)buffer)[offset];
    return buffer[offset];
}

inline void fused_store(TapePtr P, __global T* buffer, int operand, int offset, T value) {
    if ((P->bools >> operand) & 1) ((__global uchar*)buffer)[offset] = (uchar)(value != 0);
    else buffer[offset] = value;
}

/* One step: code = kind << 8 | op code (ops.h), a b c its operands' values. */
inline T fused_step(int code, T a, T b, T c) {
    int op = code & 0xFF;
    switch (code >> 8) {
    case FUSED_UNARY: return (T)unary_op(op, a);
    case FUSED_BINARY: return (T)binary_op(op, a, b);
    case FUSED_WHERE: return a != 0 ? b : c;
    case FUSED_TO_BOOL: return (T)(a != 0);
    }
    return a;
}

/* The interpreter: the tape read from P. Unused buffer arguments are any valid buffer (never
 * read or written). */
__kernel void fused(FUSED_ARGUMENTS) {
    int i = get_global_id(0);
    if (i >= P->n) return;
    int o[FUSED_OPERANDS];
    fused_offsets(P, i, 0, P->outputs, o);
    fused_offsets(P, i, FUSED_OUTPUTS, P->inputs, o);
    __global const T* in[FUSED_INPUTS] = {in0, in1, in2, in3, in4, in5, in6, in7};
    __global T* out[FUSED_OUTPUTS] = {out0, out1, out2, out3};
    T r[FUSED_REGISTERS];
    int inputs = P->inputs;
    for (int k = 0; k < inputs; ++k) r[k] = fused_load(P, in[k], FUSED_OUTPUTS + k, o[FUSED_OUTPUTS + k]);
    int base = inputs;
    for (int k = 0; k < P->constants; ++k) r[base + k] = consts[k];
    base += P->constants;
    for (int s = 0; s < P->steps; ++s) {
        __global const int* w = P->step[s];
        r[base + s] = fused_step(w[0], r[w[1]], r[w[2]], r[w[3]]);
    }
    for (int k = 0; k < P->outputs; ++k) fused_store(P, out[k], k, o[k], r[P->output_register[k]]);
}

#ifdef FUSED_TEMPLATE
/* The same tape as -D defines (FUSED_INPUTS_N, FUSED_OUTPUTS_N, FUSED_CONSTANTS_N, FUSED_BOOLS,
 * FUSED_OUT<k>: output k's register, FUSED_S<j>=code,a,b,c: step j, with the interpreter's
 * register numbering), built in the background once a tape is seen (fused.py): every register
 * index is then a constant, the registers live in machine registers and each step folds to its
 * one operation, as a hand-written kernel. P still carries the walk (shapes are not defines). */
#define FUSED_DEFINED_STEP_(j, code, a, b, c) r[FUSED_BASE + j] = fused_step(code, r[a], r[b], r[c]);
#define FUSED_DEFINED_STEP(j, ...) FUSED_DEFINED_STEP_(j, __VA_ARGS__)
#define FUSED_BASE (FUSED_INPUTS_N + FUSED_CONSTANTS_N)

/* The tape at one element: operand k at offset o[k]. */
inline void fused_template_element(__global const T* consts, __global const T** in, __global T** out,
                                   const int* o) {
    T r[FUSED_REGISTERS];
    for (int k = 0; k < FUSED_INPUTS_N; ++k) {
        int operand = FUSED_OUTPUTS + k;
        if ((FUSED_BOOLS >> operand) & 1) r[k] = (T)((__global const uchar*)in[k])[o[operand]];
        else r[k] = in[k][o[operand]];
    }
    for (int k = 0; k < FUSED_CONSTANTS_N; ++k) r[FUSED_INPUTS_N + k] = consts[k];
#ifdef FUSED_S0
    FUSED_DEFINED_STEP(0, FUSED_S0)
#endif
#ifdef FUSED_S1
    FUSED_DEFINED_STEP(1, FUSED_S1)
#endif
#ifdef FUSED_S2
    FUSED_DEFINED_STEP(2, FUSED_S2)
#endif
#ifdef FUSED_S3
    FUSED_DEFINED_STEP(3, FUSED_S3)
#endif
#ifdef FUSED_S4
    FUSED_DEFINED_STEP(4, FUSED_S4)
#endif
#ifdef FUSED_S5
    FUSED_DEFINED_STEP(5, FUSED_S5)
#endif
#ifdef FUSED_S6
    FUSED_DEFINED_STEP(6, FUSED_S6)
#endif
#ifdef FUSED_S7
    FUSED_DEFINED_STEP(7, FUSED_S7)
#endif
#ifdef FUSED_S8
    FUSED_DEFINED_STEP(8, FUSED_S8)
#endif
#ifdef FUSED_S9
    FUSED_DEFINED_STEP(9, FUSED_S9)
#endif
#ifdef FUSED_S10
    FUSED_DEFINED_STEP(10, FUSED_S10)
#endif
#ifdef FUSED_S11
    FUSED_DEFINED_STEP(11, FUSED_S11)
#endif
#ifdef FUSED_S12
    FUSED_DEFINED_STEP(12, FUSED_S12)
#endif
#ifdef FUSED_S13
    FUSED_DEFINED_STEP(13, FUSED_S13)
#endif
#ifdef FUSED_S14
    FUSED_DEFINED_STEP(14, FUSED_S14)
#endif
#ifdef FUSED_S15
    FUSED_DEFINED_STEP(15, FUSED_S15)
#endif
#ifdef FUSED_S16
    #error "fused.cl: a template tape has at most 16 steps (longer ones run on the interpreter)"
#endif
    T result[FUSED_OUTPUTS] = {(T)0, (T)0, (T)0, (T)0};
#ifdef FUSED_OUT0
    result[0] = r[FUSED_OUT0];
#endif
#ifdef FUSED_OUT1
    result[1] = r[FUSED_OUT1];
#endif
#ifdef FUSED_OUT2
    result[2] = r[FUSED_OUT2];
#endif
#ifdef FUSED_OUT3
    result[3] = r[FUSED_OUT3];
#endif
    for (int k = 0; k < FUSED_OUTPUTS_N; ++k) {
        if ((FUSED_BOOLS >> k) & 1) ((__global uchar*)out[k])[o[k]] = (uchar)(result[k] != 0);
        else out[k][o[k]] = result[k];
    }
}

__kernel void fused_template(FUSED_ARGUMENTS) {
    int i = get_global_id(0);
    if (i >= P->n) return;
    int o[FUSED_OPERANDS];
    fused_offsets(P, i, 0, FUSED_OUTPUTS_N, o);
    fused_offsets(P, i, FUSED_OUTPUTS, FUSED_INPUTS_N, o);
    __global const T* in[FUSED_INPUTS] = {in0, in1, in2, in3, in4, in5, in6, in7};
    __global T* out[FUSED_OUTPUTS] = {out0, out1, out2, out3};
    fused_template_element(consts, in, out, o);
}

/* Several walked dims: work item w runs ``P->chunk`` consecutive elements of a row of the
 * innermost one, so the index arithmetic (divisions) runs once per chunk, not per element. */
__kernel void fused_template_rows(FUSED_ARGUMENTS) {
    int w = get_global_id(0);
    if (w >= P->work) return;
    int inner = P->shape[P->ndim - 1];
    int row = w / P->chunks_per_row;
    int start = (w - row * P->chunks_per_row) * P->chunk;
    int count = min(P->chunk, inner - start);
    int o[FUSED_OPERANDS], advance[FUSED_OPERANDS];
    for (int k = 0; k < FUSED_OPERANDS; ++k) {
        o[k] = 0;
        advance[k] = P->stride[k][P->ndim - 1];
    }
    fused_offsets(P, row * inner + start, 0, FUSED_OUTPUTS_N, o);
    fused_offsets(P, row * inner + start, FUSED_OUTPUTS, FUSED_INPUTS_N, o);
    __global const T* in[FUSED_INPUTS] = {in0, in1, in2, in3, in4, in5, in6, in7};
    __global T* out[FUSED_OUTPUTS] = {out0, out1, out2, out3};
    for (int j = 0; j < count; ++j) {
        fused_template_element(consts, in, out, o);
        for (int k = 0; k < FUSED_OPERANDS; ++k) o[k] += advance[k];
    }
}
#endif
