/* Strided copies with conversion (cast, copy, copy_into), fill and arange.
 * -D T=<source type> -D U=<destination type>. */
#include "common.h"
#include "ops.h"

/* Strided copy with conversion: cast, copy, copy_into, contiguous packing. */
__kernel void convert(LayoutPtr L, __global U* out, __global const T* x) {
    int i = get_global_id(0);
    if (i >= L->n) return;
    int o[2];
    layout_offsets(L, i, 2, o);
    out[o[0]] = TO_U(x[o[1]]);
}

/* One work item per row: L walks the rows (the outer dims), L->extra[0] elements each, contiguous
 * in both operands; on a CPU device the per-element index arithmetic of convert (a division
 * per dim, ~7 ns an element on PoCL) then runs once per row (e.g. a conv backward's permute). */
__kernel void convert_rows(LayoutPtr L, __global U* out, __global const T* x) {
    int i = get_global_id(0);
    if (i >= L->n) return;
    int o[2];
    layout_offsets(L, i, 2, o);
    const int length = L->extra[0];
    __global U* row = out + o[0];
    __global const T* src = x + o[1];
    for (int k = 0; k < length; ++k) row[k] = TO_U(src[k]);
}

/* Contiguous fast path: p = (n, out offset, x offset). */
__kernel void convert_flat(__global U* out, __global const T* x, __global const int* p) {
    int i = get_global_id(0);
    if (i >= p[0]) return;
    out[p[1] + i] = TO_U(x[p[2] + i]);
}

__kernel void fill(LayoutPtr L, __global U* out, __global const U* value) {
    int i = get_global_id(0);
    if (i >= L->n) return;
    out[layout_offset0(L, i)] = value[0];
}

/* range: (start, step, count) */
__kernel void arange(__global U* out, __global const ACC* range) {
    int i = get_global_id(0);
    if (i >= (int)range[2]) return;
    out[i] = (U)(range[0] + (ACC)i * range[1]);
}

