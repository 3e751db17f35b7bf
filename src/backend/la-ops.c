/* liveavatar: the op front door (argument checks, then dispatch)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Each la_<op> () checks shapes, dtypes, ownership and aliasing once, so
 * that backends can trust what compute_op receives. The math of each op is
 * stated in la-backend.h and again beside its CPU reference. */

#include "config.h"

#include "la-backend-impl.h"
#include "liveavatar.h"

#include <math.h>

static const gchar *op_names[LA_OP_COUNT] = {
  [LA_OP_LINEAR] = "linear",
  [LA_OP_RMS_NORM] = "rms_norm",
  [LA_OP_LAYER_NORM_MODULATE] = "layer_norm_modulate",
  [LA_OP_GELU_TANH] = "gelu_tanh",
  [LA_OP_ROPE_3D] = "rope_3d",
  [LA_OP_ATTENTION] = "attention",
  [LA_OP_ADD] = "add",
  [LA_OP_MUL] = "mul",
  [LA_OP_GATED_RESIDUAL] = "gated_residual",
  [LA_OP_EULER_STEP] = "euler_step",
  [LA_OP_CONVERT] = "convert",
  [LA_OP_CONV3D] = "conv3d",
  [LA_OP_CHANNEL_RMS_NORM] = "channel_rms_norm",
  [LA_OP_CHANNEL_AFFINE] = "channel_affine",
  [LA_OP_SILU] = "silu",
  [LA_OP_UPSAMPLE_NEAREST_2X] = "upsample_nearest_2x",
  [LA_OP_TRANSPOSE] = "transpose",
  [LA_OP_CLAMP] = "clamp",
  [LA_OP_CONV1D] = "conv1d",
  [LA_OP_GELU_ERF] = "gelu_erf",
  [LA_OP_LINEAR_MIXED] = "linear_mixed",
  [LA_OP_ATTENTION_BIAS] = "attention_bias",
  [LA_OP_EMBEDDING] = "embedding",
  [LA_OP_LINEAR_FP8] = "linear_fp8",
};

const gchar *
la_op_name (LaOp op)
{
  if (op >= LA_OP_COUNT)
    return "invalid";
  return op_names[op];
}

/* ---- checks shared by the ops ---- */

/* *INDENT-OFF* */
static gboolean invalid (GError ** error, LaOp op, const gchar * fmt, ...)
    G_GNUC_PRINTF (3, 4);
/* *INDENT-ON* */

static gboolean
invalid (GError ** error, LaOp op, const gchar * fmt, ...)
{
  va_list args;
  gchar *msg;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT, "%s: %s",
      la_op_name (op), msg);
  g_free (msg);
  return FALSE;
}

static gboolean
ranges_overlap (const LaTensor * a, const LaTensor * b)
{
  if (a->buffer != b->buffer)
    return FALSE;
  return a->offset < b->offset + b->nbytes && b->offset < a->offset + a->nbytes;
}

static gboolean
same_memory (const LaTensor * a, const LaTensor * b)
{
  return a->buffer == b->buffer && a->offset == b->offset
      && a->nbytes == b->nbytes;
}

/* Every tensor present belongs to @backend, the output overlaps no input
 * except src[0] exactly when @inplace_ok. */
static gboolean
check_common (LaBackend * backend, const LaOpDesc * d, gboolean inplace_ok,
    GError ** error)
{
  gint i;

  if (!backend || !d->dst)
    return invalid (error, d->op, "no backend or no output tensor");
  if (d->dst->backend != backend)
    return invalid (error, d->op, "output tensor belongs to %s, not %s",
        d->dst->backend->device.name, backend->device.name);
  for (i = 0; i < LA_OP_MAX_SRC; i++) {
    const LaTensor *s = d->src[i];

    if (!s)
      continue;
    if (s->backend != backend)
      return invalid (error, d->op, "input %d belongs to %s, not %s", i,
          s->backend->device.name, backend->device.name);
    if (ranges_overlap (d->dst, s)
        && !(i == 0 && inplace_ok && same_memory (d->dst, s)))
      return invalid (error, d->op, "output overlaps input %d%s", i,
          inplace_ok && i == 0 ? " without being the same tensor" : "");
  }
  return TRUE;
}

static gboolean
check_dtype (const LaOpDesc * d, const LaTensor * t, LaDType want,
    const gchar * what, GError ** error)
{
  if (t->dtype != want)
    return invalid (error, d->op, "%s is %s, expected %s", what,
        la_dtype_name (t->dtype), la_dtype_name (want));
  return TRUE;
}

