/* Elementwise kernels over strided operands: unary, binary, where, convert, fill, arange.
 * -D T=<operand type> -D U=<result type>; op is a runtime argument (codes in ops.h), so one
 * program per (T, U) pair serves every op and the number of distinct builds stays small. */
#include "common.h"
#include "ops.h"

#ifdef U_BOOL
#define TO_U(v) ((U)((v) != 0))
#else
#define TO_U(v) ((U)(v))
#endif

#ifdef T_FLOAT
inline T sigmoid_(T x) {
    if (x >= 0) return (T)1 / ((T)1 + exp(-x));
    T e = exp(x);
    return e / ((T)1 + e);
}

/* NumPy's npy_divmod: floor division and Python's modulo for floating point. */
inline T floor_divide_(T a, T b) {
    if (b == 0) return a / b;
    T mod = fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= (T)1;
    if (div == 0) return copysign((T)0, a / b);
    T floordiv = floor(div);
    if (div - floordiv > (T)0.5) floordiv += (T)1;
    return floordiv;
}

inline T remainder_(T a, T b) {
    if (b == 0) return fmod(a, b);
    T mod = fmod(a, b);
    if (mod != 0) {
        if ((b < 0) != (mod < 0)) mod += b;
    } else {
        mod = copysign((T)0, b);
    }
    return mod;
}
#else
inline T floor_divide_(T a, T b) {
    if (b == 0) return 0;
    T q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
    return q;
}

