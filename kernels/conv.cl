/* Convolution support: im2col (unfold), col2im (fold), max pooling with argmax indices and its
 * gradient.
 * -D T=<float type>. Pads may be negative (a crop); the caller computes OH and OW. */
#include "common.h"

typedef struct {
    int n, c, h, w;          /* input (or fold's output) size */
    int kh, kw, sh, sw;      /* kernel and stride */
    int top, left, dh, dw;   /* leading pads and dilation */
    int oh, ow;              /* window grid */
    int xs[4];               /* the input's strides (unfold, max pool) */
    int x_offset;
    int columns;             /* 1: (C*kh*kw, N*OH*OW) layout, 0: (N, C*kh*kw, OH*OW) */
} Geometry;

typedef __global const Geometry* GeometryPtr;

/* Linear index of window (n, c, i, j, oy, ox) in the column matrix. */
inline int column_index(GeometryPtr g, int n, int c, int i, int j, int oy, int ox) {
    int row = (c * g->kh + i) * g->kw + j;
    int pixel = oy * g->ow + ox;
    if (g->columns) return row * (g->n * g->oh * g->ow) + n * g->oh * g->ow + pixel;
    return (n * g->c * g->kh * g->kw + row) * g->oh * g->ow + pixel;
}

/* The window range along one axis: the window indices o in [lo, hi) (hi <= count) whose tap
 * o * stride + first lands inside [0, size). */
inline void taps_inside(int first, int stride, int size, int count, int* lo, int* hi) {
    *lo = first < 0 ? (-first + stride - 1) / stride : 0;
    int end = size - first;  /* o * stride < end */
    *hi = end <= 0 ? 0 : min(count, (end + stride - 1) / stride);
    if (*hi < *lo) *hi = *lo;
}

/* One work item per window tap (n, c, i, j): its OH x OW block of columns. Rows of OW columns
 * are contiguous in both layouts (consecutive rows too in "batch" and "columns"), and the
 * index arithmetic (divisions, clipping to the input) runs once per tap, not per element. */
__kernel void unfold(GeometryPtr g, __global T* out, __global const T* x, __global const T* pad_value) {
    int t = get_global_id(0);
    const int C = g->c, H = g->h, W = g->w, KH = g->kh, KW = g->kw, OH = g->oh, OW = g->ow;
    if (t >= g->n * C * KH * KW) return;
    int j = t % KW; t /= KW;
    int i = t % KH; t /= KH;
    int c = t % C;
    int n = t / C;
    const T pad = pad_value[0];
    __global T* block = out + column_index(g, n, c, i, j, 0, 0);
    const int sh = g->sh, sw = g->sw, xs2 = g->xs[2], xs3 = g->xs[3];
    int y0 = i * g->dh - g->top, x0 = j * g->dw - g->left;  /* window (oy, ox) reads (oy*sh+y0, ox*sw+x0) */
    int ylo, yhi, lo, hi;
    taps_inside(y0, sh, H, OH, &ylo, &yhi);
    taps_inside(x0, sw, W, OW, &lo, &hi);
    __global const T* src = x + g->x_offset + n * g->xs[0] + c * g->xs[1] + x0 * xs3;
    const int step = sw * xs3;
    for (int oy = 0; oy < OH; ++oy) {
        __global T* row = block + oy * OW;
        if (oy < ylo || oy >= yhi) {
            for (int ox = 0; ox < OW; ++ox) row[ox] = pad;
            continue;
        }
        __global const T* line = src + (oy * sh + y0) * xs2;
        for (int ox = 0; ox < lo; ++ox) row[ox] = pad;
        for (int ox = lo; ox < hi; ++ox) row[ox] = line[ox * step];
        for (int ox = hi; ox < OW; ++ox) row[ox] = pad;
    }
}

/* One work item per output plane (n, c): the plane is zeroed, then every window tap's block of
 * columns is added where it lands, taps in (i, j) order, so each pixel sums its taps exactly as
 * a per-pixel loop would (unfold's loops, adjoint). No atomics: a work item owns its plane. */
