/* Fused softmax family over one axis, one work item per row: max, sum of exp(x - max) and
 * log in one pass each over the row, instead of five separate kernels and temporaries.
 * -D T=<float type>. outer: Layout over the other dims (operand 0: x, operand 1: out);
 * outer->extra: (length, x stride along the axis, out stride along the axis, mode) with mode
 * 0 = logsumexp (one output per row), 1 = log_softmax, 2 = softmax. */
#include "common.h"

#ifdef T_FLOAT  /* reduce.cl includes this file for every type */
__kernel void softmax_rows(LayoutPtr outer, __global T* out, __global const T* x) {
    int g = get_global_id(0);
    if (g >= outer->n) return;
    int length = outer->extra[0], xs = outer->extra[1], os = outer->extra[2], mode = outer->extra[3];
    int o[2];
    layout_offsets(outer, g, 2, o);
    __global const T* row = x + o[0];
    T top = -INFINITY;
    for (int r = 0; r < length; ++r) {
        T v = row[r * xs];
        if (isnan(v) || v > top || isnan(top)) top = isnan(top) ? top : v;
    }
    /* all -inf rows give -inf, not nan; a +inf makes softmax rows nan (inf - inf), as PyTorch,
       while logsumexp stays +inf */
    T shift = isinf(top) && (top < 0 || mode == 0) ? (T)0 : top;
    T sum = 0;
    for (int r = 0; r < length; ++r) sum += exp(row[r * xs] - shift);
    T lse = log(sum) + shift;
    if (mode == 0) {
        out[o[1]] = lse;
        return;
    }
    for (int r = 0; r < length; ++r) {
        T v = row[r * xs] - lse;
        out[o[1] + r * os] = mode == 1 ? v : exp(v);
    }
}
#endif