static gboolean
check_float_dtype (const LaOpDesc * d, const LaTensor * t, GError ** error)
{
  if (t->dtype != LA_DTYPE_F32 && t->dtype != LA_DTYPE_BF16
      && t->dtype != LA_DTYPE_F16)
    return invalid (error, d->op, "dtype %s is not f32, bf16 or f16",
        la_dtype_name (t->dtype));
  return TRUE;
}

static gboolean
check_same_shape (const LaOpDesc * d, const LaTensor * a, const LaTensor * b,
    const gchar * what, GError ** error)
{
  gchar sa[64], sb[64];

  if (!la_tensor_same_shape (a, b))
    return invalid (error, d->op, "%s: %s does not match %s", what,
        la_tensor_describe (a, sa, sizeof (sa)),
        la_tensor_describe (b, sb, sizeof (sb)));
  return TRUE;
}

/* A float @x and an output @y of the same dtype. */
static gboolean
check_float_io (const LaOpDesc * d, const LaTensor * x, const LaTensor * y,
    GError ** error)
{
  return check_float_dtype (d, x, error)
      && check_dtype (d, y, x->dtype, "y", error);
}

/* Elementwise: @y also has @x's shape. */
static gboolean
check_elementwise (const LaOpDesc * d, const LaTensor * x,
    const LaTensor * y, GError ** error)
{
  return check_float_io (d, x, y, error)
      && check_same_shape (d, y, x, "y vs x", error);
}

static gboolean
check_vector (const LaOpDesc * d, const LaTensor * t, gint64 n,
    const gchar * what, GError ** error)
{
  if (t->n_dims != 1 || t->ne[0] != n)
    return invalid (error, d->op, "%s must be [%" G_GINT64_FORMAT "]", what, n);
  return TRUE;
}

static gboolean
check_padding (const LaOpDesc * d, const gint * pad, gint n, GError ** error)
{
  gint i;

  for (i = 0; i < n; i++)
    if (pad[i] < 0 || pad[i] >= 1 << 16)
      return invalid (error, d->op, "padding must be in [0, 65536)");
  return TRUE;
}

/* [C] or [G, C] per-row parameters for @x: sets rows_per_group. */
static gboolean
check_grouped (LaOpDesc * d, const LaTensor * x, const LaTensor * p,
    const gchar * what, GError ** error)
{
  gint64 rows = la_tensor_nrows (x), groups;

  if (p->n_dims > 2 || la_tensor_ncols (p) != la_tensor_ncols (x))
    return invalid (error, d->op, "%s must be [C] or [G, C] with C = %"
        G_GINT64_FORMAT, what, la_tensor_ncols (x));
  groups = la_tensor_nrows (p);
  if (rows % groups != 0)
    return invalid (error, d->op, "%" G_GINT64_FORMAT " rows do not split "
        "into %" G_GINT64_FORMAT " groups of %s", rows, groups, what);
  d->rows_per_group = rows / groups;
  return TRUE;
}

/* A linear's shapes: w [N, K] with K = x's last dimension, y x's shape
 * with last dimension N, and an optional bias [N] of @bias_dtype. */
static gboolean
check_linear_shapes (const LaOpDesc * d, const LaTensor * x,
    const LaTensor * w, const LaTensor * y, const LaTensor * bias,
    LaDType bias_dtype, GError ** error)
{
  if (w->n_dims != 2 || w->ne[1] != la_tensor_ncols (x))
    return invalid (error, d->op, "w must be [N, K] with K = %"
        G_GINT64_FORMAT " (x's last dimension)", la_tensor_ncols (x));
  if (la_tensor_ncols (y) != w->ne[0] || la_tensor_nrows (y) !=
      la_tensor_nrows (x) || y->n_dims != x->n_dims)
    return invalid (error, d->op, "y must be x's shape with last dimension %"
        G_GINT64_FORMAT, w->ne[0]);
  if (bias && (!check_dtype (d, bias, bias_dtype, "bias", error)
          || !check_vector (d, bias, w->ne[0], "bias", error)))
    return FALSE;
  return TRUE;
}

/* The checks before it read only the tensors' shapes, dtypes and
 * owners, which never change; from here on the backend's stream, scratch
 * and handles are used, by one thread at a time (la-backend.h, Threads). */
