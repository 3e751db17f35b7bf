/* liveavatar: CPU reference ops (plain C, fp32)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The oracle the CUDA backend is checked against: readable loops, fp32
 * storage and arithmetic (double where Wan itself uses float64), no
 * intrinsics (hot ops use GCC vector extensions, la-cpu-vec.h; an op's
 * header says where it departs from the plain loop's order or libm).
 * Outputs first, then inputs, then sizes; all arrays are contiguous
 * row-major. Each op lives in its own la-cpu-<op>.c whose header
 * states the math and layout; shapes were checked by la-ops.c.
 */

#ifndef __LA_CPU_OPS_H__
#define __LA_CPU_OPS_H__

#include "la-backend-impl.h"

G_BEGIN_DECLS

void            la_cpu_linear (gfloat * y, const gfloat * x,
    const gfloat * w, const gfloat * bias, gint64 rows, gint64 in,
    gint64 out);
void            la_cpu_rms_norm (gfloat * y, const gfloat * x,
    const gfloat * w, gint64 rows, gint64 cols, gfloat eps);
void            la_cpu_layer_norm_modulate (gfloat * y, const gfloat * x,
    const gfloat * scale, const gfloat * shift, gint64 rows, gint64 cols,
    gint64 rows_per_group, gfloat eps);
void            la_cpu_gelu_tanh (gfloat * y, const gfloat * x, gint64 n);
void            la_cpu_rope_3d (gfloat * y, const gfloat * x,
    const gint32 * pos, gint64 batch, gint64 seq, gint64 heads,
    gint64 head_dim, gfloat theta);
void            la_cpu_attention (gfloat * o, const gfloat * q,
    const gfloat * k, const gfloat * v, gint64 batch, gint64 lq, gint64 lk,
    gint64 heads, gint64 head_dim, gfloat scale);
void            la_cpu_add (gfloat * y, const gfloat * a, const gfloat * b,
    gint64 n, gint64 nb);
void            la_cpu_mul (gfloat * y, const gfloat * a, const gfloat * b,
    gint64 n, gint64 nb);
void            la_cpu_gated_residual (gfloat * y, const gfloat * x,
    const gfloat * gate, const gfloat * r, gint64 rows, gint64 cols,
    gint64 rows_per_group);
void            la_cpu_euler_step (gfloat * y, const gfloat * x,
    const gfloat * v, gint64 n, gfloat dt);
void            la_cpu_convert (gpointer y, LaDType y_dtype, gconstpointer x,
    LaDType x_dtype, gint64 n);

/* video VAE ops */
void            la_cpu_conv3d (gfloat * y, const gfloat * x,
    const gfloat * past, const gfloat * w, const gfloat * bias, gint64 t,
    gint64 p, gint64 cin, gint64 h, gint64 wd, gint64 to, gint64 cout,
    gint64 ho, gint64 wo, const LaConv3dParams * params);
void            la_cpu_channel_rms_norm (gfloat * y, const gfloat * x,
    const gfloat * gamma, const gfloat * bias, gint64 n, gint64 c, gint64 s);
void            la_cpu_channel_affine (gfloat * y, const gfloat * x,
    const gfloat * scale, const gfloat * shift, gint64 n, gint64 c, gint64 s);
void            la_cpu_silu (gfloat * y, const gfloat * x, gint64 n);
void            la_cpu_upsample_nearest_2x (gfloat * y, const gfloat * x,
    gint64 n, gint64 h, gint64 w);
void            la_cpu_transpose (gfloat * y, const gfloat * x, gint64 b,
    gint64 m, gint64 n, gint64 s);
void            la_cpu_clamp (gfloat * y, const gfloat * x, gint64 n,
    gfloat lo, gfloat hi);

/* audio encoder ops */
void            la_cpu_conv1d (gfloat * y, const gfloat * x,
    const gfloat * w, const gfloat * bias, gint64 l, gint64 cin,
    gint64 lo, gint64 cout, gint64 kernel, const LaConv1dParams * params);
void            la_cpu_gelu_erf (gfloat * y, const gfloat * x, gint64 n);

/* text encoder ops */
void            la_cpu_linear_mixed (gfloat * y, const gfloat * x,
    gconstpointer w, LaDType w_dtype, const gfloat * bias, gint64 rows,
    gint64 in, gint64 out);
void            la_cpu_attention_bias (gfloat * o, const gfloat * q,
    const gfloat * k, const gfloat * v, const gfloat * bias, gint64 batch,
    gint64 lq, gint64 lk, gint64 heads, gint64 head_dim, gfloat scale);
void            la_cpu_embedding (gfloat * y, gconstpointer table,
    LaDType table_dtype, const gint32 * ids, gint64 n, gint64 vocab,
    gint64 dim);

/* Live Avatar's FP8 linear: x quantised per call, w e4m3 codes */
void            la_cpu_linear_fp8 (gfloat * y, const gfloat * x,
    const guint8 * w, gfloat w_scale, const gfloat * bias, gint64 rows,
    gint64 in, gint64 out);

/* Runs fn (data, begin, end) over disjoint ranges covering [0, n), on
 * several threads when @work (about the multiply-adds of all n items) is
 * large enough to pay for starting them. */
typedef void    (*LaCpuRangeFunc) (gpointer data, gint64 begin, gint64 end);
void            la_cpu_parallel_for (gint64 n, gint64 work,
    LaCpuRangeFunc fn, gpointer data);

/* Ops on bf16/f16 storage (la-cpu-narrow.c): whether @d has a narrow
 * tensor the fp32 reference cannot read, and running @d through @compute
 * (the backend's fp32 compute_op) on widened fp32 copies, the output
 * rounded once to its storage type. */
typedef gboolean (*LaCpuComputeFunc) (LaBackend * backend,
    const LaOpDesc * d, GError ** error);
gboolean        la_cpu_narrow_needed (const LaOpDesc * d);
gboolean        la_cpu_narrow_compute (LaBackend * backend,
    const LaOpDesc * d, LaCpuComputeFunc compute, GError ** error);

G_END_DECLS

#endif /* __LA_CPU_OPS_H__ */
