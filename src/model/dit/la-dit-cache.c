/* liveavatar: the DiT's sink, ring KV cache and streaming forward
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Live Avatar's causal_model_s2v.py: _forward_sink, _forward_inference
 * and CausalWanS2VSelfAttention's use of kv_cache ("k", "v" ring,
 * "cond_k" unrotated, "cond_v", "cond_end"), as causal_s2v_pipeline_tpp.py
 * drives them.
 *
 * Per layer, k and v hold [sink | ring]: rows [0, n_sink) the sink (its
 * keys rotated afresh at every forward from raw_k, since the ref's time
 * moves with the draw), rows [n_sink, n_sink + ring) the ring. A forward
 * attends to the sink and the ring rows written so far, one contiguous
 * range: attention has no mask, so Live Avatar's order of the keys (ring
 * first, then the sink) does not matter. */

#include "config.h"

#include "la-dit-scratch.h"
#include "liveavatar.h"

#include <string.h>

struct _LaDitCache
{
  LaDit *dit;
  gint64 ring;
  gint64 n_sink;
  /* in the compute dtype */
  LaTensor **k;                 /* per layer [n_sink + ring, heads, hd] */
  LaTensor **v;
  LaTensor **raw_k;             /* per layer [n_sink, heads, hd] */
  gint32 *sink_pos;             /* [n_sink * 3], the ref at time 30 */
  gint64 n_ref;                 /* leading sink tokens whose time rolls */
  gboolean primed;
  guint64 draw_state;
  gint64 origin;                /* latent frame where the ring starts */
};

static gboolean
invalid (GError ** error, const gchar * what)
{
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT, "DiT cache: %s",
      what);
  return FALSE;
}

gint
la_dit_sink_draw (guint64 * state)
{
  guint64 z;

  z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  z ^= z >> 31;
  return LA_DIT_SINK_DRAW_MIN
      + (gint) (z % (LA_DIT_SINK_DRAW_MAX - LA_DIT_SINK_DRAW_MIN + 1));
}

gint64
la_dit_sink_tokens (LaDit * dit, gint64 H, gint64 W)
{
  const LaDitConfig *c = la_dit_get_config (dit);

  return (H / c->patch_size[1]) * (W / c->patch_size[2])
      + (c->enable_framepack ? la_dit_motion_n_tokens (H, W) : 0);
}

LaDitCache *
la_dit_cache_new (LaDit * dit, gint64 ring_tokens, gint64 sink_tokens,
    guint64 draw_seed, GError ** error)
{
  const LaDitConfig *c;
  LaDitCache *cache;
  gint64 H, D;
  gint i;

  g_return_val_if_fail (dit != NULL, NULL);
  c = la_dit_get_config (dit);
  H = c->num_heads;
  D = la_dit_config_head_dim (c);
  if (ring_tokens < 1 || sink_tokens < 1) {
    invalid (error, "the ring and the sink need room for tokens");
    return NULL;
  }
  cache = g_new0 (LaDitCache, 1);
  cache->dit = dit;
  cache->ring = ring_tokens;
  cache->n_sink = sink_tokens;
  cache->draw_state = draw_seed;
  cache->k = g_new0 (LaTensor *, c->num_layers);
  cache->v = g_new0 (LaTensor *, c->num_layers);
  cache->raw_k = g_new0 (LaTensor *, c->num_layers);
  cache->sink_pos = g_new0 (gint32, sink_tokens * 3);
  for (i = 0; i < c->num_layers; i++) {
    if (!(cache->k[i] = la_dit_tensor_c (dit, 3, SHAPE (sink_tokens +
                    ring_tokens, H, D), error))
        || !(cache->v[i] = la_dit_tensor_c (dit, 3, SHAPE (sink_tokens +
                    ring_tokens, H, D), error))
        || !(cache->raw_k[i] = la_dit_tensor_c (dit, 3, SHAPE (sink_tokens, H,
                    D), error)))
      goto error;
  }
  return cache;

  /* ERRORS */
error:
  {
    la_dit_cache_free (cache);
    return NULL;
  }
}

void
la_dit_cache_free (LaDitCache * cache)
{
  gint i;

  if (!cache)
    return;
  for (i = 0; i < la_dit_get_config (cache->dit)->num_layers; i++) {
    la_tensor_free (cache->k[i]);
    la_tensor_free (cache->v[i]);
    la_tensor_free (cache->raw_k[i]);
  }
  g_free (cache->k);
  g_free (cache->v);
  g_free (cache->raw_k);
  g_free (cache->sink_pos);
  g_free (cache);
}

gint
la_dit_cache_next_draw (LaDitCache * cache)
{
  return la_dit_sink_draw (&cache->draw_state);
}

void
la_dit_cache_reset (LaDitCache * cache, guint64 draw_seed)
{
  g_return_if_fail (cache != NULL);
  cache->primed = FALSE;
  cache->draw_state = draw_seed;
  cache->origin = 0;
}