__kernel void fold(GeometryPtr g, __global T* out, __global const T* cols) {
    int t = get_global_id(0);
    const int C = g->c, H = g->h, W = g->w, KH = g->kh, KW = g->kw, OH = g->oh, OW = g->ow;
    if (t >= g->n * C) return;
    int c = t % C;
    int n = t / C;
    __global T* plane = out + t * H * W;
    for (int k = 0; k < H * W; ++k) plane[k] = 0;
    const int sh = g->sh, sw = g->sw;
    for (int i = 0; i < KH; ++i) {
        int y0 = i * g->dh - g->top;  /* window row oy's tap lands on row oy * sh + y0 */
        int ylo, yhi;
        taps_inside(y0, sh, H, OH, &ylo, &yhi);
        for (int j = 0; j < KW; ++j) {
            int x0 = j * g->dw - g->left;
            int lo, hi;
            taps_inside(x0, sw, W, OW, &lo, &hi);
            __global const T* block = cols + column_index(g, n, c, i, j, 0, 0);
            for (int oy = ylo; oy < yhi; ++oy) {
                __global T* row = plane + (oy * sh + y0) * W + x0;
                __global const T* src = block + oy * OW;
                for (int ox = lo; ox < hi; ++ox) row[ox * sw] += src[ox];
            }
        }
    }
}

/* PyTorch's rule: the first maximum of a window wins, a NaN always wins (so the last NaN).
 * One work item per output row (n, c, oy): the window rows in the input are found once, and
 * along the row each window's columns are clipped to the input instead of tested tap by tap. */
__kernel void max_pool2d(GeometryPtr g, __global T* values, __global long* indices, __global const T* x) {
    int t = get_global_id(0);
    const int C = g->c, H = g->h, W = g->w, KH = g->kh, KW = g->kw, OH = g->oh, OW = g->ow;
    if (t >= g->n * C * OH) return;
    int oy = t % OH;
    int c = (t / OH) % C;
    int n = t / (OH * C);
    const int sw = g->sw, dh = g->dh, dw = g->dw, xs2 = g->xs[2], xs3 = g->xs[3];
    int y0 = oy * g->sh - g->top;
    /* the window's taps inside the input, rows i in [ilo, ihi) */
    int ilo = y0 < 0 ? (-y0 + dh - 1) / dh : 0;
    int ihi = y0 >= H ? 0 : min(KH, (H - y0 + dh - 1) / dh);
    /* PyTorch's start: the first position past the padding (-1 if that is outside the input),
       so a window of -inf values points at its first element, never at the padding */
    int ys = y0 + ilo * dh;
    __global const T* plane = x + g->x_offset + n * g->xs[0] + c * g->xs[1];
    __global T* value_row = values + t * OW;
    __global long* index_row = indices + t * OW;
    /* windows ox in [inner_lo, inner_hi) lie wholly inside the row: no clipping (divisions) */
    int inner_lo, inner_hi;
    taps_inside(-g->left, sw, W - (KW - 1) * dw, OW, &inner_lo, &inner_hi);
    for (int ox = 0; ox < OW; ++ox) {
        int x0 = ox * sw - g->left;
        int jlo = 0, jhi = KW;
        if (ox < inner_lo || ox >= inner_hi) {
            jlo = x0 < 0 ? (-x0 + dw - 1) / dw : 0;
            jhi = x0 >= W ? 0 : min(KW, (W - x0 + dw - 1) / dw);
        }
        int xs = x0 + jlo * dw;
        T best = -INFINITY;
        long best_index = (ys < H && xs < W) ? (long)ys * W + xs : -1;
        for (int i = ilo; i < ihi; ++i) {
            int y = y0 + i * dh;
            __global const T* line = plane + y * xs2;
            for (int j = jlo; j < jhi; ++j) {
                int xx = x0 + j * dw;
                T v = line[xx * xs3];
                if (v > best || v != v) {  /* v != v: isnan(v), a call on PoCL (2.5x slower) */
                    best = v;
                    best_index = (long)y * W + xx;
                }
            }
        }
        value_row[ox] = best;
        index_row[ox] = best_index;
    }
}

/* Max pooling's gradient, one work item per input plane (n, c), so no atomics: the plane is
 * zeroed, then each window's gradient is put at its argmax (flat in the plane), added when
 * windows may share an element (dims[3]), windows in row-major order; an index of -1 (a window
 * of padding only) puts nothing. dims: (planes, H*W, OH*OW, accumulate); grad contiguous. */
__kernel void max_pool2d_backward(__global const int* dims, __global T* out, __global const T* grad,
                                  __global const long* indices) {
    int t = get_global_id(0);
    if (t >= dims[0]) return;
    const int size = dims[1], windows = dims[2], accumulate = dims[3];
    __global T* plane = out + t * size;
    for (int k = 0; k < size; ++k) plane[k] = 0;
    __global const T* g = grad + t * windows;
    __global const long* index = indices + t * windows;
    for (int k = 0; k < windows; ++k) {
        long i = index[k];
        if (i < 0) continue;
        plane[i] = accumulate ? plane[i] + g[k] : g[k];
    }
}
