/* liveavatar: the CPU backend on bf16 and f16 storage
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The CPU backend runs every op the CUDA backend runs on bf16/f16 with a
 * GPU kernel's semantics: narrow inputs read exactly, fp32 math, the
 * output rounded once (la-cpu-narrow.c). Checked here, bit for bit, for
 * every op and narrow dtype it supports, against a second path built from
 * public ops only: la_convert () each narrow input to f32, run the op on
 * f32 tensors, la_convert () the output back to its storage type. Cases
 * cover in place, views at an element offset (with the bytes around them
 * checked untouched), absent optional inputs, outputs of another dtype
 * (linear's f32 y from bf16 x and w, embedding's f32 y from a narrow
 * table), and la_backend_supports_op () is compared with the CUDA
 * backend's list. */

#include "config.h"

#include "backend-op-util.h"
#include "la-backend.h"
#include "test-common.h"

#include <math.h>
#include <string.h>

enum
{
  C_BIAS = 1 << 0,              /* optional bias / past present */
  C_INPLACE = 1 << 1,           /* y is x */
  C_VIEW = 1 << 2,              /* every tensor a view 3 elements into a
                                 * larger one */
  C_F32_OUT = 1 << 3,           /* linear, embedding: y f32 */
  C_BROADCAST = 1 << 4,         /* add, mul: b is one row */
  C_MASK = 1 << 5,              /* attention_bias: -inf logits, a dead row */
};

#define VIEW_FRONT 3            /* elements before a view ... */
#define VIEW_BACK 2             /* ... and after it */
#define PAD_BYTE 0x5a

typedef struct
{
  LaOp op;
  gint64 k[6];                  /* shape knobs, as in test-backend-ops.c */
  guint flags;
  gint geo[10];                 /* conv3d: kernel, stride, pad; conv1d:
                                 * stride, pad[2], groups */
} NarrowCase;

/* Knobs:
 *   linear, linear_fp8   rows, in, out
 *   rms_norm, gelu_*, silu, clamp, add, mul, euler_step   rows, cols
 *   layer_norm_mod, gated_residual   rows, cols, groups (0: no scale/shift)
 *   rope_3d              batch, seq, heads, head_dim
 *   attention(_bias)     batch, lq, lk, heads, head_dim
 *   conv3d               T, P, Cin, Cout, H, W
 *   channel_*            T (0: [C, H, W]), C, H, W
 *   upsample_2x          N, H, W
 *   transpose            B, M, N, S
 *   conv1d               L, Cin, Cout, K
 *   embedding            L, vocab, C                                   */
