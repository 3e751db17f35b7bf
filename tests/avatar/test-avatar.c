/* liveavatar: the assembled Live Avatar model on the tiny checkpoint
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Loading (errors, the LoRA merge against a plain computation), the step
 * API's rules (order, sink policy, draws, skip, reset), and generation's
 * invariants (determinism, frame count, the first pictures, the features
 * of pcm, online and per-clip decoding). */

#include "config.h"

#include "la-avatar-generate.h"
#include "la-audio-frontend.h"
#include "la-dit-private.h"
#include "la-lora.h"
#include "la-safetensors-writer.h"
#include "liveavatar.h"
#include "test-common.h"
#include "test-tiny.h"
#include "avatar-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define W 80
#define H 64
#define SEED 7
#define SHAPE2(a, b) ((const gint64[]) { a, b })

static gchar *tiny_dir;
static LaBackend *be;
static LaAvatar *avatar;
static LaAvatarCond *cond;
static LaAvatarPrompt *prompt;

/* a copy of the tiny folder (its files, one level of folders) */
static void
copy_tree (const gchar * from, const gchar * to)
{
  GDir *dir = g_dir_open (from, 0, NULL);
  const gchar *name;

  g_assert_nonnull (dir);
  g_mkdir_with_parents (to, 0700);
  while ((name = g_dir_read_name (dir))) {
    gchar *a = g_build_filename (from, name, NULL);
    gchar *b = g_build_filename (to, name, NULL);

    if (g_file_test (a, G_FILE_TEST_IS_DIR))
      copy_tree (a, b);
    else {
      gchar *data;
      gsize len;

      g_assert_true (g_file_get_contents (a, &data, &len, NULL));
      g_assert_true (g_file_set_contents (b, data, len, NULL));
      g_free (data);
    }
    g_free (a);
    g_free (b);
  }
  g_dir_close (dir);
}

static void
expect_load_error (const LaAvatarConfig * cfg, gint code,
    const gchar * name1, const gchar * name2)
{
  GError *err = NULL;
  LaAvatar *a = la_avatar_new (be, cfg, &err);

  g_assert_null (a);
  g_assert_error (err, LA_ERROR, code);
  if (name1 && !strstr (err->message, name1))
    g_error ("'%s' does not name '%s'", err->message, name1);
  if (name2 && !strstr (err->message, name2))
    g_error ("'%s' does not name '%s'", err->message, name2);
  g_clear_error (&err);
}

/* ---- loading ---- */

static void
test_load_errors (void)
{
  LaAvatarConfig cfg;
  gchar *tmp = g_dir_make_tmp ("la-avatar-XXXXXX", NULL);
  gchar *copy = g_build_filename (tmp, "model", NULL);
  gchar *missing = g_build_filename (tmp, "nothere", NULL);
  gchar *shard;

  avatar_test_config_init (&cfg, missing, W, H);
  expect_load_error (&cfg, LA_ERROR_MODEL_NOT_FOUND, missing, NULL);

  avatar_test_config_init (&cfg, tiny_dir, W, H);
  cfg.width = W + 8;
  expect_load_error (&cfg, LA_ERROR_INVALID_ARGUMENT, "16", NULL);
  cfg.width = W;
  cfg.lora_path = missing;
  expect_load_error (&cfg, LA_ERROR_MODEL_NOT_FOUND, missing, NULL);

  copy_tree (tiny_dir, copy);
  avatar_test_config_init (&cfg, copy, W, H);
  shard = g_build_filename (copy,
      "diffusion_pytorch_model-00002-of-00002.safetensors", NULL);
  g_assert_cmpint (g_remove (shard), ==, 0);
  expect_load_error (&cfg, LA_ERROR_MODEL_NOT_FOUND,
      "diffusion_pytorch_model-00002-of-00002.safetensors", NULL);
  g_free (shard);

  shard = g_build_filename (copy, LA_AVATAR_CONFIG_FILE, NULL);
  la_test_remove_tree (tmp);
  copy_tree (tiny_dir, copy);
  g_assert_cmpint (g_remove (shard), ==, 0);
  expect_load_error (&cfg, LA_ERROR_MODEL_NOT_FOUND, shard, NULL);
  g_free (shard);

  shard = g_build_filename (copy, LA_AVATAR_VAE_FILE, NULL);
  la_test_remove_tree (tmp);
  copy_tree (tiny_dir, copy);
  g_assert_cmpint (g_remove (shard), ==, 0);
  expect_load_error (&cfg, LA_ERROR_MODEL_NOT_FOUND, LA_AVATAR_VAE_FILE, NULL);
  g_free (shard);

  la_test_remove_tree (tmp);
  g_free (missing);
  g_free (copy);
  g_free (tmp);
}

