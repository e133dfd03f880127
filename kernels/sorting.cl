/* Sorting, scans, binary search and histograms along one axis.
 * -D T=<input type> -D U=<result type> (long for integer cumprod). ``lines`` Layouts walk the
 * dims other than the axis (a size-1 placeholder there), operand 0 the output(s), operand 1 the
 * input; extra[0] is the length along the axis, extra[1] and extra[2] the output and input
 * strides along it. */
#include "common.h"

/* The sort order: NaN is larger than every number (last ascending, first descending, as in
 * PyTorch); -0.0 and 0.0 are equal (their order of appearance is kept). */
inline bool key_less(T a, T b) {
#ifdef T_FLOAT
    return a < b || (isnan(b) && !isnan(a));
#else
    return a < b;
#endif
}

/* Stable sort by rank counting: one work item per element finds its final position (the
 * number of elements ordered before it, ties broken by index) and writes its value and index
 * there. O(n) per work item, no synchronisation. extra[3]: descending. */
__kernel void sort_rank(LayoutPtr lines, __global T* values, __global long* indices,
                        __global const T* x) {
    int length = lines->extra[0];
    int g = get_global_id(0);
    if (g >= lines->n * length) return;
    int line = g / length, i = g % length;
    int out_stride = lines->extra[1], x_stride = lines->extra[2], descending = lines->extra[3];
    int o[2];
    layout_offsets(lines, line, 2, o);
    __global const T* row = x + o[1];
    T v = row[i * x_stride];
    int rank = 0;
    for (int j = 0; j < length; ++j) {
        T w = row[j * x_stride];
        bool first = descending ? key_less(v, w) : key_less(w, v);
        bool tie = !key_less(v, w) && !key_less(w, v);
        rank += first || (tie && j < i);
    }
    values[o[0] + rank * out_stride] = v;
    indices[o[0] + rank * out_stride] = i;
}

#ifdef T_FLOAT
/* PyTorch's _log_add_exp_helper: log(exp(a) + exp(b)) without overflow; NaN propagates and
 * equal infinities stay themselves (inf + inf = inf, -inf + -inf = -inf). */
inline U log_add_exp(U a, U b) {
    U lo = isnan(b) ? b : fmin(a, b);
    U hi = isnan(b) ? b : fmax(a, b);
    if (isnan(a)) lo = hi = a;
    if (lo != hi || isfinite(lo)) return log1p(exp(lo - hi)) + hi;
    return a;
}
#endif

/* Inclusive scans: cumprod (-D SCAN_PROD) or logcumsumexp (-D SCAN_LOGSUMEXP); one work item
 * per line. */
__kernel void scan(LayoutPtr lines, __global U* out, __global const T* x) {
    int g = get_global_id(0);
    if (g >= lines->n) return;
    int length = lines->extra[0], out_stride = lines->extra[1], x_stride = lines->extra[2];
    int o[2];
    layout_offsets(lines, g, 2, o);
#if defined(SCAN_PROD)
    U acc = 1;
    for (int r = 0; r < length; ++r) {
        acc *= (U)x[o[1] + r * x_stride];
        out[o[0] + r * out_stride] = acc;
    }
#elif defined(T_FLOAT)  /* logcumsumexp: floating inputs only */
    U acc = -INFINITY;
    for (int r = 0; r < length; ++r) {
        acc = log_add_exp(acc, (U)x[o[1] + r * x_stride]);
        out[o[0] + r * out_stride] = acc;
    }
#endif
}

/* cummax (extra[3] = 1) / cummin with the index of each running extreme: the latest of equal
 * values; a NaN sticks, each later NaN taking over the index (PyTorch's rule). */
__kernel void scan_extreme(LayoutPtr lines, __global T* out, __global long* indices,
                           __global const T* x) {
    int g = get_global_id(0);
    if (g >= lines->n) return;
    int length = lines->extra[0], out_stride = lines->extra[1], x_stride = lines->extra[2];
    int is_max = lines->extra[3];
    int o[2];
    layout_offsets(lines, g, 2, o);
    T best = x[o[1]];
    long best_index = 0;
    for (int r = 0; r < length; ++r) {
        T v = x[o[1] + r * x_stride];
#ifdef T_FLOAT
        bool take = isnan(v) || (!isnan(best) && (is_max ? v >= best : v <= best));
#else
        bool take = is_max ? v >= best : v <= best;
#endif
        if (take) {
            best = v;
            best_index = r;
        }
        out[o[0] + r * out_stride] = best;
        indices[o[0] + r * out_stride] = best_index;
    }
}

/* searchsorted: one work item per value, a binary search in its row of the sorted sequence.
 * Operands: 0 out (long), 1 values, 2 the sequence row (stride 0 along the values' last dim).
 * extra[0]: row length, extra[1]: the sequence's stride along it, extra[2]: right. The
 * comparisons are PyTorch's (a NaN value goes after everything; NaN in the row sorts last). */
__kernel void search_sorted(LayoutPtr L, __global long* out, __global const T* values,
                            __global const T* seq) {
    int g = get_global_id(0);
    if (g >= L->n) return;
    int length = L->extra[0], stride = L->extra[1], right = L->extra[2];
    int o[3];
    layout_offsets(L, g, 3, o);
    T v = values[o[1]];
    int start = 0, end = length;
    while (start < end) {
        int mid = start + ((end - start) >> 1);
        T m = seq[o[2] + mid * stride];
        bool go_right = right ? !(m > v) : !(m >= v);
        if (go_right) start = mid + 1; else end = mid;
    }
    out[o[0]] = start;
}

