/* liveavatar: two clips of generation against the PyTorch oracle
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* data/goldens.safetensors (make_goldens.py) holds the inputs and what
 * oracle_e2e.py, Live Avatar's TPP generation written in PyTorch from its
 * source, computes from them in float64 on the tiny model: 2 clips, 8
 * blocks, 4 steps at 64x64, the sink prefilled with the picture and
 * refreshed at clip 1, the ring wrapping at 12 latent frames, the stream
 * decoder primed with the motion latents. This test writes the same tiny
 * model (la_tiny_model_write, same seed) and runs la_avatar_generate on
 * the same inputs, then compares
 *   the picture's ref and motion latents,
 *   every block's latent after every step,
 *   block 0's 9 pictures and pictures 8..11 of block 7,
 * each as max |ours - golden| / max |golden| <= 1e-4 (the pictures after
 * clamping to [-1, 1], as Live Avatar's stream_decode clamps), the RGB
 * frames within one step of the golden pictures' bytes, the first 3
 * frames equal to the picture, and 12 frames per block, in order. A
 * failure names the block and step where parity first breaks.
 * check_liveavatar.py holds the goldens against Live Avatar's own
 * generate: 1.1e-5 on the latents, 7.2e-5 on the pictures, the distance
 * its two bf16-only casts make (without them, 5.7e-7 and 1.1e-5). */

#include "config.h"

#include "la-avatar-generate.h"
#include "la-checkpoint.h"
#include "liveavatar.h"
#include "test-tiny.h"

#include <math.h>
#include <string.h>

#define TOL 1e-4

static const gchar *data_dir;

typedef struct
{
  LaCheckpoint *goldens;
  gint width, height, n_blocks, n_steps;
  gsize frame_bytes;
  const guint8 *picture;
  gdouble *latent_err;          /* [block * n_steps + step], -1: not seen */
  gint n_latent_calls;
  GString *pixel_fail;
  gdouble pixel_worst;
  guint64 n_frames;
  gboolean frames_in_order;
  gint rgb_checked;
  gint rgb_worst;
  gint head_frames_ok;
} Run;

static gfloat *
golden_f32 (Run * r, const gchar * name, gsize * n)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (r->goldens, name);
  GError *error = NULL;
  gfloat *v;

  if (!t)
    g_error ("golden '%s' missing", name);
  v = la_checkpoint_read_f32 (r->goldens, name, t->ndim, t->shape, &error);
  g_assert_no_error (error);
  if (n)
    *n = t->numel;
  return v;
}

static const LaCheckpointTensor *
golden_raw (Run * r, const gchar * name, LaIoDType dtype)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (r->goldens, name);

  if (!t || t->dtype != dtype)
    g_error ("golden '%s' missing or of another dtype", name);
  return t;
}

/* max |a - b| / max |b|, @a clamped to [-1, 1] first when @clamp */
static gdouble
max_rel (const gfloat * a, const gfloat * b, gsize n, gboolean clamp)
{
  gdouble diff = 0, ref = 0;
  gsize i;

  for (i = 0; i < n; i++) {
    gdouble x = a[i];

    if (!isfinite (x))
      return INFINITY;
    if (clamp)
      x = CLAMP (x, -1.0, 1.0);
    diff = MAX (diff, fabs (x - b[i]));
    ref = MAX (ref, fabs ((gdouble) b[i]));
  }
  return ref > 0 ? diff / ref : diff;
}

static gboolean
on_latent (gpointer user_data, guint64 block, gint step,
    const gfloat * latent, GError ** error)
{
  Run *r = user_data;
  gchar name[64];
  gfloat *want;
  gsize n;
  gint slot;

  r->n_latent_calls++;
  if (block >= (guint64) r->n_blocks || step < 0 || step >= r->n_steps)
    return TRUE;                /* counted, and the count fails the test */
  slot = r->n_steps * (gint) block + step;
  g_snprintf (name, sizeof (name), "block%04" G_GUINT64_FORMAT ".step%d",
      block, step);
  want = golden_f32 (r, name, &n);
  r->latent_err[slot] = max_rel (latent, want, n, FALSE);
  g_free (want);
  return TRUE;
}

/* the golden pictures of @block as (first picture, count), or FALSE */
static gboolean
golden_pictures (Run * r, guint64 block, gchar ** name, guint * first,
    guint * count)
{
  gchar *n = g_strdup_printf ("block%04" G_GUINT64_FORMAT ".pixels", block);
  gchar *tail = g_strconcat (n, ".last4", NULL);
  gboolean found = TRUE;

  if (la_checkpoint_lookup (r->goldens, n)) {
    *name = n;
    n = NULL;
    *first = 0;
    *count = 9;
  } else if (la_checkpoint_lookup (r->goldens, tail)) {
    *name = tail;
    tail = NULL;
    *first = 8;
    *count = 4;
  } else {
    found = FALSE;
  }
  g_free (n);
  g_free (tail);
  return found;
}