static const NarrowCase cases[] = {
  {LA_OP_LINEAR, {5, 19, 7}, C_BIAS},
  {LA_OP_LINEAR, {5, 19, 7}, C_BIAS | C_F32_OUT | C_VIEW},
  {LA_OP_LINEAR, {33, 40, 24}, C_VIEW},
  {LA_OP_LINEAR, {20, 16, 9}, C_F32_OUT},
  {LA_OP_RMS_NORM, {3, 37}},
  {LA_OP_RMS_NORM, {4, 20}, C_INPLACE | C_VIEW},
  {LA_OP_LAYER_NORM_MODULATE, {6, 21, 3}},
  {LA_OP_LAYER_NORM_MODULATE, {6, 21, 0}, C_VIEW},
  {LA_OP_LAYER_NORM_MODULATE, {6, 21, 2}, C_INPLACE | C_VIEW},
  {LA_OP_GELU_TANH, {3, 50}},
  {LA_OP_GELU_TANH, {3, 50}, C_INPLACE | C_VIEW},
  {LA_OP_ROPE_3D, {1, 5, 2, 12}},
  {LA_OP_ROPE_3D, {2, 3, 2, 12}, C_INPLACE | C_VIEW},
  {LA_OP_ATTENTION, {1, 5, 7, 2, 16}},
  {LA_OP_ATTENTION, {2, 3, 9, 1, 8}, C_VIEW},
  {LA_OP_ADD, {3, 20}},
  {LA_OP_ADD, {3, 20}, C_BROADCAST | C_INPLACE | C_VIEW},
  {LA_OP_MUL, {3, 20}, C_BROADCAST},
  {LA_OP_MUL, {3, 20}, C_INPLACE | C_VIEW},
  {LA_OP_GATED_RESIDUAL, {6, 10, 3}},
  {LA_OP_GATED_RESIDUAL, {6, 10, 1}, C_INPLACE | C_VIEW},
  {LA_OP_EULER_STEP, {4, 9}},
  {LA_OP_EULER_STEP, {4, 9}, C_INPLACE | C_VIEW},
  {LA_OP_CONV3D, {2, 2, 3, 4, 5, 6}, C_BIAS,
      .geo = {3, 3, 3, 1, 1, 1, 1, 1, 1, 1}},
  {LA_OP_CONV3D, {1, 0, 2, 3, 4, 5}, C_VIEW,
      .geo = {1, 3, 3, 1, 2, 2, 0, 1, 0, 1}},
  {LA_OP_CHANNEL_RMS_NORM, {2, 4, 3, 5}, C_BIAS},
  {LA_OP_CHANNEL_RMS_NORM, {0, 4, 3, 5}, C_INPLACE | C_VIEW},
  {LA_OP_CHANNEL_AFFINE, {2, 4, 3, 5}},
  {LA_OP_CHANNEL_AFFINE, {0, 4, 3, 5}, C_INPLACE | C_VIEW},
  {LA_OP_SILU, {3, 50}},
  {LA_OP_SILU, {3, 50}, C_INPLACE | C_VIEW},
  {LA_OP_UPSAMPLE_NEAREST_2X, {3, 4, 5}},
  {LA_OP_UPSAMPLE_NEAREST_2X, {3, 4, 5}, C_VIEW},
  {LA_OP_TRANSPOSE, {2, 3, 4, 5}},
  {LA_OP_TRANSPOSE, {2, 3, 4, 5}, C_VIEW},
  {LA_OP_CLAMP, {3, 50}},
  {LA_OP_CLAMP, {3, 50}, C_INPLACE | C_VIEW},
  {LA_OP_CONV1D, {20, 4, 6, 3}, C_BIAS,.geo = {2, 1, 2, 2}},
  {LA_OP_CONV1D, {11, 3, 5, 2}, C_VIEW,.geo = {1, 0, 0, 1}},
  {LA_OP_GELU_ERF, {3, 50}},
  {LA_OP_GELU_ERF, {3, 50}, C_INPLACE | C_VIEW},
  {LA_OP_ATTENTION_BIAS, {1, 5, 7, 2, 16}, C_MASK},
  {LA_OP_ATTENTION_BIAS, {2, 3, 9, 1, 8}, C_VIEW},
  {LA_OP_EMBEDDING, {6, 10, 8}},
  {LA_OP_EMBEDDING, {6, 10, 8}, C_F32_OUT | C_VIEW},
  {LA_OP_LINEAR_FP8, {5, 19, 7}, C_BIAS},
  {LA_OP_LINEAR_FP8, {5, 19, 7}, C_F32_OUT | C_VIEW},
};

/* ---- a case's tensors ---- */

typedef enum
{
  ROLE_NARROW,                  /* the dtype under test */
  ROLE_F32,
  ROLE_I32,
  ROLE_FP8,
} Role;

#define MAX_SRC 4

typedef struct
{
  gboolean present[MAX_SRC];
  Role role[MAX_SRC];
  gint dims[MAX_SRC];
  gint64 ne[MAX_SRC][LA_MAX_DIMS];
  gfloat *data[MAX_SRC];
  Role dst_role;
  gint dst_dims;
  gint64 dst_ne[LA_MAX_DIMS];
} Inst;

