/* Elementwise unary ops over strided operands. -D T=<operand type> -D U=<result type>; the op
 * is a runtime code (ops.h), so one program per (T, U) pair serves every op and the number
 * of distinct builds stays small. */
#include "common.h"
#include "ops.h"

#ifdef T_FLOAT
inline T sigmoid_(T x) {
    if (x >= 0) return (T)1 / ((T)1 + exp(-x));
    T e = exp(x);
    return e / ((T)1 + e);
}

#endif

/* tanh that reaches +-1: PoCL's builtin stops at +-0.99999994 in float (tanh(30) must round to
 * 1, and 1 + tanh(-inf) must be 0 so that gelu's tanh form gives NaN at -inf as PyTorch's).
 * Beyond 9.02 (float) / 19.1 (double) the exact tanh rounds to +-1. A macro: float and double
 * elements, and the ACC value of integer ones, keep their own precision. */
#define tanh_(x) (fabs(x) >= (__typeof__(x))(sizeof(x) == 4 ? 9.02f : 19.1f) \
                  ? copysign((__typeof__(x))1, (x)) : tanh(x))

/* erfinv by Wichura's AS241 in erf's variable, as backends/numpy_backend.py's _erfinv (the same
 * coefficients, highest degree first): only x / 2 and (1 - |x|) / 2 enter it, both exact, so it
 * keeps full accuracy near 0 and near +-1. In ACC: float elements are computed in double where
 * the device has it and rounded once, as the NumPy backend does. */
__constant ACC ERFINV_CENTRAL_NUM_[8] = {2509.0809287301227, 33430.57558358813, 67265.7709270087,
    45921.95393154987, 13731.69376550946, 1971.5909503065513, 133.14166789178438,
    3.3871328727963665};
__constant ACC ERFINV_CENTRAL_DEN_[8] = {5226.495278852854, 28729.085735721943, 39307.89580009271,
    21213.794301586597, 5394.196021424751, 687.1870074920579, 42.31333070160091, 1.0};
__constant ACC ERFINV_NEAR_NUM_[8] = {0.0007745450142783414, 0.022723844989269184,
    0.2417807251774506, 1.2704582524523684, 3.6478483247632045, 5.769497221460691,
    4.630337846156546, 1.4234371107496835};
__constant ACC ERFINV_NEAR_DEN_[8] = {1.0507500716444169e-09, 0.0005475938084995345,
    0.015198666563616457, 0.14810397642748008, 0.6897673349851, 1.6763848301838038,
    2.053191626637759, 1.0};
__constant ACC ERFINV_FAR_NUM_[8] = {2.0103343992922881e-07, 2.7115555687434876e-05,
    0.0012426609473880784, 0.026532189526576124, 0.29656057182850487, 1.7848265399172913,
    5.463784911164114, 6.657904643501103};
__constant ACC ERFINV_FAR_DEN_[8] = {2.0442631033899397e-15, 1.421511758316446e-07,
    1.8463183175100548e-05, 0.0007868691311456133, 0.014875361290850615, 0.1369298809227358,
    0.599832206555888, 1.0};

inline ACC erfinv_ratio_(__constant const ACC* num, __constant const ACC* den, ACC t) {
    ACC n = num[0], d = den[0];
    for (int k = 1; k < 8; ++k) {
        n = n * t + num[k];
        d = d * t + den[k];
    }
    return n / d;
}

inline ACC erfinv_(ACC x) {
    ACC a = fabs(x);
    if (a <= (ACC)0.85)
        return x * (erfinv_ratio_(ERFINV_CENTRAL_NUM_, ERFINV_CENTRAL_DEN_, (ACC)0.180625 - (ACC)0.25 * x * x)
                    * (ACC)0.35355339059327373);  /* 0.5 / sqrt(2) */
    if (a == (ACC)1) return copysign((ACC)INFINITY, x);
    ACC r = sqrt(-log(((ACC)1 - a) * (ACC)0.5));  /* nan for |x| > 1 and for nan */
    ACC v = r <= (ACC)5 ? erfinv_ratio_(ERFINV_NEAR_NUM_, ERFINV_NEAR_DEN_, r - (ACC)1.6)
                        : erfinv_ratio_(ERFINV_FAR_NUM_, ERFINV_FAR_DEN_, r - (ACC)5);
    return copysign(v / (ACC)1.4142135623730951, x);
}

