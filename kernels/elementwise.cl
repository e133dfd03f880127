/* The elementwise families in one program per (T, U) pair: a training step needs all three
 * for float, and PoCL's cost is mostly per program (~0.2 s each to build from source). */
#include "unary.cl"
#include "binary.cl"
#include "convert.cl"