static gboolean
dispatch (LaBackend * backend, const LaOpDesc * d, LaDType dtype,
    GError ** error)
{
  gboolean ok;

  if (!backend->iface->supports_op (backend, d->op, dtype)) {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "%s: %s not supported on %s", la_op_name (d->op),
        la_dtype_name (dtype), backend->device.name);
    return FALSE;
  }
  la_backend_lock (backend);
  ok = backend->iface->compute_op (backend, d, error);
  la_backend_unlock (backend);
  return ok;
}

/* ---- ops ---- */

gboolean
la_linear (LaBackend * backend, LaTensor * y, const LaTensor * x,
    const LaTensor * w, const LaTensor * bias, GError ** error)
{
  LaOpDesc d = { LA_OP_LINEAR, y, {x, w, bias} };

  if (!x || !w)
    return invalid (error, d.op, "x and w are required");
  if (!check_common (backend, &d, FALSE, error)
      || !check_float_dtype (&d, x, error))
    return FALSE;
  /* fp32 activations over weights kept in their narrow storage type */
  if (x->dtype == LA_DTYPE_F32 && (w->dtype == LA_DTYPE_BF16
          || w->dtype == LA_DTYPE_F16))
    d.op = LA_OP_LINEAR_MIXED;
  else if (!check_dtype (&d, w, x->dtype, "w", error))
    return FALSE;
  if (y->dtype != x->dtype && y->dtype != LA_DTYPE_F32)
    return invalid (error, d.op, "y is %s; it must be %s or f32",
        la_dtype_name (y->dtype), la_dtype_name (x->dtype));
  if (!check_linear_shapes (&d, x, w, y, bias, y->dtype, error))
    return FALSE;
  return dispatch (backend, &d, x->dtype, error);
}

gboolean
la_rms_norm (LaBackend * backend, LaTensor * y, const LaTensor * x,
    const LaTensor * w, gfloat eps, GError ** error)
{
  LaOpDesc d = { LA_OP_RMS_NORM, y, {x, w}, eps };

  if (!x || !w)
    return invalid (error, d.op, "x and w are required");
  if (!check_common (backend, &d, TRUE, error)
      || !check_float_io (&d, x, y, error)
      || !check_dtype (&d, w, x->dtype, "w", error)
      || !check_same_shape (&d, y, x, "y vs x", error)
      || !check_vector (&d, w, la_tensor_ncols (x), "w", error))
    return FALSE;
  if (!(eps >= 0.0f))
    return invalid (error, d.op, "eps must be >= 0");
  return dispatch (backend, &d, x->dtype, error);
}

gboolean
la_layer_norm_modulate (LaBackend * backend, LaTensor * y,
    const LaTensor * x, const LaTensor * scale, const LaTensor * shift,
    gfloat eps, GError ** error)
{
  LaOpDesc d = { LA_OP_LAYER_NORM_MODULATE, y, {x, scale, shift}, eps };

  if (!x)
    return invalid (error, d.op, "x is required");
  if ((scale == NULL) != (shift == NULL))
    return invalid (error, d.op, "scale and shift go together");
  if (!check_common (backend, &d, TRUE, error)
      || !check_elementwise (&d, x, y, error))
    return FALSE;
  if (scale) {
    if (!check_dtype (&d, scale, x->dtype, "scale", error)
        || !check_dtype (&d, shift, x->dtype, "shift", error)
        || !check_same_shape (&d, scale, shift, "scale vs shift", error)
        || !check_grouped (&d, x, scale, "scale", error))
      return FALSE;
  }
  if (!(eps >= 0.0f))
    return invalid (error, d.op, "eps must be >= 0");
  return dispatch (backend, &d, x->dtype, error);
}

/* y = f (x), elementwise, in place allowed */
static gboolean
unary (LaBackend * backend, LaOp op, LaTensor * y, const LaTensor * x,
    GError ** error)
{
  LaOpDesc d = { op, y, {x} };

  if (!x)
    return invalid (error, d.op, "x is required");
  if (!check_common (backend, &d, TRUE, error)
      || !check_elementwise (&d, x, y, error))
    return FALSE;
  return dispatch (backend, &d, x->dtype, error);
}

gboolean
la_gelu_tanh (LaBackend * backend, LaTensor * y, const LaTensor * x,
    GError ** error)
{
  return unary (backend, LA_OP_GELU_TANH, y, x, error);
}

