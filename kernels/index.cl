/* Gather, scatter(-add) and advanced indexing. -D T=<data type>. Index arrays are long; an
 * index out of range is reported to the queue's error flag (backends/opencl/errors.py: the
 * first report wins, with the op's message code and the bad value; the host reads the flag at
 * its next sync) and never touches memory: gather and take read 0 there, scatter and put skip.
 * Advanced indexing counts a negative index from the end; gather and scatter do not (PyTorch
 * refuses a negative index there), so for them a negative index is out of range. */
#include "common.h"

#ifdef T_FLOAT
/* float addition as a compare-and-swap loop on the value's bits (OpenCL 1.2 has no float atomics) */
#ifdef T_DOUBLE
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
#define BITS ulong
#define CAS atom_cmpxchg
#else
#define BITS uint
#define CAS atomic_cmpxchg
#endif
/* The current value only ever comes from the CAS itself: a plain read of *p would race with
 * other work items' CAS (Oclgrind reports it). The first guess, 0 bits (+0.0), is right for
 * the usual zero-initialised target and otherwise costs one CAS that returns the value. */
inline void atomic_add_(volatile __global T* p, T v) {
    volatile __global BITS* bits = (volatile __global BITS*)p;
    union { BITS u; T f; } seen, new_;
    BITS expected;
    seen.u = 0;
    do {
        expected = seen.u;
        new_.f = seen.f + v;
        seen.u = CAS(bits, expected, new_.u);
    } while (seen.u != expected);
}
#elif defined(T_LONG)
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
inline void atomic_add_(volatile __global long* p, long v) { atom_add(p, v); }
#elif defined(T_INT)
inline void atomic_add_(volatile __global int* p, int v) { atomic_add(p, v); }
#else
/* 8/16-bit and bool: a compare-and-swap on the aligned 32-bit word holding the element */
inline void atomic_add_(volatile __global T* p, T v) {
    size_t address = (size_t)p;
    volatile __global uint* word = (volatile __global uint*)(address & ~(size_t)3);
    uint shift = (uint)(address & 3) * 8;
    uint mask = ((1u << (sizeof(T) * 8)) - 1u) << shift;
    uint old, new_, seen = 0;  /* the word only read through the CAS (see above) */
    do {
        old = seen;
        T current = (T)((old & mask) >> shift);
#ifdef T_BOOL
        T sum = (T)((current != 0) || (v != 0));
#else
        T sum = (T)(current + v);
#endif
        new_ = (old & ~mask) | (((uint)sum << shift) & mask);
        seen = atomic_cmpxchg(word, old, new_);
    } while (seen != old);
}
#endif

/* a combined with b for scatter_reduce: mode 2 prod, 3 amax, 4 amin (a NaN wins in amax and
 * amin, as in PyTorch); bool: prod and amin are "and", amax is "or". */
inline T reduce_pair(T a, T b, int mode) {
#ifdef T_BOOL
    return (T)(mode == 3 ? (a || b) : (a && b));
#else
    if (mode == 2) return a * b;
    if (mode == 3) return (b != b || b > a) ? b : a;
    return (b != b || b < a) ? b : a;
#endif
}

/* *p = reduce_pair(*p, v, mode) atomically: a compare-and-swap loop (the current value only
 * ever comes from the CAS itself, as in atomic_add_). */
#ifdef T_FLOAT
inline void atomic_reduce_(volatile __global T* p, T v, int mode) {
    volatile __global BITS* bits = (volatile __global BITS*)p;
    union { BITS u; T f; } seen, new_;
    BITS expected;
    seen.u = 0;
    do {
        expected = seen.u;
        new_.f = reduce_pair(seen.f, v, mode);
        seen.u = CAS(bits, expected, new_.u);
    } while (seen.u != expected);
}
#elif defined(T_LONG)
inline void atomic_reduce_(volatile __global long* p, long v, int mode) {
    long expected, seen = 0;
    do {
        expected = seen;
        seen = atom_cmpxchg(p, expected, reduce_pair(expected, v, mode));
    } while (seen != expected);
}
#elif defined(T_INT)
inline void atomic_reduce_(volatile __global int* p, int v, int mode) {
    int expected, seen = 0;
    do {
        expected = seen;
        seen = atomic_cmpxchg(p, expected, reduce_pair(expected, v, mode));
    } while (seen != expected);
}
#else
inline void atomic_reduce_(volatile __global T* p, T v, int mode) {
    size_t address = (size_t)p;
    volatile __global uint* word = (volatile __global uint*)(address & ~(size_t)3);
    uint shift = (uint)(address & 3) * 8;
    uint mask = ((1u << (sizeof(T) * 8)) - 1u) << shift;
    uint old, new_, seen = 0;
    do {
        old = seen;
        T result = reduce_pair((T)((old & mask) >> shift), v, mode);
        new_ = (old & ~mask) | (((uint)result << shift) & mask);
        seen = atomic_cmpxchg(word, old, new_);
    } while (seen != old);
}
#endif

/* Record (code, value, size) in the error flag unless an earlier error is recorded. */
inline void report_error(__global int* error, int code, long value, int size) {
    if (atomic_cmpxchg(error, 0, code) == 0) {
        error[1] = (int)value;
        error[2] = (int)(value >> 32);
        error[3] = size;
    }
}