/* a LoRA file with one pair for @module, A [r, n_in], B [n_out, r] */
static gchar *
write_lora (const gchar * dir, const gchar * module, gint64 n_out, gint64 n_in)
{
  LaSafetensorsWriter *w = la_safetensors_writer_new ();
  gchar *path = g_build_filename (dir, "lora.safetensors", NULL);
  gchar *na = g_strdup_printf ("base_model.model.%s.lora_A.weight", module);
  gchar *nb = g_strdup_printf ("base_model.model.%s.lora_B.weight", module);
  gint64 r = 4, sa[2] = { r, n_in }, sb[2] = { n_out, r };
  gfloat *a = la_test_rnd_array (r * n_in, 0.1);
  gfloat *b = la_test_rnd_array (n_out * r, 0.1);
  GError *err = NULL;

  g_assert_true (la_safetensors_writer_add_f32 (w, na, LA_IO_DTYPE_F32, 2,
          sa, a, &err));
  g_assert_true (la_safetensors_writer_add_f32 (w, nb, LA_IO_DTYPE_F32, 2,
          sb, b, &err));
  g_assert_true (la_safetensors_writer_save (w, path, &err));
  la_safetensors_writer_free (w);
  g_free (a);
  g_free (b);
  g_free (na);
  g_free (nb);
  return path;
}

static void
test_lora_errors (void)
{
  const LaDitConfig *dc = la_dit_get_config (la_avatar_get_dit (avatar));
  LaAvatarConfig cfg;
  gchar *tmp = g_dir_make_tmp ("la-avatar-XXXXXX", NULL);
  gchar *lora;

  avatar_test_config_init (&cfg, tiny_dir, W, H);
  lora = write_lora (tmp, "blocks.0.self_attn.nothere", dc->dim, dc->dim);
  cfg.lora_path = lora;
  expect_load_error (&cfg, LA_ERROR_MODEL_INVALID, lora,
      LA_AVATAR_DIT_INDEX_FILE);
  g_free (lora);

  lora = write_lora (tmp, "blocks.1.self_attn.q", dc->dim, dc->dim + 1);
  cfg.lora_path = lora;
  expect_load_error (&cfg, LA_ERROR_MODEL_INVALID, lora,
      "diffusion_pytorch_model-0000");
  g_free (lora);

  la_test_remove_tree (tmp);
  g_free (tmp);
}

/* the merged DiT's tensor a LoRA target names (the ones Live Avatar's
 * suffix match reaches) */
static LaTensor *
target_tensor (LaDit * dit, const gchar * target)
{
  guint i;
  gchar what[32];

  if (sscanf (target, "blocks.%u.self_attn.%1[qkvo].weight", &i, what) == 2
      || sscanf (target, "blocks.%u.cross_attn.%1[qkvo].weight", &i,
          what) == 2) {
    LaDitAttention *at = strstr (target, "self_attn")
        ? &dit->blocks[i].self_attn : &dit->blocks[i].cross_attn;

    return what[0] == 'q' ? at->q.weight : what[0] == 'k' ? at->k.weight
        : what[0] == 'v' ? at->v.weight : at->o.weight;
  }
  if (sscanf (target, "blocks.%u.ffn.%1[02].weight", &i, what) == 2)
    return what[0] == '0' ? dit->blocks[i].ffn0.weight
        : dit->blocks[i].ffn2.weight;
  if (sscanf (target, "audio_injector.injector.%u.%1[qkvo].weight", &i,
          what) == 2) {
    LaDitAttention *at = &dit->injectors[i].attn;

    return what[0] == 'q' ? at->q.weight : what[0] == 'k' ? at->k.weight
        : what[0] == 'v' ? at->v.weight : at->o.weight;
  }
  g_error ("no tensor for LoRA target %s", target);
  return NULL;
}