gboolean
la_rope_3d (LaBackend * backend, LaTensor * y, const LaTensor * x,
    const LaTensor * pos, gfloat theta, GError ** error)
{
  LaOpDesc d = { LA_OP_ROPE_3D, y, {x, pos}, theta };
  gint64 seq, head_dim;

  if (!x || !pos)
    return invalid (error, d.op, "x and pos are required");
  if (!check_common (backend, &d, TRUE, error)
      || !check_float_io (&d, x, y, error)
      || !check_dtype (&d, pos, LA_DTYPE_I32, "pos", error)
      || !check_same_shape (&d, y, x, "y vs x", error))
    return FALSE;
  if (x->n_dims != 3 && x->n_dims != 4)
    return invalid (error, d.op, "x must be [L, H, D] or [B, L, H, D]");
  seq = x->ne[x->n_dims - 3];
  head_dim = x->ne[x->n_dims - 1];
  if (head_dim % 2 != 0 || head_dim < 6)
    return invalid (error, d.op, "head dim %" G_GINT64_FORMAT
        " must be even and >= 6 (three rotary parts)", head_dim);
  if (pos->n_dims != 2 || pos->ne[0] != seq || pos->ne[1] != 3)
    return invalid (error, d.op, "pos must be [%" G_GINT64_FORMAT ", 3]", seq);
  if (!(theta > 1.0f) || !isfinite (theta))
    return invalid (error, d.op, "theta must be > 1");
  return dispatch (backend, &d, x->dtype, error);
}

/* q, k, v (d->src[0..2]), o (d->dst) and the optional bias (d->src[3]) of
 * both attention ops; sets d->param to the softmax scale, 1/sqrt(D) when
 * @scale <= 0. */
static gboolean
check_attention (LaBackend * backend, LaOpDesc * d, gfloat scale,
    GError ** error)
{
  const LaTensor *q = d->src[0], *k = d->src[1], *v = d->src[2];
  const LaTensor *bias = d->src[3];
  gint n;

  if (!check_common (backend, d, FALSE, error)
      || !check_float_dtype (d, q, error)
      || !check_dtype (d, k, q->dtype, "k", error)
      || !check_dtype (d, v, q->dtype, "v", error)
      || !check_dtype (d, d->dst, q->dtype, "o", error)
      || (bias && !check_dtype (d, bias, q->dtype, "bias", error))
      || !check_same_shape (d, d->dst, q, "o vs q", error)
      || !check_same_shape (d, v, k, "v vs k", error))
    return FALSE;
  n = q->n_dims;
  if ((n != 3 && n != 4) || k->n_dims != n)
    return invalid (error, d->op, "q, k, v must be [L, H, D] or [B, L, H, D]");
  if (k->ne[n - 1] != q->ne[n - 1] || k->ne[n - 2] != q->ne[n - 2]
      || (n == 4 && k->ne[0] != q->ne[0]))
    return invalid (error, d->op, "k's batch, heads and head dim must be q's");
  if (bias && (bias->n_dims != 3 || bias->ne[0] != q->ne[n - 2]
          || bias->ne[1] != q->ne[n - 3] || bias->ne[2] != k->ne[n - 3]))
    return invalid (error, d->op, "bias must be [%" G_GINT64_FORMAT ", %"
        G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] (heads, Lq, Lk)",
        q->ne[n - 2], q->ne[n - 3], k->ne[n - 3]);
  if (!isfinite (scale))
    return invalid (error, d->op, "scale is not finite");
  d->param = scale > 0.0f ? scale : (gfloat) (1.0 / sqrt ((gdouble)
          q->ne[n - 1]));
  return TRUE;
}

gboolean
la_attention (LaBackend * backend, LaTensor * o, const LaTensor * q,
    const LaTensor * k, const LaTensor * v, gfloat scale, GError ** error)
{
  LaOpDesc d = { LA_OP_ATTENTION, o, {q, k, v} };

  if (!q || !k || !v)
    return invalid (error, d.op, "q, k and v are required");
  if (!check_attention (backend, &d, scale, error))
    return FALSE;
  return dispatch (backend, &d, q->dtype, error);
}

static gboolean
binary (LaBackend * backend, LaOp op, LaTensor * y, const LaTensor * a,
    const LaTensor * b, GError ** error)
{
  LaOpDesc d = { op, y, {a, b} };

  if (!a || !b)
    return invalid (error, d.op, "a and b are required");
  if (!check_common (backend, &d, TRUE, error)
      || !check_float_dtype (&d, a, error)
      || !check_dtype (&d, y, a->dtype, "y", error)
      || !check_dtype (&d, b, a->dtype, "b", error)
      || !check_same_shape (&d, y, a, "y vs a", error))
    return FALSE;
  if (la_tensor_nelements (a) % la_tensor_nelements (b) != 0)
    return invalid (error, d.op, "b's %" G_GINT64_FORMAT " elements do not "
        "repeat to a's %" G_GINT64_FORMAT, la_tensor_nelements (b),
        la_tensor_nelements (a));
  return dispatch (backend, &d, a->dtype, error);
}

