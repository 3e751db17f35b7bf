/* liveavatar: the CPU backend (host memory, synchronous, the reference)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Every op runs to completion inside compute_op, so there is nothing to
 * synchronize. Several CPU backends with different indices stand in for
 * several GPUs ("virtual devices") when the stage scheduler is tested. */

#include "config.h"

#include "la-backend-impl.h"
#include "la-cpu-ops.h"
#include "liveavatar.h"

#include <stdlib.h>
#include <string.h>

/* ---- buffer ---- */

static void
cpu_buffer_free (LaBuffer * buffer)
{
  free (buffer->base);
}

static gboolean
cpu_buffer_set_data (LaBuffer * buffer, gsize offset, gconstpointer data,
    gsize size, GError ** error)
{
  memcpy ((guint8 *) buffer->base + offset, data, size);
  return TRUE;
}

static gboolean
cpu_buffer_get_data (LaBuffer * buffer, gsize offset, gpointer data,
    gsize size, GError ** error)
{
  memcpy (data, (const guint8 *) buffer->base + offset, size);
  return TRUE;
}

static const LaBufferIface cpu_buffer_iface = {
  cpu_buffer_free,
  cpu_buffer_set_data,
  cpu_buffer_get_data,
};

static LaBuffer *
cpu_alloc_buffer (LaBackend * backend, gsize size, GError ** error)
{
  LaBuffer *buffer;
  gsize rounded;
  gpointer base = NULL;

  if (size > G_MAXSIZE - LA_TENSOR_ALIGNMENT)
    goto no_memory;
  rounded = (size + LA_TENSOR_ALIGNMENT - 1) / LA_TENSOR_ALIGNMENT
      * LA_TENSOR_ALIGNMENT;
  if (posix_memalign (&base, LA_TENSOR_ALIGNMENT, rounded) != 0)
    goto no_memory;
  /* zeroed, so that a bug reading unwritten memory reads the same thing
   * every run */
  memset (base, 0, rounded);

  buffer = g_new0 (LaBuffer, 1);
  buffer->iface = &cpu_buffer_iface;
  buffer->backend = backend;
  buffer->base = base;
  buffer->size = size;
  return buffer;

  /* ERRORS */
no_memory:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_OUT_OF_MEMORY,
        "%s: cannot allocate %" G_GSIZE_FORMAT " bytes",
        backend->device.name, size);
    return NULL;
  }
}

/* ---- ops ---- */

/* Exactly the (op, dtype) pairs the CUDA backend takes on an FP8-capable
 * GPU (la-support.c), so that a bf16 model has its CPU reference. */
static gboolean
cpu_supports_op (LaBackend * backend, LaOp op, LaDType dtype)
{
  return la_backend_op_dtype_supported (op, dtype);
}

/* x and y of the FP8 linear may be bf16: widen and narrow around the fp32
 * reference (exact both ways, its results are bf16 values) */
static void
cpu_linear_fp8 (const LaOpDesc * d)
{
  LaTensor *y = d->dst;
  const LaTensor *x = d->src[0], *w = d->src[1];
  gint64 rows = la_tensor_nrows (x), in = la_tensor_ncols (x);
  gint64 out = la_tensor_ncols (y);
  gfloat *xf = x->data, *yf = y->data;

  if (x->dtype != LA_DTYPE_F32) {
    xf = g_new (gfloat, rows * in);
    la_dtype_to_f32 (x->dtype, xf, x->data, rows * in);
  }
  if (y->dtype != LA_DTYPE_F32)
    yf = g_new (gfloat, rows * out);
  la_cpu_linear_fp8 (yf, xf, w->data, *(const gfloat *) d->src[2]->data,
      d->src[3] ? d->src[3]->data : NULL, rows, in, out);
  if (yf != y->data) {
    la_dtype_from_f32 (y->dtype, y->data, yf, rows * out);
    g_free (yf);
  }
  if (xf != x->data)
    g_free (xf);
}

