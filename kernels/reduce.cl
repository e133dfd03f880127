/* Reductions over any axes, argmax/argmin and cumsum.
 * -D T=<input type> -D U=<accumulator and result type> (long for integer sums, uchar for
 * any/all). The caller splits the input's dims into ``outer`` (kept; one output each, outputs
 * contiguous) and ``inner`` (reduced), both Layouts over the input's strides (operand 0). */
#include "common.h"
#include "ops.h"

inline U combine(int op, U a, U b) {
    switch (op) {
    case REDUCE_sum: return a + b;
    case REDUCE_prod: return a * b;
#ifdef T_FLOAT
    case REDUCE_max: return (isnan(a) || a >= b) ? a : b;  /* NaN propagates, as in PyTorch */
    case REDUCE_min: return (isnan(a) || a <= b) ? a : b;
#else
    case REDUCE_max: return a >= b ? a : b;
    case REDUCE_min: return a <= b ? a : b;
#endif
    case REDUCE_any: return (U)((a != 0) || (b != 0));
    case REDUCE_all: return (U)((a != 0) && (b != 0));
    }
    return a;
}

inline int inner_offset(LayoutPtr inner, int r) {
    return inner->ndim == 1 ? r * inner->stride[0][0] : layout_offset0(inner, r);
}

/* One work item per output: small reduced extents or many outputs. outer->extra[0]: op. */
__kernel void reduce_serial(LayoutPtr outer, LayoutPtr inner, __global U* out, __global const T* x) {
    int g = get_global_id(0);
    if (g >= outer->n) return;
    int op = outer->extra[0];
    __global const T* base = x + layout_offset0(outer, g);
    U acc = TO_U(base[inner_offset(inner, 0)]);
    for (int r = 1; r < inner->n; ++r) acc = combine(op, acc, TO_U(base[inner_offset(inner, r)]));
    out[g] = acc;
}

/* One work group per output, a tree in local memory; needs inner.n >= the group size
 * (a power of two), so every work item starts from a real element. */
__kernel void reduce_group(LayoutPtr outer, LayoutPtr inner, __global U* out, __global const T* x,
                           __local U* scratch) {
    int g = get_group_id(0);
    int lid = get_local_id(0);
    int size = get_local_size(0);
    int op = outer->extra[0];
    __global const T* base = x + layout_offset0(outer, g);
    U acc = TO_U(base[inner_offset(inner, lid)]);
    for (int r = lid + size; r < inner->n; r += size) acc = combine(op, acc, TO_U(base[inner_offset(inner, r)]));
    scratch[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = size / 2; s > 0; s >>= 1) {
        if (lid < s) scratch[lid] = combine(op, scratch[lid], scratch[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) out[g] = scratch[0];
}

/* First index of the maximum (outer->extra[0] = 1) or minimum; a NaN counts as the extreme
 * (NumPy, PyTorch). */
__kernel void arg_reduce(LayoutPtr outer, LayoutPtr inner, __global long* out, __global const T* x) {
    int g = get_global_id(0);
    if (g >= outer->n) return;
    int is_max = outer->extra[0];
    __global const T* base = x + layout_offset0(outer, g);
    T best = base[inner_offset(inner, 0)];
    int best_index = 0;
    for (int r = 1; r < inner->n; ++r) {
#ifdef T_FLOAT
        if (isnan(best)) break;
#endif
        T v = base[inner_offset(inner, r)];
#ifdef T_FLOAT
        if (isnan(v)) { best_index = r; break; }
#endif
        if (is_max ? v > best : v < best) {
            best = v;
            best_index = r;
        }
    }
    out[g] = best_index;
}

#include "softmax.cl"  /* the same row-reduction family, one program */

/* Inclusive prefix sums along one axis; ``lines`` walks the other dims (operand 0: out,
 * operand 1: x); lines->extra: (length, out stride, x stride) along the axis. */
__kernel void cumsum(LayoutPtr lines, __global U* out, __global const T* x) {
    int g = get_global_id(0);
    if (g >= lines->n) return;
    int length = lines->extra[0], out_stride = lines->extra[1], x_stride = lines->extra[2];
    int o[2];
    layout_offsets(lines, g, 2, o);
    U acc = 0;
    for (int r = 0; r < length; ++r) {
        acc += (U)x[o[1] + r * x_stride];
        out[o[0] + r * out_stride] = acc;
    }
}
