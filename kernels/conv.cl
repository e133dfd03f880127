/* Convolution support: im2col (unfold), col2im (fold) and max pooling with argmax indices.
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

__kernel void unfold(GeometryPtr g, __global T* out, __global const T* x, __global const T* pad_value) {
    int t = get_global_id(0);
    int total = g->n * g->c * g->kh * g->kw * g->oh * g->ow;
    if (t >= total) return;
    int ox = t % g->ow; t /= g->ow;
    int oy = t % g->oh; t /= g->oh;
    int j = t % g->kw; t /= g->kw;
    int i = t % g->kh; t /= g->kh;
    int c = t % g->c;
    int n = t / g->c;
    int y = oy * g->sh - g->top + i * g->dh;
    int xx = ox * g->sw - g->left + j * g->dw;
    T value = pad_value[0];
    if (y >= 0 && y < g->h && xx >= 0 && xx < g->w)
        value = x[g->x_offset + n * g->xs[0] + c * g->xs[1] + y * g->xs[2] + xx * g->xs[3]];
    out[column_index(g, n, c, i, j, oy, ox)] = value;
}

/* One work item per output pixel, summing every window cell that covers it (no atomics). */
__kernel void fold(GeometryPtr g, __global T* out, __global const T* cols) {
    int t = get_global_id(0);
    if (t >= g->n * g->c * g->h * g->w) return;
    int xx = t % g->w;
    int y = (t / g->w) % g->h;
    int c = (t / (g->w * g->h)) % g->c;
    int n = t / (g->w * g->h * g->c);
    T sum = 0;
    for (int i = 0; i < g->kh; ++i) {
        int ty = y + g->top - i * g->dh;
        if (ty < 0 || ty % g->sh != 0 || ty / g->sh >= g->oh) continue;
        for (int j = 0; j < g->kw; ++j) {
            int tx = xx + g->left - j * g->dw;
            if (tx < 0 || tx % g->sw != 0 || tx / g->sw >= g->ow) continue;
            sum += cols[column_index(g, n, c, i, j, ty / g->sh, tx / g->sw)];
        }
    }
    out[t] = sum;
}

/* PyTorch's rule: the first maximum of a window wins, a NaN always wins (so the last NaN). */
__kernel void max_pool2d(GeometryPtr g, __global T* values, __global long* indices, __global const T* x) {
    int t = get_global_id(0);
    if (t >= g->n * g->c * g->oh * g->ow) return;
    int ox = t % g->ow;
    int oy = (t / g->ow) % g->oh;
    int c = (t / (g->ow * g->oh)) % g->c;
    int n = t / (g->ow * g->oh * g->c);
    int y0 = oy * g->sh - g->top, x0 = ox * g->sw - g->left;
    T best = -INFINITY;
    /* PyTorch's start: the first position past the padding (-1 if that is outside the input),
       so a window of -inf values points at its first element, never at the padding */
    int ys = y0 < 0 ? y0 + (-y0 + g->dh - 1) / g->dh * g->dh : y0;
    int xs = x0 < 0 ? x0 + (-x0 + g->dw - 1) / g->dw * g->dw : x0;
    long best_index = (ys < g->h && xs < g->w) ? (long)ys * g->w + xs : -1;
    __global const T* plane = x + g->x_offset + n * g->xs[0] + c * g->xs[1];
    for (int i = 0; i < g->kh; ++i) {
        int y = y0 + i * g->dh;
        if (y < 0 || y >= g->h) continue;
        for (int j = 0; j < g->kw; ++j) {
            int xx = x0 + j * g->dw;
            if (xx < 0 || xx >= g->w) continue;
            T v = plane[y * g->xs[2] + xx * g->xs[3]];
            if (v > best || isnan(v)) {
                best = v;
                best_index = (long)y * g->w + xx;
            }
        }
    }
    values[t] = best;
    indices[t] = best_index;
}