/* histc: each element in [range[0], range[1]] adds 1 to its bin (PyTorch's linear binning in
 * the input type; the right edge belongs to the last bin). extra[0]: bins. */
__kernel void histc(LayoutPtr L, __global int* counts, __global const T* x, __global const T* range) {
    int g = get_global_id(0);
    if (g >= L->n) return;
    int bins = L->extra[0];
    T lo = range[0], hi = range[1];
    T v = x[layout_offset0(L, g)];
    if (!(v >= lo && v <= hi)) return;
    int bin = (int)((v - lo) * (T)bins / (hi - lo));
    if (bin >= bins) bin = bins - 1;
    atomic_inc(counts + bin);
}

/* mode as PyTorch's CPU kernel computes it: the line's (value, index) pairs sorted by
 * insertion with `<` (libstdc++'s std::sort below 17 elements; a NaN compares false both ways,
 * so it stays where it is and stops others), then the first longest run of `==` equal values,
 * its last pair. One work item per line; ``scratch`` / ``scratch_index`` hold the sorted pairs
 * (x's element count, line g at g * length). Operand 0: out (the dim kept as size 1), operand
 * 1: x. */
__kernel void mode_lines(LayoutPtr lines, __global T* out, __global long* out_index,
                         __global const T* x, __global T* scratch, __global long* scratch_index) {
    int g = get_global_id(0);
    if (g >= lines->n) return;
    int length = lines->extra[0], x_stride = lines->extra[2];
    int o[2];
    layout_offsets(lines, g, 2, o);
    __global T* a = scratch + (long)g * length;
    __global long* ai = scratch_index + (long)g * length;
    for (int i = 0; i < length; ++i) {
        T v = x[o[1] + i * x_stride];
        int j = i;
        if (i > 0 && v < a[0]) {
            j = 0;
        } else {
            while (j > 0 && v < a[j - 1]) --j;
        }
        for (int k = i; k > j; --k) {
            a[k] = a[k - 1];
            ai[k] = ai[k - 1];
        }
        a[j] = v;
        ai[j] = i;
    }
    T best = 0;
    long best_index = 0;
    int run = 0, longest = 0;
    for (int i = 0; i < length; ++i) {
        ++run;
        if (i == length - 1 || a[i] != a[i + 1]) {
            if (run > longest) {
                best = a[i];
                best_index = ai[i];
                longest = run;
            }
            run = 0;
        }
    }
    out[o[0]] = best;
    out_index[o[0]] = best_index;
}

/* PyTorch's CPU order for quickselect: NaN above every number */
inline bool gt_or_nan(T a, T b) {
#ifdef T_FLOAT
    return (isnan(a) && !isnan(b)) || a > b;
#else
    return a > b;
#endif
}

#define SWAP_PAIR(i, j) { T tv = a[i]; a[i] = a[j]; a[j] = tv; long ti = ai[i]; ai[i] = ai[j]; ai[j] = ti; }

/* kthvalue as PyTorch's CPU kernel computes it (quick_select_template: median-of-three pivot,
 * Hoare partition on copies of the line), so the index among equal values is PyTorch's.
 * extra[3]: k - 1. One work item per line; scratch as in mode_lines. */
__kernel void kth_lines(LayoutPtr lines, __global T* out, __global long* out_index,
                        __global const T* x, __global T* scratch, __global long* scratch_index) {
    int g = get_global_id(0);
    if (g >= lines->n) return;
    int length = lines->extra[0], x_stride = lines->extra[2], k = lines->extra[3];
    int o[2];
    layout_offsets(lines, g, 2, o);
    __global T* a = scratch + (long)g * length;
    __global long* ai = scratch_index + (long)g * length;
    for (int i = 0; i < length; ++i) {
        a[i] = x[o[1] + i * x_stride];
        ai[i] = i;
    }
    int L = 0, R = length - 1;
    while (R > L) {
        if (R == L + 1) {
            if (gt_or_nan(a[L], a[R])) SWAP_PAIR(L, R);
            break;
        }
        int P = L + (R - L) / 2;
        SWAP_PAIR(P, L + 1);
        if (gt_or_nan(a[L + 1], a[R])) SWAP_PAIR(L + 1, R);
        if (gt_or_nan(a[L], a[R])) SWAP_PAIR(L, R);
        if (gt_or_nan(a[L + 1], a[L])) SWAP_PAIR(L + 1, L);
        int i = L + 1, j = R;
        T pivot = a[L];
        while (true) {
            do ++i; while (i < R && gt_or_nan(pivot, a[i]));  /* a[R] >= pivot stops it anyway */
            do --j; while (j > L && gt_or_nan(a[j], pivot));  /* and a[L] = pivot here */
            if (j < i) break;
            SWAP_PAIR(i, j);
        }
        SWAP_PAIR(L, j);
        if (j <= k) L = i;
        if (j >= k) R = j - 1;
    }
    out[o[0]] = a[k];
    out_index[o[0]] = ai[k];
}