#define F(t) ((gfloat *) (t)->data)
#define CF(t) ((const gfloat *) (t)->data)

/* the fp32 reference (plus convert's, mixed and FP8 linear's storage
 * types, and embedding's table, which it reads itself) */
static gboolean
cpu_compute_f32 (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  LaTensor *y = d->dst;
  const LaTensor *x = d->src[0];
  gint n;

  switch (d->op) {
    case LA_OP_LINEAR:
      la_cpu_linear (F (y), CF (x), CF (d->src[1]),
          d->src[2] ? CF (d->src[2]) : NULL, la_tensor_nrows (x),
          la_tensor_ncols (x), la_tensor_ncols (y));
      break;
    case LA_OP_RMS_NORM:
      la_cpu_rms_norm (F (y), CF (x), CF (d->src[1]), la_tensor_nrows (x),
          la_tensor_ncols (x), d->param);
      break;
    case LA_OP_LAYER_NORM_MODULATE:
      la_cpu_layer_norm_modulate (F (y), CF (x),
          d->src[1] ? CF (d->src[1]) : NULL,
          d->src[2] ? CF (d->src[2]) : NULL, la_tensor_nrows (x),
          la_tensor_ncols (x), d->rows_per_group, d->param);
      break;
    case LA_OP_GELU_TANH:
      la_cpu_gelu_tanh (F (y), CF (x), la_tensor_nelements (x));
      break;
    case LA_OP_ROPE_3D:
      n = x->n_dims;
      la_cpu_rope_3d (F (y), CF (x), d->src[1]->data,
          n == 4 ? x->ne[0] : 1, x->ne[n - 3], x->ne[n - 2], x->ne[n - 1],
          d->param);
      break;
    case LA_OP_ATTENTION:
      n = x->n_dims;
      la_cpu_attention (F (y), CF (x), CF (d->src[1]), CF (d->src[2]),
          n == 4 ? x->ne[0] : 1, x->ne[n - 3], d->src[1]->ne[n - 3],
          x->ne[n - 2], x->ne[n - 1], d->param);
      break;
    case LA_OP_ADD:
      la_cpu_add (F (y), CF (x), CF (d->src[1]), la_tensor_nelements (x),
          la_tensor_nelements (d->src[1]));
      break;
    case LA_OP_MUL:
      la_cpu_mul (F (y), CF (x), CF (d->src[1]), la_tensor_nelements (x),
          la_tensor_nelements (d->src[1]));
      break;
    case LA_OP_GATED_RESIDUAL:
      la_cpu_gated_residual (F (y), CF (x), CF (d->src[1]), CF (d->src[2]),
          la_tensor_nrows (x), la_tensor_ncols (x), d->rows_per_group);
      break;
    case LA_OP_EULER_STEP:
      la_cpu_euler_step (F (y), CF (x), CF (d->src[1]),
          la_tensor_nelements (x), d->param);
      break;
    case LA_OP_CONVERT:
      la_cpu_convert (y->data, y->dtype, x->data, x->dtype,
          la_tensor_nelements (x));
      break;
    case LA_OP_CONV3D:
      la_cpu_conv3d (F (y), CF (x), d->src[1] ? CF (d->src[1]) : NULL,
          CF (d->src[2]), d->src[3] ? CF (d->src[3]) : NULL, x->ne[0],
          d->src[1] ? d->src[1]->ne[0] : 0, x->ne[1], x->ne[2], x->ne[3],
          y->ne[0], y->ne[1], y->ne[2], y->ne[3], &d->conv);
      break;
    case LA_OP_CHANNEL_RMS_NORM:
    case LA_OP_CHANNEL_AFFINE:
      n = x->n_dims;
      if (d->op == LA_OP_CHANNEL_RMS_NORM)
        la_cpu_channel_rms_norm (F (y), CF (x), CF (d->src[1]),
            d->src[2] ? CF (d->src[2]) : NULL, n == 4 ? x->ne[0] : 1,
            x->ne[n - 3], x->ne[n - 2] * x->ne[n - 1]);
      else
        la_cpu_channel_affine (F (y), CF (x), CF (d->src[1]), CF (d->src[2]),
            n == 4 ? x->ne[0] : 1, x->ne[n - 3], x->ne[n - 2] * x->ne[n - 1]);
      break;
    case LA_OP_SILU:
      la_cpu_silu (F (y), CF (x), la_tensor_nelements (x));
      break;
    case LA_OP_UPSAMPLE_NEAREST_2X:
      n = x->n_dims;
      la_cpu_upsample_nearest_2x (F (y), CF (x), la_tensor_nelements (x)
          / (x->ne[n - 2] * x->ne[n - 1]), x->ne[n - 2], x->ne[n - 1]);
      break;
    case LA_OP_TRANSPOSE:
      la_cpu_transpose (F (y), CF (x), x->ne[0], x->ne[1], x->ne[2], x->ne[3]);
      break;
    case LA_OP_CLAMP:
      la_cpu_clamp (F (y), CF (x), la_tensor_nelements (x), d->param,
          d->param2);
      break;
    case LA_OP_CONV1D:
      la_cpu_conv1d (F (y), CF (x), CF (d->src[1]),
          d->src[2] ? CF (d->src[2]) : NULL, x->ne[0], x->ne[1], y->ne[0],
          y->ne[1], d->src[1]->ne[2], &d->conv1d);
      break;
    case LA_OP_GELU_ERF:
      la_cpu_gelu_erf (F (y), CF (x), la_tensor_nelements (x));
      break;
    case LA_OP_LINEAR_MIXED:
      la_cpu_linear_mixed (F (y), CF (x), d->src[1]->data, d->src[1]->dtype,
          d->src[2] ? CF (d->src[2]) : NULL, la_tensor_nrows (x),
          la_tensor_ncols (x), la_tensor_ncols (y));
      break;
    case LA_OP_ATTENTION_BIAS:
      n = x->n_dims;
      la_cpu_attention_bias (F (y), CF (x), CF (d->src[1]), CF (d->src[2]),
          CF (d->src[3]), n == 4 ? x->ne[0] : 1, x->ne[n - 3],
          d->src[1]->ne[n - 3], x->ne[n - 2], x->ne[n - 1], d->param);
      break;
    case LA_OP_EMBEDDING:
      la_cpu_embedding (F (y), x->data, x->dtype, d->src[1]->data,
          d->src[1]->ne[0], x->ne[0], x->ne[1]);
      break;
    case LA_OP_LINEAR_FP8:
      cpu_linear_fp8 (d);
      break;
    default:
      g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
          "%s: op %d unknown to the CPU backend", backend->device.name,
          (gint) d->op);
      return FALSE;
  }
  return TRUE;
}

#undef F
#undef CF

static gboolean
cpu_compute_op (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  if (la_cpu_narrow_needed (d))
    return la_cpu_narrow_compute (backend, d, cpu_compute_f32, error);
  return cpu_compute_f32 (backend, d, error);
}

/* ---- backend ---- */

static void
cpu_free (LaBackend * backend)
{
}

static const LaBackendIface cpu_backend_iface = {
  cpu_free,
  cpu_alloc_buffer,
  NULL,                         /* synchronous */
  cpu_supports_op,
  cpu_compute_op,
};

gboolean
la_cpu_backend_init (LaBackend * backend, gint device, GError ** error)
{
  backend->iface = &cpu_backend_iface;
  backend->device.kind = LA_BACKEND_CPU;
  backend->device.index = device;
  backend->device.name = g_strdup_printf ("CPU%d", device);
  backend->device.description = g_strdup ("CPU (fp32 reference)");
  backend->device.total_bytes = 0;
  backend->context = NULL;
  return TRUE;
}
