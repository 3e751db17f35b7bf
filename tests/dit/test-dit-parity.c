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

/* golden @name as a tensor of its own shape (F32, or I32 as stored) */
static LaTensor *
golden (const gchar * name)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (goldens, name);
  gint64 ne[LA_MAX_DIMS];
  GError *error = NULL;
  LaTensor *x;
  gint i;

  if (!t)
    g_error ("golden '%s' missing", name);
  g_assert_cmpint (t->ndim, >=, 1);
  g_assert_cmpint (t->ndim, <=, LA_MAX_DIMS);
  for (i = 0; i < t->ndim; i++)
    ne[i] = t->shape[i];
  if (t->dtype == LA_IO_DTYPE_I32) {
    x = la_tensor_new (be, LA_DTYPE_I32, t->ndim, ne, &error);
    g_assert_no_error (error);
    g_assert_true (la_tensor_set_data (x, 0, t->data, t->nbytes, &error));
  } else {
    gfloat *data = read_golden (name);

    x = la_tensor_new (be, LA_DTYPE_F32, t->ndim, ne, &error);
    g_assert_no_error (error);
    g_assert_true (la_tensor_set_f32 (x, data, t->numel, &error));
    g_free (data);
  }
  g_assert_no_error (error);
  return x;
}

static LaTensor *
new_like (const gchar * name)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (goldens, name);
  gint64 ne[LA_MAX_DIMS];
  GError *error = NULL;
  LaTensor *x;
  gint i;

  g_assert_nonnull (t);
  for (i = 0; i < t->ndim; i++)
    ne[i] = t->shape[i];
  x = la_tensor_new (be, LA_DTYPE_F32, t->ndim, ne, &error);
  g_assert_no_error (error);
  return x;
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
  LaDitTokens tok;
  GError *error = NULL;
  gint64 L;
  LaTensor *k, *v;
  LaDitKv kv;

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
  LaDitTokens tok;
  LaDitKv kv;
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
  LaDitTokens tok;
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
  LaDitTokens tok;
  LaDitKv kv;
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
  g_test_add_func ("/dit/bad-arguments", test_bad_arguments);
  ret = g_test_run ();

  la_checkpoint_free (goldens);
  la_backend_free (be);
  return ret;
}
