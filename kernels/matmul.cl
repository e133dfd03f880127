/* Batched matrix multiply on packed operands, C (batch, Mp, Np) = A B:
 * A packed as panels (batch, Mp/TM, K, TM): panel p holds rows p*TM.. of A, column by column;
 * B packed as panels (batch, Np/VW, K, VW): panel q holds columns q*VW.. of B, row by row;
 * both zero-padded, so every work item reads two contiguous streams. A 2-D row-major B is
 * read in place instead (its panel q: columns q*VW.. of each row). gemm_nt (below) reads
 * operands contiguous along K without any packing.
 *
 * Register blocking: each work item keeps a TM x VW block of C in TM vector accumulators and
 * reads one VW-vector of B and TM scalars of A per k, an outer product per step. Plain
 * a * b + c on purpose: PoCL turned fma()/mad() into calls ~10x slower. -D T -D TM=12
 * -D VW=8, or 4 for 8-byte types (backend.gemm_width: a vector stays within 256 bits, as an
 * 8 x double vector crashed PoCL 3.0 on AMD EPYC), twice that on CPUs with 512-bit vectors. */
#include "common.h"

#define TV VECTOR(T, VW)
#define VSTORE CAT2(vstore, VW)

/* VW values from p[0] on as a vector, built from scalars: rows need not be vector-aligned, and
 * PoCL calls vload out of line (see gemm); LOAD_ROW_UPTO reads no further than p[last],
 * repeating it (a row's last vector when the row ends inside it). LANE_SUM: the lanes' sum. */
#define L(p, j, last) (p)[min(j, last)]
#if VW == 16
#define LOAD_ROW_UPTO(p, last) ((TV)(L(p, 0, last), L(p, 1, last), L(p, 2, last), L(p, 3, last), \
    L(p, 4, last), L(p, 5, last), L(p, 6, last), L(p, 7, last), L(p, 8, last), L(p, 9, last), L(p, 10, last), \
    L(p, 11, last), L(p, 12, last), L(p, 13, last), L(p, 14, last), L(p, 15, last)))
#define LOAD_ROW(p) ((TV)((p)[0], (p)[1], (p)[2], (p)[3], (p)[4], (p)[5], (p)[6], (p)[7], (p)[8], (p)[9], \
                          (p)[10], (p)[11], (p)[12], (p)[13], (p)[14], (p)[15]))
#define LANE_SUM(v) lane_sum4(((v).lo.lo + (v).hi.lo) + ((v).lo.hi + (v).hi.hi))
#elif VW == 8
#define LOAD_ROW_UPTO(p, last) ((TV)(L(p, 0, last), L(p, 1, last), L(p, 2, last), L(p, 3, last), \
    L(p, 4, last), L(p, 5, last), L(p, 6, last), L(p, 7, last)))
#define LOAD_ROW(p) ((TV)((p)[0], (p)[1], (p)[2], (p)[3], (p)[4], (p)[5], (p)[6], (p)[7]))
#define LANE_SUM(v) lane_sum4((v).lo + (v).hi)
#elif VW == 4
#define LOAD_ROW_UPTO(p, last) ((TV)(L(p, 0, last), L(p, 1, last), L(p, 2, last), L(p, 3, last)))
#define LOAD_ROW(p) ((TV)((p)[0], (p)[1], (p)[2], (p)[3]))
#define LANE_SUM(v) lane_sum4(v)
#endif

/* dims: (K, Mp, Np, M, N, then packed B's strides in VW-vectors: batch, panel, row, offset,
 * then in_place, offset, row stride): packed panels (K * Np / VW, K, 1, 0, 0, 0, 0), or a 2-D
 * row-major B read in place, unpacked (0, 0, 0, 0, 1, offset, row stride): its panel q is
 * columns q*VW.. of each row, the last panel repeating column N - 1 past the edge. Without GUARD, C is (batch, Mp, Np):
 * the caller views its (M, N) corner, no copy. Stores are unconditional on purpose: bounds
 * checks in the store loop took the accumulators out of registers (65 -> 100 ms at 1024^3 on
 * PoCL). With -D GUARD (compiled only when that corner would not be contiguous, e.g. N = 10)
 * C is exactly (batch, M, N):
 * interior work items keep the unconditional vector stores, those on the edge store element
 * by element with bounds checks (row < M, col < N). */