static void
test_lora_merge (void)
{
  gchar *index = g_build_filename (tiny_dir, LA_AVATAR_DIT_INDEX_FILE, NULL);
  gchar *lpath = g_build_filename (tiny_dir, LA_AVATAR_LORA_FILE, NULL);
  gchar *cpath = g_build_filename (tiny_dir, LA_AVATAR_CONFIG_FILE, NULL);
  LaCheckpoint *ck, *lck;
  LaDitConfig dc;
  LaDit *plain, *merged;
  GPtrArray *pairs;
  gboolean *is_target;
  GError *err = NULL;
  guint i, k;

  g_assert_true (la_dit_config_load (&dc, cpath, &err));
  ck = la_checkpoint_open (index, &err);
  g_assert_no_error (err);
  lck = la_checkpoint_open (lpath, &err);
  g_assert_no_error (err);
  plain = la_dit_new (be, &dc, ck, &err);
  g_assert_no_error (err);
  merged = la_dit_new_full (be, &dc, ck, lck, &err);
  g_assert_no_error (err);
  pairs = la_lora_find_pairs (lck, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (pairs->len, >, 0);
  g_assert_cmpuint (la_dit_get_n_lora_merged (merged), ==, pairs->len);
  g_assert_cmpuint (la_dit_get_n_lora_merged (plain), ==, 0);
  g_assert_cmpuint (plain->tensors->len, ==, merged->tensors->len);
  is_target = g_new0 (gboolean, merged->tensors->len);

  for (k = 0; k < pairs->len; k++) {
    const LaLoraPair *p = g_ptr_array_index (pairs, k);
    LaTensor *t = target_tensor (merged, p->target);
    gint64 n_out = t->ne[0], n_in = t->ne[1], r = p->rank, o, j, q;
    gfloat *a = la_checkpoint_read_f32 (lck, p->a->name, 2,
        SHAPE2 (r, n_in), &err);
    gfloat *b = la_checkpoint_read_f32 (lck, p->b->name, 2,
        SHAPE2 (n_out, r), &err);
    gfloat *w0 = la_checkpoint_read_f32 (ck, p->target, 2,
        SHAPE2 (n_out, n_in), &err);
    gfloat *got = la_test_download (t);
    gdouble scale = (p->has_alpha ? p->alpha : 64.0) / (gdouble) r;
    gdouble max_err = 0, max_delta = 0;

    g_assert_no_error (err);
    g_assert_true (g_ptr_array_find (merged->tensors, t, &i));
    is_target[i] = TRUE;
    for (o = 0; o < n_out; o++)
      for (j = 0; j < n_in; j++) {
        gdouble d = 0, want;

        for (q = 0; q < r; q++)
          d += (gdouble) b[o * r + q] * a[q * n_in + j];
        want = w0[o * n_in + j] + scale * d;
        max_err = MAX (max_err, fabs (got[o * n_in + j] - want));
        max_delta = MAX (max_delta, fabs (scale * d));
      }
    /* the merge is measurable, and right to float rounding */
    g_assert_cmpfloat (max_delta, >, 1e-4);
    g_assert_cmpfloat (max_err, <, 1e-5 * (1 + max_delta) + 1e-6);
    g_free (a);
    g_free (b);
    g_free (w0);
    g_free (got);
  }
  /* every other tensor is untouched */
  for (i = 0; i < merged->tensors->len; i++) {
    LaTensor *tm = g_ptr_array_index (merged->tensors, i);
    LaTensor *tp = g_ptr_array_index (plain->tensors, i);
    gfloat *xm, *xp;

    if (is_target[i])
      continue;
    xm = la_test_download (tm);
    xp = la_test_download (tp);
    g_assert_true (memcmp (xm, xp, la_tensor_nelements (tm) * 4) == 0);
    g_free (xm);
    g_free (xp);
  }
  g_free (is_target);
  g_ptr_array_unref (pairs);
  la_dit_free (plain);
  la_dit_free (merged);
  la_checkpoint_free (ck);
  la_checkpoint_free (lck);
  g_free (index);
  g_free (lpath);
  g_free (cpath);
}

/* ---- generation ---- */

typedef struct
{
  GByteArray *frames;
  guint64 next_frame;
  GArray *latents;              /* every on_latent, in order */
} Out;

static gboolean
on_frames (gpointer user_data, guint64 first_frame, const guint8 * rgb,
    guint n_frames, GError ** error)
{
  Out *o = user_data;

  g_assert_cmpuint (first_frame, ==, o->next_frame);
  g_assert_cmpuint (n_frames, ==, LA_AVATAR_FRAMES_PER_BLOCK);
  g_byte_array_append (o->frames, rgb, n_frames * W * H * 3);
  o->next_frame += n_frames;
  return TRUE;
}

static gboolean
on_latent (gpointer user_data, guint64 block, gint step,
    const gfloat * latent, GError ** error)
{
  Out *o = user_data;

  g_array_append_vals (o->latents, latent, la_avatar_block_latent_size
      (avatar));
  return TRUE;
}

static gfloat *features;        /* [8 blocks * 12, 25, audio_dim] */

static void
gen_params (LaAvatarGenerateParams * p, Out * o, guint64 seed, guint n_blocks)
{
  la_avatar_generate_params_init (p);
  p->seed = seed;
  p->n_blocks = n_blocks;
  p->online_decode = TRUE;
  p->cond = cond;
  p->prompt = prompt;
  p->features = features;
  p->on_frames = on_frames;
  p->on_latent = on_latent;
  p->user_data = o;
  o->frames = g_byte_array_new ();
  o->latents = g_array_new (FALSE, FALSE, sizeof (gfloat));
  o->next_frame = 0;
}

static void
gen_run (const LaAvatarGenerateParams * p, Out * o)
{
  GError *err = NULL;

  g_assert_true (la_avatar_generate (avatar, p, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (o->next_frame, ==, p->n_blocks * 12);
}

static void
out_clear (Out * o)
{
  g_byte_array_unref (o->frames);
  g_array_unref (o->latents);
}

static gboolean
same_bytes (Out * a, Out * b)
{
  return a->frames->len == b->frames->len
      && memcmp (a->frames->data, b->frames->data, a->frames->len) == 0;
}

/* the reference run: 2 clips, seed SEED, online decode */
/* 2 clips of 4 steps; under the sanitizers (about 25 times slower) a
 * clip and a block, which still crosses the clip boundary (the rolling
 * sink), of 2 steps */
#ifdef LA_TEST_SANITIZED
#define REF_BLOCKS 5
#define STEPS 2
#else
#define REF_BLOCKS 8
#define STEPS 4
#endif
static Out ref;

static void
ensure_ref (void)
{
  LaAvatarGenerateParams p;

  if (ref.frames)
    return;
  gen_params (&p, &ref, SEED, REF_BLOCKS);
  gen_run (&p, &ref);
}

/* @o's frames are the reference's first ones */
static gboolean
ref_prefix (Out * o)
{
  ensure_ref ();
  return o->frames->len <= ref.frames->len
      && memcmp (o->frames->data, ref.frames->data, o->frames->len) == 0;
}

/* the step's own draws, given explicitly: draws[block * S + step] */
static gint *
own_draws (guint n_blocks)
{
  const gint S = la_avatar_get_schedule (avatar)->n_steps;
  gint *draws = g_new (gint, n_blocks * S);
  guint64 bl;
  gint i;

  for (i = 0; i < S; i++) {
    guint64 state = la_avatar_draw_seed (SEED, i);

    for (bl = 0; bl < n_blocks; bl++)
      draws[bl * S + i] = la_dit_sink_draw (&state);
  }
  return draws;
}

/* la_avatar_noise () as per-clip noise [z, 12, h, w] */
static gfloat *
own_noise (guint n_clips)
{
  gsize blk = la_avatar_block_latent_size (avatar), hw = blk / 16 / 3, ch;
  gfloat *noise = g_new (gfloat, blk * 4 * n_clips);
  gfloat *one = g_new (gfloat, blk);
  guint64 bl;

  for (bl = 0; bl < 4 * n_clips; bl++) {
    la_avatar_noise (avatar, SEED, bl, one);
    for (ch = 0; ch < 16; ch++)
      memcpy (noise + (bl / 4) * 4 * blk + (ch * 12 + (bl % 4) * 3) * hw,
          one + ch * 3 * hw, 3 * hw * sizeof (gfloat));
  }
  g_free (one);
  return noise;
}

/* Same seed, same frames (here with the step's own draws and the
 * documented noise given explicitly: the same numbers give the same
 * frames and latents); another seed, other frames. */
static void
test_generate_deterministic (void)
{
  const gint S = la_avatar_get_schedule (avatar)->n_steps;
  LaAvatarGenerateParams p;
  gint *draws = own_draws (REF_BLOCKS);
  gfloat *noise = own_noise ((REF_BLOCKS + 3) / 4);
  Out b;
  gsize frame = W * H * 3;
  gint i;

  ensure_ref ();
  g_assert_cmpuint (ref.frames->len, ==, REF_BLOCKS * 12 * frame);
  g_assert_cmpuint (ref.latents->len, ==, REF_BLOCKS * S
      * la_avatar_block_latent_size (avatar));
  gen_params (&p, &b, SEED, REF_BLOCKS);
  p.draws = draws;
  p.noise = noise;
  gen_run (&p, &b);
  g_assert_cmpuint (b.frames->len, ==, ref.frames->len);
  g_assert_true (ref_prefix (&b));
  g_assert_cmpuint (b.latents->len, ==, ref.latents->len);
  g_assert_true (memcmp (ref.latents->data, b.latents->data,
          b.latents->len * sizeof (gfloat)) == 0);
#ifndef LA_TEST_SANITIZED
  {
    /* (the same code path again: not worth its time under the sanitizers) */
    Out c;

    gen_params (&p, &c, SEED + 1, 1);
    gen_run (&p, &c);
    g_assert_false (ref_prefix (&c));
    out_clear (&c);
  }
#endif
  /* the first 3 frames are the picture, the 4th is decoded */
  for (i = 0; i < 3; i++)
    g_assert_true (memcmp (ref.frames->data + i * frame, cond->picture,
            frame) == 0);
  g_assert_false (memcmp (ref.frames->data + 3 * frame, cond->picture,
          frame) == 0);
  out_clear (&b);
  g_free (draws);
  g_free (noise);
}

static void
test_online_vs_clip (void)
{
  LaAvatarGenerateParams p;
  Out b;

  /* 5 blocks: a whole clip and a partial one, against the online run
   * (blocks do not depend on later ones) */
  gen_params (&p, &b, SEED, 5);
  p.online_decode = FALSE;
  gen_run (&p, &b);
  /* the causal decoder gives the same pictures whatever the grouping */
  g_assert_true (ref_prefix (&b));
  out_clear (&b);
}

/* other draws, other frames: the draws are used (block 0 has no rollout
 * whatever the draw; block 1 has one with 30 and none with 4) */
static void
test_other_draws (void)
{
  const gint S = la_avatar_get_schedule (avatar)->n_steps;
  LaAvatarGenerateParams p;
  gint *draws = own_draws (2);
  Out c;
  gint i;

#ifdef LA_TEST_SANITIZED
  g_test_skip ("the same code path as the other runs");
  g_free (draws);
  return;
#endif

  for (i = 0; i < 2 * S; i++)
    draws[i] = draws[i] == 4 ? 30 : 4;
  gen_params (&p, &c, SEED, 2);
  p.draws = draws;
  gen_run (&p, &c);
  g_assert_false (ref_prefix (&c));
  /* block 0 is the same */
  g_assert_true (memcmp (c.frames->data, ref.frames->data, 12 * W * H * 3)
      == 0);
  out_clear (&c);
  g_free (draws);
}

static void
test_pcm_features (void)
{
  const guint nb = 1;
  const gsize n_pcm = 5000;     /* shorter than the block: padded */
  gsize nf = la_avatar_block_features_size (avatar);
  gsize padded = nb * 7680;
  gfloat *pcm = la_test_rnd_array (n_pcm, 0.3);
  gfloat *stream = g_new0 (gfloat, padded);
  gfloat *feat = g_new (gfloat, nf * nb);
  LaAvatarGenerateParams p;
  LaAudioWindow window;
  GError *err = NULL;
  Out a, b;
  guint bl;

  memcpy (stream, pcm, n_pcm * sizeof (gfloat));
  la_audio_window_init (&window);
  for (bl = 0; bl < nb; bl++)
    g_assert_true (la_audio_frontend_encode (la_avatar_get_wav2vec2 (avatar),
            &window, stream, 0, padded, TRUE, bl * 12, 12, feat + bl * nf,
            &err));
  g_assert_no_error (err);

  gen_params (&p, &a, SEED, nb);
  p.features = NULL;
  p.pcm = pcm;
  p.n_pcm = n_pcm;
  gen_run (&p, &a);
  gen_params (&p, &b, SEED, nb);
  p.features = feat;
  gen_run (&p, &b);
  g_assert_true (same_bytes (&a, &b));
  out_clear (&a);
  out_clear (&b);
  g_free (pcm);
  g_free (stream);
  g_free (feat);
}

/* ---- the step API ---- */

/* blocks 0 .. n - 1 through S fresh steps, the sink's generated frame
 * @gen_ref; every block's clean latent appended to @out */
static void
run_steps (LaAvatarStep ** steps, gint S, guint64 first, guint n,
    const gfloat * gen_ref, GArray * out)
{
  gsize n_lat = la_avatar_block_latent_size (avatar);
  gsize nf = la_avatar_block_features_size (avatar);
  LaAvatarSink sink = { cond, 0, gen_ref };
  gfloat *lat = g_new (gfloat, n_lat);
  GError *err = NULL;
  guint64 b;
  gint i;

  for (b = first; b < first + n; b++) {
    la_avatar_noise (avatar, SEED, b, lat);
    for (i = 0; i < S; i++) {
      g_assert_true (la_avatar_step_prepare (steps[i], b, &sink, prompt, &err));
      g_assert_true (la_avatar_step_run (steps[i], lat, b, features + b * nf,
              -1, &err));
      g_assert_no_error (err);
    }
    g_array_append_vals (out, lat, n_lat);
  }
  g_free (lat);
}

static void
test_steps (void)
{
  const gint S = la_avatar_get_schedule (avatar)->n_steps;
  gsize n_lat = la_avatar_block_latent_size (avatar);
  gsize plane = n_lat / 3;
  LaAvatarStep *steps[LA_SAMPLER_MAX_STEPS];
  GArray *x = g_array_new (FALSE, FALSE, sizeof (gfloat));
  GArray *y = g_array_new (FALSE, FALSE, sizeof (gfloat));
  GArray *z = g_array_new (FALSE, FALSE, sizeof (gfloat));
  gfloat *gen0 = g_new (gfloat, plane), *other = g_new (gfloat, plane);
  gsize c, hw = plane / 16;
  GError *err = NULL;
  gint i;

  for (i = 0; i < S; i++)
    steps[i] = la_avatar_step_new (avatar, i, SEED, &err);
  g_assert_no_error (err);

  /* generate = the steps composed, with block 0's clean frame 0 as the
   * sink from block 4 on */
  ensure_ref ();
  for (c = 0; c < 16; c++)
    memcpy (gen0 + c * hw, (gfloat *) ref.latents->data + (S - 1) * n_lat
        + c * 3 * hw, hw * sizeof (gfloat));
  run_steps (steps, S, 0, 5, gen0, x);
  for (i = 0; i < 5; i++)
    g_assert_true (memcmp ((gfloat *) ref.latents->data + ((i + 1) * S - 1)
            * n_lat, (gfloat *) x->data + i * n_lat, n_lat * 4) == 0);

  /* another generated frame changes block 4 only (one step is enough) */
  la_avatar_step_reset (steps[0]);
  run_steps (steps, 1, 0, 5, gen0, y);
  la_avatar_step_reset (steps[0]);
  for (c = 0; c < plane; c++)
    other[c] = -gen0[c];
  run_steps (steps, 1, 0, 5, other, z);
  g_assert_true (memcmp (y->data, z->data, 4 * n_lat * 4) == 0);
  g_assert_false (memcmp (y->data + 4 * n_lat * 4, z->data + 4 * n_lat * 4,
          n_lat * 4) == 0);

  /* order: the next block only */
  {
    LaAvatarSink sink = { cond, 0, gen0 };
    gfloat *lat = g_new0 (gfloat, n_lat);

    g_assert_false (la_avatar_step_prepare (steps[0], 7, &sink, prompt, &err));
    g_assert_error (err, LA_ERROR, LA_ERROR_FAILED);
    g_clear_error (&err);
    g_assert_false (la_avatar_step_run (steps[0], lat, 5, features, -1, &err));
    g_assert_error (err, LA_ERROR, LA_ERROR_FAILED);
    g_clear_error (&err);
    /* a block past the picture's clip needs the generated frame */
    la_avatar_step_reset (steps[0]);
    sink.generated_ref = NULL;
    g_assert_false (la_avatar_step_prepare (steps[0], 4, &sink, prompt, &err));
    g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
    g_clear_error (&err);
    g_free (lat);
  }
  g_assert_false (la_avatar_sink_needs_generated (3, 0));
  g_assert_true (la_avatar_sink_needs_generated (4, 0));
  g_assert_false (la_avatar_sink_needs_generated (7, 4));
  g_assert_true (la_avatar_sink_needs_generated (8, 4));
  g_assert_null (la_avatar_step_new (avatar, S, SEED, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);

  for (i = 0; i < S; i++)
    la_avatar_step_free (steps[i]);
  g_array_unref (x);
  g_array_unref (y);
  g_array_unref (z);
  g_free (gen0);
  g_free (other);
}

/* a skipped block uses up its draw: the next block's own draw is the
 * sequence's next */
static void
test_skip (void)
{
  gsize n_lat = la_avatar_block_latent_size (avatar);
  gsize nf = la_avatar_block_features_size (avatar);
  LaAvatarSink sink = { cond, 0, NULL };
  LaAvatarStep *s1, *s2;
  gfloat *l1 = g_new (gfloat, n_lat), *l2 = g_new (gfloat, n_lat);
  guint64 state = la_avatar_draw_seed (SEED, 0);
  GError *err = NULL;
  gint third;

  la_dit_sink_draw (&state);
  la_dit_sink_draw (&state);
  third = la_dit_sink_draw (&state);
  s1 = la_avatar_step_new (avatar, 0, SEED, &err);
  s2 = la_avatar_step_new (avatar, 0, SEED, &err);
  g_assert_no_error (err);
  la_avatar_noise (avatar, SEED, 0, l1);
  memcpy (l2, l1, n_lat * 4);
  g_assert_true (la_avatar_step_prepare (s1, 0, &sink, prompt, &err));
  g_assert_true (la_avatar_step_run (s1, l1, 0, features, -1, &err));
  g_assert_true (la_avatar_step_prepare (s2, 0, &sink, prompt, &err));
  g_assert_true (la_avatar_step_run (s2, l2, 0, features, -1, &err));
  la_avatar_step_skip (s1, 1);
  la_avatar_step_skip (s2, 1);
  la_avatar_noise (avatar, SEED, 2, l1);
  memcpy (l2, l1, n_lat * 4);
  g_assert_true (la_avatar_step_prepare (s1, 2, &sink, prompt, &err));
  g_assert_true (la_avatar_step_run (s1, l1, 2, features + 2 * nf, -1, &err));
  g_assert_true (la_avatar_step_prepare (s2, 2, &sink, prompt, &err));
  g_assert_true (la_avatar_step_run (s2, l2, 2, features + 2 * nf, third,
          &err));
  g_assert_no_error (err);
  g_assert_true (memcmp (l1, l2, n_lat * 4) == 0);
  la_avatar_step_free (s1);
  la_avatar_step_free (s2);
  g_free (l1);
  g_free (l2);
}

/* block 0 with @p0, block 1 with @p1 through one step: block 1's latent */
static gfloat *
two_blocks (LaAvatarPrompt * p0, LaAvatarPrompt * p1)
{
  gsize n_lat = la_avatar_block_latent_size (avatar);
  gsize nf = la_avatar_block_features_size (avatar);
  LaAvatarSink sink = { cond, 0, NULL };
  LaAvatarStep *s = la_avatar_step_new (avatar, 0, SEED, NULL);
  gfloat *l = g_new (gfloat, n_lat);
  GError *err = NULL;
  guint64 b;

  for (b = 0; b < 2; b++) {
    la_avatar_noise (avatar, SEED, b, l);
    g_assert_true (la_avatar_step_prepare (s, b, &sink, b ? p1 : p0, &err));
    g_assert_true (la_avatar_step_run (s, l, b, features + b * nf, -1, &err));
    g_assert_no_error (err);
  }
  la_avatar_step_free (s);
  return l;
}

/* a prompt change between blocks takes effect (new cross K/V, sink
 * re-prefilled); the same context under a new serial gives the same */
static void
test_prompt_change (void)
{
  gsize n_lat = la_avatar_block_latent_size (avatar);
  LaAvatarPrompt *p2, *copy;
  gfloat *l1, *l2, *l3;
  GError *err = NULL;

  p2 = la_avatar_prompt_new (avatar, "a person talking", &err);
  g_assert_no_error (err);
  g_assert_false (p2->truncated);
  copy = la_avatar_prompt_new_from_context (avatar, prompt->context,
      prompt->n_rows, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (p2->serial, !=, prompt->serial);
  g_assert_cmpuint (copy->serial, !=, prompt->serial);
  l1 = two_blocks (prompt, p2);
  l2 = two_blocks (prompt, prompt);
  l3 = two_blocks (prompt, copy);
  g_assert_false (memcmp (l1, l2, n_lat * 4) == 0);
  g_assert_true (memcmp (l2, l3, n_lat * 4) == 0);
  g_free (l1);
  g_free (l2);
  g_free (l3);
  la_avatar_prompt_unref (p2);
  la_avatar_prompt_unref (copy);
}

/* runs block 0 through @n steps with @p, from the block's noise */
static void
block0 (LaAvatarStep ** steps, gint n, LaAvatarPrompt * p, gfloat * lat,
    guint64 * kept)
{
  LaAvatarSink sink = { cond, 0, NULL };
  GError *err = NULL;
  guint64 base = la_backend_get_allocated_bytes (be);
  gint i;

  la_avatar_noise (avatar, SEED, 0, lat);
  for (i = 0; i < n; i++) {
    g_assert_true (la_avatar_step_prepare (steps[i], 0, &sink, p, &err));
    g_assert_no_error (err);
    kept[i] = la_backend_get_allocated_bytes (be) - base;
  }
  for (i = 0; i < n; i++) {
    g_assert_true (la_avatar_step_run (steps[i], lat, 0, features, -1, &err));
    g_assert_no_error (err);
  }
}

/* The steps of one avatar share a prompt's cross-attention K/V: the first
 * step's prepare keeps one copy (layers x K, V x text_len x dim, fp32),
 * the others add nothing; the steps hold the prompt, so it may be
 * released before them; a prompt of another avatar still works (each
 * step then makes its own copy) and gives the same latents. */
static void
test_shared_cross (void)
{
  const LaDitConfig *dc = la_dit_get_config (la_avatar_get_dit (avatar));
  const gint S = la_avatar_get_schedule (avatar)->n_steps;
  guint64 one = (guint64) dc->num_layers * 2 * dc->text_len * dc->dim * 4;
  gsize n_lat = la_avatar_block_latent_size (avatar);
  gfloat *l1 = g_new (gfloat, n_lat), *l2 = g_new (gfloat, n_lat);
  LaAvatarStep *steps[LA_SAMPLER_MAX_STEPS];
  LaAvatarPrompt *mine, *foreign;
  guint64 kept[LA_SAMPLER_MAX_STEPS];
  LaAvatarConfig cfg;
  LaAvatar *other;
  GError *err = NULL;
  gint i;

  avatar_test_config_init (&cfg, tiny_dir, W, H);
  cfg.sample_steps = STEPS;
  other = la_avatar_new (be, &cfg, &err);
  g_assert_no_error (err);
  mine = la_avatar_prompt_new_from_context (avatar, prompt->context,
      prompt->n_rows, &err);
  foreign = la_avatar_prompt_new_from_context (other, prompt->context,
      prompt->n_rows, &err);
  g_assert_no_error (err);

  for (i = 0; i < S; i++)
    steps[i] = la_avatar_step_new (avatar, i, SEED, &err);
  block0 (steps, S, mine, l1, kept);
  for (i = 0; i < S; i++)
    g_assert_cmpuint (kept[i], ==, one);
  for (i = 0; i < S; i++)
    la_avatar_step_free (steps[i]);

  for (i = 0; i < S; i++)
    steps[i] = la_avatar_step_new (avatar, i, SEED, &err);
  block0 (steps, S, foreign, l2, kept);
  for (i = 0; i < S; i++)
    g_assert_cmpuint (kept[i], ==, (i + 1) * one);
  g_assert_true (memcmp (l1, l2, n_lat * 4) == 0);
  /* held by the steps alone now: still usable, freed with the last */
  la_avatar_prompt_unref (foreign);
  {
    LaAvatarSink sink = { cond, 0, NULL };

    g_assert_true (la_avatar_step_prepare (steps[0], 1, &sink, foreign, &err));
    g_assert_no_error (err);
  }
  for (i = 0; i < S; i++)
    la_avatar_step_free (steps[i]);

  la_avatar_prompt_unref (mine);
  la_avatar_free (other);
  g_free (l1);
  g_free (l2);
}

/* after a reset the step starts afresh at any block: nothing of the ring
 * or the sink it had leaks into the new stream */
static void
test_reset_origin (void)
{
  gsize n_lat = la_avatar_block_latent_size (avatar);
  gsize nf = la_avatar_block_features_size (avatar);
  LaAvatarSink sink = { cond, 4, NULL };
  LaAvatarStep *used, *fresh;
  GArray *junk = g_array_new (FALSE, FALSE, sizeof (gfloat));
  gfloat *l1 = g_new (gfloat, n_lat), *l2 = g_new (gfloat, n_lat);
  GError *err = NULL;
  guint64 b;

  used = la_avatar_step_new (avatar, 0, SEED, &err);
  run_steps (&used, 1, 0, 2, NULL, junk);
  la_avatar_step_reset (used);
  fresh = la_avatar_step_new (avatar, 0, SEED, &err);
  g_assert_no_error (err);
  for (b = 4; b < 6; b++) {
    la_avatar_noise (avatar, SEED, b, l1);
    memcpy (l2, l1, n_lat * 4);
    g_assert_true (la_avatar_step_prepare (used, b, &sink, prompt, &err));
    g_assert_true (la_avatar_step_run (used, l1, b, features + b * nf, -1,
            &err));
    g_assert_true (la_avatar_step_prepare (fresh, b, &sink, prompt, &err));
    g_assert_true (la_avatar_step_run (fresh, l2, b, features + b * nf, -1,
            &err));
    g_assert_no_error (err);
    g_assert_true (memcmp (l1, l2, n_lat * 4) == 0);
  }
  la_avatar_step_free (used);
  la_avatar_step_free (fresh);
  g_array_unref (junk);
  g_free (l1);
  g_free (l2);
}

/* the picture: ToTensor, * 2 - 1, one frame encoded; the 73 copies'
 * first latent is that same encoding (the encoder is causal) */
#define CW 48
#define CH 32
static void
test_cond (void)
{
  LaAvatarConfig cfg;
  LaAvatar *small;
  LaAvatarCond *c;
  guint8 *rgb = g_new (guint8, CW * CH * 3 + 5 * CH);
  gfloat *pix = g_new (gfloat, 3 * CW * CH), *z;
  gsize plane = (CW / 8) * (CH / 8), i, ch;
  LaTensor *tv, *tz;
  GError *err = NULL;
  gint x, y, stride = CW * 3 + 5;

  avatar_test_config_init (&cfg, tiny_dir, W, H);
  cfg.width = CW;
  cfg.height = CH;
  small = la_avatar_new (be, &cfg, &err);
  g_assert_no_error (err);
  for (i = 0; i < (gsize) stride * CH; i++)
    rgb[i] = (guint8) (i * 37 % 256);
  for (y = 0; y < CH; y++)
    for (x = 0; x < CW; x++)
      for (ch = 0; ch < 3; ch++)
        pix[ch * CW * CH + y * CW + x] = (gfloat) rgb[y * stride + x * 3 + ch]
            / 255.0f * 2.0f - 1.0f;
  tv = la_test_tensor_f32 (be, 4, (const gint64[]) { 1, 3, CH, CW }, pix);
  tz = la_test_tensor_f32 (be, 4, (const gint64[]) { 16, 1, CH / 8, CW / 8 },
      NULL);
  g_assert_true (la_vae_encode (la_avatar_get_vae (small), tz, tv, &err));
  z = la_test_download (tz);

  c = la_avatar_cond_new (small, rgb, stride, &err);
  g_assert_no_error (err);
  for (y = 0; y < CH; y++)
    g_assert_true (memcmp (c->picture + y * CW * 3, rgb + y * stride,
            CW * 3) == 0);
  g_assert_true (memcmp (c->ref_latent, z, 16 * plane * 4) == 0);
  for (ch = 0; ch < 16; ch++) {
    g_assert_true (memcmp (c->motion_latents + ch * 19 * plane,
            z + ch * plane, plane * 4) == 0);
    /* the later ones are another encoding (4 frames each) */
    g_assert_false (memcmp (c->motion_latents + (ch * 19 + 1) * plane,
            z + ch * plane, plane * 4) == 0);
  }
  g_assert_null (la_avatar_cond_new (small, rgb, CW * 3 - 1, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  la_avatar_cond_unref (c);
  la_tensor_free (tv);
  la_tensor_free (tz);
  la_avatar_free (small);
  g_free (z);
  g_free (pix);
  g_free (rgb);
}

static AvatarTestInputs inputs; /* features is inputs.features */

static void
setup (void)
{
  LaAvatarConfig cfg;
  GError *err = NULL;

  tiny_dir = la_test_tiny_model_new (1);
  be = la_test_cpu ();
  avatar_test_config_init (&cfg, tiny_dir, W, H);
  cfg.load_text_encoder = TRUE;
  cfg.load_audio_encoder = TRUE;
  cfg.sample_steps = STEPS;
  avatar = la_avatar_new (be, &cfg, &err);
  g_assert_no_error (err);

  /* encoding 73 pictures is slow under the sanitizers: test_cond does it
   * once on a small avatar; here any latents do */
  avatar_test_inputs_init (&inputs, avatar, W, H, 42, 8, 7, 13);
  cond = avatar_test_cond_new (avatar, &inputs);
  g_assert_true (memcmp (cond->picture, inputs.picture, W * H * 3) == 0);
  prompt = avatar_test_prompt_new (avatar, &inputs);
  features = inputs.features;
}

int
main (int argc, char **argv)
{
  int ret;

  avatar_test_init (&argc, &argv);
  setup ();
  g_test_add_func ("/avatar/load/errors", test_load_errors);
  g_test_add_func ("/avatar/load/lora-errors", test_lora_errors);
  g_test_add_func ("/avatar/load/lora-merge", test_lora_merge);
  g_test_add_func ("/avatar/cond", test_cond);
  g_test_add_func ("/avatar/generate/deterministic",
      test_generate_deterministic);
  g_test_add_func ("/avatar/generate/online-vs-clip", test_online_vs_clip);
  g_test_add_func ("/avatar/generate/other-draws", test_other_draws);
  g_test_add_func ("/avatar/generate/pcm", test_pcm_features);
  g_test_add_func ("/avatar/step/sink-order-reset", test_steps);
  g_test_add_func ("/avatar/step/skip", test_skip);
  g_test_add_func ("/avatar/step/prompt", test_prompt_change);
  g_test_add_func ("/avatar/step/reset-origin", test_reset_origin);
  g_test_add_func ("/avatar/step/shared-cross", test_shared_cross);
  ret = g_test_run ();
  if (ref.frames)
    out_clear (&ref);
  avatar_test_inputs_clear (&inputs);
  la_avatar_prompt_unref (prompt);
  la_avatar_cond_unref (cond);
  la_avatar_free (avatar);
  la_backend_free (be);
  la_test_tiny_model_free (tiny_dir);
  return ret;
}