static gint
golden_picture_count (Run * r)
{
  gint b, total = 0;

  for (b = 0; b < r->n_blocks; b++) {
    gchar *name = NULL;
    guint first, count;

    if (golden_pictures (r, b, &name, &first, &count))
      total += count;
    g_free (name);
  }
  return total;
}

static gboolean
on_pixels (gpointer user_data, guint64 block, const gfloat * pixels,
    guint n_pictures, GError ** error)
{
  Run *r = user_data;
  gsize per = (gsize) 3 * r->width * r->height;
  guint expect = block == 0 ? 9 : 12;
  gchar *name = NULL;
  guint first, count;
  gfloat *want;
  gsize n;
  gdouble e;

  if (n_pictures != expect) {
    g_string_append_printf (r->pixel_fail, "block %" G_GUINT64_FORMAT
        ": %u pictures, expected %u; ", block, n_pictures, expect);
    return TRUE;
  }
  if (!golden_pictures (r, block, &name, &first, &count))
    return TRUE;
  want = golden_f32 (r, name, &n);
  g_assert_cmpuint (n, ==, count * per);
  e = max_rel (pixels + first * per, want, n, TRUE);
  r->pixel_worst = MAX (r->pixel_worst, e);
  if (!(e <= TOL))
    g_string_append_printf (r->pixel_fail, "block %" G_GUINT64_FORMAT
        " pictures %u..%u: rel err %.3g; ", block, first, first + count - 1, e);
  g_free (want);
  g_free (name);
  return TRUE;
}

/* Live Avatar's save_video byte of a golden value */
static gint
to_byte (gfloat x)
{
  return (gint) (guint8) ((CLAMP (x, -1.0f, 1.0f) + 1.0f) / 2.0f * 255.0f);
}

static gboolean
on_frames (gpointer user_data, guint64 first_frame, const guint8 * rgb,
    guint n_frames, GError ** error)
{
  Run *r = user_data;
  gsize plane = (gsize) r->width * r->height;
  guint64 block = first_frame / LA_AVATAR_FRAMES_PER_BLOCK;
  gchar *name = NULL;
  guint first, count, i;

  if (first_frame != r->n_frames || n_frames != LA_AVATAR_FRAMES_PER_BLOCK)
    r->frames_in_order = FALSE;
  /* the frames the decoder drops are the picture itself */
  for (i = 0; first_frame + i < 3 && i < n_frames; i++)
    if (memcmp (rgb + i * r->frame_bytes, r->picture, r->frame_bytes) == 0)
      r->head_frames_ok++;
  if (r->frames_in_order && n_frames == LA_AVATAR_FRAMES_PER_BLOCK
      && golden_pictures (r, block, &name, &first, &count)) {
    gfloat *want = golden_f32 (r, name, NULL);
    guint offset = block == 0 ? 3 : 0;  /* frame of golden picture 0 */

    for (i = 0; i < count; i++) {
      const guint8 *f = rgb + (offset + first + i) * r->frame_bytes;
      const gfloat *g = want + (gsize) i * 3 * plane;
      gsize p;
      gint c;

      for (p = 0; p < plane; p++)
        for (c = 0; c < 3; c++) {
          gint d = ABS ((gint) f[p * 3 + c] - to_byte (g[c * plane + p]));

          r->rgb_worst = MAX (r->rgb_worst, d);
        }
      r->rgb_checked++;
    }
    g_free (want);
    g_free (name);
  }
  r->n_frames += n_frames;
  return TRUE;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* make_goldens.py's in.tiny_sha256: the files the oracle read, so that a
 * changed tiny model generator is told apart from broken parity */
static void
check_model_digest (Run * r, const gchar * dir)
{
  static const gchar *files[] = { LA_AVATAR_CONFIG_FILE,
    LA_AVATAR_DIT_INDEX_FILE, LA_AVATAR_LORA_FILE, LA_AVATAR_VAE_FILE
  };
  const LaCheckpointTensor *want = golden_raw (r, "in.tiny_sha256",
      LA_IO_DTYPE_U8);
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  GPtrArray *shards = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  guint8 digest[32];
  gsize len = sizeof (digest);
  guint i;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)))
    if (g_str_has_prefix (name, "diffusion_pytorch_model-")
        && g_str_has_suffix (name, ".safetensors"))
      g_ptr_array_add (shards, g_strdup (name));
  g_dir_close (d);
  g_ptr_array_sort (shards, compare_names);
  for (i = 0; i < G_N_ELEMENTS (files) + shards->len; i++) {
    const gchar *f = i < G_N_ELEMENTS (files) ? files[i]
        : g_ptr_array_index (shards, i - G_N_ELEMENTS (files));
    gchar *path = g_build_filename (dir, f, NULL);
    gchar *data = NULL;
    gsize n = 0;

    g_assert_true (g_file_get_contents (path, &data, &n, NULL));
    g_checksum_update (sum, (const guchar *) data, n);
    g_free (data);
    g_free (path);
  }
  g_checksum_get_digest (sum, digest, &len);
  g_checksum_free (sum);
  g_ptr_array_unref (shards);
  g_assert_cmpuint (want->nbytes, ==, sizeof (digest));
  if (memcmp (digest, want->data, sizeof (digest)) != 0)
    g_error ("la_tiny_model_write no longer writes the model the goldens "
        "were made from: regenerate them (tests/e2e/make_goldens.py)");
}

