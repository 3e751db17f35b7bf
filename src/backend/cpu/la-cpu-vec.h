/* liveavatar: CPU reference: 8-lane vectors and exp
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * GCC vector extensions, not intrinsics: plain C that the compiler lowers
 * to whatever the target has (two SSE registers, one AVX register). Every
 * lane is computed on its own, so the vector width changes no result.
 * Hot loops hold their sums in LaV8 variables, which the compiler keeps in
 * registers where its own vectoriser would keep arrays in memory.
 */

#ifndef __LA_CPU_VEC_H__
#define __LA_CPU_VEC_H__

#include <glib.h>
#include <math.h>

/* static always-inline functions only: no ABI is exposed */
#if defined (__GNUC__) && !defined (__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

#define LA_VW 8                 /* lanes */

typedef gfloat  LaV8 __attribute__ ((vector_size (LA_VW * sizeof (gfloat))));
typedef gint32  LaV8i __attribute__ ((vector_size (LA_VW * sizeof (gint32))));
/* LaV8 at any float address, for loads and stores */
typedef gfloat  LaV8u __attribute__ ((vector_size (LA_VW * sizeof (gfloat)),
        aligned (sizeof (gfloat)), may_alias));

/* Marks a hot function (with these helpers inlined into it) to be
 * compiled twice, for AVX2 and for the baseline, picked at load time. Not
 * "arch=x86-64-v3": that brings FMA, and contracted a * b + c would round
 * differently from the baseline clone. */
#if defined (__x86_64__) && defined (__ELF__)
#define LA_CPU_CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define LA_CPU_CLONES
#endif

/* for the helpers inlined into those */
#define LA_INLINE inline __attribute__ ((always_inline))

#define LA_SPLAT(s) ((LaV8) { s, s, s, s, s, s, s, s })
#define LA_LOAD(p) (*(const LaV8u *) (p))
#define LA_STORE(p, v) (*(LaV8u *) (p) = (v))

/* mask ? a : b, with mask lanes all ones or all zeros */
static LA_INLINE LaV8
la_v8_select (LaV8i mask, LaV8 a, LaV8 b)
{
  return (LaV8) ((mask & (LaV8i) a) | (~mask & (LaV8i) b));
}

/* exp (x) per lane: Cephes' expf (range reduction by ln 2 in two parts,
 * degree-5 polynomial), within 2 ulp of the exact value over the normal
 * range. x > ln (FLT_MAX) gives inf, x < -86 gives 0 (the exact value is
 * below 5e-38: no sum or 1 + e it enters can tell), NaN stays NaN. */
static LA_INLINE LaV8
la_v8_exp (LaV8 x)
{
  const LaV8 hi = LA_SPLAT (88.72283935546875f), lo = LA_SPLAT (-86.0f);
  LaV8i big = x > hi, small = x < lo, nan = x != x;
  LaV8 xc = la_v8_select (big, hi, la_v8_select (small | nan, lo, x));
  LaV8 t = xc * 1.44269504088896341f, r, p;
  /* round half away from zero: n in [-124, 128] */
  LaV8i half = (LaV8i) LA_SPLAT (0.5f)
      | ((LaV8i) t & (LaV8i) LA_SPLAT (-0.0f));
  LaV8i n = __builtin_convertvector (t + (LaV8) half, LaV8i);
  LaV8 nf = __builtin_convertvector (n, LaV8);
  /* 2^(n - 1), a normal number for every n above; times 2 below */
  LaV8 scale = (LaV8) ((n + 126) << 23);

  r = xc - nf * 0.693359375f;
  r = r - nf * -2.12194440e-4f;
  p = LA_SPLAT (1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  p = p * scale * 2.0f;
  p = la_v8_select (big, LA_SPLAT (INFINITY), p);
  p = la_v8_select (small, LA_SPLAT (0.0f), p);
  return la_v8_select (nan, x, p);
}

/* a . b in 8 interleaved partial sums (lane l takes a[i] b[i] for i = l
 * mod 8 below the last full 8; the tail has its own sum) combined in a
 * fixed order: the result does not depend on how a caller splits its
 * outputs between threads. Plain scalar code, the order the FP8 and the
 * mixed linears are specified by (la-cpu-linear-fp8.c). */
static inline gfloat
la_cpu_dot8 (const gfloat * a, const gfloat * b, gint64 n)
{
  gfloat acc[LA_VW] = { 0.0f };
  gfloat tail = 0.0f;
  gint64 i, l;

  for (i = 0; i + LA_VW <= n; i += LA_VW)
    for (l = 0; l < LA_VW; l++)
      acc[l] += a[i + l] * b[i + l];
  for (; i < n; i++)
    tail += a[i] * b[i];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5]))
      + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
}

#endif /* __LA_CPU_VEC_H__ */
