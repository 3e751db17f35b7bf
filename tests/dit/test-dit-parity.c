/* liveavatar: the DiT core against its PyTorch oracle
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* data/model.safetensors is a tiny random DiT (dim 32, 2 heads of 16, 2
 * layers) under the official tensor names; data/goldens.safetensors holds
 * inputs and what oracle.py (written in PyTorch from the Wan and Live
 * Avatar sources) computes from them in fp32 (make_goldens.py):
 *   patch, embed     latent [4, 3, 4, 6] -> 18 tokens; ref frame -> 6
 *   time             t per frame {937.5, 500, 12.25} -> e, e0; and t = 0
 *   text, cross      5 context rows padded to 8 -> text tokens, K/V
 *   block            block 0 over [18 noisy | 6 ref] tokens, no cache
 *   cache            block 1 over 18 noisy tokens at frames 2..4 after a
 *                    12-row KV prefix
 *   head             head + unpatchify of block's noisy tokens
 *   forward          embeddings, 2 blocks, head, unpatchify
 *   audio            one block's 12 frames of 25 x 12 features -> 3 latent
 *                    steps of 5 local tokens and a global token
 *   inject           block 0 and the audio injection after it
 *   forward_audio    forward with both layers' injections
 *   motion           19 motion latents of 16 x 16 -> 64 + 16 + 16 FramePack
 *                    tokens and positions; 5 latents (zeros in front)
 *   condblock        block 0 over [ref | motion] only (n_noisy = 0, as in
 *                    the sink prefill)
 *   stream           Live Avatar's TPP streaming with 2 steps, one cache
 *                    per step, a ring of 2 blocks: sink prefill with the
 *                    motion dropped, blocks 0, 1, re-prefill with block
 *                    0's first frame as the reference, blocks 2 (ring
 *                    wrapped), 3; given sink draws; Euler between steps
 * Tolerance: max |ours - golden| / max |golden| <= 1e-4. */

#include "config.h"

#include "la-checkpoint.h"
#include "la-dit.h"
#include "liveavatar.h"

#include <math.h>
#include <string.h>

#define TOL 1e-4

/* shapes as compound literals */
#define SHAPE(...) (const gint64[]) { __VA_ARGS__ }

static LaBackend *be;
static const gchar *data_dir;
static LaCheckpoint *goldens;
static LaDitConfig cfg;

/* golden @name's values as fp32 (g_free) */
static gfloat *
read_golden (const gchar * name)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (goldens, name);
  GError *error = NULL;
  gfloat *v;

  if (!t)
    g_error ("golden '%s' missing", name);
  v = la_checkpoint_read_f32 (goldens, name, t->ndim, t->shape, &error);
  g_assert_no_error (error);
  return v;
}

static LaCheckpoint *
open_data (const gchar * name)
{
  gchar *path = g_build_filename (data_dir, name, NULL);
  GError *error = NULL;
  LaCheckpoint *ck = la_checkpoint_open (path, &error);

  g_assert_no_error (error);
  g_free (path);
  return ck;
}

static LaDit *
load_dit (void)
{
  LaCheckpoint *ck = open_data ("model.safetensors");
  GError *error = NULL;
  LaDit *dit = la_dit_new (be, &cfg, ck, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dit);
  la_checkpoint_free (ck);
  return dit;
}

/* an uninitialised tensor of golden @name's shape, in @dtype; @t: the
 * golden's record */
static LaTensor *
tensor_like (const gchar * name, LaDType dtype,
    const LaCheckpointTensor ** t)
{
  gint64 ne[LA_MAX_DIMS];
  GError *error = NULL;
  LaTensor *x;
  gint i;

  *t = la_checkpoint_lookup (goldens, name);
  if (*t == NULL)
    g_error ("golden '%s' missing", name);
  g_assert_cmpint ((*t)->ndim, >=, 1);
  g_assert_cmpint ((*t)->ndim, <=, LA_MAX_DIMS);
  for (i = 0; i < (*t)->ndim; i++)
    ne[i] = (*t)->shape[i];
  x = la_tensor_new (be, dtype, (*t)->ndim, ne, &error);
  g_assert_no_error (error);
  return x;
}

/* golden @name as a tensor of its own shape (F32, or I32 as stored) */
static LaTensor *
golden (const gchar * name)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (goldens, name);
  GError *error = NULL;
  LaTensor *x;

  if (t != NULL && t->dtype == LA_IO_DTYPE_I32) {
    x = tensor_like (name, LA_DTYPE_I32, &t);
    g_assert_true (la_tensor_set_data (x, 0, t->data, t->nbytes, &error));
  } else {
    gfloat *data = read_golden (name);

    x = tensor_like (name, LA_DTYPE_F32, &t);
    g_assert_true (la_tensor_set_f32 (x, data, t->numel, &error));
    g_free (data);
  }
  g_assert_no_error (error);
  return x;
}

static LaTensor *
new_like (const gchar * name)
{
  const LaCheckpointTensor *t;

  return tensor_like (name, LA_DTYPE_F32, &t);
}

