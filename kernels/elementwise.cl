/* The elementwise families in one program per (T, U) pair: a training step needs all three
 * for float, and PoCL's cost is mostly per program (~0.2 s each to build from source). The
 * fused interpreter (fused.cl, launched with U = T) rides along: no program of its own to build. */
#include "unary.cl"
#include "binary.cl"
#include "convert.cl"
#include "fused.cl"