static void
add (Inst * in, gint i, Role role, gint dims, const gint64 * ne,
    gdouble amp, gdouble offset)
{
  gint64 n = backend_test_count (dims, ne), j;

  in->present[i] = TRUE;
  in->role[i] = role;
  in->dims[i] = dims;
  memcpy (in->ne[i], ne, dims * sizeof (gint64));
  in->data[i] = backend_test_values (dims, ne, amp, offset);
  if (role == ROLE_I32)
    for (j = 0; j < n; j++)
      in->data[i][j] = floorf (in->data[i][j]);
}

static void
out (Inst * in, Role role, gint dims, const gint64 * ne)
{
  in->dst_role = role;
  in->dst_dims = dims;
  memcpy (in->dst_ne, ne, dims * sizeof (gint64));
}

static void
build (const NarrowCase * c, Inst * in)
{
  const gint64 *k = c->k;
  Role y_role = (c->flags & C_F32_OUT) ? ROLE_F32 : ROLE_NARROW;

  memset (in, 0, sizeof (*in));
  switch (c->op) {
    case LA_OP_LINEAR:
    case LA_OP_LINEAR_FP8:{
      gint64 x_ne[] = { k[0], k[1] }, w_ne[] = { k[2], k[1] };
      gint64 y_ne[] = { k[0], k[2] }, one = 1;
      gboolean fp8 = c->op == LA_OP_LINEAR_FP8;

      add (in, 0, ROLE_NARROW, 2, x_ne, 2.0, 0.0);
      add (in, 1, fp8 ? ROLE_FP8 : ROLE_NARROW, 2, w_ne, fp8 ? 300.0 :
          1.0 / sqrt ((gdouble) k[1]), 0.0);
      if (fp8)
        add (in, 2, ROLE_F32, 1, &one, 0.001, 0.01);
      /* linear's bias has y's dtype; the FP8 linear's is f32 */
      if ((c->flags & C_BIAS) && fp8)
        add (in, 3, ROLE_F32, 1, &k[2], 1.0, 0.0);
      else if (c->flags & C_BIAS)
        add (in, 2, y_role, 1, &k[2], 1.0, 0.0);
      out (in, y_role, 2, y_ne);
      break;
    }
    case LA_OP_RMS_NORM:
      add (in, 0, ROLE_NARROW, 2, k, 2.0, 0.0);
      add (in, 1, ROLE_NARROW, 1, &k[1], 0.5, 1.0);
      out (in, ROLE_NARROW, 2, k);
      break;
    case LA_OP_LAYER_NORM_MODULATE:
    case LA_OP_GATED_RESIDUAL:{
      gint64 p_ne[] = { MAX (k[2], 1), k[1] };
      gboolean gr = c->op == LA_OP_GATED_RESIDUAL;

      add (in, 0, ROLE_NARROW, 2, k, 2.0, 0.5);
      if (k[2] > 0) {
        add (in, 1, ROLE_NARROW, 2, p_ne, 0.5, 0.0);
        add (in, 2, ROLE_NARROW, 2, gr ? k : p_ne, 0.5, 0.0);
      }
      out (in, ROLE_NARROW, 2, k);
      break;
    }
    case LA_OP_GELU_TANH:
    case LA_OP_SILU:
    case LA_OP_GELU_ERF:
    case LA_OP_CLAMP:
      add (in, 0, ROLE_NARROW, 2, k, 4.0, 0.0);
      out (in, ROLE_NARROW, 2, k);
      break;
    case LA_OP_ADD:
    case LA_OP_MUL:
    case LA_OP_EULER_STEP:
      add (in, 0, ROLE_NARROW, 2, k, 3.0, 0.0);
      if (c->flags & C_BROADCAST)
        add (in, 1, ROLE_NARROW, 1, &k[1], 1.0, 0.0);
      else
        add (in, 1, ROLE_NARROW, 2, k, 1.0, 0.0);
      out (in, ROLE_NARROW, 2, k);
      break;
    case LA_OP_ROPE_3D:{
      gint64 pos_ne[] = { k[1], 3 };

      add (in, 0, ROLE_NARROW, 4, k, 1.0, 0.0);
      add (in, 1, ROLE_I32, 2, pos_ne, 40.0, 0.0);
      out (in, ROLE_NARROW, 4, k);
      break;
    }
    case LA_OP_ATTENTION:
    case LA_OP_ATTENTION_BIAS:{
      gint64 q_ne[] = { k[0], k[1], k[3], k[4] };
      gint64 kv_ne[] = { k[0], k[2], k[3], k[4] };
      gint64 b_ne[] = { k[3], k[1], k[2] };

      add (in, 0, ROLE_NARROW, 4, q_ne, 1.5, 0.0);
      add (in, 1, ROLE_NARROW, 4, kv_ne, 1.5, 0.0);
      add (in, 2, ROLE_NARROW, 4, kv_ne, 1.0, 0.0);
      if (c->op == LA_OP_ATTENTION_BIAS) {
        add (in, 3, ROLE_NARROW, 3, b_ne, 2.0, 0.0);
        if (c->flags & C_MASK) {
          gint64 j;

          /* some keys masked everywhere, and query row 1 of head 0 dead */
          for (j = 0; j < backend_test_count (3, b_ne); j++)
            if (j % k[2] % 3 == 1 || j / k[2] == 1)
              in->data[3][j] = -INFINITY;
        }
      }
      out (in, ROLE_NARROW, 4, q_ne);
      break;
    }
    case LA_OP_CONV3D:{
      gint64 x_ne[4], p_ne[4], w_ne[4], y_ne[4];

      backend_test_conv3d_shapes (k, c->geo, x_ne, p_ne, w_ne, y_ne);
      add (in, 0, ROLE_NARROW, 4, x_ne, 1.0, 0.0);
      if (k[1] > 0)
        add (in, 1, ROLE_NARROW, 4, p_ne, 1.0, 0.0);
      add (in, 2, ROLE_NARROW, 4, w_ne, 0.3, 0.0);
      if (c->flags & C_BIAS)
        add (in, 3, ROLE_NARROW, 1, &k[3], 1.0, 0.0);
      out (in, ROLE_NARROW, 4, y_ne);
      break;
    }
    case LA_OP_CHANNEL_RMS_NORM:
    case LA_OP_CHANNEL_AFFINE:{
      gint dims = k[0] > 0 ? 4 : 3;
      const gint64 *x_ne = k[0] > 0 ? k : &k[1];

      add (in, 0, ROLE_NARROW, dims, x_ne, 2.0, 0.5);
      add (in, 1, ROLE_NARROW, 1, &k[1], 0.5, 1.0);
      if (c->op == LA_OP_CHANNEL_AFFINE || (c->flags & C_BIAS))
        add (in, 2, ROLE_NARROW, 1, &k[1], 1.0, 0.0);
      out (in, ROLE_NARROW, dims, x_ne);
      break;
    }
    case LA_OP_UPSAMPLE_NEAREST_2X:{
      gint64 y_ne[] = { k[0], 2 * k[1], 2 * k[2] };

      add (in, 0, ROLE_NARROW, 3, k, 1.0, 0.0);
      out (in, ROLE_NARROW, 3, y_ne);
      break;
    }
    case LA_OP_TRANSPOSE:{
      gint64 y_ne[] = { k[0], k[2], k[1], k[3] };

      add (in, 0, ROLE_NARROW, 4, k, 1.0, 0.0);
      out (in, ROLE_NARROW, 4, y_ne);
      break;
    }
    case LA_OP_CONV1D:{
      gint64 x_ne[2], w_ne[3], y_ne[2];

      backend_test_conv1d_shapes (k, c->geo, x_ne, w_ne, y_ne);
      add (in, 0, ROLE_NARROW, 2, x_ne, 1.0, 0.0);
      add (in, 1, ROLE_NARROW, 3, w_ne, 0.5, 0.0);
      if (c->flags & C_BIAS)
        add (in, 2, ROLE_NARROW, 1, &k[2], 1.0, 0.0);
      out (in, ROLE_NARROW, 2, y_ne);
      break;
    }
    case LA_OP_EMBEDDING:{
      gint64 t_ne[] = { k[1], k[2] }, y_ne[] = { k[0], k[2] };

      add (in, 0, ROLE_NARROW, 2, t_ne, 3.0, 0.0);
      /* ids in [-2, V + 2): out-of-range ones give zero rows */
      add (in, 1, ROLE_I32, 1, &k[0], k[1] / 2.0 + 2, k[1] / 2.0);
      out (in, y_role, 2, y_ne);
      break;
    }
    default:
      g_assert_not_reached ();
  }
}

