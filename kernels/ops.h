#ifndef TENSORLITE_OPS_H
#define TENSORLITE_OPS_H
/* Op codes shared by the kernels and tensorlite/backends/opencl (which reads this file); the
 * UNARY_/BINARY_/REDUCE_ names are also the backend contract's op lists (backends/base.py), and
 * a tag says an op's dtype rule there: floating (the caller converts integer operands first) or
 * bool (a bool result); untagged ops give their operands' dtype.
 * Adding an elementwise op: a line here, a case in unary.cl or binary.cl, the NumPy function
 * (backends/numpy_backend.py) and its row in the op table (ops/elementwise.py). */
#define UNARY_neg 0
#define UNARY_exp 1             /* floating */
#define UNARY_log 2             /* floating */
#define UNARY_sqrt 3            /* floating */
#define UNARY_abs 4
#define UNARY_sign 5
#define UNARY_sin 6             /* floating */
#define UNARY_cos 7             /* floating */
#define UNARY_tanh 8            /* floating */
#define UNARY_sigmoid 9         /* floating */
#define UNARY_relu 10
#define UNARY_erf 11            /* floating */
#define UNARY_floor 12
#define UNARY_ceil 13
#define UNARY_round 14
#define UNARY_trunc 15
#define UNARY_log1p 16          /* floating */
#define UNARY_expm1 17          /* floating */
#define UNARY_logical_not 18    /* bool */
#define UNARY_isnan 19          /* bool */
#define UNARY_isinf 20          /* bool */
#define UNARY_isfinite 21       /* bool */
#define UNARY_bitwise_not 22
#define UNARY_exp2 23           /* floating */

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
#define BINARY_copysign 21      /* floating */

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
