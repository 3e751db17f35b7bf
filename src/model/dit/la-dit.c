/* liveavatar: the DiT core's weights
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Tensor names and shapes are WanModel_S2V's state dict
 * (wan/modules/s2v/model_s2v.py, wan/modules/model.py). */

#include "config.h"

#include "la-dit-private.h"
#include "liveavatar.h"

#include <stdarg.h>

LaTensor *
la_dit_tensor (LaDit * dit, gint n_dims, const gint64 * ne, GError ** error)
{
  return la_tensor_new (dit->backend, LA_DTYPE_F32, n_dims, ne, error);
}

gboolean
la_dit_linear (LaDit * dit, LaTensor * y, const LaTensor * x,
    const LaDitLinear * l, GError ** error)
{
  return la_linear (dit->backend, y, x, l->weight, l->bias, error);
}

/* *INDENT-OFF* */
static LaTensor *load (LaDit * dit, LaCheckpoint * ck, gint ndim,
    const gint64 * shape, gint t_ndim, const gint64 * t_shape,
    GError ** error, const gchar * format, ...) G_GNUC_PRINTF (8, 9);
/* *INDENT-ON* */

/* tensor @format... with @ndim dims @shape, placed as @t_ndim dims
 * @t_shape (same element count) */
static LaTensor *
load (LaDit * dit, LaCheckpoint * ck, gint ndim, const gint64 * shape,
    gint t_ndim, const gint64 * t_shape, GError ** error,
    const gchar * format, ...)
{
  va_list args;
  gchar *name;
  gfloat *data;
  LaTensor *t = NULL;

  va_start (args, format);
  name = g_strdup_vprintf (format, args);
  va_end (args);

  data = la_checkpoint_read_f32 (ck, name, ndim, shape, error);
  if (!data)
    goto out;
  t = la_dit_tensor (dit, t_ndim, t_shape, error);
  if (!t)
    goto out;
  if (!la_tensor_set_f32 (t, data, la_tensor_nelements (t), error)) {
    la_tensor_free (t);
    t = NULL;
    goto out;
  }
  g_ptr_array_add (dit->tensors, t);

out:
  g_free (data);
  g_free (name);
  return t;
}

static gboolean
load_linear (LaDit * dit, LaCheckpoint * ck, LaDitLinear * l, gint64 in,
    gint64 out, const gchar * prefix, GError ** error)
{
  gint64 ws[2] = { out, in };

  l->weight = load (dit, ck, 2, ws, 2, ws, error, "%s.weight", prefix);
  if (!l->weight)
    return FALSE;
  l->bias = load (dit, ck, 1, &out, 1, &out, error, "%s.bias", prefix);
  return l->bias != NULL;
}

static gboolean
load_attention (LaDit * dit, LaCheckpoint * ck, LaDitAttention * a,
    gint64 dim, gint64 kv_in, const gchar * prefix, GError ** error)
{
  gchar *p = NULL;
  gboolean ok = FALSE;

  /* k and v read from kv_in wide inputs; WanCrossAttention's context is
   * the text embedding, already dim wide, so kv_in is dim here */
  p = g_strdup_printf ("%s.q", prefix);
  if (!load_linear (dit, ck, &a->q, dim, dim, p, error))
    goto out;
  g_free (p);
  p = g_strdup_printf ("%s.k", prefix);
  if (!load_linear (dit, ck, &a->k, kv_in, dim, p, error))
    goto out;
  g_free (p);
  p = g_strdup_printf ("%s.v", prefix);
  if (!load_linear (dit, ck, &a->v, kv_in, dim, p, error))
    goto out;
  g_free (p);
  p = g_strdup_printf ("%s.o", prefix);
  if (!load_linear (dit, ck, &a->o, dim, dim, p, error))
    goto out;
  a->norm_q = load (dit, ck, 1, &dim, 1, &dim, error, "%s.norm_q.weight",
      prefix);
  if (!a->norm_q)
    goto out;
  a->norm_k = load (dit, ck, 1, &dim, 1, &dim, error, "%s.norm_k.weight",
      prefix);
  ok = a->norm_k != NULL;

out:
  g_free (p);
  return ok;
}

static gboolean
load_block (LaDit * dit, LaCheckpoint * ck, guint i, GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  LaDitBlock *b = &dit->blocks[i];
  gint64 dim = c->dim, ffn = c->ffn_dim;
  gint64 mod_file[3] = { 1, 6, dim }, mod[2] = { 6, dim };
  gchar *p;
  gboolean ok = FALSE;

  p = g_strdup_printf ("blocks.%u.self_attn", i);
  if (!load_attention (dit, ck, &b->self_attn, dim, dim, p, error))
    goto out;
  g_free (p);
  p = g_strdup_printf ("blocks.%u.cross_attn", i);
  if (!load_attention (dit, ck, &b->cross_attn, dim, dim, p, error))
    goto out;
  g_free (p);
  p = g_strdup_printf ("blocks.%u.ffn.0", i);
  if (!load_linear (dit, ck, &b->ffn0, dim, ffn, p, error))
    goto out;
  g_free (p);
  p = g_strdup_printf ("blocks.%u.ffn.2", i);
  if (!load_linear (dit, ck, &b->ffn2, ffn, dim, p, error))
    goto out;
  b->norm3_weight = load (dit, ck, 1, &dim, 1, &dim, error,
      "blocks.%u.norm3.weight", i);
  if (!b->norm3_weight)
    goto out;
  b->norm3_bias = load (dit, ck, 1, &dim, 1, &dim, error,
      "blocks.%u.norm3.bias", i);
  if (!b->norm3_bias)
    goto out;
  b->modulation = load (dit, ck, 3, mod_file, 2, mod, error,
      "blocks.%u.modulation", i);
  ok = b->modulation != NULL;

out:
  g_free (p);
  return ok;
}