static void
inst_clear (Inst * in)
{
  gint i;

  for (i = 0; i < MAX_SRC; i++)
    g_free (in->data[i]);
}

/* the ops' float parameters, fixed here */
static gboolean
run_op (LaBackend * be, const NarrowCase * c, LaTensor * y,
    LaTensor ** s, GError ** error)
{
  gfloat param = 0.0f, param2 = 0.0f;

  switch (c->op) {
    case LA_OP_RMS_NORM:
    case LA_OP_LAYER_NORM_MODULATE:
      param = 1e-6f;
      break;
    case LA_OP_ROPE_3D:
      param = 10000.0f;
      break;
    case LA_OP_ATTENTION:
      param = 0.0f;             /* 1 / sqrt (head_dim) */
      break;
    case LA_OP_EULER_STEP:
      param = -0.3f;
      break;
    case LA_OP_CLAMP:
      param = -0.75f;
      param2 = 1.5f;
      break;
    case LA_OP_ATTENTION_BIAS:
      param = 1.0f;
      break;
    default:
      break;
  }
  return backend_test_run_op (be, c->op, y, s, param, param2, c->geo, error);
}

static LaDType
role_dtype (Role role, LaDType narrow)
{
  switch (role) {
    case ROLE_NARROW:
      return narrow;
    case ROLE_I32:
      return LA_DTYPE_I32;
    case ROLE_FP8:
      return LA_DTYPE_FP8_E4M3;
    default:
      return LA_DTYPE_F32;
  }
}

