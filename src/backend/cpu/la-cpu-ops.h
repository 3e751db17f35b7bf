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
 * intrinsics. Outputs first, then inputs, then sizes; all arrays are
 * contiguous row-major. Each op lives in its own la-cpu-<op>.c whose header
 * states the math and layout; shapes were checked by la-ops.c.
 */

#ifndef __LA_CPU_OPS_H__
#define __LA_CPU_OPS_H__

#include "la-backend.h"

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

G_END_DECLS

#endif /* __LA_CPU_OPS_H__ */