gboolean
la_add (LaBackend * backend, LaTensor * y, const LaTensor * a,
    const LaTensor * b, GError ** error)
{
  return binary (backend, LA_OP_ADD, y, a, b, error);
}

gboolean
la_mul (LaBackend * backend, LaTensor * y, const LaTensor * a,
    const LaTensor * b, GError ** error)
{
  return binary (backend, LA_OP_MUL, y, a, b, error);
}

gboolean
la_gated_residual (LaBackend * backend, LaTensor * y, const LaTensor * x,
    const LaTensor * gate, const LaTensor * r, GError ** error)
{
  LaOpDesc d = { LA_OP_GATED_RESIDUAL, y, {x, gate, r} };

  if (!x || !gate || !r)
    return invalid (error, d.op, "x, gate and r are required");
  if (!check_common (backend, &d, TRUE, error)
      || !check_float_io (&d, x, y, error)
      || !check_dtype (&d, gate, x->dtype, "gate", error)
      || !check_dtype (&d, r, x->dtype, "r", error)
      || !check_same_shape (&d, y, x, "y vs x", error)
      || !check_same_shape (&d, r, x, "r vs x", error)
      || !check_grouped (&d, x, gate, "gate", error))
    return FALSE;
  return dispatch (backend, &d, x->dtype, error);
}

gboolean
la_euler_step (LaBackend * backend, LaTensor * y, const LaTensor * x,
    const LaTensor * v, gfloat dt, GError ** error)
{
  LaOpDesc d = { LA_OP_EULER_STEP, y, {x, v}, dt };

  if (!x || !v)
    return invalid (error, d.op, "x and v are required");
  if (!check_common (backend, &d, TRUE, error)
      || !check_float_io (&d, x, y, error)
      || !check_dtype (&d, v, x->dtype, "v", error)
      || !check_same_shape (&d, y, x, "y vs x", error)
      || !check_same_shape (&d, v, x, "v vs x", error))
    return FALSE;
  if (!isfinite (dt))
    return invalid (error, d.op, "dt is not finite");
  return dispatch (backend, &d, x->dtype, error);
}

gboolean
la_convert (LaBackend * backend, LaTensor * y, const LaTensor * x,
    GError ** error)
{
  LaOpDesc d = { LA_OP_CONVERT, y, {x} };
  LaDType side;

  if (!x)
    return invalid (error, d.op, "x is required");
  if (!check_common (backend, &d, FALSE, error))
    return FALSE;
  if (x->dtype == LA_DTYPE_I32 || y->dtype == LA_DTYPE_I32)
    return invalid (error, d.op, "i32 is not a float type");
  if (la_tensor_nelements (x) != la_tensor_nelements (y))
    return invalid (error, d.op, "x has %" G_GINT64_FORMAT " elements, y %"
        G_GINT64_FORMAT, la_tensor_nelements (x), la_tensor_nelements (y));
  /* name the side the backend lacks, if it lacks one */
  side = backend->iface->supports_op (backend, d.op, x->dtype) ?
      y->dtype : x->dtype;
  return dispatch (backend, &d, side, error);
}

/* ---- video VAE ops ---- */

/* Output size of a convolution along one axis, or 0 when the kernel does
 * not fit. */
static gint64
conv_out_size (gint64 in, gint64 pad, gint64 kernel, gint64 stride)
{
  if (in + pad < kernel)
    return 0;
  return (in + pad - kernel) / stride + 1;
}