/* ---- path 1: the op on narrow storage, tensors as views ---- */

typedef struct
{
  LaTensor *parent, *view;
  guint8 *before;               /* the parent's bytes before the op */
} Slot;

static void
slot_new (Slot * s, LaBackend * be, LaDType dtype, gint dims,
    const gint64 * ne, const gfloat * data, gboolean view)
{
  gint64 n = backend_test_count (dims, ne);
  gint64 flat = n + (view ? VIEW_FRONT + VIEW_BACK : 0);
  GError *error = NULL;

  s->parent = la_tensor_new (be, dtype, 1, &flat, &error);
  g_assert_no_error (error);
  s->before = g_malloc (s->parent->nbytes);
  memset (s->before, PAD_BYTE, s->parent->nbytes);
  g_assert_true (la_tensor_set_data (s->parent, 0, s->before,
          s->parent->nbytes, &error));
  s->view = la_tensor_new_view (s->parent, view ? VIEW_FRONT : 0, dims, ne,
      &error);
  g_assert_no_error (error);
  /* the output starts all-ones: NaN in every float type */
  if (data)
    g_assert_true (la_tensor_set_f32 (s->view, data, n, &error));
  else
    memset (s->before + s->view->offset - s->parent->offset, 0xff,
        s->view->nbytes);
  if (!data)
    g_assert_true (la_tensor_set_data (s->parent, 0, s->before,
            s->parent->nbytes, &error));
  g_assert_true (la_tensor_get_data (s->parent, 0, s->before,
          s->parent->nbytes, &error));
  g_assert_no_error (error);
}

/* every byte of the parent but the view's (when @written) as before */
static void
slot_check (const Slot * s, gboolean written, const gchar * name)
{
  guint8 *now = g_malloc (s->parent->nbytes);
  gsize lo = s->view->offset - s->parent->offset, hi = lo + s->view->nbytes;
  GError *error = NULL;
  gsize i;

  g_assert_true (la_tensor_get_data (s->parent, 0, now, s->parent->nbytes,
          &error));
  for (i = 0; i < s->parent->nbytes; i++)
    if (!(written && i >= lo && i < hi) && now[i] != s->before[i])
      g_error ("%s: byte %" G_GSIZE_FORMAT " of %s changed", name, i,
          i >= lo && i < hi ? "an input" : "the padding around a view");
  g_free (now);
}