__kernel void gemm(__global const T* Ap, __global const T* B, __global T* C, __global const int* dims) {
    int K = dims[0], Mp = dims[1], Np = dims[2];
    int n0 = get_global_id(0) * VW;
    int m0 = get_global_id(1) * TM;
    int batch = get_global_id(2);
    if (n0 >= Np || m0 >= Mp) return;
    /* int offsets: buffers hold < 2^31 elements (array.py checks); size_t was ~20% slower */
    __global const T* a_panel = Ap + (batch * (Mp / TM) + m0 / TM) * K * TM;
    TV c[TM];  /* fully unrolled: TM vector registers (12 x 8 floats measured best on AVX2) */
#pragma unroll
    for (int i = 0; i < TM; ++i) c[i] = 0;
#define GEMM_K_LOOP(B_ROW_K)                                                                    \
    for (int k = 0; k < K; ++k) {                                                               \
        TV b = B_ROW_K;                                                                         \
        __global const T* a = a_panel + k * TM;                                                 \
        _Pragma("unroll") for (int i = 0; i < TM; ++i) c[i] += a[i] * b;                        \
    }
    if (!dims[9]) {
        /* each panel row is one aligned vector (buffers start aligned to the largest vector
         * type, panels are K * VW elements): read it as a TV, not with vload, which PoCL calls
         * out of line, spilling every accumulator to the stack around the call on each k */
        __global const TV* b_panel = (__global const TV*)B + batch * dims[5] + (n0 / VW) * K;
        GEMM_K_LOOP(b_panel[k])
    } else {
        __global const T* b_rows = B + dims[10] + n0;
        int ldb = dims[11], last = dims[4] - 1 - n0;
        if (last >= VW - 1) {
            GEMM_K_LOOP(LOAD_ROW(b_rows + k * ldb))
        } else {
            GEMM_K_LOOP(LOAD_ROW_UPTO(b_rows + k * ldb, last))
        }
    }
#ifdef GUARD
    int M = dims[3], N = dims[4];
    C += batch * M * N + m0 * N + n0;
    if (m0 + TM <= M && n0 + VW <= N) {
#pragma unroll
        for (int i = 0; i < TM; ++i) VSTORE(c[i], 0, C + i * N);
    } else {
        T row[VW];  /* a private copy: vector components cannot be indexed by a variable */
#pragma unroll
        for (int i = 0; i < TM; ++i) {
            if (m0 + i < M) {
                VSTORE(c[i], 0, row);
                for (int j = 0; j < VW; ++j)
                    if (n0 + j < N) C[i * N + j] = row[j];
            }
        }
    }
#else
    /* aligned (Np is whole vectors): plain vector stores, not PoCL's out-of-line vstore */
    __global TV* c_rows = (__global TV*)C + (batch * Mp + m0) * (Np / VW) + n0 / VW;
#pragma unroll
    for (int i = 0; i < TM; ++i) c_rows[i * (Np / VW)] = c[i];
#endif
}

/* Pack a strided (batch..., depth, cols) operand into zero-padded panels (batch,
 * ceil(cols/width), depth, width) for gemm (width: TM for A, VW for B). One work item per
 * (row, panel, batch entry) writes one contiguous run of ``width`` values; neighbouring work
 * items take neighbouring rows.
 * batch: a Layout over the batch dims, operand 0 the source, operand 1 the packed array;
 * batch->extra: (depth, cols, row stride, column stride, width). */