static LaTensor *
new_f32 (gint n_dims, const gint64 * ne)
{
  GError *error = NULL;
  LaTensor *x = la_tensor_new (be, LA_DTYPE_F32, n_dims, ne, &error);

  g_assert_no_error (error);
  return x;
}

/* max |a - golden| / max |golden| over @n values from row @first on */
static void
assert_close_rows (const LaTensor * t, gint64 first, const gchar * name)
{
  const LaCheckpointTensor *g = la_checkpoint_lookup (goldens, name);
  GError *error = NULL;
  gint64 n = la_tensor_nelements (t), off;
  gfloat *got = g_new (gfloat, n);
  gfloat *want;
  gdouble err = 0, ref = 0;
  gint64 i;

  g_assert_nonnull (g);
  want = read_golden (name);
  off = first * la_tensor_ncols (t);
  g_assert_cmpint (off + n, <=, g->numel);
  g_assert_true (la_tensor_get_f32 ((LaTensor *) t, got, n, &error));
  g_assert_no_error (error);
  for (i = 0; i < n; i++) {
    g_assert_true (isfinite (got[i]));
    err = MAX (err, fabs ((gdouble) got[i] - want[off + i]));
    ref = MAX (ref, fabs ((gdouble) want[off + i]));
  }
  g_assert_cmpfloat (ref, >, 0);
  g_test_message ("%s: relative error %.3g", name, err / ref);
  if (err / ref > TOL)
    g_error ("%s: relative error %g > %g", name, err / ref, TOL);
  g_free (got);
  g_free (want);
}

static void
assert_close (const LaTensor * t, const gchar * name)
{
  const LaCheckpointTensor *g = la_checkpoint_lookup (goldens, name);

  g_assert_nonnull (g);
  g_assert_cmpint (la_tensor_nelements (t), ==, g->numel);
  assert_close_rows (t, 0, name);
}

static void
read_t (gfloat * t, gint * n)
{
  gfloat *v = read_golden ("in.t");
  const LaCheckpointTensor *g = la_checkpoint_lookup (goldens, "in.t");

  *n = (gint) g->numel;
  g_assert_cmpint (*n, ==, 3);
  memcpy (t, v, sizeof (gfloat) * *n);
  g_free (v);
}

/* everything a forward needs, from the golden inputs */
typedef struct
{
  LaDit *dit;
  gint n_frames;
  LaTensor *e, *e0, *e0_zero, *noisy, *ref, *ctx;
  LaDitCrossKv *cross;
} Fixture;

static void
fixture_init (Fixture * f)
{
  GError *error = NULL;
  LaTensor *latent, *ref, *context;
  gfloat t[3], zero = 0.0f;
  gint n;

  f->dit = load_dit ();
  read_t (t, &n);
  f->n_frames = n;
  f->e = new_f32 (2, SHAPE (n, cfg.dim));
  f->e0 = new_f32 (3, SHAPE (n, 6, cfg.dim));
  f->e0_zero = new_f32 (3, SHAPE (1, 6, cfg.dim));
  g_assert_true (la_dit_time_embedding (f->dit, f->e, f->e0, t, n, &error));
  g_assert_true (la_dit_time_embedding (f->dit, NULL, f->e0_zero, &zero, 1,
          &error));
  g_assert_no_error (error);

  latent = golden ("in.latent");
  ref = golden ("in.ref");
  context = golden ("in.context");
  f->noisy = new_like ("embed.noisy");
  f->ref = new_like ("embed.ref");
  f->ctx = new_like ("text.context");
  la_dit_embed_noisy (f->dit, f->noisy, latent, &error);
  g_assert_no_error (error);
  la_dit_embed_ref (f->dit, f->ref, ref, &error);
  g_assert_no_error (error);
  la_dit_text_embedding (f->dit, f->ctx, context, &error);
  g_assert_no_error (error);
  f->cross = la_dit_cross_kv_new (f->dit, f->ctx, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->cross);
  la_tensor_free (latent);
  la_tensor_free (ref);
  la_tensor_free (context);
}

static void
fixture_clear (Fixture * f)
{
  la_dit_cross_kv_free (f->cross);
  la_tensor_free (f->e);
  la_tensor_free (f->e0);
  la_tensor_free (f->e0_zero);
  la_tensor_free (f->noisy);
  la_tensor_free (f->ref);
  la_tensor_free (f->ctx);
  la_dit_free (f->dit);
}

/* x = [noisy | ref] */
static LaTensor *
noisy_and_ref (Fixture * f)
{
  gint64 nn = f->noisy->ne[0], nr = f->ref->ne[0];
  gint64 n = (nn + nr) * cfg.dim;
  gfloat *host = g_new (gfloat, n);
  LaTensor *x = new_f32 (2, SHAPE (nn + nr, cfg.dim));
  GError *error = NULL;

  g_assert_true (la_tensor_get_f32 (f->noisy, host, nn * cfg.dim, &error));
  g_assert_true (la_tensor_get_f32 (f->ref, host + nn * cfg.dim,
          nr * cfg.dim, &error));
  g_assert_true (la_tensor_set_f32 (x, host, n, &error));
  g_assert_no_error (error);
  g_free (host);
  return x;
}

