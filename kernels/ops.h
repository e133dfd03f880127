#ifndef TENSORLITE_OPS_H
#define TENSORLITE_OPS_H
/* Op codes shared by the kernels and tensorlite/backends/opencl (which reads this file); the
 * UNARY_/BINARY_/REDUCE_ names are also the backend contract's op lists (backends/base.py).
 * Adding an elementwise op: a line here, a case in unary.cl or binary.cl, the NumPy function
 * (backends/numpy_backend.py) and its row in the op table (ops/elementwise.py). */
#define UNARY_neg 0
#define UNARY_exp 1
#define UNARY_log 2
#define UNARY_sqrt 3
#define UNARY_abs 4
#define UNARY_sign 5
#define UNARY_sin 6
#define UNARY_cos 7
#define UNARY_tanh 8
#define UNARY_sigmoid 9
#define UNARY_relu 10
#define UNARY_erf 11
#define UNARY_floor 12
#define UNARY_ceil 13
#define UNARY_round 14
#define UNARY_trunc 15
#define UNARY_log1p 16
#define UNARY_expm1 17
#define UNARY_logical_not 18
#define UNARY_isnan 19
#define UNARY_isinf 20
#define UNARY_isfinite 21
#define UNARY_bitwise_not 22
#define UNARY_exp2 23

#define BINARY_add 0
#define BINARY_sub 1
#define BINARY_mul 2
#define BINARY_div 3
#define BINARY_pow 4
#define BINARY_maximum 5
#define BINARY_minimum 6
#define BINARY_floor_divide 7
#define BINARY_remainder 8
#define BINARY_eq 9
#define BINARY_ne 10
#define BINARY_lt 11
#define BINARY_le 12
#define BINARY_gt 13
#define BINARY_ge 14
#define BINARY_logical_and 15
#define BINARY_logical_or 16
#define BINARY_logical_xor 17
#define BINARY_bitwise_and 18
#define BINARY_bitwise_or 19
#define BINARY_bitwise_xor 20
#define BINARY_copysign 21

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
