/* liveavatar: element types and their host conversions
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Bit-exact with the CUDA intrinsics the kernels use
 * (__float2bfloat16_rn, __float2half_rn, __nv_fp8_e4m3 with satfinite), so
 * a tensor uploaded from the host holds what a kernel would have written.
 * All rounding is to nearest, ties to even. */

#include "config.h"

#include "la-backend-impl.h"

#include <math.h>
#include <string.h>

static const struct
{
  const gchar *name;
  gsize size;
} dtype_info[LA_DTYPE_COUNT] = {
  [LA_DTYPE_F32] = {"f32", 4},
  [LA_DTYPE_BF16] = {"bf16", 2},
  [LA_DTYPE_F16] = {"f16", 2},
  [LA_DTYPE_FP8_E4M3] = {"fp8_e4m3", 1},
  [LA_DTYPE_I32] = {"i32", 4},
};

gsize
la_dtype_size (LaDType dtype)
{
  g_return_val_if_fail (dtype < LA_DTYPE_COUNT, 0);
  return dtype_info[dtype].size;
}

const gchar *
la_dtype_name (LaDType dtype)
{
  if (dtype >= LA_DTYPE_COUNT)
    return "invalid";
  return dtype_info[dtype].name;
}

static guint32
f32_bits (gfloat v)
{
  guint32 u;

  memcpy (&u, &v, sizeof (u));
  return u;
}

static gfloat
bits_f32 (guint32 u)
{
  gfloat v;

  memcpy (&v, &u, sizeof (v));
  return v;
}

guint16
la_f32_to_bf16 (gfloat v)
{
  guint32 u = f32_bits (v);

  if ((u & 0x7fffffffu) > 0x7f800000u)
    return (guint16) ((u >> 16) | 0x0040);      /* quiet NaN, sign kept */
  u += 0x7fffu + ((u >> 16) & 1);
  return (guint16) (u >> 16);
}

gfloat
la_bf16_to_f32 (guint16 v)
{
  return bits_f32 ((guint32) v << 16);
}

/* The classic branchy conversion: subnormals via a float add that does the
 * rounding for us, normals by adding the rounding bias to the bits. */
guint16
la_f32_to_f16 (gfloat v)
{
  const guint32 f32_inf = 255u << 23;
  const guint32 f16_max = (127u + 16u) << 23;   /* 65536: first overflow */
  const guint32 denorm_magic = ((127u - 15u) + (23u - 10u) + 1u) << 23;
  guint32 u = f32_bits (v);
  guint32 sign = u & 0x80000000u;
  guint32 o;

  u ^= sign;
  if (u >= f16_max) {
    o = (u > f32_inf) ? 0x7e00 : 0x7c00;        /* NaN : Inf */
  } else if (u < (113u << 23)) {
    /* below the smallest normal half (2^-14): let the FPU round */
    o = f32_bits (bits_f32 (u) + bits_f32 (denorm_magic)) - denorm_magic;
  } else {
    guint32 mant_odd = (u >> 13) & 1;

    u -= (127u - 15u) << 23;    /* rebias the exponent */
    u += 0xfffu + mant_odd;
    o = u >> 13;
  }
  return (guint16) (o | (sign >> 16));
}

gfloat
la_f16_to_f32 (guint16 v)
{
  guint32 sign = (guint32) (v & 0x8000) << 16;
  guint32 exp = (v >> 10) & 0x1f;
  guint32 mant = v & 0x3ff;
  gfloat mag;

  if (exp == 0)
    mag = ldexpf ((gfloat) mant, -24);
  else if (exp == 31)
    mag = mant ? NAN : INFINITY;
  else
    mag = ldexpf ((gfloat) (mant | 0x400), (gint) exp - 25);
  return bits_f32 (f32_bits (mag) | sign);
}

/* e4m3fn: bias 7, 3 mantissa bits, exponent 15 with mantissa 7 is NaN,
 * largest finite 1.75 * 2^8 = 448; subnormals step 2^-9. */