static void
check_cond (Run * r, const LaAvatarCond * cond, gsize n_ref, gsize n_motion)
{
  gfloat *want;
  gsize n;
  gdouble e;

  want = golden_f32 (r, "cond.ref_latent", &n);
  g_assert_cmpuint (n, ==, n_ref);
  e = max_rel (cond->ref_latent, want, n, FALSE);
  g_free (want);
  if (!(e <= TOL))
    g_error ("the picture's ref latent (VAE encode of 1 frame) differs: "
        "rel err %.3g", e);
  want = golden_f32 (r, "cond.motion_latents", &n);
  g_assert_cmpuint (n, ==, n_motion);
  e = max_rel (cond->motion_latents, want, n, FALSE);
  g_free (want);
  if (!(e <= TOL))
    g_error ("the motion latents (VAE encode of 73 frames) differ: "
        "rel err %.3g", e);
}

/* the first (block, step) in generation order past TOL, and a table */
static void
check_latents (Run * r)
{
  GString *table = g_string_new ("rel err per block (steps 0..):\n");
  gint b, s, bad = -1;

  for (b = 0; b < r->n_blocks; b++) {
    g_string_append_printf (table, "  block %d:", b);
    for (s = 0; s < r->n_steps; s++) {
      gdouble e = r->latent_err[b * r->n_steps + s];

      g_string_append_printf (table, " %.2e", e);
      if (bad < 0 && !(e >= 0 && e <= TOL))
        bad = b * r->n_steps + s;
    }
    g_string_append_c (table, '\n');
  }
  g_test_message ("%s", table->str);
  if (bad >= 0) {
    gdouble e = r->latent_err[bad];

    if (e < 0)
      g_error ("no latent dumped for block %d step %d\n%s",
          bad / r->n_steps, bad % r->n_steps, table->str);
    g_error ("parity first breaks at block %d step %d: max |ours - golden| "
        "/ max |golden| = %.3g > %g\n%s", bad / r->n_steps,
        bad % r->n_steps, e, TOL, table->str);
  }
  g_string_free (table, TRUE);
}