gboolean
la_conv3d (LaBackend * backend, LaTensor * y, const LaTensor * x,
    const LaTensor * past, const LaTensor * w, const LaTensor * bias,
    const LaConv3dParams * params, GError ** error)
{
  LaOpDesc d = { LA_OP_CONV3D, y, {x, past, w, bias} };
  const gint *k, *st, *pad;
  gint64 cin, cout, frames, to, ho, wo;
  gint i;

  if (!x || !w || !params)
    return invalid (error, d.op, "x, w and params are required");
  if (!check_common (backend, &d, FALSE, error)
      || !check_float_io (&d, x, y, error)
      || !check_dtype (&d, w, x->dtype, "w", error))
    return FALSE;
  if (past && !check_dtype (&d, past, x->dtype, "past", error))
    return FALSE;
  if (bias && !check_dtype (&d, bias, x->dtype, "bias", error))
    return FALSE;
  k = params->kernel;
  st = params->stride;
  pad = params->pad;
  for (i = 0; i < 3; i++)
    if (k[i] < 1 || st[i] < 1)
      return invalid (error, d.op, "kernel and stride must be >= 1");
  if (!check_padding (&d, pad, 4, error))
    return FALSE;
  if (x->n_dims != 4 || y->n_dims != 4 || w->n_dims != 4)
    return invalid (error, d.op, "x, y and w must have 4 dimensions "
        "([T, C, H, W] and [Cout, Cin, kt, kh * kw])");
  cin = x->ne[1];
  cout = w->ne[0];
  if (w->ne[1] != cin || w->ne[2] != k[0]
      || w->ne[3] != (gint64) k[1] * k[2])
    return invalid (error, d.op, "w must be [%" G_GINT64_FORMAT ", %"
        G_GINT64_FORMAT ", %d, %d] for a %dx%dx%d kernel", cout, cin, k[0],
        k[1] * k[2], k[0], k[1], k[2]);
  if (bias && !check_vector (&d, bias, cout, "bias", error))
    return FALSE;
  frames = x->ne[0];
  if (past) {
    if (past->n_dims != 4 || past->ne[1] != cin || past->ne[2] != x->ne[2]
        || past->ne[3] != x->ne[3])
      return invalid (error, d.op, "past must be [P, %" G_GINT64_FORMAT
          ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] like x's frames",
          cin, x->ne[2], x->ne[3]);
    frames += past->ne[0];
  }
  to = conv_out_size (frames, 0, k[0], st[0]);
  ho = conv_out_size (x->ne[2], pad[0] + pad[1], k[1], st[1]);
  wo = conv_out_size (x->ne[3], pad[2] + pad[3], k[2], st[2]);
  if (to == 0 || ho == 0 || wo == 0)
    return invalid (error, d.op, "the kernel does not fit the input "
        "(%" G_GINT64_FORMAT " frames, %" G_GINT64_FORMAT "x%"
        G_GINT64_FORMAT " padded)", frames, x->ne[2] + pad[0] + pad[1],
        x->ne[3] + pad[2] + pad[3]);
  if (y->ne[0] != to || y->ne[1] != cout || y->ne[2] != ho || y->ne[3] != wo)
    return invalid (error, d.op, "y must be [%" G_GINT64_FORMAT ", %"
        G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
        to, cout, ho, wo);
  d.conv = *params;
  return dispatch (backend, &d, x->dtype, error);
}

/* x [..., C, H, W] with per-channel [C] parameters */
static gboolean
check_channel_param (const LaOpDesc * d, const LaTensor * x,
    const LaTensor * p, const gchar * what, GError ** error)
{
  gint64 c = x->ne[x->n_dims - 3];

  return check_dtype (d, p, x->dtype, what, error)
      && check_vector (d, p, c, what, error);
}

static gboolean
check_channel_input (const LaOpDesc * d, const LaTensor * x,
    const LaTensor * y, GError ** error)
{
  if (!check_elementwise (d, x, y, error))
    return FALSE;
  if (x->n_dims != 3 && x->n_dims != 4)
    return invalid (error, d->op, "x must be [C, H, W] or [T, C, H, W]");
  return TRUE;
}

gboolean
la_channel_rms_norm (LaBackend * backend, LaTensor * y, const LaTensor * x,
    const LaTensor * gamma, const LaTensor * bias, GError ** error)
{
  LaOpDesc d = { LA_OP_CHANNEL_RMS_NORM, y, {x, gamma, bias} };

  if (!x || !gamma)
    return invalid (error, d.op, "x and gamma are required");
  if (!check_common (backend, &d, TRUE, error)
      || !check_channel_input (&d, x, y, error)
      || !check_channel_param (&d, x, gamma, "gamma", error)
      || (bias && !check_channel_param (&d, x, bias, "bias", error)))
    return FALSE;
  return dispatch (backend, &d, x->dtype, error);
}

gboolean
la_channel_affine (LaBackend * backend, LaTensor * y, const LaTensor * x,
    const LaTensor * scale, const LaTensor * shift, GError ** error)
{
  LaOpDesc d = { LA_OP_CHANNEL_AFFINE, y, {x, scale, shift} };

  if (!x || !scale || !shift)
    return invalid (error, d.op, "x, scale and shift are required");
  if (!check_common (backend, &d, TRUE, error)
      || !check_channel_input (&d, x, y, error)
      || !check_channel_param (&d, x, scale, "scale", error)
      || !check_channel_param (&d, x, shift, "shift", error))
    return FALSE;
  return dispatch (backend, &d, x->dtype, error);
}