static gboolean
load_top (LaDit * dit, LaCheckpoint * ck, GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  const gint *ps = c->patch_size;
  gint64 dim = c->dim, n_patch = (gint64) ps[0] * ps[1] * ps[2];
  gint64 conv_file[5] = { dim, c->in_dim, ps[0], ps[1], ps[2] };
  gint64 conv[4] = { dim, c->in_dim, ps[0], (gint64) ps[1] * ps[2] };
  gint64 cond_conv_file[5] = { dim, c->cond_dim, ps[0], ps[1], ps[2] };
  gint64 mask[2] = { 3, dim }, head_mod_file[3] = { 1, 2, dim };
  gint64 head_mod[2] = { 2, dim };
  gint i;

  dit->patch_weight = load (dit, ck, 5, conv_file, 4, conv, error,
      "patch_embedding.weight");
  if (!dit->patch_weight)
    return FALSE;
  dit->patch_bias = load (dit, ck, 1, &dim, 1, &dim, error,
      "patch_embedding.bias");
  if (!dit->patch_bias)
    return FALSE;

  if (c->cond_dim > 0) {
    /* only the bias acts (the pose latents are zeros), but the weight is
     * checked so that a wrong checkpoint is refused here */
    if (!la_checkpoint_expect (ck, "cond_encoder.weight", LA_IO_DTYPES_FLOAT,
            5, cond_conv_file, error))
      return FALSE;
    dit->cond_bias = load (dit, ck, 1, &dim, 1, &dim, error,
        "cond_encoder.bias");
    if (!dit->cond_bias)
      return FALSE;
  }

  dit->cond_mask = load (dit, ck, 2, mask, 2, mask, error,
      "trainable_cond_mask.weight");
  if (!dit->cond_mask)
    return FALSE;
  for (i = 0; i < 2; i++) {
    dit->cond_mask_row[i] = la_tensor_new_view (dit->cond_mask, i * dim, 1,
        &dim, error);
    if (!dit->cond_mask_row[i])
      return FALSE;
    g_ptr_array_add (dit->tensors, dit->cond_mask_row[i]);
  }

  if (!load_linear (dit, ck, &dit->text0, c->text_dim, dim,
          "text_embedding.0", error)
      || !load_linear (dit, ck, &dit->text2, dim, dim, "text_embedding.2",
          error)
      || !load_linear (dit, ck, &dit->time0, c->freq_dim, dim,
          "time_embedding.0", error)
      || !load_linear (dit, ck, &dit->time2, dim, dim, "time_embedding.2",
          error)
      || !load_linear (dit, ck, &dit->time_proj, dim, 6 * dim,
          "time_projection.1", error)
      || !load_linear (dit, ck, &dit->head, dim, n_patch * c->out_dim,
          "head.head", error))
    return FALSE;

  dit->head_modulation = load (dit, ck, 3, head_mod_file, 2, head_mod, error,
      "head.modulation");
  return dit->head_modulation != NULL;
}

LaDit *
la_dit_new (LaBackend * backend, const LaDitConfig * cfg, LaCheckpoint * ck,
    GError ** error)
{
  LaDit *dit;
  gint i;

  g_return_val_if_fail (backend != NULL && cfg != NULL && ck != NULL, NULL);

  dit = g_new0 (LaDit, 1);
  dit->backend = backend;
  dit->cfg = *cfg;
  dit->tensors = g_ptr_array_new ();
  dit->blocks = g_new0 (LaDitBlock, cfg->num_layers);

  if (!load_top (dit, ck, error))
    goto error;
  for (i = 0; i < cfg->num_layers; i++)
    if (!load_block (dit, ck, i, error))
      goto error;
  return dit;

  /* ERRORS */
error:
  {
    la_dit_free (dit);
    return NULL;
  }
}

void
la_dit_free (LaDit * dit)
{
  guint i;

  if (!dit)
    return;
  for (i = dit->tensors->len; i > 0; i--)
    la_tensor_free (g_ptr_array_index (dit->tensors, i - 1));
  g_ptr_array_free (dit->tensors, TRUE);
  g_free (dit->blocks);
  g_free (dit);
}

const LaDitConfig *
la_dit_get_config (LaDit * dit)
{
  return &dit->cfg;
}

void
la_dit_grid_positions (gint32 * pos, gint t0, gint n_frames, gint h, gint w)
{
  gint f, y, x;

  for (f = 0; f < n_frames; f++)
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++) {
        pos[0] = t0 + f;
        pos[1] = y;
        pos[2] = x;
        pos += 3;
      }
}
