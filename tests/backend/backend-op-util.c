/* liveavatar: what the op tables of the backend tests share
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "backend-op-util.h"
#include "test-common.h"

gint64
backend_test_count (gint dims, const gint64 * ne)
{
  gint64 n = 1;
  gint i;

  for (i = 0; i < dims; i++)
    n *= ne[i];
  return n;
}

gfloat *
backend_test_values (gint dims, const gint64 * ne, gdouble amp, gdouble offset)
{
  gint64 n = backend_test_count (dims, ne), j;
  gfloat *v = g_new (gfloat, n);

  for (j = 0; j < n; j++)
    v[j] = (gfloat) (offset + amp * la_test_rnd ());
  return v;
}

void
backend_test_conv3d_shapes (const gint64 * k, const gint * g,
    gint64 x_ne[4], gint64 p_ne[4], gint64 w_ne[4], gint64 y_ne[4])
{
  x_ne[0] = k[0];
  p_ne[0] = k[1];
  x_ne[1] = p_ne[1] = k[2];
  x_ne[2] = p_ne[2] = k[4];
  x_ne[3] = p_ne[3] = k[5];
  w_ne[0] = k[3];
  w_ne[1] = k[2];
  w_ne[2] = g[0];
  w_ne[3] = (gint64) g[1] * g[2];
  y_ne[0] = (k[1] + k[0] - g[0]) / g[3] + 1;
  y_ne[1] = k[3];
  y_ne[2] = (k[4] + g[6] + g[7] - g[1]) / g[4] + 1;
  y_ne[3] = (k[5] + g[8] + g[9] - g[2]) / g[5] + 1;
}

void
backend_test_conv1d_shapes (const gint64 * k, const gint * g,
    gint64 x_ne[2], gint64 w_ne[3], gint64 y_ne[2])
{
  x_ne[0] = k[0];
  x_ne[1] = k[1];
  w_ne[0] = k[2];
  w_ne[1] = k[1] / g[3];
  w_ne[2] = k[3];
  y_ne[0] = (k[0] + g[1] + g[2] - k[3]) / g[0] + 1;
  y_ne[1] = k[2];
}

gboolean
backend_test_run_op (LaBackend * be, LaOp op, LaTensor * y, LaTensor ** src,
    gfloat param, gfloat param2, const gint * geo, GError ** error)
{
  switch (op) {
    case LA_OP_LINEAR:
    case LA_OP_LINEAR_MIXED:
      return la_linear (be, y, src[0], src[1], src[2], error);
    case LA_OP_RMS_NORM:
      return la_rms_norm (be, y, src[0], src[1], param, error);
    case LA_OP_LAYER_NORM_MODULATE:
      return la_layer_norm_modulate (be, y, src[0], src[1], src[2], param,
          error);
    case LA_OP_GELU_TANH:
      return la_gelu_tanh (be, y, src[0], error);
    case LA_OP_ROPE_3D:
      return la_rope_3d (be, y, src[0], src[1], param, error);
    case LA_OP_ATTENTION:
      return la_attention (be, y, src[0], src[1], src[2], param, error);
    case LA_OP_ADD:
      return la_add (be, y, src[0], src[1], error);
    case LA_OP_MUL:
      return la_mul (be, y, src[0], src[1], error);
    case LA_OP_GATED_RESIDUAL:
      return la_gated_residual (be, y, src[0], src[1], src[2], error);
    case LA_OP_EULER_STEP:
      return la_euler_step (be, y, src[0], src[1], param, error);
    case LA_OP_CONVERT:
      return la_convert (be, y, src[0], error);
    case LA_OP_CONV3D:{
      LaConv3dParams p;
      gint i;

      for (i = 0; i < 3; i++) {
        p.kernel[i] = geo[i];
        p.stride[i] = geo[3 + i];
      }
      for (i = 0; i < 4; i++)
        p.pad[i] = geo[6 + i];
      return la_conv3d (be, y, src[0], src[1], src[2], src[3], &p, error);
    }
    case LA_OP_CHANNEL_RMS_NORM:
      return la_channel_rms_norm (be, y, src[0], src[1], src[2], error);
    case LA_OP_CHANNEL_AFFINE:
      return la_channel_affine (be, y, src[0], src[1], src[2], error);
    case LA_OP_SILU:
      return la_silu (be, y, src[0], error);
    case LA_OP_GELU_ERF:
      return la_gelu_erf (be, y, src[0], error);
    case LA_OP_CLAMP:
      return la_clamp (be, y, src[0], param, param2, error);
    case LA_OP_UPSAMPLE_NEAREST_2X:
      return la_upsample_nearest_2x (be, y, src[0], error);
    case LA_OP_TRANSPOSE:
      return la_transpose (be, y, src[0], error);
    case LA_OP_CONV1D:{
      LaConv1dParams p = { geo[0], {geo[1], geo[2]}, geo[3] };

      return la_conv1d (be, y, src[0], src[1], src[2], &p, error);
    }
    case LA_OP_ATTENTION_BIAS:
      return la_attention_bias (be, y, src[0], src[1], src[2], src[3], param,
          error);
    case LA_OP_EMBEDDING:
      return la_embedding (be, y, src[0], src[1], error);
    case LA_OP_LINEAR_FP8:
      return la_linear_fp8 (be, y, src[0], src[1], src[2], src[3], error);
    default:
      g_assert_not_reached ();
  }
  return FALSE;
}
