/* Fused optimizer updates, in place on contiguous parameter and state buffers. -D T, and for
 * adam_group -D VW (its vector width) -D CHUNK (elements per work item). */
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

/* The update of ADAM_N values of one parameter, TY a scalar T or a vector TV, LOAD(buffer)/STORE
 * (buffer, value) its reads and writes at the current position: the same expressions for both,
 * so a parameter's elements get the same bits whichever form runs them. */
#define ADAM_UPDATE(TY, LOAD, STORE)                                                            \
    {                                                                                           \
        TY p = LOAD(param), g = LOAD(grad);                                                     \
        if (weight_decay != 0) {                                                                \
            if (decoupled) p *= decay;                                                          \
            else g += weight_decay * p;                                                         \
        }                                                                                       \
        TY m = beta1 * LOAD(m_buf) + ((T)1 - beta1) * g;                                        \
        TY v = beta2 * LOAD(v_buf) + ((T)1 - beta2) * (g * g);                                  \
        STORE(m_buf, m);                                                                        \
        STORE(v_buf, v);                                                                        \
        if (amsgrad) {                                                                          \
            v = fmax(LOAD(max_buf), v);                                                         \
            STORE(max_buf, v);                                                                  \
        }                                                                                       \
        TY denom = sqrt(v) / bias2_sqrt + eps;                                                  \
        STORE(param, p - step_size * (m / denom));                                              \
    }
#define TV VECTOR(T, VW)
#define LOAD_VECTOR(buffer) (*(__global TV*)((buffer) + j))
#define STORE_VECTOR(buffer, value) (*(__global TV*)((buffer) + j) = (value))
#define LOAD_SCALAR(buffer) ((buffer)[j])
#define STORE_SCALAR(buffer, value) ((buffer)[j] = (value))

/* One work item per CHUNK elements of a parameter (-D CHUNK, a multiple of -D VW; each
 * parameter starts a new chunk): whole VW-vectors first, read and written as aligned vectors
 * (contiguous buffers at offset 0; chunks start at multiples of VW), then the parameter's last
 * size % VW elements one by one. Explicit vectors: PoCL did not vectorise the per-element form
 * across work items (its slot search and pointer selection), ~4.4 ns an element. */
__kernel void adam_group(ADAM_SLOTS(__global, T, param_), ADAM_SLOTS(__global const, T, grad_),
                         ADAM_SLOTS(__global, T, exp_avg), ADAM_SLOTS(__global, T, exp_avg_sq),
                         ADAM_SLOTS(__global, T, max_exp_avg_sq), __global const T* hyper,
                         __global const int* flags, __global const T* bias) {
    int chunk = get_global_id(0);
    int count = flags[0];
    /* slot k: elements start .. end-1 of the index range, chunks first .. first + its chunks - 1 */
    int k = 0, first = 0, start = 0, end = flags[3];
    for (;;) {
        int chunks = (end - start + CHUNK - 1) / CHUNK;
        if (chunk < first + chunks) break;
        if (++k == count) return;
        first += chunks;
        start = end;
        end = flags[3 + k];
    }
    int lo = (chunk - first) * CHUNK;
    int n = min(CHUNK, end - start - lo);
    T lr = hyper[0], beta1 = hyper[1], beta2 = hyper[2], eps = hyper[3], weight_decay = hyper[4];
    T bias1 = bias[2 * k], bias2_sqrt = bias[2 * k + 1];
    T decay = (T)1 - lr * weight_decay, step_size = lr / bias1;
    int decoupled = flags[1], amsgrad = flags[2];
    __global T* param = ADAM_PICK(k, param_) + lo;
    __global const T* grad = ADAM_PICK(k, grad_) + lo;
    __global T* m_buf = ADAM_PICK(k, exp_avg) + lo;
    __global T* v_buf = ADAM_PICK(k, exp_avg_sq) + lo;
    __global T* max_buf = ADAM_PICK(k, max_exp_avg_sq) + lo;
    int j = 0;
    for (; j + VW <= n; j += VW) ADAM_UPDATE(TV, LOAD_VECTOR, STORE_VECTOR)
    for (; j < n; j++) ADAM_UPDATE(T, LOAD_SCALAR, STORE_SCALAR)
}
