/* Fused GELU, layer_norm and softmax cross-entropy (ops/fused_nn.py), forward and first-order
 * backward, on contiguous buffers from their first element. -D T (float or double). Integer parameters come in a small
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

/* Softmax cross-entropy of (rows, classes) logits x and int64 class targets, one work group
 * (a power of two items, each a strided set of rows, then a tree sum in local memory): logp =
 * log_softmax(x) per row (as softmax.cl's: the max with nan first, an all -inf row gives -inf),
 * loss = -logp[target] per row ('none': out has a row each, an ignored row 0), else their sum
 * over the used rows, divided by their count for 'mean' (0 used: nan); count = the used rows.
 * A target outside [0, classes) that is not ignore_index is reported to the error flag (code)
 * and counts as used. p (long): (rows, classes, reduction 0 none / 1 mean / 2 sum, ignore_index,
 * error code). */
__kernel void softmax_cross_entropy(__global T* loss, __global T* logp, __global T* count, __global const T* x,
                                    __global const long* target, __global const long* p, __global int* error,
                                    __local T* partial, __local T* used) {
    int lid = get_local_id(0), size = get_local_size(0);
    int rows = (int)p[0], classes = (int)p[1], reduction = (int)p[2];
    long ignore = p[3];
    T total = 0, counted = 0;
    for (int r = lid; r < rows; r += size) {
        __global const T* in = x + (long)r * classes;
        __global T* out = logp + (long)r * classes;
        T top = -INFINITY;
        for (int j = 0; j < classes; ++j) {
            T v = in[j];
            if (isnan(v) || v > top || isnan(top)) top = isnan(top) ? top : v;
        }
        T shift = isinf(top) && top < 0 ? (T)0 : top;
        T sum = 0;
        for (int j = 0; j < classes; ++j) sum += exp(in[j] - shift);
        T lse = log(sum) + shift;
        for (int j = 0; j < classes; ++j) out[j] = in[j] - lse;
        long t = target[r];
        T term = 0;
        if (t != ignore) {
            counted += 1;
            if (t >= 0 && t < classes) {
                term = -(in[t] - lse);  /* -logp[t], the same bits: lse - in[t] is +0 where -logp is -0 */
            } else if (atomic_cmpxchg(error, 0, (int)p[4]) == 0) {
                error[1] = (int)t;
                error[2] = (int)(t >> 32);
                error[3] = classes;
            }
        }
        if (reduction == 0) loss[r] = term;
        total += term;
    }
    partial[lid] = total;
    used[lid] = counted;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = size / 2; stride > 0; stride >>= 1) {
        if (lid < stride) {
            partial[lid] += partial[lid + stride];
            used[lid] += used[lid + stride];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        count[0] = used[0];
        if (reduction == 1) loss[0] = partial[0] / used[0];
        else if (reduction == 2) loss[0] = partial[0];
    }
}

/* Its first-order backward, one work item per element: grad_x = (exp(logp) - [j == target])
 * g, g = grad[row] ('none') or grad[0] ('sum'), grad[0] / count ('mean'); on an ignored row
 * 0 - exp(logp) 0 (PyTorch's log_softmax backward of a zero gradient: nan where logp is, e.g.
 * a row of -inf logits), 0 on a row whose target is out of range (the forward reported it).
 * p: as the forward's. */
__kernel void softmax_cross_entropy_backward(__global T* grad_x, __global const T* grad, __global const T* logp,
                                             __global const long* target, __global const T* count,
                                             __global const long* p) {
    int i = get_global_id(0);
    int rows = (int)p[0], classes = (int)p[1], reduction = (int)p[2];
    if (i >= rows * classes) return;
    int r = i / classes, j = i - r * classes;
    long t = target[r];
    if (t == p[3]) {
        grad_x[i] = (T)0 - exp(logp[i]) * (T)0;
        return;
    }
    if (t < 0 || t >= classes) {
        grad_x[i] = 0;
        return;
    }
    T g = reduction == 0 ? grad[r] : grad[0];
    if (reduction == 1) g /= count[0];
    grad_x[i] = (exp(logp[i]) - (j == t ? (T)1 : (T)0)) * g;
}