void
la_dit_cache_set_origin (LaDitCache * cache, gint64 frame_index)
{
  g_return_if_fail (cache != NULL && frame_index >= 0);
  cache->origin = frame_index;
}

/* an I32 [n, 3] tensor of @pos */
static LaTensor *
positions (LaDitScratch * s, const gint32 * pos, gint64 n, GError ** error)
{
  LaTensor *t = la_dit_scratch_new_typed (s, LA_DTYPE_I32, 2, SHAPE (n, 3),
      error);

  if (!t)
    return NULL;
  if (!la_tensor_set_data (t, 0, pos, n * 3 * sizeof (gint32), error))
    return NULL;
  return t;
}

gboolean
la_dit_sink_prefill (LaDit * dit, LaDitCache * cache, const LaTensor * ref,
    const LaTensor * motion, gboolean drop_motion, const LaDitCrossKv * cross,
    GError ** error)
{
  const LaDitConfig *c = la_dit_get_config (dit);
  LaBackend *be = dit->backend;
  gint64 dim = c->dim, H, W, h, w, n_ref, n_mot, L;
  gfloat zero = 0.0f, *zeros = NULL;
  gint32 *pos = NULL;
  LaDitScratch s;
  LaTensor *x, *xr, *xm, *e0z, *pos_t;
  LaDitTokens tok = { 0 };
  gboolean ok = FALSE;
  gint i;

  g_return_val_if_fail (dit != NULL && cache != NULL, FALSE);
  if (!c->enable_framepack)
    return invalid (error, "the sink needs FramePack motion tokens");
  if (!ref || !motion || ref->n_dims != 4 || motion->n_dims != 4
      || ref->ne[1] != 1 || ref->ne[2] != motion->ne[2]
      || ref->ne[3] != motion->ne[3]
      || la_dit_sink_tokens (dit, ref->ne[2], ref->ne[3]) != cache->n_sink)
    return invalid (error, "sink: ref [in_dim, 1, H, W] and motion "
        "[in_dim, T, H, W] of the cache's sink size");
  H = ref->ne[2];
  W = ref->ne[3];
  h = H / c->patch_size[1];
  w = W / c->patch_size[2];
  n_ref = h * w;
  n_mot = la_dit_motion_n_tokens (H, W);
  L = n_ref + n_mot;
  la_dit_scratch_init (&s, dit);

  /* [ref | motion]; dropped motion: zero tokens plus cond mask row 2 */
  if (!(x = la_dit_scratch_new (&s, 2, SHAPE (L, dim), error))
      || !(xr = la_dit_scratch_view (&s, x, 0, 2, SHAPE (n_ref, dim), error))
      || !(xm = la_dit_scratch_view (&s, x, n_ref * dim, 2, SHAPE (n_mot, dim),
              error))
      || !la_dit_embed_ref (dit, xr, ref, error))
    goto out;
  if (drop_motion) {
    zeros = g_new0 (gfloat, n_mot * dim);
    if (!la_tensor_set_data (xm, 0, zeros, n_mot * dim * sizeof (gfloat), error)
        || !la_add (be, xm, xm, dit->cond_mask_row[2], error))
      goto out;
  } else if (!la_dit_embed_motion (dit, xm, motion, error))
    goto out;

  pos = g_new (gint32, L * 3);
  la_dit_grid_positions (pos, LA_DIT_REF_T, 1, h, w);
  la_dit_motion_positions (pos + n_ref * 3, H, W);
  if (!(pos_t = positions (&s, pos, L, error))
      || !(e0z = la_dit_scratch_new (&s, 3, SHAPE (1, 6, dim), error))
      || !la_dit_time_embedding (dit, NULL, e0z, &zero, 1, error))
    goto out;

  tok.n_noisy = 0;
  tok.e0_zero = e0z;
  tok.pos = pos_t;
  tok.n_rope_zero = drop_motion ? n_mot : 0;
  cache->primed = FALSE;
  for (i = 0; i < c->num_layers; i++) {
    LaDitKv kv = { 0 };

    kv.k = cache->k[i];
    kv.v = cache->v[i];
    kv.raw_k = cache->raw_k[i];
    if (!la_dit_block_forward (dit, i, x, &tok, cross, &kv, error))
      goto out;
  }
  memcpy (cache->sink_pos, pos, L * 3 * sizeof (gint32));
  cache->n_ref = n_ref;
  cache->primed = TRUE;
  ok = TRUE;

out:
  g_free (zeros);
  g_free (pos);
  la_dit_scratch_clear (&s);
  return ok;
}