gboolean
la_silu (LaBackend * backend, LaTensor * y, const LaTensor * x, GError ** error)
{
  return unary (backend, LA_OP_SILU, y, x, error);
}

gboolean
la_upsample_nearest_2x (LaBackend * backend, LaTensor * y,
    const LaTensor * x, GError ** error)
{
  LaOpDesc d = { LA_OP_UPSAMPLE_NEAREST_2X, y, {x} };
  gint n, i;

  if (!x)
    return invalid (error, d.op, "x is required");
  if (!check_common (backend, &d, FALSE, error)
      || !check_float_io (&d, x, y, error))
    return FALSE;
  n = x->n_dims;
  if (n < 2 || y->n_dims != n)
    return invalid (error, d.op, "x and y must be [..., H, W] alike");
  for (i = 0; i < n; i++) {
    gint64 want = i < n - 2 ? x->ne[i] : 2 * x->ne[i];

    if (y->ne[i] != want)
      return invalid (error, d.op, "y's dimension %d is %" G_GINT64_FORMAT
          ", expected %" G_GINT64_FORMAT, i, y->ne[i], want);
  }
  return dispatch (backend, &d, x->dtype, error);
}

gboolean
la_transpose (LaBackend * backend, LaTensor * y, const LaTensor * x,
    GError ** error)
{
  LaOpDesc d = { LA_OP_TRANSPOSE, y, {x} };

  if (!x)
    return invalid (error, d.op, "x is required");
  if (!check_common (backend, &d, FALSE, error)
      || !check_float_io (&d, x, y, error))
    return FALSE;
  if (x->n_dims != 4 || y->n_dims != 4)
    return invalid (error, d.op, "x and y must have 4 dimensions");
  if (y->ne[0] != x->ne[0] || y->ne[1] != x->ne[2] || y->ne[2] != x->ne[1]
      || y->ne[3] != x->ne[3])
    return invalid (error, d.op, "y must be [%" G_GINT64_FORMAT ", %"
        G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
        x->ne[0], x->ne[2], x->ne[1], x->ne[3]);
  return dispatch (backend, &d, x->dtype, error);
}

gboolean
la_clamp (LaBackend * backend, LaTensor * y, const LaTensor * x, gfloat lo,
    gfloat hi, GError ** error)
{
  LaOpDesc d = { LA_OP_CLAMP, y, {x}, lo };

  if (!x)
    return invalid (error, d.op, "x is required");
  if (!check_common (backend, &d, TRUE, error)
      || !check_elementwise (&d, x, y, error))
    return FALSE;
  if (!(lo <= hi))
    return invalid (error, d.op, "lo must be <= hi (and neither NaN)");
  d.param2 = hi;
  return dispatch (backend, &d, x->dtype, error);
}

/* ---- audio encoder ops ---- */

gboolean
la_conv1d (LaBackend * backend, LaTensor * y, const LaTensor * x,
    const LaTensor * w, const LaTensor * bias, const LaConv1dParams * params,
    GError ** error)
{
  LaOpDesc d = { LA_OP_CONV1D, y, {x, w, bias} };
  gint64 cin, cout, kernel, groups, lo;

  if (!x || !w || !params)
    return invalid (error, d.op, "x, w and params are required");
  if (!check_common (backend, &d, FALSE, error)
      || !check_float_io (&d, x, y, error)
      || !check_dtype (&d, w, x->dtype, "w", error))
    return FALSE;
  if (bias && !check_dtype (&d, bias, x->dtype, "bias", error))
    return FALSE;
  if (params->stride < 1 || params->groups < 1)
    return invalid (error, d.op, "stride and groups must be >= 1");
  if (!check_padding (&d, params->pad, 2, error))
    return FALSE;
  if (x->n_dims != 2 || y->n_dims != 2 || w->n_dims != 3)
    return invalid (error, d.op, "x and y must be [L, C], w [Cout, Cin / G, "
        "K]");
  cin = x->ne[1];
  cout = w->ne[0];
  kernel = w->ne[2];
  groups = params->groups;
  if (cin % groups != 0 || cout % groups != 0)
    return invalid (error, d.op, "%" G_GINT64_FORMAT " input and %"
        G_GINT64_FORMAT " output channels do not split into %"
        G_GINT64_FORMAT " groups", cin, cout, groups);
  if (w->ne[1] != cin / groups)
    return invalid (error, d.op, "w must be [%" G_GINT64_FORMAT ", %"
        G_GINT64_FORMAT ", K] for %" G_GINT64_FORMAT " input channels in %"
        G_GINT64_FORMAT " groups", cout, cin / groups, cin, groups);
  if (bias && !check_vector (&d, bias, cout, "bias", error))
    return FALSE;
  lo = conv_out_size (x->ne[0], params->pad[0] + params->pad[1], kernel,
      params->stride);
  if (lo == 0)
    return invalid (error, d.op, "the kernel (%" G_GINT64_FORMAT ") does "
        "not fit %" G_GINT64_FORMAT " padded frames", kernel,
        x->ne[0] + params->pad[0] + params->pad[1]);
  if (y->ne[0] != lo || y->ne[1] != cout)
    return invalid (error, d.op, "y must be [%" G_GINT64_FORMAT ", %"
        G_GINT64_FORMAT "]", lo, cout);
  d.conv1d = *params;
  return dispatch (backend, &d, x->dtype, error);
}

