/* Sorting, selection (topk, kthvalue, mode as PyTorch's CPU kernels choose), scans, binary
 * search and histograms along one axis (backends/opencl/backend.py launches them).
 * -D T=<input type> -D U=<result type> (long for integer cumprod). ``lines`` Layouts walk the
 * dims other than the axis (a size-1 placeholder there), operand 0 the output(s), operand 1 the
 * input; extra[0] is the length along the axis, extra[1] and extra[2] the output and input
 * strides along it. Kernels that sort one line per work item work on scratch copies of the
 * lines (x's element count, line g at g * length). */
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

/* One pass of a stable merge sort of contiguous lines (length extra[0], lines->n of them): runs
 * of ``width`` (extra[1]) sorted elements merge pairwise. Each work item moves one element to
 * its place in the merged run: its position in its own run plus the number of elements of the
 * partner run ordered before it (a binary search; on ties the left run's elements come first,
 * so the sort stays stable). O(log n) passes of O(log width) per element. extra[3]: descending.
 * The first pass (width 1) reads no src_index: the indices start as the positions. */
__kernel void merge_pass(LayoutPtr lines, __global T* dst, __global long* dst_index,
                         __global const T* src, __global const long* src_index) {
    int length = lines->extra[0], width = lines->extra[1], descending = lines->extra[3];
    int g = get_global_id(0);
    if (g >= lines->n * length) return;
    int line = g / length, p = g % length;
    long base = (long)line * length;
    T v = src[base + p];
    int start = p / width * width;
    int left = (p / width) % 2 == 0;
    int other = left ? start + width : start - width;
    int to = p;
    if (other < length) {
        int lo = other, hi = min(other + width, length);
        while (lo < hi) {  /* the first partner element not placed before v */
            int mid = lo + (hi - lo) / 2;
            T w = src[base + mid];
            bool first = descending ? key_less(v, w) : key_less(w, v);
            bool tie = !key_less(v, w) && !key_less(w, v);
            if (first || (tie && !left)) lo = mid + 1; else hi = mid;
        }
        to = (left ? start : other) + (p - start) + (lo - other);
    }
    dst[base + to] = v;
    dst_index[base + to] = width == 1 ? (long)p : src_index[base + p];  /* first pass: p itself */
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

/* topk as PyTorch's CPU kernel computes it: libstdc++'s std::nth_element then std::sort of the
 * first k - 1 (std::partial_sort when k * 64 <= n) on (value, index) pairs, so the indices among
 * equal values (and NaNs) are PyTorch's. The STL routines below follow libstdc++'s code step by
 * step (introsort's recursion becomes a stack: its ranges are disjoint, so the order in which
 * they are finished does not change the result). ``a``/``ai`` are one line's scratch pairs. */
#define PLAIN_LESS 2  /* the ``largest`` argument of mode: std::sort's default `<` */

inline bool topk_before(T x, T y, int largest) {
    if (largest == PLAIN_LESS) return x < y;  /* a NaN is before nothing and nothing before it */
#ifdef T_FLOAT
    if (largest) return (isnan(x) && !isnan(y)) || x > y;
    return (!isnan(x) && isnan(y)) || x < y;
#else
    return largest ? x > y : x < y;
#endif
}

#define BEFORE(i, j) topk_before(a[i], a[j], largest)
#define COPY_PAIR(i, j) { a[i] = a[j]; ai[i] = ai[j]; }

inline void stl_linear_insert(__global T* a, __global long* ai, int last, int largest) {
    T v = a[last];
    long vi = ai[last];
    int next = last - 1;
    while (next >= 0 && topk_before(v, a[next], largest)) {
        COPY_PAIR(last, next);
        last = next;
        --next;
    }
    a[last] = v;
    ai[last] = vi;
}

inline void stl_insertion_sort(__global T* a, __global long* ai, int first, int last, int largest) {
    for (int i = first + 1; i < last; ++i) {
        if (BEFORE(i, first)) {
            T v = a[i];
            long vi = ai[i];
            for (int k = i; k > first; --k) COPY_PAIR(k, k - 1);
            a[first] = v;
            ai[first] = vi;
        } else {
            stl_linear_insert(a, ai, i, largest);
        }
    }
}

inline void stl_median_to_first(__global T* a, __global long* ai, int result, int x, int y, int z,
                                int largest) {
    int pick;
    if (BEFORE(x, y)) pick = BEFORE(y, z) ? y : (BEFORE(x, z) ? z : x);
    else pick = BEFORE(x, z) ? x : (BEFORE(y, z) ? z : y);
    SWAP_PAIR(result, pick);
}

inline int stl_partition_pivot(__global T* a, __global long* ai, int first, int last, int largest) {
    stl_median_to_first(a, ai, first, first + 1, first + (last - first) / 2, last - 1, largest);
    int pivot = first;
    ++first;
    while (true) {
        while (first < last && BEFORE(first, pivot)) ++first;
        --last;
        while (last > pivot && BEFORE(pivot, last)) --last;
        if (!(first < last)) return first;
        SWAP_PAIR(first, last);
        ++first;
    }
}

inline void stl_adjust_heap(__global T* a, __global long* ai, int first, int hole, int len, T v,
                            long vi, int largest) {
    int top = hole, second = hole;
    while (second < (len - 1) / 2) {
        second = 2 * (second + 1);
        if (BEFORE(first + second, first + second - 1)) --second;
        COPY_PAIR(first + hole, first + second);
        hole = second;
    }
    if ((len & 1) == 0 && second == (len - 2) / 2) {
        second = 2 * (second + 1);
        COPY_PAIR(first + hole, first + second - 1);
        hole = second - 1;
    }
    int parent = (hole - 1) / 2;
    while (hole > top && topk_before(a[first + parent], v, largest)) {
        COPY_PAIR(first + hole, first + parent);
        hole = parent;
        parent = (hole - 1) / 2;
    }
    a[first + hole] = v;
    ai[first + hole] = vi;
}

inline void stl_pop_heap(__global T* a, __global long* ai, int first, int last, int result, int largest) {
    T v = a[result];
    long vi = ai[result];
    COPY_PAIR(result, first);
    stl_adjust_heap(a, ai, first, 0, last - first, v, vi, largest);
}

inline void stl_heap_select(__global T* a, __global long* ai, int first, int middle, int last, int largest) {
    int len = middle - first;
    if (len >= 2) {
        for (int parent = (len - 2) / 2; parent >= 0; --parent)
            stl_adjust_heap(a, ai, first, parent, len, a[first + parent], ai[first + parent], largest);
    }
    for (int i = middle; i < last; ++i)
        if (BEFORE(i, first)) stl_pop_heap(a, ai, first, middle, i, largest);
}

inline void stl_partial_sort(__global T* a, __global long* ai, int first, int middle, int last, int largest) {
    stl_heap_select(a, ai, first, middle, last, largest);
    for (int end = middle; end - first > 1;) {
        --end;
        stl_pop_heap(a, ai, first, end, end, largest);
    }
}

inline int floor_log2(int n) {
    int r = 0;
    while (n >>= 1) ++r;
    return r;
}

inline void stl_sort(__global T* a, __global long* ai, int first, int last, int largest) {
    if (first == last) return;
    int stack[3 * 64];
    int top = 0;
    stack[top++] = first; stack[top++] = last; stack[top++] = floor_log2(last - first) * 2;
    while (top) {
        int depth = stack[--top], hi = stack[--top], lo = stack[--top];
        while (hi - lo > 16) {
            if (depth == 0) {
                stl_partial_sort(a, ai, lo, hi, hi, largest);
                break;
            }
            --depth;
            int cut = stl_partition_pivot(a, ai, lo, hi, largest);
            if (top < 3 * 64) {
                stack[top++] = cut; stack[top++] = hi; stack[top++] = depth;
            }
            hi = cut;
        }
    }
    if (last - first > 16) {
        stl_insertion_sort(a, ai, first, first + 16, largest);
        for (int i = first + 16; i < last; ++i) stl_linear_insert(a, ai, i, largest);
    } else {
        stl_insertion_sort(a, ai, first, last, largest);
    }
}

inline void stl_nth_element(__global T* a, __global long* ai, int first, int nth, int last, int largest) {
    if (first == last || nth == last) return;
    int depth = floor_log2(last - first) * 2;
    while (last - first > 3) {
        if (depth == 0) {
            stl_heap_select(a, ai, first, nth + 1, last, largest);
            SWAP_PAIR(first, nth);
            return;
        }
        --depth;
        int cut = stl_partition_pivot(a, ai, first, last, largest);
        if (cut <= nth) first = cut; else last = cut;
    }
    stl_insertion_sort(a, ai, first, last, largest);
}

/* extra[1]: out's stride along the axis, extra[3]: k, extra[4]: largest, extra[5]: sorted.
 * Operand 0: out (values and indices, k along the axis), operand 1: x. */
__kernel void topk_lines(LayoutPtr lines, __global T* out, __global long* out_index,
                         __global const T* x, __global T* scratch, __global long* scratch_index) {
    int g = get_global_id(0);
    if (g >= lines->n) return;
    int length = lines->extra[0], out_stride = lines->extra[1], x_stride = lines->extra[2];
    int k = lines->extra[3], largest = lines->extra[4], sorted = lines->extra[5];
    int o[2];
    layout_offsets(lines, g, 2, o);
    __global T* a = scratch + (long)g * length;
    __global long* ai = scratch_index + (long)g * length;
    for (int i = 0; i < length; ++i) {
        a[i] = x[o[1] + i * x_stride];
        ai[i] = i;
    }
    if (k * 64 <= length) {
        stl_partial_sort(a, ai, 0, k, length, largest);
    } else {
        stl_nth_element(a, ai, 0, k - 1, length, largest);
        if (sorted) stl_sort(a, ai, 0, k - 1, largest);
    }
    for (int j = 0; j < k; ++j) {
        out[o[0] + j * out_stride] = a[j];
        out_index[o[0] + j * out_stride] = ai[j];
    }
}

/* mode as PyTorch's CPU kernel computes it: std::sort of the line's (value, index) pairs by
 * `<` on the values (a NaN compares false both ways), then the last pair of the first longest
 * run of `==` equal values (NaN equals nothing). One work item per line; ``scratch`` /
 * ``scratch_index`` hold the pairs (x's element count, line g at g * length). Operand 0: out
 * (the dim kept as size 1), operand 1: x. */
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
        a[i] = x[o[1] + i * x_stride];
        ai[i] = i;
    }
    stl_sort(a, ai, 0, length, PLAIN_LESS);
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

/* sort(stable=False) of lines of 17..256 elements as PyTorch's CPU sort orders ties:
 * libstdc++'s std::sort on (value, index) pairs (NaN last; first when descending, extra[3]).
 * One work item per line; operands as sort_rank's, scratch as in mode_lines. */
__kernel void sort_lines_stl(LayoutPtr lines, __global T* values, __global long* indices,
                             __global const T* x, __global T* scratch, __global long* scratch_index) {
    int g = get_global_id(0);
    if (g >= lines->n) return;
    int length = lines->extra[0], out_stride = lines->extra[1], x_stride = lines->extra[2];
    int descending = lines->extra[3];
    int o[2];
    layout_offsets(lines, g, 2, o);
    __global T* a = scratch + (long)g * length;
    __global long* ai = scratch_index + (long)g * length;
    for (int i = 0; i < length; ++i) {
        a[i] = x[o[1] + i * x_stride];
        ai[i] = i;
    }
    stl_sort(a, ai, 0, length, descending);
    for (int j = 0; j < length; ++j) {
        values[o[0] + j * out_stride] = a[j];
        indices[o[0] + j * out_stride] = ai[j];
    }
}
