/* Fused optimizer updates, in place on contiguous parameter and state buffers. -D T. */
#include "common.h"

/* Adam/AdamW (PyTorch's formulation) for a group of 1 to 8 parameters with the same
 * hyperparameters, one launch each for the step scalars and the update (eager steps use groups
 * of one, a compiled step one group per 8 parameters: the same operations on the same values,
 * so the same bits). Slot k's buffers are argument k of each role; slots >= flags[0] are unused
 * (any valid buffer). flags: (count, decoupled, amsgrad, end[0..7]): parameter k holds elements
 * end[k-1] .. end[k]-1 of the update's index range. hyper: (lr, beta1, beta2, eps,
 * weight_decay). adam_prepare_group (one work item): each step count t += 1, then bias[2k..2k+1]
 * = (1 - beta1^t, sqrt(1 - beta2^t)), each 1 - beta^t as -expm1(t log(beta)): full precision
 * where it is small. log_betas: (log(beta1), log(beta2)). */
#define ADAM_PICK(k, a) ((k) == 0 ? a##0 : (k) == 1 ? a##1 : (k) == 2 ? a##2 : (k) == 3 ? a##3 : \
                         (k) == 4 ? a##4 : (k) == 5 ? a##5 : (k) == 6 ? a##6 : a##7)
#define ADAM_SLOTS(q, T, a) q T* a##0, q T* a##1, q T* a##2, q T* a##3, q T* a##4, q T* a##5, \
                            q T* a##6, q T* a##7

__kernel void adam_prepare_group(ADAM_SLOTS(__global, float, step), __global const T* log_betas,
                                 __global T* bias, __global const int* flags) {
    if (get_global_id(0) != 0) return;
    for (int k = 0; k < flags[0]; k++) {
        __global float* s = ADAM_PICK(k, step);
        float t = s[0] + 1.0f;
        s[0] = t;
        bias[2 * k] = -expm1((T)t * log_betas[0]);
        bias[2 * k + 1] = sqrt(-expm1((T)t * log_betas[1]));
    }
}

__kernel void adam_group(ADAM_SLOTS(__global, T, param), ADAM_SLOTS(__global const, T, grad),
                         ADAM_SLOTS(__global, T, exp_avg), ADAM_SLOTS(__global, T, exp_avg_sq),
                         ADAM_SLOTS(__global, T, max_exp_avg_sq), __global const T* hyper,
                         __global const int* flags, __global const T* bias) {
    int i = get_global_id(0);
    int count = flags[0];
    if (i >= flags[3 + count - 1]) return;
    int k = 0;
    while (k < count - 1 && i >= flags[3 + k]) k++;
    int j = k == 0 ? i : i - flags[3 + k - 1];
    T lr = hyper[0], beta1 = hyper[1], beta2 = hyper[2], eps = hyper[3], weight_decay = hyper[4];
    T bias1 = bias[2 * k], bias2_sqrt = bias[2 * k + 1];
    int decoupled = flags[1], amsgrad = flags[2];
    __global T* param = ADAM_PICK(k, param);
    __global T* m_buf = ADAM_PICK(k, exp_avg);
    __global T* v_buf = ADAM_PICK(k, exp_avg_sq);
    T p = param[j];
    T g = ADAM_PICK(k, grad)[j];
    if (weight_decay != 0) {
        if (decoupled) p *= (T)1 - lr * weight_decay;
        else g += weight_decay * p;
    }
    T m = beta1 * m_buf[j] + ((T)1 - beta1) * g;
    T v = beta2 * v_buf[j] + ((T)1 - beta2) * (g * g);
    m_buf[j] = m;
    v_buf[j] = v;
    if (amsgrad) {
        __global T* max_buf = ADAM_PICK(k, max_exp_avg_sq);
        v = fmax(max_buf[j], v);
        max_buf[j] = v;
    }
    T denom = sqrt(v) / bias2_sqrt + eps;
    param[j] = p - (lr / bias1) * (m / denom);
}