static void
test_embeddings (void)
{
  Fixture f;
  LaTensor *latent = golden ("in.latent"), *patch = new_like ("patch.tokens");
  GError *error = NULL;

  fixture_init (&f);
  g_assert_true (la_dit_patch_embed (f.dit, patch, latent, &error));
  g_assert_no_error (error);
  assert_close (patch, "patch.tokens");
  assert_close (f.noisy, "embed.noisy");
  assert_close (f.ref, "embed.ref");
  assert_close (f.e, "time.e");
  assert_close (f.e0, "time.e0");
  assert_close (f.e0_zero, "time.e0_zero");
  assert_close (f.ctx, "text.context");
  assert_close (f.cross->k[0], "cross.0.k");
  assert_close (f.cross->v[0], "cross.0.v");
  assert_close (f.cross->k[1], "cross.1.k");
  assert_close (f.cross->v[1], "cross.1.v");
  la_tensor_free (latent);
  la_tensor_free (patch);
  fixture_clear (&f);
}

static void
test_block (void)
{
  Fixture f;
  LaTensor *x, *pos;
  LaDitTokens tok = { 0 };
  GError *error = NULL;
  gint64 L;
  LaTensor *k, *v;
  LaDitKv kv = { 0 };

  fixture_init (&f);
  x = noisy_and_ref (&f);
  pos = golden ("block.pos");
  L = x->ne[0];
  tok.n_noisy = f.noisy->ne[0];
  tok.n_frames = f.n_frames;
  tok.e0 = f.e0;
  tok.e0_zero = f.e0_zero;
  tok.pos = pos;

  /* through a cache with room to spare and no prefix: the block's own
   * keys and values land in rows [0, L) */
  k = new_f32 (3, SHAPE (L + 5, cfg.num_heads, cfg.dim / cfg.num_heads));
  v = new_f32 (3, SHAPE (L + 5, cfg.num_heads, cfg.dim / cfg.num_heads));
  kv.k = k;
  kv.v = v;
  kv.n_prefix = 0;
  g_assert_true (la_dit_block_forward (f.dit, 0, x, &tok, f.cross, &kv,
          &error));
  g_assert_no_error (error);
  assert_close (x, "block.out");
  {
    LaTensor *kr = la_tensor_new_view (k, 0, 3, SHAPE (L, cfg.num_heads,
            cfg.dim / cfg.num_heads), &error);
    LaTensor *vr = la_tensor_new_view (v, 0, 3, SHAPE (L, cfg.num_heads,
            cfg.dim / cfg.num_heads), &error);

    g_assert_no_error (error);
    assert_close (kr, "block.k");
    assert_close (vr, "block.v");
    la_tensor_free (kr);
    la_tensor_free (vr);
  }
  la_tensor_free (x);

  /* without a cache: the same output */
  x = noisy_and_ref (&f);
  g_assert_true (la_dit_block_forward (f.dit, 0, x, &tok, f.cross, NULL,
          &error));
  g_assert_no_error (error);
  assert_close (x, "block.out");

  la_tensor_free (k);
  la_tensor_free (v);
  la_tensor_free (x);
  la_tensor_free (pos);
  fixture_clear (&f);
}

/* a 12-row prefix from the goldens, then this call's 18 rows */
static void
test_block_cache (void)
{
  Fixture f;
  LaTensor *pk = golden ("cache.prefix_k"), *pv = golden ("cache.prefix_v");
  LaTensor *pos = golden ("cache.pos"), *x, *k, *v, *kr, *vr;
  gint64 P = pk->ne[0], L, H = cfg.num_heads;
  gint64 D = cfg.dim / cfg.num_heads;
  gfloat *host;
  LaDitTokens tok = { 0 };
  LaDitKv kv = { 0 };
  GError *error = NULL;

  fixture_init (&f);
  L = f.noisy->ne[0];
  k = new_f32 (3, SHAPE (P + L, H, D));
  v = new_f32 (3, SHAPE (P + L, H, D));
  host = g_new (gfloat, P * H * D);
  g_assert_true (la_tensor_get_f32 (pk, host, P * H * D, &error));
  g_assert_true (la_tensor_set_data (k, 0, host, P * H * D * 4, &error));
  g_assert_true (la_tensor_get_f32 (pv, host, P * H * D, &error));
  g_assert_true (la_tensor_set_data (v, 0, host, P * H * D * 4, &error));
  g_assert_no_error (error);
  g_free (host);

  x = new_like ("embed.noisy");
  host = g_new (gfloat, L * cfg.dim);
  g_assert_true (la_tensor_get_f32 (f.noisy, host, L * cfg.dim, &error));
  g_assert_true (la_tensor_set_f32 (x, host, L * cfg.dim, &error));
  g_free (host);

  tok.n_noisy = L;
  tok.n_frames = f.n_frames;
  tok.e0 = f.e0;
  tok.e0_zero = NULL;
  tok.pos = pos;
  kv.k = k;
  kv.v = v;
  kv.n_prefix = P;
  g_assert_true (la_dit_block_forward (f.dit, 1, x, &tok, f.cross, &kv,
          &error));
  g_assert_no_error (error);
  assert_close (x, "cache.out");
  kr = la_tensor_new_view (k, P * H * D, 3, SHAPE (L, H, D), &error);
  vr = la_tensor_new_view (v, P * H * D, 3, SHAPE (L, H, D), &error);
  g_assert_no_error (error);
  assert_close (kr, "cache.k");
  assert_close (vr, "cache.v");
  la_tensor_free (kr);
  la_tensor_free (vr);

  la_tensor_free (x);
  la_tensor_free (k);
  la_tensor_free (v);
  la_tensor_free (pk);
  la_tensor_free (pv);
  la_tensor_free (pos);
  fixture_clear (&f);
}