/* The index i in [0, size) (negatives from the end with wrap), or -1 after reporting it. */
inline int wrap_index(long i, int size, int wrap, __global int* error, int code) {
    if (wrap && i < 0) i += size;
    if (i < 0 || i >= size) {
        report_error(error, code, wrap && i < 0 ? i - size : i, size);
        return -1;
    }
    return (int)i;
}

/* Whether index value i is the ignored one: extra[at] set, extra[at + 1..2] its low and high words. */
inline int ignored(LayoutPtr L, int at, long i) {
    return L->extra[at] && i == (((long)L->extra[at + 2] << 32) | (uint)L->extra[at + 1]);
}

/* torch.gather: L walks index's shape; operand 0 out, 1 index, 2 x (axis stride zeroed);
 * L->extra: (axis stride, axis size, error code, has ignore, ignore low, ignore high): an
 * ignored index (nll_loss's ignore_index) reads 0 and is not range-checked. */
__kernel void gather(LayoutPtr L, __global T* out, __global const long* index, __global const T* x,
                     __global int* error) {
    int i = get_global_id(0);
    if (i >= L->n) return;
    int o[3];
    layout_offsets(L, i, 3, o);
    long raw = index[o[1]];
    int k = ignored(L, 3, raw) ? -1 : wrap_index(raw, L->extra[1], 0, error, L->extra[2]);
    out[o[0]] = k < 0 ? (T)0 : x[o[2] + k * L->extra[0]];
}

/* torch.scatter / scatter_add_ / scatter_reduce: operand 0 out (axis stride zeroed), 1 index,
 * 2 src; L->extra: (axis stride, axis size, mode (0 write, 1 add, 2 prod, 3 amax, 4 amin),
 * src is the scalar consts[0], error code,
 * has ignore, ignore low, ignore high): an ignored index writes nothing. */
__kernel void scatter(LayoutPtr L, __global T* out, __global const long* index, __global const T* src,
                      __global const T* consts, __global int* error) {
    int i = get_global_id(0);
    if (i >= L->n) return;
    int o[3];
    layout_offsets(L, i, 3, o);
    int axis_stride = L->extra[0];
    long raw = index[o[1]];
    int k = ignored(L, 5, raw) ? -1 : wrap_index(raw, L->extra[1], 0, error, L->extra[4]);
    if (k < 0) return;
    T value = L->extra[3] ? consts[0] : src[o[2]];
    int mode = L->extra[2];
    if (mode == 1) atomic_add_(out + o[0] + k * axis_stride, value);
    else if (mode) atomic_reduce_(out + o[0] + k * axis_stride, value, mode);
    else out[o[0] + k * axis_stride] = value;
}

/* Advanced indexing: offsets[o0] += wrap(index[o1]) * stride, one indexed dimension at a time;
 * L->extra: (size, stride, error code) of that dimension. A bad index poisons the offset
 * (BAD_OFFSET: take reads 0 there, put skips it). */
#define BAD_OFFSET INT_MIN
__kernel void add_index_offset(LayoutPtr L, __global int* offsets, __global const long* index,
                               __global int* error) {
    int i = get_global_id(0);
    if (i >= L->n) return;
    int o[2];
    layout_offsets(L, i, 2, o);
    int k = wrap_index(index[o[1]], L->extra[0], 1, error, L->extra[2]);
    if (offsets[o[0]] == BAD_OFFSET) return;
    offsets[o[0]] = k < 0 ? BAD_OFFSET : offsets[o[0]] + k * L->extra[1];
}

/* out[o0] = x[o1 + offsets[o2]] (operand 1 walks the non-indexed dims of x). */
__kernel void take(LayoutPtr L, __global T* out, __global const T* x, __global const int* offsets) {
    int i = get_global_id(0);
    if (i >= L->n) return;
    int o[3];
    layout_offsets(L, i, 3, o);
    int offset = offsets[o[2]];
    out[o[0]] = offset == BAD_OFFSET ? (T)0 : x[o[1] + offset];
}

/* x[o1 + offsets[o2]] = (or +=, L->extra[0]) values[o0]. */
__kernel void put(LayoutPtr L, __global const T* values, __global T* x, __global const int* offsets) {
    int i = get_global_id(0);
    if (i >= L->n) return;
    int o[3];
    layout_offsets(L, i, 3, o);
    int offset = offsets[o[2]];
    if (offset == BAD_OFFSET) return;
    if (L->extra[0]) atomic_add_(x + o[1] + offset, values[o[0]]);
    else x[o[1] + offset] = values[o[0]];
}

/* Report L->extra[0] (a message code) when an element of the bool array x is false. */
__kernel void assert_all(LayoutPtr L, __global const T* x, __global int* error) {
    int i = get_global_id(0);
    if (i >= L->n) return;
    if (!x[layout_offset0(L, i)]) report_error(error, L->extra[0], 0, 0);
}

#ifdef T_DOUBLE
#define VALUE_BITS(v) as_long(v)
#elif defined(T_FLOAT)
#define VALUE_BITS(v) ((long)as_int(v))
#else
#define VALUE_BITS(v) ((long)(v))
#endif

/* Report L->extra[0] with the value's bits (a float's bit pattern) when an element of x lies
 * outside [bounds[0], bounds[1]] (NaN included). */
__kernel void assert_in_range(LayoutPtr L, __global const T* x, __global const T* bounds, __global int* error) {
    int i = get_global_id(0);
    if (i >= L->n) return;
    T v = x[layout_offset0(L, i)];
    if (!(v >= bounds[0] && v <= bounds[1])) report_error(error, L->extra[0], VALUE_BITS(v), 0);
}