static void
test_generate (void)
{
  Run r = { 0 };
  gchar *path, *dir;
  GError *error = NULL;
  const LaCheckpointTensor *seed_t, *pic_t, *draws_t;
  gfloat *context, *features, *noise;
  gint *draws;
  gsize n_ctx, n_feat, n_noise, i;
  LaBackend *be;
  LaAvatarConfig cfg;
  LaAvatar *avatar;
  LaAvatarCond *cond;
  LaAvatarPrompt *prompt;
  LaAvatarGenerateParams p;
  gint text_dim, h, w;
  gint64 tiny_seed;

  path = g_build_filename (data_dir, "goldens.safetensors", NULL);
  r.goldens = la_checkpoint_open (path, &error);
  g_assert_no_error (error);
  g_free (path);

  seed_t = golden_raw (&r, "in.tiny_seed", LA_IO_DTYPE_I64);
  memcpy (&tiny_seed, seed_t->data, sizeof (tiny_seed));
  pic_t = golden_raw (&r, "in.picture", LA_IO_DTYPE_U8);
  g_assert_cmpint (pic_t->ndim, ==, 3);
  g_assert_cmpint (pic_t->shape[2], ==, 3);
  r.height = (gint) pic_t->shape[0];
  r.width = (gint) pic_t->shape[1];
  r.frame_bytes = (gsize) r.width * r.height * 3;
  r.picture = pic_t->data;
  features = golden_f32 (&r, "in.features", &n_feat);
  r.n_blocks = (gint) (la_checkpoint_lookup (r.goldens,
          "in.features")->shape[0] / LA_AVATAR_FRAMES_PER_BLOCK);
  draws_t = golden_raw (&r, "in.draws", LA_IO_DTYPE_I32);
  r.n_steps = (gint) (draws_t->numel / r.n_blocks);
  g_assert_cmpint (r.n_steps * r.n_blocks, ==, draws_t->numel);
  draws = g_new (gint, draws_t->numel);
  for (i = 0; i < (gsize) draws_t->numel; i++) {
    gint32 d;

    memcpy (&d, (const guint8 *) draws_t->data + i * 4, 4);
    draws[i] = d;
  }
  context = golden_f32 (&r, "in.context", &n_ctx);
  text_dim = (gint) la_checkpoint_lookup (r.goldens, "in.context")->shape[1];
  noise = golden_f32 (&r, "in.noise", &n_noise);
  r.latent_err = g_new (gdouble, r.n_blocks * r.n_steps);
  for (i = 0; i < (gsize) r.n_blocks * r.n_steps; i++)
    r.latent_err[i] = -1;
  r.pixel_fail = g_string_new (NULL);
  r.frames_in_order = TRUE;

  dir = la_test_tiny_model_new ((guint64) tiny_seed);
  check_model_digest (&r, dir);

  be = la_backend_new (LA_BACKEND_CPU, 0, &error);
  g_assert_no_error (error);
  la_avatar_config_init (&cfg);
  cfg.model_dir = dir;
  cfg.width = r.width;
  cfg.height = r.height;
  cfg.sample_steps = r.n_steps;
  cfg.load_text_encoder = FALSE;
  cfg.load_audio_encoder = FALSE;
  avatar = la_avatar_new (be, &cfg, &error);
  g_assert_no_error (error);
  la_avatar_get_latent_size (avatar, &h, &w);
  g_assert_cmpuint (la_avatar_block_features_size (avatar) * r.n_blocks, ==,
      n_feat);
  g_assert_cmpuint (n_noise, ==, (gsize) 16 * 12 * h * w
      * ((r.n_blocks + 3) / 4));

  cond = la_avatar_cond_new (avatar, r.picture, r.width * 3, &error);
  g_assert_no_error (error);
  check_cond (&r, cond, (gsize) 16 * h * w, (gsize) 16 * 19 * h * w);
  prompt = la_avatar_prompt_new_from_context (avatar, context,
      (gint) (n_ctx / text_dim), &error);
  g_assert_no_error (error);

  la_avatar_generate_params_init (&p);
  p.seed = 420;                 /* unused: noise and draws are given */
  p.n_blocks = r.n_blocks;
  p.online_decode = TRUE;       /* the TPP VAE rank decodes per block */
  p.cond = cond;
  p.prompt = prompt;
  p.features = features;
  p.noise = noise;
  p.draws = draws;
  p.on_frames = on_frames;
  p.on_latent = on_latent;
  p.on_pixels = on_pixels;
  p.user_data = &r;
  g_assert_true (la_avatar_generate (avatar, &p, &error));
  g_assert_no_error (error);

  check_latents (&r);
  g_assert_cmpint (r.n_latent_calls, ==, r.n_blocks * r.n_steps);
  g_test_message ("pictures: worst rel err %.3g; RGB: %d frames checked, "
      "worst byte difference %d", r.pixel_worst, r.rgb_checked, r.rgb_worst);
  if (r.pixel_fail->len)
    g_error ("decoded pictures differ: %s", r.pixel_fail->str);
  g_assert_true (r.frames_in_order);
  g_assert_cmpuint (r.n_frames, ==, (guint64) r.n_blocks
      * LA_AVATAR_FRAMES_PER_BLOCK);
  g_assert_cmpint (r.head_frames_ok, ==, 3);
  g_assert_cmpint (r.rgb_checked, ==, golden_picture_count (&r));
  g_assert_cmpint (r.rgb_worst, <=, 1);

  la_avatar_prompt_unref (prompt);
  la_avatar_cond_unref (cond);
  la_avatar_free (avatar);
  la_backend_free (be);
  la_test_tiny_model_free (dir);
  g_string_free (r.pixel_fail, TRUE);
  g_free (r.latent_err);
  g_free (draws);
  g_free (noise);
  g_free (context);
  g_free (features);
  la_checkpoint_free (r.goldens);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s DATA-DIR", argv[0]);
  data_dir = argv[1];
  g_test_add_func ("/e2e/parity/two-clips", test_generate);
  return g_test_run ();
}
