/* Elementwise binary ops with broadcasting through strides (never materialised copies), and
 * where. -D T=<operand type> -D U=<result type>; the op is a runtime code (ops.h). */
#include "common.h"
#include "ops.h"

#ifdef T_FLOAT
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
    if (b == 0 || b == -1) return 0;  /* INT_MIN % -1 overflows (gave -1 for int32/int64) */
    T r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

/* PyTorch's shifts: a count outside [0, bits) gives 0 (left) or the sign fill (right); the left
 * shift runs on 64-bit unsigned (a signed one overflows for negative a) and wraps into T. */
inline T left_shift_(T a, T b) {
    if (b < 0 || (long)b >= (long)(sizeof(T) * 8)) return (T)0;
    return (T)((ulong)(long)a << (long)b);
}

inline T right_shift_(T a, T b) {
    if (b < 0 || (long)b >= (long)(sizeof(T) * 8)) return (a < 0) ? (T)-1 : (T)0;
    return (T)(a >> b);
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

/* The cases of the floating functions (ops.h's X list); the caller converts integer operands
 * of those ops to a float type first. */
#define BINARY_FLOAT_CASE_(name, code, builtin) case BINARY_##name: return TO_U(builtin(a, b));

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
    case BINARY_fmod: return TO_U(fmod(a, b));
    case BINARY_xlogy: return TO_U(isnan(b) ? b : (a == 0 ? (T)0 : a * log(b)));
    case BINARY_div: return TO_U(a / b);
    case BINARY_pow: return TO_U(pow(a, b));
    case BINARY_maximum: return TO_U((isnan(a) || a > b) ? a : b);
    case BINARY_minimum: return TO_U((isnan(a) || a < b) ? a : b);
    BINARY_FLOATING_FUNCTIONS(BINARY_FLOAT_CASE_)
#else
    case BINARY_div: return TO_U((ACC)a / (ACC)b);
    case BINARY_pow: return TO_U(int_pow_(a, b));
    case BINARY_maximum: return TO_U(a > b ? a : b);
    case BINARY_minimum: return TO_U(a < b ? a : b);
    case BINARY_bitwise_and: return TO_U(a & b);
    case BINARY_bitwise_or: return TO_U(a | b);
    case BINARY_bitwise_xor: return TO_U(a ^ b);
    /* C's %: the dividend's sign; b == -1 guarded (INT_MIN % -1 overflows), b == 0 refused by
     * the caller (kept defined here) */
    case BINARY_fmod: return TO_U((b == 0 || b == -1) ? (T)0 : (T)(a % b));
    case BINARY_bitwise_left_shift: return TO_U(left_shift_(a, b));
    case BINARY_bitwise_right_shift: return TO_U(right_shift_(a, b));
#endif
    }
    return (U)0;
}

/* L->extra: (scalars, op). scalars bit 0 set: a is the scalar consts[0], bit 1: b is consts[1]
 * (the buffer is then unused). */
__kernel void binary(LayoutPtr L, __global U* out, __global const T* a, __global const T* b,
                     __global const T* consts) {
    int i = get_global_id(0);
    if (i >= L->n) return;
    int o[3];
    layout_offsets(L, i, 3, o);
    int scalars = L->extra[0];
    T x = (scalars & 1) ? consts[0] : a[o[1]];
    T y = (scalars & 2) ? consts[1] : b[o[2]];
    out[o[0]] = binary_op(L->extra[1], x, y);
}

__kernel void where_(LayoutPtr L, __global T* out, __global const uchar* condition,
                     __global const T* a, __global const T* b, __global const T* consts) {
    int i = get_global_id(0);
    if (i >= L->n) return;
    int o[4];
    layout_offsets(L, i, 4, o);
    int scalars = L->extra[0];
    if (condition[o[1]]) out[o[0]] = (scalars & 1) ? consts[0] : a[o[2]];
    else out[o[0]] = (scalars & 2) ? consts[1] : b[o[3]];
}


/* Contiguous fast paths (every array operand laid out like the result), no index arithmetic
 * (4-15x faster on PoCL than walking a Layout): p = (n, scalars, op, offsets...).
 * scalars: bit 0/1 = a/b is the value consts[0]/[1]; bit 2/3 = a/b is a 0-d array. */
__kernel void binary_flat(__global U* out, __global const T* a, __global const T* b,
                          __global const T* consts, __global const int* p) {
    int i = get_global_id(0);
    if (i >= p[0]) return;
    int scalars = p[1];
    T x = (scalars & 1) ? consts[0] : a[p[4] + ((scalars & 4) ? 0 : i)];
    T y = (scalars & 2) ? consts[1] : b[p[5] + ((scalars & 8) ? 0 : i)];
    out[p[3] + i] = binary_op(p[2], x, y);
}

/* p = (n, scalars, out offset, condition offset, a offset, b offset) */
__kernel void where_flat(__global T* out, __global const uchar* condition, __global const T* a,
                         __global const T* b, __global const T* consts, __global const int* p) {
    int i = get_global_id(0);
    if (i >= p[0]) return;
    int scalars = p[1];
    if (condition[p[3] + i]) out[p[2] + i] = (scalars & 1) ? consts[0] : a[p[4] + ((scalars & 4) ? 0 : i)];
    else out[p[2] + i] = (scalars & 2) ? consts[1] : b[p[5] + ((scalars & 8) ? 0 : i)];
}