static void
slot_clear (Slot * s)
{
  la_tensor_free (s->view);
  la_tensor_free (s->parent);
  g_free (s->before);
}

/* ---- path 2: la_convert, the f32 op, la_convert ---- */

static guint8 *
run_widened (LaBackend * be, const NarrowCase * c, const Inst * in,
    LaDType narrow, gsize * nbytes)
{
  LaTensor *stored[MAX_SRC] = { NULL }, *wide[MAX_SRC] = { NULL };
  LaTensor *y32, *y;
  GError *error = NULL;
  guint8 *bytes;
  gint i;

  for (i = 0; i < MAX_SRC; i++) {
    LaDType dt;

    if (!in->present[i])
      continue;
    dt = role_dtype (in->role[i], narrow);
    stored[i] = la_tensor_new (be, dt, in->dims[i], in->ne[i], &error);
    g_assert_no_error (error);
    g_assert_true (la_tensor_set_f32 (stored[i], in->data[i],
            backend_test_count (in->dims[i], in->ne[i]), &error));
    wide[i] = stored[i];
    if (in->role[i] == ROLE_NARROW) {
      wide[i] = la_tensor_new (be, LA_DTYPE_F32, in->dims[i], in->ne[i],
          &error);
      g_assert_no_error (error);
      g_assert_true (la_convert (be, wide[i], stored[i], &error));
    }
  }
  if (c->flags & C_INPLACE)
    y32 = wide[0];
  else
    y32 = la_tensor_new (be, LA_DTYPE_F32, in->dst_dims, in->dst_ne, &error);
  g_assert_no_error (error);
  if (!run_op (be, c, y32, wide, &error))
    g_error ("f32 %s: %s", la_op_name (c->op), error->message);

  y = y32;
  if (in->dst_role == ROLE_NARROW) {
    y = la_tensor_new (be, narrow, in->dst_dims, in->dst_ne, &error);
    g_assert_no_error (error);
    g_assert_true (la_convert (be, y, y32, &error));
  }
  *nbytes = y->nbytes;
  bytes = g_malloc (y->nbytes);
  g_assert_true (la_tensor_get_data (y, 0, bytes, y->nbytes, &error));
  g_assert_no_error (error);

  if (y != y32)
    la_tensor_free (y);
  if (!(c->flags & C_INPLACE))
    la_tensor_free (y32);
  for (i = 0; i < MAX_SRC; i++) {
    if (wide[i] != stored[i])
      la_tensor_free (wide[i]);
    la_tensor_free (stored[i]);
  }
  return bytes;
}

