/* Batched matrix multiply on packed operands, C (batch, Mp, Np) = A B:
 * A packed as panels (batch, Mp/TM, K, TM): panel p holds rows p*TM.. of A, column by column;
 * B packed as panels (batch, Np/VW, K, VW): panel q holds columns q*VW.. of B, row by row;
 * both zero-padded, so every work item reads two contiguous streams.
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

/* dims: (K, Mp, Np) */
__kernel void gemm(__global const T* Ap, __global const T* B, __global T* C, __global const int* dims) {
    int K = dims[0], Mp = dims[1], Np = dims[2];
    int n0 = get_global_id(0) * VW;
    int m0 = get_global_id(1) * TM;
    int batch = get_global_id(2);
    if (n0 >= Np || m0 >= Mp) return;
    __global const T* a_panel = Ap + ((size_t)batch * (Mp / TM) + m0 / TM) * K * TM;
    __global const T* b_panel = B + ((size_t)batch * (Np / VW) + n0 / VW) * K * VW;
    C += (size_t)batch * Mp * Np + (size_t)m0 * Np + n0;
    TV c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
    for (int k = 0; k < K; ++k) {
        TV b = VLOAD_B(k, b_panel);
        AV a = VLOAD_A(k, a_panel);
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

/* Pack a strided (batch..., depth, cols) operand into zero-padded panels (batch, ceil(cols/VW),
 * depth, VW) for gemm. One work item per packed element; work item dimension 0 walks the
 * source's smaller stride (columns, or rows when extra[4] is set), so reads are sequential.
 * batch: a Layout over the batch dims, operand 0 the source, operand 1 the packed array;
 * batch->extra: (depth, cols, row stride, column stride, rows first) of the source. */
__kernel void pack_panels(LayoutPtr batch, __global T* packed, __global const T* x) {
    int rows_first = batch->extra[4];
    int c = get_global_id(rows_first ? 1 : 0), k = get_global_id(rows_first ? 0 : 1), b = get_global_id(2);
    int depth = batch->extra[0], cols = batch->extra[1], width = VW;
    int padded = (cols + width - 1) / width * width;
    if (c >= padded || k >= depth || b >= batch->n) return;
    int o[2];
    layout_offsets(batch, b, 2, o);
    T value = c < cols ? x[o[0] + k * batch->extra[2] + c * batch->extra[3]] : (T)0;
    packed[o[1] + ((c / width) * depth + k) * width + c % width] = value;
}