gboolean
la_dit_forward (LaDit * dit, LaDitCache * cache, LaTensor * velocity,
    const LaTensor * latent, gfloat t, gint64 frame_index, gint draw,
    const LaTensor * audio_local, const LaTensor * audio_global,
    const LaDitCrossKv * cross, GError ** error)
{
  const LaDitConfig *c = la_dit_get_config (dit);
  gint64 dim = c->dim, nH = c->num_heads, D = la_dit_config_head_dim (c);
  gint64 F, h, w, fsl, L, start, slot, active, roll, j;
  gint64 n_out = (gint64) c->patch_size[0] * c->patch_size[1]
      * c->patch_size[2] * c->out_dim;
  gfloat zero = 0.0f, *ts = NULL;
  gint32 *pos = NULL, *cond_pos = NULL;
  LaDitScratch s;
  LaTensor *x, *e, *e0, *e0z, *pos_t, *cond_t, *y;
  LaDitTokens tok = { 0 };
  gboolean ok = FALSE;
  gint i;

  g_return_val_if_fail (dit != NULL && cache != NULL, FALSE);
  if (!cache->primed)
    return invalid (error, "forward before the sink prefill");
  if (!latent || latent->n_dims != 4 || latent->ne[0] != c->in_dim
      || latent->ne[1] % c->patch_size[0] != 0 || latent->ne[1] < 1
      || latent->ne[2] % c->patch_size[1] != 0
      || latent->ne[3] % c->patch_size[2] != 0
      || la_dit_sink_tokens (dit, latent->ne[2], latent->ne[3])
      != cache->n_sink)
    return invalid (error, "forward: latent [in_dim, F, H, W] of the sink's "
        "picture size");
  if (frame_index < cache->origin || draw < LA_DIT_SINK_DRAW_MIN
      || draw > LA_DIT_SINK_DRAW_MAX)
    return invalid (error, "forward: frame index before the ring's origin "
        "or draw outside [4, 30]");
  F = latent->ne[1] / c->patch_size[0];
  h = latent->ne[2] / c->patch_size[1];
  w = latent->ne[3] / c->patch_size[2];
  fsl = h * w;
  L = F * fsl;

  /* the ring: written at current_start mod ring; until it wraps only the
   * rows so far are attended, then all of it. Counted from the origin:
   * attention has no mask, so a row's place does not matter. */
  start = (frame_index - cache->origin) * fsl;
  if (start >= cache->ring) {
    slot = start % cache->ring;
    active = cache->ring;
  } else {
    slot = start;
    active = start + L;
  }
  if (slot + L > cache->ring)
    return invalid (error, "forward: the block does not fit the ring where "
        "it lands (ring not a multiple of the block)");
  roll = MAX (0, frame_index - (LA_DIT_REF_T - draw));
  la_dit_scratch_init (&s, dit);

  ts = g_new (gfloat, F);
  for (j = 0; j < F; j++)
    ts[j] = t;
  pos = g_new (gint32, L * 3);
  la_dit_grid_positions (pos, (gint) frame_index, (gint) F, (gint) h, (gint) w);
  cond_pos = g_memdup2 (cache->sink_pos, cache->n_sink * 3 * sizeof (gint32));
  for (j = 0; j < cache->n_ref; j++)
    cond_pos[j * 3] += (gint32) roll;

  if (!(e = la_dit_scratch_new (&s, 2, SHAPE (F, dim), error))
      || !(e0 = la_dit_scratch_new (&s, 3, SHAPE (F, 6, dim), error))
      || !(e0z = la_dit_scratch_new (&s, 3, SHAPE (1, 6, dim), error))
      || !la_dit_time_embedding (dit, e, e0, ts, (gint) F, error)
      || !la_dit_time_embedding (dit, NULL, e0z, &zero, 1, error)
      || !(x = la_dit_scratch_new (&s, 2, SHAPE (L, dim), error))
      || !la_dit_embed_noisy (dit, x, latent, error)
      || !(pos_t = positions (&s, pos, L, error))
      || !(cond_t = positions (&s, cond_pos, cache->n_sink, error)))
    goto out;

  tok.n_noisy = L;
  tok.n_frames = (gint) F;
  tok.e0 = e0;
  tok.pos = pos_t;
  for (i = 0; i < c->num_layers; i++) {
    LaDitKv kv = { 0 };
    LaTensor *sink_k;

    /* the sink's keys, rotated for this forward */
    if (!(sink_k = la_dit_scratch_view (&s, cache->k[i], 0, 3,
                SHAPE (cache->n_sink, nH, D), error))
        || !la_rope_3d (dit->backend, sink_k, cache->raw_k[i], cond_t,
            10000.0f, error))
      goto out;
    kv.k = cache->k[i];
    kv.v = cache->v[i];
    kv.n_prefix = cache->n_sink + slot;
    kv.n_keys = cache->n_sink + active;
    if (!la_dit_block_forward (dit, i, x, &tok, cross, &kv, error)
        || !la_dit_audio_inject (dit, i, x, &tok, audio_local, audio_global,
            error))
      goto out;
  }
  if (!(y = la_dit_scratch_new (&s, 2, SHAPE (L, n_out), error))
      || !la_dit_head (dit, y, x, e, error)
      || !la_dit_unpatchify (dit, velocity, y, (gint) F, (gint) h, (gint) w,
          error))
    goto out;
  ok = TRUE;

out:
  g_free (ts);
  g_free (pos);
  g_free (cond_pos);
  la_dit_scratch_clear (&s);
  return ok;
}
