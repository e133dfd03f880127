/* Fused optimizer updates, in place on contiguous parameter and state buffers. -D T. */
#include "common.h"

/* The per-step scalars of an Adam step, on the device (one work item): the step count t
 * += 1, then bias = (1 - beta1^t, sqrt(1 - beta2^t)), each 1 - beta^t as -expm1(t log(beta)):
 * full precision where it is small. log_betas: (log(beta1), log(beta2)). */
__kernel void adam_prepare(__global float* step, __global const T* log_betas, __global T* bias) {
    if (get_global_id(0) != 0) return;
    float t = step[0] + 1.0f;
    step[0] = t;
    bias[0] = -expm1((T)t * log_betas[0]);
    bias[1] = sqrt(-expm1((T)t * log_betas[1]));
}

/* One Adam/AdamW step (PyTorch's formulation). hyper: (lr, beta1, beta2, eps, weight_decay);
 * bias: adam_prepare's (1 - beta1^t, sqrt(1 - beta2^t)); flags: (n, decoupled, amsgrad). */
__kernel void adam(__global T* param, __global const T* grad, __global T* exp_avg,
                   __global T* exp_avg_sq, __global T* max_exp_avg_sq, __global const T* hyper,
                   __global const int* flags, __global const T* bias) {
    int i = get_global_id(0);
    if (i >= flags[0]) return;
    T lr = hyper[0], beta1 = hyper[1], beta2 = hyper[2], eps = hyper[3], weight_decay = hyper[4];
    T bias1 = bias[0], bias2_sqrt = bias[1];
    int decoupled = flags[1], amsgrad = flags[2];
    T p = param[i];
    T g = grad[i];
    if (weight_decay != 0) {
        if (decoupled) p *= (T)1 - lr * weight_decay;
        else g += weight_decay * p;
    }
    T m = beta1 * exp_avg[i] + ((T)1 - beta1) * g;
    T v = beta2 * exp_avg_sq[i] + ((T)1 - beta2) * (g * g);
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    if (amsgrad) {
        v = fmax(max_exp_avg_sq[i], v);
        max_exp_avg_sq[i] = v;
    }
    T denom = sqrt(v) / bias2_sqrt + eps;
    param[i] = p - (lr / bias1) * (m / denom);
}