/* The cases of the floating functions (ops.h's X list): the builtin of the element, or of its
 * value as ACC for integer and bool elements. */
#define UNARY_FLOAT_CASE_(name, code, builtin) case UNARY_##name: return TO_U(builtin(x));
#define UNARY_INTEGER_CASE_(name, code, builtin) case UNARY_##name: return TO_U(builtin(v));

inline U unary_op(int op, T x) {
#ifdef T_FLOAT
    switch (op) {
    case UNARY_neg: return TO_U(-x);
    case UNARY_abs: return TO_U(fabs(x));
    case UNARY_sign: return TO_U((T)((x > 0) - (x < 0)));  /* sign(nan) = 0, as PyTorch */
    case UNARY_sigmoid: return TO_U(sigmoid_(x));
    case UNARY_relu: return TO_U((isnan(x) || x > 0) ? x : (T)0);
    case UNARY_floor: return TO_U(floor(x));
    case UNARY_ceil: return TO_U(ceil(x));
    case UNARY_round: return TO_U(rint(x));
    case UNARY_trunc: return TO_U(trunc(x));
    case UNARY_logical_not: return (U)(x == 0);
    case UNARY_isnan: return (U)(isnan(x) != 0);
    case UNARY_isinf: return (U)(isinf(x) != 0);
    case UNARY_isfinite: return (U)(isfinite(x) != 0);
    UNARY_FLOATING_FUNCTIONS(UNARY_FLOAT_CASE_)
    }
#else
    ACC v = (ACC)x;
    switch (op) {
    case UNARY_neg: return TO_U(-x);
#ifdef T_BOOL
    case UNARY_abs: return TO_U(x);
    case UNARY_sign: return TO_U(x);
    case UNARY_bitwise_not: return (U)(x == 0);
#else
    case UNARY_abs: return TO_U((T)abs(x));  /* the builtin: x < 0 ? -x : x became llvm.abs, which Oclgrind lacks */
    case UNARY_sign: return TO_U((x > 0) - (x < 0));
    case UNARY_bitwise_not: return TO_U(~x);
#endif
    case UNARY_relu: return TO_U(x > 0 ? x : 0);
    case UNARY_floor: case UNARY_ceil: case UNARY_round: case UNARY_trunc: return TO_U(x);
    case UNARY_logical_not: return (U)(x == 0);
    case UNARY_isnan: case UNARY_isinf: return (U)0;
    case UNARY_isfinite: return (U)1;
    UNARY_FLOATING_FUNCTIONS(UNARY_INTEGER_CASE_)
    }
#endif
    return (U)0;
}

/* L->extra[0]: the op code */
__kernel void unary(LayoutPtr L, __global U* out, __global const T* x) {
    int i = get_global_id(0);
    if (i >= L->n) return;
    int o[2];
    layout_offsets(L, i, 2, o);
    out[o[0]] = unary_op(L->extra[0], x[o[1]]);
}

/* Contiguous fast path, no index arithmetic: p = (n, op, out offset, x offset). */
__kernel void unary_flat(__global U* out, __global const T* x, __global const int* p) {
    int i = get_global_id(0);
    if (i >= p[0]) return;
    out[p[2] + i] = unary_op(p[1], x[p[3] + i]);
}

/* 1 in *flag when any element is NaN or infinite (anomaly mode). */
__kernel void any_nonfinite(LayoutPtr L, __global const T* x, __global int* flag) {
    int i = get_global_id(0);
    if (i >= L->n) return;
#ifdef T_FLOAT
    if (!isfinite(x[layout_offset0(L, i)])) *flag = 1;
#endif
}
