/* Fused optimizer updates, in place on contiguous parameter and state buffers. -D T. */
#include "common.h"

/* One Adam/AdamW step (PyTorch's formulation). hyper: (lr, beta1, beta2, eps, weight_decay,
 * log(beta1), log(beta2)); step: the step count t after this step (a float on the device, so
 * nothing is read back to the host); flags: (n, decoupled, amsgrad). The bias corrections
 * 1 - beta^t are -expm1(t log(beta)): full precision where they are small. */
__kernel void adam(__global T* param, __global const T* grad, __global T* exp_avg,
                   __global T* exp_avg_sq, __global T* max_exp_avg_sq, __global const T* hyper,
                   __global const int* flags, __global const float* step) {
    int i = get_global_id(0);
    if (i >= flags[0]) return;
    T lr = hyper[0], beta1 = hyper[1], beta2 = hyper[2], eps = hyper[3], weight_decay = hyper[4];
    T t = (T)step[0];
    T bias1 = -expm1(t * hyper[5]), bias2_sqrt = sqrt(-expm1(t * hyper[6]));
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