__kernel void pack_panels(LayoutPtr batch, __global T* packed, __global const T* x) {
    int k = get_global_id(0), panel = get_global_id(1), b = get_global_id(2);
    int depth = batch->extra[0], cols = batch->extra[1], rs = batch->extra[2], cs = batch->extra[3];
    int width = batch->extra[4];
    if (k >= depth || b >= batch->n) return;
    int o[2];
    layout_offsets(batch, b, 2, o);
    __global const T* row = x + o[0] + k * rs;
    __global T* out = packed + o[1] + (panel * depth + k) * width;
    int c0 = panel * width;
    for (int j = 0; j < width; ++j) out[j] = c0 + j < cols ? row[(c0 + j) * cs] : (T)0;
}

/* C (M, N) = A B for operands whose K dimension is contiguous, read in place (no packing):
 * A (M, K) with row stride lda, B read as its transpose Bt (N, K) with row stride ldb (a linear
 * layer's x @ W^T). dims: (K, M, N, lda, ldb, A offset, Bt offset); C exactly (M, N).
 * Each work item keeps an NR x NS block of C as NR * NS VW-vectors of partial sums along k
 * (NR + NS vector loads feed NR * NS multiply-adds), summed across lanes after the vector loop;
 * the last K % VW terms follow one by one. Rows and columns past the edge read the last row
 * or column (clamped: no bounds checks in the loop) and are not stored. Loads are built from
 * scalars: rows need not be vector-aligned, and PoCL calls vload out of line (see gemm).
 * -D NR -D NS. */

inline T lane_sum4(VECTOR(T, 4) v) {
    VECTOR(T, 2) h = v.lo + v.hi;
    return h.x + h.y;
}

__kernel void gemm_nt(__global const T* A, __global const T* Bt, __global T* C, __global const int* dims) {
    int K = dims[0], M = dims[1], N = dims[2], lda = dims[3], ldb = dims[4];
    int n0 = get_global_id(0) * NS;
    int m0 = get_global_id(1) * NR;
    if (n0 >= N || m0 >= M) return;
    __global const T* a[NR];
    __global const T* b[NS];
#pragma unroll
    for (int i = 0; i < NR; ++i) a[i] = A + dims[5] + min(m0 + i, M - 1) * lda;
#pragma unroll
    for (int j = 0; j < NS; ++j) b[j] = Bt + dims[6] + min(n0 + j, N - 1) * ldb;
    TV acc[NR][NS];
#pragma unroll
    for (int i = 0; i < NR; ++i)
#pragma unroll
        for (int j = 0; j < NS; ++j) acc[i][j] = 0;
    int k = 0;
    for (; k + VW <= K; k += VW) {
        TV av[NR], bv[NS];
#pragma unroll
        for (int i = 0; i < NR; ++i) av[i] = LOAD_ROW(a[i] + k);
#pragma unroll
        for (int j = 0; j < NS; ++j) bv[j] = LOAD_ROW(b[j] + k);
#pragma unroll
        for (int i = 0; i < NR; ++i)
#pragma unroll
            for (int j = 0; j < NS; ++j) acc[i][j] += av[i] * bv[j];
    }
    T sum[NR][NS];
#pragma unroll
    for (int i = 0; i < NR; ++i)
#pragma unroll
        for (int j = 0; j < NS; ++j) sum[i][j] = LANE_SUM(acc[i][j]);
    for (; k < K; ++k)
#pragma unroll
        for (int i = 0; i < NR; ++i)
#pragma unroll
            for (int j = 0; j < NS; ++j) sum[i][j] += a[i][k] * b[j][k];
#pragma unroll
    for (int i = 0; i < NR; ++i) {
        if (m0 + i >= M) break;
#pragma unroll
        for (int j = 0; j < NS; ++j)
            if (n0 + j < N) C[(m0 + i) * N + n0 + j] = sum[i][j];
    }
}
