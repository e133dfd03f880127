#ifndef TENSORLITE_COMMON_H
#define TENSORLITE_COMMON_H
/* Shared by every kernel file: the strided layout argument and type helpers.
 *
 * Each program is built with -D T=<element type> (and -D U=<result type> where the result
 * type differs), -D T_FLOAT / T_BOOL / T_DOUBLE flags, and -D ACC=<float type for arithmetic
 * on indices and constants>: double where the device has cl_khr_fp64, float otherwise.
 */
#ifdef T_DOUBLE
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
#ifdef NEED_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#define MAXD 8

/* Up to four operands walked together over one (coalesced) shape; strides and offsets are in
 * elements and may be zero (broadcast) or negative (flip); ``extra`` carries a kernel's int
 * parameters. Layouts (and every other non-buffer parameter) reach kernels in small buffers,
 * not by value: PoCL spent ~9 us in clSetKernelArg per by-value argument, 0.2 us per buffer. */
typedef struct {
    int ndim;
    int n;
    int shape[MAXD];
    int stride[4][MAXD];
    int offset[4];
    int extra[8];
} Layout;

typedef __global const Layout* LayoutPtr;

/* Offsets of linear element ``i`` (row-major over L->shape) in operands 0..count-1. */
inline void layout_offsets(LayoutPtr L, int i, int count, int* out) {
    if (L->ndim <= 1) {  /* the common case after coalescing: no division at all */
        for (int k = 0; k < count; ++k) out[k] = L->offset[k] + (L->ndim ? i * L->stride[k][0] : 0);
        return;
    }
    for (int k = 0; k < count; ++k) out[k] = L->offset[k];
    for (int d = L->ndim - 1; d >= 0; --d) {
        int size = L->shape[d];
        int c = i % size;
        i /= size;
        for (int k = 0; k < count; ++k) out[k] += c * L->stride[k][d];
    }
}

inline int layout_offset0(LayoutPtr L, int i) {
    if (L->ndim <= 1) return L->offset[0] + (L->ndim ? i * L->stride[0][0] : 0);
    int o = L->offset[0];
    for (int d = L->ndim - 1; d >= 0; --d) {
        int size = L->shape[d];
        o += (i % size) * L->stride[0][d];
        i /= size;
    }
    return o;
}

/* A value as the result type U; a bool result (uchar) is 0 or 1, never another number. */
#ifdef U_BOOL
#define TO_U(v) ((U)((v) != 0))
#else
#define TO_U(v) ((U)(v))
#endif

#define CAT2_(a, b) a##b
#define CAT2(a, b) CAT2_(a, b)  /* expands a and b first */
#define VECTOR(type, width) CAT2(type, width)

#endif  /* TENSORLITE_COMMON_H */