guint8
la_f32_to_fp8_e4m3 (gfloat v)
{
  guint8 sign = (f32_bits (v) >> 24) & 0x80;
  gdouble a = fabs ((gdouble) v);
  gint e;
  gdouble f, m;

  if (isnan (v))
    return sign | 0x7f;
  if (a >= 448.0)
    return sign | 0x7e;         /* satfinite */
  if (a < ldexp (1.0, -6)) {
    /* subnormal; m == 8 lands exactly on the smallest normal */
    m = nearbyint (a * 512.0);
    return sign | (guint8) m;
  }
  f = frexp (a, &e);            /* a = f 2^e, f in [0.5, 1) */
  m = nearbyint ((2.0 * f - 1.0) * 8.0);
  e -= 1;                       /* a = (2f) 2^e, e in [-6, 8] */
  if (m >= 8.0) {
    m = 0.0;
    e += 1;
  }
  return sign | (guint8) (((e + 7) << 3) | (gint) m);
}

gfloat
la_fp8_e4m3_to_f32 (guint8 v)
{
  gint exp = (v >> 3) & 0xf;
  gint mant = v & 0x7;
  gfloat mag;

  if (exp == 15 && mant == 7)
    mag = NAN;
  else if (exp == 0)
    mag = ldexpf ((gfloat) mant, -9);
  else
    mag = ldexpf ((gfloat) (8 + mant), exp - 10);
  return (v & 0x80) ? -mag : mag;
}

void
la_dtype_from_f32 (LaDType dtype, gpointer dst, const gfloat * src, gsize n)
{
  gsize i;

  switch (dtype) {
    case LA_DTYPE_F32:
      memcpy (dst, src, n * sizeof (gfloat));
      break;
    case LA_DTYPE_BF16:{
      guint16 *d = dst;

      for (i = 0; i < n; i++)
        d[i] = la_f32_to_bf16 (src[i]);
      break;
    }
    case LA_DTYPE_F16:{
      guint16 *d = dst;

      for (i = 0; i < n; i++)
        d[i] = la_f32_to_f16 (src[i]);
      break;
    }
    case LA_DTYPE_FP8_E4M3:{
      guint8 *d = dst;

      for (i = 0; i < n; i++)
        d[i] = la_f32_to_fp8_e4m3 (src[i]);
      break;
    }
    case LA_DTYPE_I32:{
      gint32 *d = dst;

      for (i = 0; i < n; i++)
        d[i] = isfinite (src[i]) && fabsf (src[i]) < 2147483520.0f ?
            (gint32) src[i] : 0;
      break;
    }
    default:
      g_return_if_reached ();
  }
}

void
la_dtype_to_f32 (LaDType dtype, gfloat * dst, gconstpointer src, gsize n)
{
  gsize i;

  switch (dtype) {
    case LA_DTYPE_F32:
      memcpy (dst, src, n * sizeof (gfloat));
      break;
    case LA_DTYPE_BF16:{
      const guint16 *s = src;

      for (i = 0; i < n; i++)
        dst[i] = la_bf16_to_f32 (s[i]);
      break;
    }
    case LA_DTYPE_F16:{
      const guint16 *s = src;

      for (i = 0; i < n; i++)
        dst[i] = la_f16_to_f32 (s[i]);
      break;
    }
    case LA_DTYPE_FP8_E4M3:{
      const guint8 *s = src;

      for (i = 0; i < n; i++)
        dst[i] = la_fp8_e4m3_to_f32 (s[i]);
      break;
    }
    case LA_DTYPE_I32:{
      const gint32 *s = src;

      for (i = 0; i < n; i++)
        dst[i] = (gfloat) s[i];
      break;
    }
    default:
      g_return_if_reached ();
  }
}

/* ---- Live Avatar's quant_fp8 () (liveavatar/utils/fp8_linear.py) ---- */

gfloat
la_fp8_amax (const gfloat * v, gsize n)
{
  guint32 m = 0;
  gsize i;

  /* |v| as bits orders like the floats, and a NaN's bits beat +inf's */
  for (i = 0; i < n; i++)
    m = MAX (m, f32_bits (v[i]) & 0x7fffffffu);
  return bits_f32 (m);
}

gfloat
la_fp8_scale_from_amax (gfloat amax)
{
  gfloat s;

  if (isnan (amax))
    return amax;
  s = 448.0f / MAX (amax, 1e-12f);
  return s > 448.0f ? 448.0f : s;
}

gfloat
la_fp8_quantize (const gfloat * w, gsize n, guint8 * q)
{
  gfloat s = la_fp8_scale_from_amax (la_fp8_amax (w, n));
  gsize i;

  /* the satfinite conversion is the clamp to +-448 (NaN stays NaN) */
  for (i = 0; i < n; i++)
    q[i] = la_f32_to_fp8_e4m3 (w[i] * s);
  return 1.0f / s;
}