static void
test_head (void)
{
  Fixture f;
  LaTensor *x = golden ("block.out"), *y = new_like ("head.out");
  LaTensor *video = new_like ("head.video");
  GError *error = NULL;

  fixture_init (&f);
  /* x has 6 ref rows after the 18 noisy ones: the head reads y's rows */
  g_assert_true (la_dit_head (f.dit, y, x, f.e, &error));
  g_assert_no_error (error);
  assert_close (y, "head.out");
  g_assert_true (la_dit_unpatchify (f.dit, video, y, f.n_frames, 2, 3, &error));
  g_assert_no_error (error);
  assert_close (video, "head.video");
  la_tensor_free (x);
  la_tensor_free (y);
  la_tensor_free (video);
  fixture_clear (&f);
}

static void
test_forward (void)
{
  Fixture f;
  LaTensor *x, *pos = golden ("block.pos"), *y, *video;
  LaDitTokens tok = { 0 };
  GError *error = NULL;
  gint i;

  fixture_init (&f);
  x = noisy_and_ref (&f);
  tok.n_noisy = f.noisy->ne[0];
  tok.n_frames = f.n_frames;
  tok.e0 = f.e0;
  tok.e0_zero = f.e0_zero;
  tok.pos = pos;
  for (i = 0; i < cfg.num_layers; i++)
    g_assert_true (la_dit_block_forward (f.dit, i, x, &tok, f.cross, NULL,
            &error));
  g_assert_no_error (error);
  y = new_f32 (2, SHAPE (tok.n_noisy, cfg.patch_size[0] * cfg.patch_size[1]
          * cfg.patch_size[2] * cfg.out_dim));
  video = new_like ("forward.video");
  g_assert_true (la_dit_head (f.dit, y, x, f.e, &error));
  g_assert_true (la_dit_unpatchify (f.dit, video, y, f.n_frames, 2, 3, &error));
  g_assert_no_error (error);
  assert_close (video, "forward.video");
  la_tensor_free (x);
  la_tensor_free (y);
  la_tensor_free (video);
  la_tensor_free (pos);
  fixture_clear (&f);
}

/* la_dit_audio_encode () on the golden features: local, global */
static void
encode_audio (LaDit * dit, LaTensor ** local, LaTensor ** global)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (goldens, "in.audio");
  gfloat *feats = read_golden ("in.audio");
  GError *error = NULL;
  gint T;

  g_assert_nonnull (t);
  T = (gint) t->shape[0];
  g_assert_cmpint (la_dit_audio_n_latent (T, LA_DIT_AUDIO_MOTION_FRAMES,
          LA_DIT_AUDIO_MOTION_LATENTS), ==, 3);
  *local = new_like ("audio.local");
  *global = new_like ("audio.global");
  g_assert_true (la_dit_audio_encode (dit, *local, *global, feats, T,
          LA_DIT_AUDIO_MOTION_FRAMES, LA_DIT_AUDIO_MOTION_LATENTS, &error));
  g_assert_no_error (error);
  g_free (feats);
}

static void
test_audio_encode (void)
{
  LaDit *dit = load_dit ();
  LaTensor *local, *global;

  encode_audio (dit, &local, &global);
  assert_close (local, "audio.local");
  assert_close (global, "audio.global");
  /* 12 frames + 73 copies: 85 -> 43 -> 22 steps, 19 dropped */
  g_assert_cmpint (la_dit_audio_n_latent (12, 73, 19), ==, 3);
  g_assert_cmpint (la_dit_audio_n_latent (48, 73, 19), ==, 12);
  g_assert_cmpint (la_dit_audio_n_latent (1, 0, 0), ==, 1);
  g_assert_cmpint (la_dit_audio_n_latent (12, 73, 22), ==, 0);
  la_tensor_free (local);
  la_tensor_free (global);
  la_dit_free (dit);
}

