/* Batched matrix multiply on packed operands: At (batch, K, Mp) and B (batch, K, Np), both
 * contiguous and zero-padded to multiples of TM and VW, give C (batch, Mp, Np).
 *
 * Register blocking: each work item keeps a TM x VW block of C in TM vector accumulators and
 * reads one VW-vector of B and one TM-vector of A per k, an outer product per step. Plain
 * a * b + c on purpose: PoCL turned fma()/mad() into calls ~10x slower. -D T -D TM=8 -D VW=8. */
#include "common.h"

#define TV VECTOR(T, VW)
#define AV VECTOR(T, TM)
#define VLOAD_B CAT2(vload, VW)
#define VLOAD_A CAT2(vload, TM)
#define VSTORE CAT2(vstore, VW)

__kernel void gemm(__global const T* At, __global const T* B, __global T* C, int K, int Mp, int Np) {
    int n0 = get_global_id(0) * VW;
    int m0 = get_global_id(1) * TM;
    int batch = get_global_id(2);
    if (n0 >= Np || m0 >= Mp) return;
    At += (size_t)batch * K * Mp + m0;
    B += (size_t)batch * K * Np + n0;
    C += (size_t)batch * Mp * Np + (size_t)m0 * Np + n0;
    TV c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
    for (int k = 0; k < K; ++k) {
        TV b = VLOAD_B(0, B + (size_t)k * Np);
        AV a = VLOAD_A(0, At + (size_t)k * Mp);
        c0 += a.s0 * b;
        c1 += a.s1 * b;
        c2 += a.s2 * b;
        c3 += a.s3 * b;
        c4 += a.s4 * b;
        c5 += a.s5 * b;
        c6 += a.s6 * b;
        c7 += a.s7 * b;
    }
    VSTORE(c0, 0, C);
    VSTORE(c1, 0, C + Np);
    VSTORE(c2, 0, C + 2 * Np);
    VSTORE(c3, 0, C + 3 * Np);
    VSTORE(c4, 0, C + 4 * Np);
    VSTORE(c5, 0, C + 5 * Np);
    VSTORE(c6, 0, C + 6 * Np);
    VSTORE(c7, 0, C + 7 * Np);
}
