/* liveavatar: the (op, dtype) pairs both backends take
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* One list for the CUDA backend and its CPU reference, so that a bf16
 * model always has its reference: the CPU runs ops on bf16/f16 storage
 * between a widening and one rounding (la-cpu-narrow.c). What depends on
 * the GPU itself (FP8 needs compute capability 8.9) stays in
 * la-cuda-backend.c. */

#include "config.h"

#include "la-backend-impl.h"

gboolean
la_backend_op_dtype_supported (LaOp op, LaDType dtype)
{
  gboolean float_type = dtype == LA_DTYPE_F32 || dtype == LA_DTYPE_BF16
      || dtype == LA_DTYPE_F16;

  /* ops are listed one by one: an op added to LaOp later is unsupported
   * here until it has a kernel */
  switch (op) {
    case LA_OP_LINEAR:
    case LA_OP_RMS_NORM:
    case LA_OP_LAYER_NORM_MODULATE:
    case LA_OP_GELU_TANH:
    case LA_OP_ROPE_3D:
    case LA_OP_ATTENTION:
    case LA_OP_ADD:
    case LA_OP_MUL:
    case LA_OP_GATED_RESIDUAL:
    case LA_OP_EULER_STEP:
    case LA_OP_CONV3D:
    case LA_OP_CHANNEL_RMS_NORM:
    case LA_OP_CHANNEL_AFFINE:
    case LA_OP_SILU:
    case LA_OP_UPSAMPLE_NEAREST_2X:
    case LA_OP_TRANSPOSE:
    case LA_OP_CLAMP:
    case LA_OP_CONV1D:
    case LA_OP_GELU_ERF:
    case LA_OP_ATTENTION_BIAS:
      return float_type;
    case LA_OP_LINEAR_FP8:
      /* Live Avatar runs its FP8 linears on bf16 activations */
      return dtype == LA_DTYPE_F32 || dtype == LA_DTYPE_BF16;
    case LA_OP_EMBEDDING:
      /* dtype is y's: f32 from any table, or the table's own type */
      return float_type;
    case LA_OP_LINEAR_MIXED:
      /* dtype is x's; the weights are bf16 or f16 */
      return dtype == LA_DTYPE_F32;
    case LA_OP_CONVERT:
      /* how bf16 weights reach the fp32 reference, and FP8 ones */
      return float_type || dtype == LA_DTYPE_FP8_E4M3;
    default:
      return FALSE;
  }
}