static void
test_audio_inject (void)
{
  Fixture f;
  LaTensor *x, *pos = golden ("block.pos"), *local, *global, *y, *video;
  LaTensor *before;
  LaDitTokens tok = { 0 };
  GError *error = NULL;
  gint i;

  fixture_init (&f);
  encode_audio (f.dit, &local, &global);
  x = noisy_and_ref (&f);
  tok.n_noisy = f.noisy->ne[0];
  tok.n_frames = f.n_frames;
  tok.e0 = f.e0;
  tok.e0_zero = f.e0_zero;
  tok.pos = pos;
  g_assert_true (la_dit_block_forward (f.dit, 0, x, &tok, f.cross, NULL,
          &error));
  g_assert_true (la_dit_audio_inject (f.dit, 0, x, &tok, local, global,
          &error));
  g_assert_no_error (error);
  assert_close (x, "inject.out");
  /* the ref rows are the block's, untouched */
  assert_close_rows (before = la_tensor_new_view (x, tok.n_noisy * cfg.dim,
          2, SHAPE (x->ne[0] - tok.n_noisy, cfg.dim), &error), tok.n_noisy,
      "block.out");
  la_tensor_free (before);
  la_tensor_free (x);

  /* a layer outside audio_inject_layers is a no-op */
  x = noisy_and_ref (&f);
  g_assert_true (la_dit_audio_inject (f.dit, 7, x, &tok, local, global,
          &error));
  g_assert_no_error (error);
  before = la_tensor_new_view (x, 0, 2, SHAPE (tok.n_noisy, cfg.dim), &error);
  g_assert_no_error (error);
  assert_close (before, "embed.noisy");
  la_tensor_free (before);

  /* audio tokens for another number of frames */
  tok.n_frames = 1;
  g_assert_false (la_dit_audio_inject (f.dit, 0, x, &tok, local, global,
          &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  tok.n_frames = f.n_frames;
  la_tensor_free (x);

  x = noisy_and_ref (&f);
  for (i = 0; i < cfg.num_layers; i++) {
    g_assert_true (la_dit_block_forward (f.dit, i, x, &tok, f.cross, NULL,
            &error));
    g_assert_true (la_dit_audio_inject (f.dit, i, x, &tok, local, global,
            &error));
  }
  g_assert_no_error (error);
  y = new_f32 (2, SHAPE (tok.n_noisy, cfg.patch_size[0] * cfg.patch_size[1]
          * cfg.patch_size[2] * cfg.out_dim));
  video = new_like ("forward_audio.video");
  g_assert_true (la_dit_head (f.dit, y, x, f.e, &error));
  g_assert_true (la_dit_unpatchify (f.dit, video, y, f.n_frames, 2, 3, &error));
  g_assert_no_error (error);
  assert_close (video, "forward_audio.video");

  la_tensor_free (y);
  la_tensor_free (video);
  la_tensor_free (x);
  la_tensor_free (local);
  la_tensor_free (global);
  la_tensor_free (pos);
  fixture_clear (&f);
}

static void
test_audio_bad_arguments (void)
{
  LaDit *dit = load_dit ();
  LaTensor *local = new_like ("audio.local"), *global = new_like
      ("audio.global");
  gfloat *feats = read_golden ("in.audio");
  GError *error = NULL;

  /* everything dropped */
  g_assert_false (la_dit_audio_encode (dit, local, global, feats, 12, 73, 22,
          &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* outputs for 3 steps, input for 4 */
  g_assert_false (la_dit_audio_encode (dit, local, global, feats, 12, 73, 18,
          &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_dit_audio_encode (dit, local, global, NULL, 12, 73, 19,
          &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_free (feats);
  la_tensor_free (local);
  la_tensor_free (global);
  la_dit_free (dit);
}

static void
test_motion (void)
{
  LaDit *dit = load_dit ();
  LaTensor *motion = golden ("in.motion"), *short_ = golden ("in.motion_short");
  LaTensor *y = new_like ("motion.tokens"), *g = golden ("motion.pos");
  gint64 n = la_dit_motion_n_tokens (16, 16);
  gint32 *pos = g_new (gint32, n * 3), *want = g_new (gint32, n * 3);
  GError *error = NULL;

  g_assert_cmpint (n, ==, 96);
  /* 704 x 384 (48 x 88 latents): 1056 + 264 + 4 x 66 */
  g_assert_cmpint (la_dit_motion_n_tokens (48, 88), ==, 1584);
  g_assert_true (la_dit_embed_motion (dit, y, motion, &error));
  g_assert_no_error (error);
  assert_close (y, "motion.tokens");
  g_assert_true (la_dit_embed_motion (dit, y, short_, &error));
  g_assert_no_error (error);
  assert_close (y, "motion.short_tokens");

  la_dit_motion_positions (pos, 16, 16);
  g_assert_true (la_tensor_get_data (g, 0, want, n * 3 * sizeof (gint32),
          &error));
  g_assert_no_error (error);
  g_assert_cmpmem (pos, n * 3 * sizeof (gint32), want, n * 3 * sizeof (gint32));
  /* the 2x bucket's rows: linspace (0, 7, 4) -> 0, 2, 4, 7 */
  g_assert_cmpint (pos[3 * 64], ==, -3);
  g_assert_cmpint (pos[3 * 79 + 1], ==, 7);
  g_assert_cmpint (pos[3 * 68 + 1], ==, 2);
  g_assert_cmpint (pos[3 * 75 + 2], ==, 7);
  g_assert_cmpint (pos[3 * 95], ==, -4);
  g_free (pos);
  g_free (want);

  /* 704 x 384: on the 4x bucket's 6 x 11 grid, linspace (0, 23, 6) and
   * linspace (0, 43, 11) truncate to these */
  pos = g_new (gint32, la_dit_motion_n_tokens (48, 88) * 3);
  la_dit_motion_positions (pos, 48, 88);
  {
    static const gint rows[6] = { 0, 4, 9, 13, 18, 23 };
    static const gint cols[11] = { 0, 4, 8, 12, 17, 21, 25, 30, 34, 38, 43 };
    gint64 first = 1056 + 264;
    gint r;

    for (r = 0; r < 6; r++)
      g_assert_cmpint (pos[3 * (first + r * 11) + 1], ==, rows[r]);
    for (r = 0; r < 11; r++)
      g_assert_cmpint (pos[3 * (first + r) + 2], ==, cols[r]);
    g_assert_cmpint (pos[3 * first], ==, -19);
    g_assert_cmpint (pos[3 * (first + 3 * 66)], ==, -4);
  }
  g_free (pos);

  /* wrong shapes */
  g_assert_false (la_dit_embed_motion (dit, y, g, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  la_tensor_free (motion);
  la_tensor_free (short_);
  la_tensor_free (y);
  la_tensor_free (g);
  la_dit_free (dit);
}

static void
test_cond_block (void)
{
  Fixture f;
  LaTensor *mot = golden ("motion.tokens"), *mpos = golden ("motion.pos");
  gint64 nr = 0, nm = mot->ne[0], L, H = cfg.num_heads;
  gint64 D = cfg.dim / cfg.num_heads;
  gfloat *host;
  gint32 *pos_host;
  LaTensor *x, *pos, *k, *v;
  LaDitTokens tok = { 0 };
  LaDitKv kv = { 0 };
  GError *error = NULL;

  fixture_init (&f);
  nr = f.ref->ne[0];
  L = nr + nm;
  host = g_new (gfloat, L * cfg.dim);
  g_assert_true (la_tensor_get_f32 (f.ref, host, nr * cfg.dim, &error));
  g_assert_true (la_tensor_get_f32 (mot, host + nr * cfg.dim, nm * cfg.dim,
          &error));
  x = new_f32 (2, SHAPE (L, cfg.dim));
  g_assert_true (la_tensor_set_f32 (x, host, L * cfg.dim, &error));
  g_free (host);
  pos_host = g_new (gint32, L * 3);
  la_dit_grid_positions (pos_host, 30, 1, 2, 3);
  g_assert_true (la_tensor_get_data (mpos, 0, pos_host + nr * 3,
          nm * 3 * sizeof (gint32), &error));
  pos = la_tensor_new (be, LA_DTYPE_I32, 2, SHAPE (L, 3), &error);
  g_assert_true (la_tensor_set_data (pos, 0, pos_host, L * 3 * sizeof (gint32),
          &error));
  g_assert_no_error (error);
  g_free (pos_host);

  tok.n_noisy = 0;
  tok.n_frames = 0;
  tok.e0 = NULL;
  tok.e0_zero = f.e0_zero;
  tok.pos = pos;
  k = new_f32 (3, SHAPE (L, H, D));
  v = new_f32 (3, SHAPE (L, H, D));
  kv.k = k;
  kv.v = v;
  kv.n_prefix = 0;
  g_assert_true (la_dit_block_forward (f.dit, 0, x, &tok, f.cross, &kv,
          &error));
  g_assert_no_error (error);
  assert_close (x, "condblock.out");
  assert_close (k, "condblock.k");
  assert_close (v, "condblock.v");

  la_tensor_free (x);
  la_tensor_free (pos);
  la_tensor_free (k);
  la_tensor_free (v);
  la_tensor_free (mot);
  la_tensor_free (mpos);
  fixture_clear (&f);
}

static gfloat *
golden_host (const gchar * name, gint64 n)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (goldens, name);

  g_assert_nonnull (t);
  g_assert_cmpint (t->numel, ==, n);
  return read_golden (name);
}

static void
test_stream (void)
{
  Fixture f;
  LaTensor *ref = golden ("stream.ref"), *motion = golden ("stream.motion");
  LaTensor *draws_t = golden ("stream.draws"), *newref, *x, *v;
  gfloat *sigmas = golden_host ("stream.sigmas", 3), *host;
  gint32 draws[4][2];
  LaDitCache *cache[2];
  gint64 H = 8, W = 8, F = 3, fsl = (H / 2) * (W / 2), n;
  GError *error = NULL;
  gint b, i;

  fixture_init (&f);
  g_assert_true (la_tensor_get_data (draws_t, 0, draws, sizeof (draws),
          &error));
  g_assert_no_error (error);
  /* 16 ref tokens, 16 + 4 + 4 motion tokens */
  g_assert_cmpint (la_dit_sink_tokens (f.dit, H, W), ==, 40);
  /* 704 x 384: 1056 ref + 1584 motion, the 2640 Live Avatar's source notes
   * for its cond_end */
  g_assert_cmpint (la_dit_sink_tokens (f.dit, 48, 88), ==, 2640);
  for (i = 0; i < 2; i++) {
    cache[i] = la_dit_cache_new (f.dit, 2 * F * fsl, 40, i, &error);
    g_assert_no_error (error);
    /* nothing to attend to yet */
    x = golden ("stream.0.noise");
    v = new_like ("stream.0.0.v");
    g_assert_false (la_dit_forward (f.dit, cache[i], v, x, 1000.0f, 0, 30,
            NULL, NULL, f.cross, &error));
    g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    la_tensor_free (x);
    la_tensor_free (v);
    g_assert_true (la_dit_sink_prefill (f.dit, cache[i], ref, motion, TRUE,
            f.cross, &error));
    g_assert_no_error (error);
  }

  n = f.dit ? 4 * F * H * W : 0;
  host = g_new (gfloat, n);
  newref = new_f32 (4, SHAPE (4, 1, H, W));
  for (b = 0; b < 4; b++) {
    gchar *name;
    LaTensor *local, *global;

    if (b == 2) {
      /* clip 1: block 0's first denoised frame becomes the reference */
      LaTensor *x0 = golden ("stream.0.x");
      gint c;

      g_assert_true (la_tensor_get_f32 (x0, host, n, &error));
      for (c = 0; c < 4; c++)
        g_assert_true (la_tensor_set_data (newref, c * H * W * 4,
                host + c * F * H * W, H * W * 4, &error));
      g_assert_no_error (error);
      la_tensor_free (x0);
      for (i = 0; i < 2; i++) {
        g_assert_true (la_dit_sink_prefill (f.dit, cache[i], newref, motion,
                FALSE, f.cross, &error));
        g_assert_no_error (error);
      }
    }
    name = g_strdup_printf ("stream.%d.noise", b);
    x = golden (name);
    g_free (name);
    name = g_strdup_printf ("stream.%d.local", b);
    local = golden (name);
    g_free (name);
    name = g_strdup_printf ("stream.%d.global", b);
    global = golden (name);
    g_free (name);
    v = new_like ("stream.0.0.v");
    for (i = 0; i < 2; i++) {
      g_assert_true (la_dit_forward (f.dit, cache[i], v, x,
              sigmas[i] * 1000.0f, b * F, draws[b][i], local, global,
              f.cross, &error));
      g_assert_no_error (error);
      name = g_strdup_printf ("stream.%d.%d.v", b, i);
      assert_close (v, name);
      g_free (name);
      g_assert_true (la_euler_step (be, x, x, v, sigmas[i + 1] - sigmas[i],
              &error));
      g_assert_no_error (error);
    }
    name = g_strdup_printf ("stream.%d.x", b);
    assert_close (x, name);
    g_free (name);

    /* a draw outside [4, 30], a block that does not fit the ring */
    g_assert_false (la_dit_forward (f.dit, cache[0], v, x, 0.0f, b * F, 3,
            local, global, f.cross, &error));
    g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_false (la_dit_forward (f.dit, cache[0], v, x, 0.0f, 4, 30,
            local, global, f.cross, &error));
    g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);

    la_tensor_free (x);
    la_tensor_free (v);
    la_tensor_free (local);
    la_tensor_free (global);
  }

  /* a sink of another size */
  g_assert_false (la_dit_sink_prefill (f.dit, cache[0], f.ref, motion, FALSE,
          f.cross, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  for (i = 0; i < 2; i++)
    la_dit_cache_free (cache[i]);
  g_free (host);
  g_free (sigmas);
  la_tensor_free (newref);
  la_tensor_free (ref);
  la_tensor_free (motion);
  la_tensor_free (draws_t);
  fixture_clear (&f);
}

static void
test_sink_draw (void)
{
  guint64 a = 42, b = 42, c = 43;
  gint seen[LA_DIT_SINK_DRAW_MAX + 1] = { 0 };
  gint i, same = 0;

  for (i = 0; i < 2000; i++) {
    gint d = la_dit_sink_draw (&a);

    g_assert_cmpint (d, >=, LA_DIT_SINK_DRAW_MIN);
    g_assert_cmpint (d, <=, LA_DIT_SINK_DRAW_MAX);
    seen[d]++;
    g_assert_cmpint (la_dit_sink_draw (&b), ==, d);
    same += la_dit_sink_draw (&c) == d;
  }
  for (i = LA_DIT_SINK_DRAW_MIN; i <= LA_DIT_SINK_DRAW_MAX; i++)
    g_assert_cmpint (seen[i], >, 30);
  /* another seed, another sequence (1 in 27 agree by chance) */
  g_assert_cmpint (same, <, 200);
}

static void
test_positions (void)
{
  gint32 pos[2 * 2 * 3 * 3];
  LaTensor *g = golden ("cache.pos");
  gint32 want[G_N_ELEMENTS (pos)];
  GError *error = NULL;

  /* frames 2..4 of a 2 x 3 grid: the first 12 of the golden's 18 rows */
  la_dit_grid_positions (pos, 2, 2, 2, 3);
  g_assert_true (la_tensor_get_data (g, 0, want, sizeof (want), &error));
  g_assert_no_error (error);
  g_assert_cmpmem (pos, sizeof (pos), want, sizeof (pos));
  g_assert_cmpint (pos[3 * 11], ==, 3);
  g_assert_cmpint (pos[3 * 11 + 1], ==, 1);
  g_assert_cmpint (pos[3 * 11 + 2], ==, 2);
  la_tensor_free (g);
}

static void
test_load_errors (void)
{
  LaCheckpoint *ck = open_data ("model.safetensors");
  LaDitConfig bad = cfg;
  GError *error = NULL;

  /* a tensor of another shape */
  bad.ffn_dim = 40;
  g_assert_null (la_dit_new (be, &bad, ck, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
  g_assert_nonnull (strstr (error->message, "blocks.0.ffn.0.weight"));
  g_clear_error (&error);

  /* a layer the file does not have */
  bad = cfg;
  bad.num_layers = 3;
  g_assert_null (la_dit_new (be, &bad, ck, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
  g_assert_nonnull (strstr (error->message, "blocks.2."));
  g_clear_error (&error);

  /* a cond_encoder the file has with another width */
  bad = cfg;
  bad.cond_dim = 16;
  g_assert_null (la_dit_new (be, &bad, ck, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
  g_assert_nonnull (strstr (error->message, "cond_encoder.weight"));
  g_clear_error (&error);
  la_checkpoint_free (ck);

  /* not a DiT at all */
  g_assert_null (la_dit_new (be, &cfg, goldens, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
  g_assert_nonnull (strstr (error->message, "patch_embedding.weight"));
  g_clear_error (&error);
}

static void
test_bad_arguments (void)
{
  Fixture f;
  LaTensor *x, *pos = golden ("block.pos"), *small, *y;
  LaDitTokens tok = { 0 };
  LaDitKv kv = { 0 };
  GError *error = NULL;
  gfloat t = 1.0f;

  fixture_init (&f);
  x = noisy_and_ref (&f);
  tok.n_noisy = f.noisy->ne[0];
  tok.n_frames = 5;             /* 18 tokens are not 5 equal frames */
  tok.e0 = f.e0;
  tok.e0_zero = f.e0_zero;
  tok.pos = pos;
  g_assert_false (la_dit_block_forward (f.dit, 0, x, &tok, f.cross, NULL,
          &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  tok.n_frames = f.n_frames;
  tok.e0_zero = NULL;           /* ref tokens without the t = 0 vectors */
  g_assert_false (la_dit_block_forward (f.dit, 0, x, &tok, f.cross, NULL,
          &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  tok.e0_zero = f.e0_zero;
  g_assert_false (la_dit_block_forward (f.dit, 2, x, &tok, f.cross, NULL,
          &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* a cache too small for prefix + L */
  small = new_f32 (3, SHAPE (20, cfg.num_heads, cfg.dim / cfg.num_heads));
  kv.k = small;
  kv.v = small;
  kv.n_prefix = 4;
  g_assert_false (la_dit_block_forward (f.dit, 0, x, &tok, f.cross, &kv,
          &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* shapes the embeddings refuse */
  y = new_f32 (2, SHAPE (2, cfg.dim));
  g_assert_false (la_dit_time_embedding (f.dit, y, NULL, &t, 1, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_dit_patch_embed (f.dit, y, x, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_dit_text_embedding (f.dit, y, x, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_dit_unpatchify (f.dit, x, y, 3, 2, 3, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  la_tensor_free (y);
  la_tensor_free (small);
  la_tensor_free (x);
  la_tensor_free (pos);
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  gchar *path;
  GError *error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s DATA-DIR", argv[0]);
  data_dir = argv[1];
  path = g_build_filename (data_dir, "config.json", NULL);
  if (!la_dit_config_load (&cfg, path, &error))
    g_error ("%s", error->message);
  g_free (path);
  be = la_backend_new (LA_BACKEND_CPU, 0, &error);
  g_assert_no_error (error);
  goldens = open_data ("goldens.safetensors");

  g_test_add_func ("/dit/load/errors", test_load_errors);
  g_test_add_func ("/dit/positions", test_positions);
  g_test_add_func ("/dit/parity/embeddings", test_embeddings);
  g_test_add_func ("/dit/parity/block", test_block);
  g_test_add_func ("/dit/parity/block-cache", test_block_cache);
  g_test_add_func ("/dit/parity/head", test_head);
  g_test_add_func ("/dit/parity/forward", test_forward);
  g_test_add_func ("/dit/parity/audio-encode", test_audio_encode);
  g_test_add_func ("/dit/parity/audio-inject", test_audio_inject);
  g_test_add_func ("/dit/parity/motion", test_motion);
  g_test_add_func ("/dit/parity/cond-block", test_cond_block);
  g_test_add_func ("/dit/parity/stream", test_stream);
  g_test_add_func ("/dit/sink-draw", test_sink_draw);
  g_test_add_func ("/dit/bad-arguments", test_bad_arguments);
  g_test_add_func ("/dit/audio/bad-arguments", test_audio_bad_arguments);
  ret = g_test_run ();

  la_checkpoint_free (goldens);
  la_backend_free (be);
  return ret;
}
