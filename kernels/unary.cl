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
