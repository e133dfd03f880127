/* Fused GELU and layer_norm (ops/fused_nn.py), forward and first-order backward, on contiguous
 * buffers from their first element. -D T (float or double). Integer parameters come in a small
 * buffer p, floating ones in c (as the other kernels: no by-value arguments). */
#include "common.h"

/* out = x Phi(x), cdf = Phi(x) = (1 + erf(x / sqrt(2))) / 2; p: (n). */
__kernel void gelu(__global T* out, __global T* cdf, __global const T* x, __global const int* p) {
    int i = get_global_id(0);
    if (i >= p[0]) return;
    T v = x[i];
    T phi = (T)0.5 * ((T)1 + erf(v * (T)0.70710678118654752440));
    cdf[i] = phi;
    out[i] = v * phi;
}

/* out = grad (Phi(x) + x phi(x)), phi the normal density; p: (n). */
__kernel void gelu_backward(__global T* out, __global const T* grad, __global const T* x,
                            __global const T* cdf, __global const int* p) {
    int i = get_global_id(0);
    if (i >= p[0]) return;
    T v = x[i];
    T density = exp(v * v * (T)-0.5) * (T)0.39894228040143267794;
    out[i] = grad[i] * (cdf[i] + v * density);
}

/* One work item per row of `size` elements: xhat = (x - mean) rstd, rstd = 1 / sqrt(biased var
 * + eps) (two passes), out = xhat weight + bias. p: (rows, size, has_weight, has_bias); c: (eps).
 * Without weight and bias, out is xhat's buffer (the same value written twice by one item). */
__kernel void layer_norm(__global T* out, __global T* xhat, __global T* rstd, __global const T* x,
                         __global const T* weight, __global const T* bias, __global const int* p,
                         __global const T* c) {
    int row = get_global_id(0);
    int rows = p[0], size = p[1], has_weight = p[2], has_bias = p[3];
    if (row >= rows) return;
    __global const T* in = x + (long)row * size;
    T total = 0;
    for (int j = 0; j < size; ++j) total += in[j];
    T mean = total / (T)size;
    T squares = 0;
    for (int j = 0; j < size; ++j) {
        T d = in[j] - mean;
        squares += d * d;
    }
    T r = (T)1 / sqrt(squares / (T)size + c[0]);
    rstd[row] = r;
    for (int j = 0; j < size; ++j) {
        T h = (in[j] - mean) * r;
        xhat[(long)row * size + j] = h;
        T o = has_weight ? h * weight[j] : h;
        out[(long)row * size + j] = has_bias ? o + bias[j] : o;
    }
}

/* grad_x = rstd (g - mean(g) - xhat mean(g xhat)) per row, g = grad weight; p: (rows, size,
 * has_weight). */
__kernel void layer_norm_backward(__global T* grad_x, __global const T* grad, __global const T* xhat,
                                  __global const T* rstd, __global const T* weight, __global const int* p) {
    int row = get_global_id(0);
    int rows = p[0], size = p[1], has_weight = p[2];
    if (row >= rows) return;
    long base = (long)row * size;
    T g_sum = 0, gx_sum = 0;
    for (int j = 0; j < size; ++j) {
        T g = has_weight ? grad[base + j] * weight[j] : grad[base + j];
        g_sum += g;
        gx_sum += g * xhat[base + j];
    }
    T mean = g_sum / (T)size, projection = gx_sum / (T)size, r = rstd[row];
    for (int j = 0; j < size; ++j) {
        T g = has_weight ? grad[base + j] * weight[j] : grad[base + j];
        grad_x[base + j] = (g - mean - xhat[base + j] * projection) * r;
    }
}

/* One work item per column j of the (rows, size) operands: grad_weight[j] = sum of grad xhat,
 * grad_bias[j] = sum of grad over the rows. p: (rows, size, want_weight, want_bias). */
__kernel void layer_norm_param_grads(__global T* grad_weight, __global T* grad_bias, __global const T* grad,
                                     __global const T* xhat, __global const int* p) {
    int j = get_global_id(0);
    int rows = p[0], size = p[1], want_weight = p[2], want_bias = p[3];
    if (j >= size) return;
    T w = 0, b = 0;
    for (int r = 0; r < rows; ++r) {
        T g = grad[(long)r * size + j];
        w += g * xhat[(long)r * size + j];
        b += g;
    }
    if (want_weight) grad_weight[j] = w;
    if (want_bias) grad_bias[j] = b;
}