static void
run_case (LaBackend * be, const NarrowCase * c, gint case_no, LaDType narrow)
{
  Inst in;
  Slot slots[MAX_SRC] = { {0} }, y_slot = { 0 };
  LaTensor *src[MAX_SRC] = { NULL }, *y;
  GError *error = NULL;
  gboolean view = (c->flags & C_VIEW) != 0;
  guint8 *want, *got;
  gsize want_bytes, es, i;
  gchar *name;
  gint j;

  la_test_seed (0xb16ull + 104729ull * case_no + narrow);
  build (c, &in);
  name = g_strdup_printf ("case %d (%s, %s%s%s%s)", case_no,
      la_op_name (c->op), la_dtype_name (narrow),
      c->flags & C_INPLACE ? ", in place" : "",
      c->flags & C_VIEW ? ", views" : "",
      c->flags & C_F32_OUT ? ", f32 out" : "");

  want = run_widened (be, c, &in, narrow, &want_bytes);

  for (j = 0; j < MAX_SRC; j++) {
    if (!in.present[j])
      continue;
    slot_new (&slots[j], be, role_dtype (in.role[j], narrow), in.dims[j],
        in.ne[j], in.data[j], view);
    src[j] = slots[j].view;
  }
  if (c->flags & C_INPLACE) {
    y = src[0];
  } else {
    slot_new (&y_slot, be, role_dtype (in.dst_role, narrow), in.dst_dims,
        in.dst_ne, NULL, view);
    y = y_slot.view;
  }
  if (!run_op (be, c, y, src, &error))
    g_error ("%s: %s", name, error->message);

  g_assert_cmpuint (y->nbytes, ==, want_bytes);
  got = g_malloc (y->nbytes);
  g_assert_true (la_tensor_get_data (y, 0, got, y->nbytes, &error));
  es = la_dtype_size (y->dtype);
  for (i = 0; i < y->nbytes; i += es)
    if (memcmp (got + i, want + i, es) != 0)
      g_error ("%s: element %" G_GSIZE_FORMAT " differs from the op on "
          "widened inputs", name, i / es);

  for (j = 0; j < MAX_SRC; j++)
    if (in.present[j])
      slot_check (&slots[j], j == 0 && (c->flags & C_INPLACE), name);
  if (!(c->flags & C_INPLACE))
    slot_check (&y_slot, TRUE, name);
  g_test_message ("%s: %" G_GSIZE_FORMAT " elements bit-exact", name,
      y->nbytes / es);

  for (j = 0; j < MAX_SRC; j++)
    if (in.present[j])
      slot_clear (&slots[j]);
  if (!(c->flags & C_INPLACE))
    slot_clear (&y_slot);
  g_free (got);
  g_free (want);
  g_free (name);
  inst_clear (&in);
}

/* the dtype la_backend_supports_op () is asked about */
static LaDType
asked_dtype (const NarrowCase * c, LaDType narrow)
{
  if (c->op == LA_OP_EMBEDDING && (c->flags & C_F32_OUT))
    return LA_DTYPE_F32;
  return narrow;
}

static void
test_ops (void)
{
  LaBackend *be = la_test_cpu ();
  const LaDType narrow[] = { LA_DTYPE_BF16, LA_DTYPE_F16 };
  gint i, d, ran = 0;

  for (i = 0; i < (gint) G_N_ELEMENTS (cases); i++)
    for (d = 0; d < 2; d++) {
      /* the FP8 linear takes bf16 activations only */
      if (cases[i].op == LA_OP_LINEAR_FP8 && narrow[d] == LA_DTYPE_F16) {
        g_assert_false (la_backend_supports_op (be, cases[i].op, narrow[d]));
        continue;
      }
      g_assert_true (la_backend_supports_op (be, cases[i].op,
              asked_dtype (&cases[i], narrow[d])));
      run_case (be, &cases[i], i, narrow[d]);
      ran++;
    }
  g_assert_cmpint (ran, ==, 2 * G_N_ELEMENTS (cases) - 2);
  la_backend_free (be);
}

/* Every (op, narrow dtype) the CPU supports has a case above, except
 * convert (a storage conversion: its own reference, checked bit for bit in
 * test-backend-cpu-ops.c and test-backend-fp8.c) and the mixed linear (f32
 * x only). */
static void
test_coverage (void)
{
  LaBackend *be = la_test_cpu ();
  const LaDType narrow[] = { LA_DTYPE_BF16, LA_DTYPE_F16 };
  gint op, d, i;

  for (op = 0; op < LA_OP_COUNT; op++) {
    if (op == LA_OP_CONVERT)
      continue;
    for (d = 0; d < 2; d++) {
      gboolean covered = FALSE;

      if (!la_backend_supports_op (be, op, narrow[d]))
        continue;
      for (i = 0; i < (gint) G_N_ELEMENTS (cases); i++)
        covered |= cases[i].op == (LaOp) op;
      if (!covered)
        g_error ("%s on %s is supported but has no case", la_op_name (op),
            la_dtype_name (narrow[d]));
    }
  }
  la_backend_free (be);
}

/* The CUDA backend's list for an FP8-capable GPU (sm_89 and up: the
 * sm_90 this project targets), transcribed from src/backend/la-support.c,
 * which both backends answer from: a change there must be made here too.
 * Bits are LaDType values. */
