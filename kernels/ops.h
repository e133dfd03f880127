#ifndef TENSORLITE_OPS_H
#define TENSORLITE_OPS_H
/* Op codes shared by the kernels and tensorlite/backends/opencl (which reads this file); the
 * UNARY_/BINARY_/REDUCE_ names are also the backend contract's op lists (backends/base.py), and
 * a tag says an op's dtype rule there: floating (the caller converts integer operands first) or
 * bool (a bool result); untagged ops give their operands' dtype.
 *
 * The floating functions, ops that are one OpenCL builtin of their floating operands, are the
 * X lists below, one X(name, code, builtin) line each: that line defines UNARY_<name> or
 * BINARY_<name> (floating) and unary.cl / binary.cl expand their kernel cases from it. Adding
 * such an op: its X line, its NumPy function (backends/numpy_backend.py) and its row in the op
 * table (ops/elementwise.py). Any other elementwise op: a #define line here (a code unused in
 * its family, X lists included), its case in unary.cl or binary.cl, the NumPy function and the
 * row. Every line of a list ends with a backslash up to the closing comment, so adding an op
 * changes one line. */
#define UNARY_FLOATING_FUNCTIONS(X) \
    X(exp, 1, exp) \
    X(log, 2, log) \
    X(sqrt, 3, sqrt) \
    X(sin, 6, sin) \
    X(cos, 7, cos) \
    X(tanh, 8, tanh_) \
    X(erf, 11, erf) \
    X(log1p, 16, log1p) \
    X(expm1, 17, expm1) \
    X(exp2, 23, exp2) \
    X(tan, 24, tan) \
    X(asin, 25, asin) \
    X(acos, 26, acos) \
    X(atan, 27, atan) \
    X(sinh, 28, sinh) \
    X(cosh, 29, cosh) \
    X(asinh, 30, asinh) \
    X(acosh, 31, acosh) \
    X(atanh, 32, atanh) \
    X(erfc, 33, erfc) \
    X(erfinv, 34, erfinv_) \
    /* end of UNARY_FLOATING_FUNCTIONS */

#define BINARY_FLOATING_FUNCTIONS(X) \
    X(copysign, 21, copysign) \
    X(atan2, 22, atan2) \
    X(hypot, 23, hypot) \
    /* end of BINARY_FLOATING_FUNCTIONS */

#define UNARY_CODE_(name, code, builtin) UNARY_##name = code,
#define BINARY_CODE_(name, code, builtin) BINARY_##name = code,
enum { UNARY_FLOATING_FUNCTIONS(UNARY_CODE_) };
enum { BINARY_FLOATING_FUNCTIONS(BINARY_CODE_) };

#define UNARY_neg 0
#define UNARY_abs 4
#define UNARY_sign 5
#define UNARY_sigmoid 9         /* floating */
#define UNARY_relu 10
#define UNARY_floor 12
#define UNARY_ceil 13
#define UNARY_round 14
#define UNARY_trunc 15
#define UNARY_logical_not 18    /* bool */
#define UNARY_isnan 19          /* bool */
#define UNARY_isinf 20          /* bool */
#define UNARY_isfinite 21       /* bool */
#define UNARY_bitwise_not 22

#define BINARY_add 0
#define BINARY_sub 1
#define BINARY_mul 2
#define BINARY_div 3            /* floating */
#define BINARY_pow 4
#define BINARY_maximum 5
#define BINARY_minimum 6
#define BINARY_floor_divide 7
#define BINARY_remainder 8
#define BINARY_eq 9             /* bool */
#define BINARY_ne 10            /* bool */
#define BINARY_lt 11            /* bool */
#define BINARY_le 12            /* bool */
#define BINARY_gt 13            /* bool */
#define BINARY_ge 14            /* bool */
#define BINARY_logical_and 15   /* bool */
#define BINARY_logical_or 16    /* bool */
#define BINARY_logical_xor 17   /* bool */
#define BINARY_bitwise_and 18
#define BINARY_bitwise_or 19
#define BINARY_bitwise_xor 20
#define BINARY_fmod 24
#define BINARY_bitwise_left_shift 25
#define BINARY_bitwise_right_shift 26
#define BINARY_xlogy 27            /* floating */

#define REDUCE_sum 0
#define REDUCE_prod 1
#define REDUCE_max 2
#define REDUCE_min 3
#define REDUCE_any 4
#define REDUCE_all 5

#define RANDOM_uniform 0
#define RANDOM_normal 1
#define RANDOM_randint 2

#endif  /* TENSORLITE_OPS_H */