inline T remainder_(T a, T b) {
    if (b == 0) return 0;
    T r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

inline T int_pow_(T base, T exponent) {
    if (exponent < 0) return (base == 1) ? 1 : ((base == -1) ? ((exponent & 1) ? -1 : 1) : 0);
    T result = 1;
    while (exponent) {
        if (exponent & 1) result *= base;
        base *= base;
        exponent >>= 1;
    }
    return result;
}
#endif

inline U unary_op(int op, T x) {
#ifdef T_FLOAT
    switch (op) {
    case UNARY_neg: return TO_U(-x);
    case UNARY_exp: return TO_U(exp(x));
    case UNARY_log: return TO_U(log(x));
    case UNARY_sqrt: return TO_U(sqrt(x));
    case UNARY_abs: return TO_U(fabs(x));
    case UNARY_sign: return TO_U(isnan(x) ? x : (T)((x > 0) - (x < 0)));
    case UNARY_sin: return TO_U(sin(x));
    case UNARY_cos: return TO_U(cos(x));
    case UNARY_tanh: return TO_U(tanh(x));
    case UNARY_sigmoid: return TO_U(sigmoid_(x));
    case UNARY_relu: return TO_U((isnan(x) || x > 0) ? x : (T)0);
    case UNARY_erf: return TO_U(erf(x));
    case UNARY_floor: return TO_U(floor(x));
    case UNARY_ceil: return TO_U(ceil(x));
    case UNARY_round: return TO_U(rint(x));
    case UNARY_trunc: return TO_U(trunc(x));
    case UNARY_log1p: return TO_U(log1p(x));
    case UNARY_expm1: return TO_U(expm1(x));
    case UNARY_logical_not: return (U)(x == 0);
    case UNARY_isnan: return (U)(isnan(x) != 0);
    case UNARY_isinf: return (U)(isinf(x) != 0);
    case UNARY_isfinite: return (U)(isfinite(x) != 0);
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
    case UNARY_abs: return TO_U(x < 0 ? -x : x);
    case UNARY_sign: return TO_U((x > 0) - (x < 0));
    case UNARY_bitwise_not: return TO_U(~x);
#endif
    case UNARY_relu: return TO_U(x > 0 ? x : 0);
    case UNARY_floor: case UNARY_ceil: case UNARY_round: case UNARY_trunc: return TO_U(x);
    case UNARY_logical_not: return (U)(x == 0);
    case UNARY_isnan: case UNARY_isinf: return (U)0;
    case UNARY_isfinite: return (U)1;
    case UNARY_exp: return TO_U(exp(v));
    case UNARY_log: return TO_U(log(v));
    case UNARY_sqrt: return TO_U(sqrt(v));
    case UNARY_sin: return TO_U(sin(v));
    case UNARY_cos: return TO_U(cos(v));
    case UNARY_tanh: return TO_U(tanh(v));
    case UNARY_erf: return TO_U(erf(v));
    case UNARY_log1p: return TO_U(log1p(v));
    case UNARY_expm1: return TO_U(expm1(v));
    }
#endif
    return (U)0;
}

inline U binary_op(int op, T a, T b) {
    switch (op) {
    case BINARY_add: return TO_U(a + b);
    case BINARY_sub: return TO_U(a - b);
    case BINARY_mul: return TO_U(a * b);
    case BINARY_eq: return (U)(a == b);
    case BINARY_ne: return (U)(a != b);
    case BINARY_lt: return (U)(a < b);
    case BINARY_le: return (U)(a <= b);
    case BINARY_gt: return (U)(a > b);
    case BINARY_ge: return (U)(a >= b);
    case BINARY_logical_and: return (U)((a != 0) && (b != 0));
    case BINARY_logical_or: return (U)((a != 0) || (b != 0));
    case BINARY_logical_xor: return (U)((a != 0) != (b != 0));
    case BINARY_floor_divide: return TO_U(floor_divide_(a, b));
    case BINARY_remainder: return TO_U(remainder_(a, b));
#ifdef T_FLOAT
    case BINARY_div: return TO_U(a / b);
    case BINARY_pow: return TO_U(pow(a, b));
    case BINARY_maximum: return TO_U((isnan(a) || a > b) ? a : b);
    case BINARY_minimum: return TO_U((isnan(a) || a < b) ? a : b);
#else
    case BINARY_div: return TO_U((ACC)a / (ACC)b);
    case BINARY_pow: return TO_U(int_pow_(a, b));
    case BINARY_maximum: return TO_U(a > b ? a : b);
    case BINARY_minimum: return TO_U(a < b ? a : b);
    case BINARY_bitwise_and: return TO_U(a & b);
    case BINARY_bitwise_or: return TO_U(a | b);
    case BINARY_bitwise_xor: return TO_U(a ^ b);
#endif
    }
    return (U)0;
}

__kernel void unary(Layout L, __global U* out, __global const T* x, int op) {
    int i = get_global_id(0);
    if (i >= L.n) return;
    int o[2];
    layout_offsets(&L, i, 2, o);
    out[o[0]] = unary_op(op, x[o[1]]);
}

/* scalars: bit 0 set = a is the scalar sa, bit 1 = b is the scalar sb (the buffer is unused). */
__kernel void binary(Layout L, __global U* out, __global const T* a, __global const T* b,
                     T sa, T sb, int scalars, int op) {
    int i = get_global_id(0);
    if (i >= L.n) return;
    int o[3];
    layout_offsets(&L, i, 3, o);
    T x = (scalars & 1) ? sa : a[o[1]];
    T y = (scalars & 2) ? sb : b[o[2]];
    out[o[0]] = binary_op(op, x, y);
}

__kernel void where_(Layout L, __global T* out, __global const uchar* condition,
                     __global const T* a, __global const T* b, T sa, T sb, int scalars) {
    int i = get_global_id(0);
    if (i >= L.n) return;
    int o[4];
    layout_offsets(&L, i, 4, o);
    if (condition[o[1]]) out[o[0]] = (scalars & 1) ? sa : a[o[2]];
    else out[o[0]] = (scalars & 2) ? sb : b[o[3]];
}

/* Strided copy with conversion: cast, copy, copy_into, contiguous packing. */
__kernel void convert(Layout L, __global U* out, __global const T* x) {
    int i = get_global_id(0);
    if (i >= L.n) return;
    int o[2];
    layout_offsets(&L, i, 2, o);
    out[o[0]] = TO_U(x[o[1]]);
}

__kernel void fill(Layout L, __global U* out, U value) {
    int i = get_global_id(0);
    if (i >= L.n) return;
    out[layout_offset0(&L, i)] = value;
}

__kernel void arange(__global U* out, int n, ACC start, ACC step) {
    int i = get_global_id(0);
    if (i >= n) return;
    out[i] = (U)(start + (ACC)i * step);
}

/* 1 in *flag when any element is NaN or infinite (anomaly mode). */
__kernel void any_nonfinite(Layout L, __global const T* x, __global int* flag) {
    int i = get_global_id(0);
    if (i >= L.n) return;
#ifdef T_FLOAT
    if (!isfinite(x[layout_offset0(&L, i)])) *flag = 1;
#endif
}