gboolean
la_gelu_erf (LaBackend * backend, LaTensor * y, const LaTensor * x,
    GError ** error)
{
  return unary (backend, LA_OP_GELU_ERF, y, x, error);
}

/* ---- text encoder ops ---- */

gboolean
la_attention_bias (LaBackend * backend, LaTensor * o, const LaTensor * q,
    const LaTensor * k, const LaTensor * v, const LaTensor * bias,
    gfloat scale, GError ** error)
{
  LaOpDesc d = { LA_OP_ATTENTION_BIAS, o, {q, k, v, bias} };

  if (!q || !k || !v || !bias)
    return invalid (error, d.op, "q, k, v and bias are required");
  if (!check_attention (backend, &d, scale, error))
    return FALSE;
  return dispatch (backend, &d, q->dtype, error);
}

gboolean
la_embedding (LaBackend * backend, LaTensor * y, const LaTensor * table,
    const LaTensor * ids, GError ** error)
{
  LaOpDesc d = { LA_OP_EMBEDDING, y, {table, ids} };

  if (!table || !ids)
    return invalid (error, d.op, "table and ids are required");
  if (!check_common (backend, &d, FALSE, error)
      || !check_dtype (&d, ids, LA_DTYPE_I32, "ids", error))
    return FALSE;
  if (table->dtype == LA_DTYPE_I32)
    return invalid (error, d.op, "the table must have a float dtype");
  if (y->dtype != LA_DTYPE_F32 && y->dtype != table->dtype)
    return invalid (error, d.op, "y is %s; it must be %s or f32",
        la_dtype_name (y->dtype), la_dtype_name (table->dtype));
  if (table->n_dims != 2 || ids->n_dims != 1)
    return invalid (error, d.op, "table must be [V, C] and ids [L]");
  if (y->n_dims != 2 || y->ne[0] != ids->ne[0] || y->ne[1] != table->ne[1])
    return invalid (error, d.op, "y must be [%" G_GINT64_FORMAT ", %"
        G_GINT64_FORMAT "]", ids->ne[0], table->ne[1]);
  return dispatch (backend, &d, y->dtype, error);
}

/* ---- Live Avatar's --fp8 linears ---- */

gboolean
la_linear_fp8 (LaBackend * backend, LaTensor * y, const LaTensor * x,
    const LaTensor * w, const LaTensor * w_scale, const LaTensor * bias,
    GError ** error)
{
  LaOpDesc d = { LA_OP_LINEAR_FP8, y, {x, w, w_scale, bias} };

  if (!x || !w || !w_scale)
    return invalid (error, d.op, "x, w and w_scale are required");
  if (!check_common (backend, &d, FALSE, error))
    return FALSE;
  if (x->dtype != LA_DTYPE_F32 && x->dtype != LA_DTYPE_BF16)
    return invalid (error, d.op, "x is %s; it must be f32 or bf16",
        la_dtype_name (x->dtype));
  if (y->dtype != LA_DTYPE_F32 && y->dtype != LA_DTYPE_BF16)
    return invalid (error, d.op, "y is %s; it must be f32 or bf16",
        la_dtype_name (y->dtype));
  if (!check_dtype (&d, w, LA_DTYPE_FP8_E4M3, "w", error)
      || !check_dtype (&d, w_scale, LA_DTYPE_F32, "w_scale", error)
      || !check_vector (&d, w_scale, 1, "w_scale", error))
    return FALSE;
  if (!check_linear_shapes (&d, x, w, y, bias, LA_DTYPE_F32, error))
    return FALSE;
  return dispatch (backend, &d, x->dtype, error);
}