#define M(t) (1u << LA_DTYPE_ ## t)
#define FLOATS (M (F32) | M (BF16) | M (F16))
static const guint cuda_dtypes[LA_OP_COUNT] = {
  [LA_OP_LINEAR] = FLOATS,
  [LA_OP_RMS_NORM] = FLOATS,
  [LA_OP_LAYER_NORM_MODULATE] = FLOATS,
  [LA_OP_GELU_TANH] = FLOATS,
  [LA_OP_ROPE_3D] = FLOATS,
  [LA_OP_ATTENTION] = FLOATS,
  [LA_OP_ADD] = FLOATS,
  [LA_OP_MUL] = FLOATS,
  [LA_OP_GATED_RESIDUAL] = FLOATS,
  [LA_OP_EULER_STEP] = FLOATS,
  [LA_OP_CONVERT] = FLOATS | M (FP8_E4M3),
  [LA_OP_CONV3D] = FLOATS,
  [LA_OP_CHANNEL_RMS_NORM] = FLOATS,
  [LA_OP_CHANNEL_AFFINE] = FLOATS,
  [LA_OP_SILU] = FLOATS,
  [LA_OP_UPSAMPLE_NEAREST_2X] = FLOATS,
  [LA_OP_TRANSPOSE] = FLOATS,
  [LA_OP_CLAMP] = FLOATS,
  [LA_OP_CONV1D] = FLOATS,
  [LA_OP_GELU_ERF] = FLOATS,
  [LA_OP_LINEAR_MIXED] = M (F32),
  [LA_OP_ATTENTION_BIAS] = FLOATS,
  [LA_OP_EMBEDDING] = FLOATS,
  [LA_OP_LINEAR_FP8] = M (F32) | M (BF16),
};

#undef M
#undef FLOATS

static void
test_supports_op (void)
{
  LaBackend *be = la_test_cpu ();
  gint op, dt;

  for (op = 0; op < LA_OP_COUNT; op++)
    for (dt = 0; dt < LA_DTYPE_COUNT; dt++) {
      gboolean want = (cuda_dtypes[op] >> dt) & 1;

      if (la_backend_supports_op (be, op, dt) != want)
        g_error ("CPU %s %s: %s, the CUDA backend: %s", la_op_name (op),
            la_dtype_name (dt), want ? "unsupported" : "supported",
            want ? "supported" : "unsupported");
    }
  la_backend_free (be);
}

/* Dtype rules stay la-ops.c's: mixing narrow types is refused before
 * the backend sees it. */
static void
test_mixed_dtypes_refused (void)
{
  LaBackend *be = la_test_cpu ();
  gint64 ne[] = { 2, 4 }, wne[] = { 3, 4 }, yne[] = { 2, 3 };
  LaTensor *x = la_tensor_new (be, LA_DTYPE_BF16, 2, ne, NULL);
  LaTensor *w = la_tensor_new (be, LA_DTYPE_F16, 2, wne, NULL);
  LaTensor *y = la_tensor_new (be, LA_DTYPE_F16, 2, yne, NULL);
  LaTensor *x16 = la_tensor_new (be, LA_DTYPE_F16, 2, ne, NULL);
  GError *error = NULL;

  la_test_expect_invalid (la_linear (be, y, x, w, NULL, &error), &error);
  la_test_expect_invalid (la_add (be, x16, x, x, &error), &error);
  la_test_expect_invalid (la_silu (be, x16, x, &error), &error);
  la_tensor_free (x16);
  la_tensor_free (y);
  la_tensor_free (w);
  la_tensor_free (x);
  la_backend_free (be);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backend/cpu-narrow/supports-op", test_supports_op);
  g_test_add_func ("/backend/cpu-narrow/coverage", test_coverage);
  g_test_add_func ("/backend/cpu-narrow/ops", test_ops);
  g_test_add_func ("/backend/cpu-narrow/mixed-dtypes-refused",
      test_mixed_dtypes_refused);
  return g_test_run ();
}
