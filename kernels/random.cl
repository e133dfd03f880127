/* Random numbers on the device from (seed, offset): Philox4x32-10 (Salmon et al., SC'11),
 * counter = (element, 0, offset), key = seed. A pure function of its inputs, so a draw
 * never round-trips through the host. -D T=<result type>. */
#include "common.h"
#include "ops.h"

inline uint4 philox4x32_10(uint4 counter, uint2 key) {
    for (int round = 0; round < 10; ++round) {
        uint lo0 = 0xD2511F53u * counter.x, hi0 = mul_hi(0xD2511F53u, counter.x);
        uint lo1 = 0xCD9E8D57u * counter.z, hi1 = mul_hi(0xCD9E8D57u, counter.z);
        counter = (uint4)(hi1 ^ counter.y ^ key.x, lo1, hi0 ^ counter.w ^ key.y, lo0);
        key += (uint2)(0x9E3779B9u, 0xBB67AE85u);
    }
    return counter;
}

/* Uniform on [0, 1) with 24 bits (float) or 53 bits (double). */
inline ACC uniform_(uint a, uint b) {
#ifdef NEED_FP64
    return (ACC)((((ulong)(a >> 5)) << 26) + (b >> 6)) * (ACC)(1.0 / 9007199254740992.0);
#else
    return (ACC)(a >> 8) * (ACC)(1.0f / 16777216.0f);
#endif
}

/* key: (n, kind, seed low/high word, offset low/high word); range: (low, high) as ACC and as
 * long (randint). */
__kernel void random(__global U* out, __global const uint* key, __global const ACC* range,
                     __global const long* int_range) {
    int i = get_global_id(0);
    int n = (int)key[0], kind = (int)key[1];
    uint seed_lo = key[2], seed_hi = key[3], offset_lo = key[4], offset_hi = key[5];
    ACC low = range[0], high = range[1];
    long int_low = int_range[0], int_high = int_range[1];
    if (i >= n) return;
    uint4 r = philox4x32_10((uint4)((uint)i, 0u, offset_lo, offset_hi), (uint2)(seed_lo, seed_hi));
    if (kind == RANDOM_uniform) {
        ACC u = uniform_(r.x, r.y);
        U v = (U)(u * (high - low) + low);
#ifdef T_FLOAT
        if (v >= (U)high && high > low) v = (U)low;  /* rounding to float must not reach high */
#endif
        out[i] = v;
    } else if (kind == RANDOM_normal) {  /* Box-Muller */
        ACC u1 = (ACC)1 - uniform_(r.x, r.y);  /* (0, 1]: log stays finite */
        ACC u2 = uniform_(r.z, r.w);
        out[i] = (U)(sqrt((ACC)-2 * log(u1)) * cos((ACC)6.283185307179586 * u2));
    } else {
        ulong bits = ((ulong)r.x << 32) | r.y;
        out[i] = (U)(int_low + (long)(bits % (ulong)(int_high - int_low)));
    }
}
