/* liveavatar: the video VAE against diffusers and Live Avatar
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* data/weights.safetensors is a tiny Wan2.1 VAE (dim 4) under the official
 * tensor names; data/goldens.safetensors holds what diffusers'
 * AutoencoderKLWan computes with it in float64 (make_goldens.py, which also
 * checked that Wan's vae2_1.py and Live Avatar's vae_streaming.py agree
 * with it exactly):
 *   decode      3 latent frames -> 9 pictures (Wan's decode loop)
 *   stream      Live Avatar's TPP decode: primed with 7 of 9 motion
 *               latents, then two blocks of 3 -> 9 and 12 pictures
 *   encode      9 pictures -> 3 latent frames
 * Tolerance: max |ours - golden| / max |golden| <= 1e-4 (fp32 against
 * float64). The ways of cutting the same work (whole, frame by frame, in
 * blocks) must agree bit for bit with each other. */

#include "config.h"

#include "la-checkpoint.h"
#include "la-vae.h"
#include "la-vae-stream.h"
#include "liveavatar.h"
#include "vae-test-util.h"

#include <string.h>

#define TOL 1e-4

static LaBackend *be;
static const gchar *data_dir;
static VaeTestFile *goldens;

static LaVaeConfig
tiny_config (void)
{
  LaVaeConfig cfg;

  la_vae_config_init (&cfg);
  cfg.dim = 4;
  return cfg;
}

static VaeTestFile *
open_data (const gchar * name)
{
  return vae_test_data_open (data_dir, name);
}

static LaVae *
load_vae (LaVaeParts parts)
{
  return vae_test_tiny_vae_new (be, data_dir, parts, LA_DTYPE_F32);
}

static LaTensor *
golden (const gchar * name)
{
  return vae_test_file_tensor (goldens, be, name);
}

static LaTensor *
new_pictures (gint64 n, gint64 h, gint64 w)
{
  gint64 ne[4] = { n, 3, h, w };
  GError *error = NULL;
  LaTensor *t = la_tensor_new (be, LA_DTYPE_F32, 4, ne, &error);

  g_assert_no_error (error);
  return t;
}

/* frames [first, first + n) of channel-first latents [16, F, h, w] */
static LaTensor *
latent_frames (const LaTensor * z, gint64 first, gint64 n)
{
  gint64 ne[4] = { z->ne[0], n, z->ne[2], z->ne[3] };
  gint64 plane = z->ne[2] * z->ne[3], c;
  gfloat *all = la_test_download (z), *part = g_new (gfloat, ne[0] * n * plane);
  GError *error = NULL;
  LaTensor *t;

  for (c = 0; c < ne[0]; c++)
    memcpy (part + c * n * plane, all + (c * z->ne[1] + first) * plane,
        (gsize) (n * plane) * sizeof (gfloat));
  t = la_tensor_new (be, LA_DTYPE_F32, 4, ne, &error);
  g_assert_true (la_tensor_set_f32 (t, part, ne[0] * n * plane, &error));
  g_assert_no_error (error);
  g_free (part);
  g_free (all);
  return t;
}

static void
assert_matches_golden (const LaTensor * got, const gchar * name)
{
  LaTensor *want = golden (name);
  gfloat *g = la_test_download (got), *w = la_test_download (want);
  gdouble err;

  g_assert_true (la_tensor_same_shape (got, want));
  err = la_test_rel_error (g, w, la_tensor_nelements (want));
  g_test_message ("%s: relative error %.3g", name, err);
  if (g_test_verbose ())
    g_printerr ("%s: relative error %.3g\n", name, err);
  g_assert_cmpfloat (err, <=, TOL);
  g_free (w);
  g_free (g);
  la_tensor_free (want);
}

static void
assert_same (const LaTensor * a, const LaTensor * b)
{
  gfloat *x = la_test_download (a), *y = la_test_download (b);

  g_assert_true (la_tensor_same_shape (a, b));
  g_assert_cmpmem (x, la_tensor_nelements (a) * 4, y,
      la_tensor_nelements (b) * 4);
  g_free (y);
  g_free (x);
}

/* ---- loading ---- */

static void
test_load_uses_every_weight (void)
{
  LaVaeConfig cfg = tiny_config ();
  VaeTestFile *w = open_data ("weights.safetensors");
  GError *error = NULL;
  LaVae *vae = la_vae_new (be, &cfg, LA_VAE_ENCODER | LA_VAE_DECODER,
      (LaVaeReadFunc) vae_test_file_read_f32, w, &error);
  gchar *misused;

  g_assert_no_error (error);
  /* every tensor of the official layout read once, and nothing else */
  misused = vae_test_file_misused (w);
  g_assert_cmpstr (misused, ==, NULL);
  la_vae_free (vae);
  vae_test_file_free (w);
}

/* the engine's way: the checkpoint reader of src/io as the lookup */
static void
test_load_checkpoint (void)
{
  LaVaeConfig cfg = tiny_config ();
  gchar *path = g_build_filename (data_dir, "weights.safetensors", NULL);
  GError *error = NULL;
  LaCheckpoint *ck = la_checkpoint_open (path, &error);
  LaVae *vae, *ref = load_vae (LA_VAE_DECODER);
  LaVaeCache *cache, *ref_cache = la_vae_cache_new (ref);
  LaTensor *z = golden ("decode.z"), *out = new_pictures (9, 16, 24);
  LaTensor *ref_out = new_pictures (9, 16, 24);

  g_assert_no_error (error);
  vae = la_vae_new (be, &cfg, LA_VAE_DECODER,
      (LaVaeReadFunc) la_checkpoint_read_f32, ck, &error);
  g_assert_no_error (error);
  cache = la_vae_cache_new (vae);
  g_assert_true (la_vae_decode (vae, cache, out, z, &error));
  g_assert_true (la_vae_decode (ref, ref_cache, ref_out, z, &error));
  g_assert_no_error (error);
  assert_same (out, ref_out);

  la_tensor_free (ref_out);
  la_tensor_free (out);
  la_tensor_free (z);
  la_vae_cache_free (ref_cache);
  la_vae_cache_free (cache);
  la_vae_free (ref);
  la_vae_free (vae);
  la_checkpoint_free (ck);
  g_free (path);
}

static void
test_load_errors (void)
{
  LaVaeConfig cfg = tiny_config ();
  VaeTestFile *w = open_data ("weights.safetensors");
  GError *error = NULL;

  /* a wider model than the file: the first tensor's shape is wrong and
   * the error names it */
  cfg.dim = 8;
  g_assert_null (la_vae_new (be, &cfg, LA_VAE_DECODER,
          (LaVaeReadFunc) vae_test_file_read_f32, w, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
  g_assert_nonnull (strstr (error->message, "decoder.conv1.weight"));
  g_clear_error (&error);

  /* nonsense configurations */
  cfg = tiny_config ();
  cfg.z_dim = 8;
  g_assert_null (la_vae_new (be, &cfg, LA_VAE_DECODER,
          (LaVaeReadFunc) vae_test_file_read_f32, w, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  cfg = tiny_config ();
  cfg.dim_mult[2] = 0;
  g_assert_null (la_vae_new (be, &cfg, LA_VAE_DECODER,
          (LaVaeReadFunc) vae_test_file_read_f32, w, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  cfg = tiny_config ();
  g_assert_null (la_vae_new (be, &cfg, 0,
          (LaVaeReadFunc) vae_test_file_read_f32, w, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  vae_test_file_free (w);
}

/* ---- decode ---- */

static void
test_decode (void)
{
  LaVae *vae = load_vae (LA_VAE_DECODER);
  LaVaeCache *cache = la_vae_cache_new (vae);
  LaTensor *z = golden ("decode.z"), *out;
  GError *error = NULL;

  g_assert_cmpint (la_vae_cache_n_pictures (cache, 3), ==, 9);
  out = new_pictures (9, 16, 24);
  g_assert_true (la_vae_decode (vae, cache, out, z, &error));
  g_assert_no_error (error);
  g_assert_cmpint (la_vae_cache_get_n_decoded (cache), ==, 3);
  g_assert_cmpint (la_vae_cache_n_pictures (cache, 3), ==, 12);
  assert_matches_golden (out, "decode.pictures");

  la_tensor_free (out);
  la_tensor_free (z);
  la_vae_cache_free (cache);
  la_vae_free (vae);
}

/* the same latents in separate calls carrying the cache: 1 + 1 + 1 and
 * 1 + 2 latent frames, bit-identical to one call; then reset and again */
static void
test_decode_frame_by_frame (void)
{
  LaVae *vae = load_vae (LA_VAE_DECODER);
  LaVaeCache *cache = la_vae_cache_new (vae);
  LaTensor *z = golden ("decode.z"), *whole = new_pictures (9, 16, 24);
  gfloat *w, *parts = g_new (gfloat, 9 * 3 * 16 * 24);
  GError *error = NULL;
  gint64 frame = 0, i, n, split, plane = 3 * 16 * 24;

  g_assert_true (la_vae_decode (vae, cache, whole, z, &error));
  w = la_test_download (whole);

  for (split = 1; split <= 2; split++) {
    la_vae_cache_reset (cache);
    g_assert_cmpint (la_vae_cache_get_n_decoded (cache), ==, 0);
    frame = 0;
    for (i = 0; i < 3; i += n) {
      LaTensor *zi, *out;
      gfloat *got;

      /* split 1: one latent frame per call; split 2: 1, then 2 */
      n = split == 1 || i == 0 ? 1 : 2;
      zi = latent_frames (z, i, n);
      out = new_pictures (la_vae_cache_n_pictures (cache, n), 16, 24);
      g_assert_true (la_vae_decode (vae, cache, out, zi, &error));
      g_assert_no_error (error);
      got = la_test_download (out);
      memcpy (parts + frame * plane, got, (gsize) (out->ne[0] * plane) * 4);
      frame += out->ne[0];
      g_free (got);
      la_tensor_free (out);
      la_tensor_free (zi);
    }
    g_assert_cmpint (frame, ==, 9);
    g_assert_cmpmem (parts, 9 * plane * 4, w, 9 * plane * 4);
  }

  g_free (parts);
  g_free (w);
  la_tensor_free (whole);
  la_tensor_free (z);
  la_vae_cache_free (cache);
  la_vae_free (vae);
}

static void
test_decode_errors (void)
{
  LaVae *vae = load_vae (LA_VAE_DECODER);
  LaVaeCache *cache = la_vae_cache_new (vae);
  LaTensor *z = golden ("decode.z"), *small = golden ("stream.block0");
  LaTensor *out = new_pictures (9, 16, 24), *wrong = new_pictures (8, 16, 24);
  LaTensor *one, *four = new_pictures (4, 16, 16);
  GError *error = NULL;

  /* an output of the wrong length */
  g_assert_false (la_vae_decode (vae, cache, wrong, z, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpint (la_vae_cache_get_n_decoded (cache), ==, 0);

  /* the latent size may not change in the middle of a stream */
  g_assert_true (la_vae_decode (vae, cache, out, z, &error));
  one = latent_frames (small, 0, 1);
  g_assert_false (la_vae_decode (vae, cache, four, one, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* after a reset it may */
  la_vae_cache_reset (cache);
  la_tensor_free (four);
  four = new_pictures (1, 16, 16);
  g_assert_true (la_vae_decode (vae, cache, four, one, &error));
  g_assert_no_error (error);

  /* a decoder-less VAE does not decode, an encoder-less one not encode */
  {
    LaVae *enc = load_vae (LA_VAE_ENCODER);
    LaVaeCache *c2 = la_vae_cache_new (enc);

    g_assert_false (la_vae_decode (enc, c2, out, z, &error));
    g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_false (la_vae_encode (vae, z, out, &error));
    g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    la_vae_cache_free (c2);
    la_vae_free (enc);
  }

  la_tensor_free (one);
  la_tensor_free (four);
  la_tensor_free (wrong);
  la_tensor_free (out);
  la_tensor_free (small);
  la_tensor_free (z);
  la_vae_cache_free (cache);
  la_vae_free (vae);
}

/* ---- Live Avatar's stream decode ---- */

static void
test_stream (void)
{
  LaVae *vae = load_vae (LA_VAE_DECODER);
  LaVaeStream *stream = la_vae_stream_new (vae);
  LaTensor *motion = golden ("stream.motion");
  LaTensor *block0 = golden ("stream.block0"), *block1 =
      golden ("stream.block1");
  LaTensor *out0, *out1;
  GError *error = NULL;

  /* unprimed it is a plain decode */
  g_assert_cmpint (la_vae_stream_n_pictures (stream, 3), ==, 9);
  g_assert_true (la_vae_stream_prime (stream, motion, &error));
  g_assert_no_error (error);
  g_assert_cmpint (la_vae_stream_n_pictures (stream, 3), ==, 9);
  g_assert_cmpint (la_vae_stream_n_pictures (stream, 1), ==, 1);

  out0 = new_pictures (9, 16, 16);
  g_assert_true (la_vae_stream_decode (stream, out0, block0, &error));
  g_assert_no_error (error);
  assert_matches_golden (out0, "stream.pictures0");

  g_assert_cmpint (la_vae_stream_n_pictures (stream, 3), ==, 12);
  out1 = new_pictures (12, 16, 16);
  g_assert_true (la_vae_stream_decode (stream, out1, block1, &error));
  g_assert_no_error (error);
  assert_matches_golden (out1, "stream.pictures1");

  la_tensor_free (out1);
  la_tensor_free (out0);
  la_tensor_free (block1);
  la_tensor_free (block0);
  la_tensor_free (motion);
  la_vae_stream_free (stream);
  la_vae_free (vae);
}

/* latent frame by latent frame (the engine's online decode) the same
 * pictures come out as block by block: 1, 4, 4 for the first block, then 4
 * each */
static void
test_stream_per_latent_frame (void)
{
  LaVae *vae = load_vae (LA_VAE_DECODER);
  LaVaeStream *stream = la_vae_stream_new (vae);
  LaTensor *motion = golden ("stream.motion"), *blocks[2], *want[2];
  gint64 plane = 3 * 16 * 16, b, i;
  GError *error = NULL;

  blocks[0] = golden ("stream.block0");
  blocks[1] = golden ("stream.block1");
  /* block by block first */
  g_assert_true (la_vae_stream_prime (stream, motion, &error));
  for (b = 0; b < 2; b++) {
    want[b] = new_pictures (b == 0 ? 9 : 12, 16, 16);
    g_assert_true (la_vae_stream_decode (stream, want[b], blocks[b], &error));
  }
  g_assert_no_error (error);

  /* priming twice is priming once: it starts from a reset */
  g_assert_true (la_vae_stream_prime (stream, motion, &error));
  g_assert_true (la_vae_stream_prime (stream, motion, &error));
  g_assert_no_error (error);

  for (b = 0; b < 2; b++) {
    gfloat *w = la_test_download (want[b]);
    gint64 frame = 0;

    for (i = 0; i < 3; i++) {
      LaTensor *zi = latent_frames (blocks[b], i, 1), *out;
      gint64 n = la_vae_stream_n_pictures (stream, 1);
      gfloat *got;

      g_assert_cmpint (n, ==, b == 0 && i == 0 ? 1 : 4);
      out = new_pictures (n, 16, 16);
      g_assert_true (la_vae_stream_decode (stream, out, zi, &error));
      g_assert_no_error (error);
      got = la_test_download (out);
      g_assert_cmpmem (got, n * plane * 4, w + frame * plane, n * plane * 4);
      frame += n;
      g_free (got);
      la_tensor_free (out);
      la_tensor_free (zi);
    }
    g_assert_cmpint (frame, ==, want[b]->ne[0]);
    g_free (w);
  }

  la_tensor_free (want[1]);
  la_tensor_free (want[0]);
  la_tensor_free (blocks[1]);
  la_tensor_free (blocks[0]);
  la_tensor_free (motion);
  la_vae_stream_free (stream);
  la_vae_free (vae);
}

/* the priming uses motion_latents[:, :, :7]: the first 7 alone prime the
 * same */
static void
test_stream_prime_uses_seven (void)
{
  LaVae *vae = load_vae (LA_VAE_DECODER);
  LaVaeStream *stream = la_vae_stream_new (vae);
  LaTensor *motion = golden ("stream.motion");
  LaTensor *seven = latent_frames (motion, 0, LA_VAE_STREAM_PRIME_LATENTS);
  LaTensor *block0 = golden ("stream.block0"), *out = new_pictures (9, 16, 16);
  LaTensor *none;
  GError *error = NULL;

  g_assert_cmpint (motion->ne[1], >, LA_VAE_STREAM_PRIME_LATENTS);
  g_assert_true (la_vae_stream_prime (stream, seven, &error));
  g_assert_true (la_vae_stream_decode (stream, out, block0, &error));
  g_assert_no_error (error);
  assert_matches_golden (out, "stream.pictures0");

  /* a first decode that is all dropped pictures needs no output */
  g_assert_true (la_vae_stream_prime (stream, seven, &error));
  none = latent_frames (block0, 0, 1);
  g_assert_cmpint (la_vae_stream_n_pictures (stream, 1), ==, 1);
  g_assert_false (la_vae_stream_decode (stream, NULL, none, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  la_tensor_free (none);
  la_tensor_free (out);
  la_tensor_free (block0);
  la_tensor_free (seven);
  la_tensor_free (motion);
  la_vae_stream_free (stream);
  la_vae_free (vae);
}

/* ---- encode ---- */

static void
test_encode (void)
{
  LaVae *vae = load_vae (LA_VAE_ENCODER);
  LaTensor *video = golden ("encode.video");
  gint64 ne[4] = { 16, 3, 2, 3 };
  GError *error = NULL;
  LaTensor *z = la_tensor_new (be, LA_DTYPE_F32, 4, ne, &error);

  g_assert_cmpint (la_vae_n_latents (9), ==, 3);
  g_assert_true (la_vae_encode (vae, z, video, &error));
  g_assert_no_error (error);
  assert_matches_golden (z, "encode.z");

  la_tensor_free (z);
  la_tensor_free (video);
  la_vae_free (vae);
}

/* causal: the first picture alone encodes to the first latent frame (the
 * reference image's encoding); a 10th picture (past the last chunk of 4)
 * changes nothing, as in Wan */
static void
test_encode_causal (void)
{
  LaVae *vae = load_vae (LA_VAE_ENCODER);
  LaTensor *video = golden ("encode.video");
  gint64 ne[4] = { 16, 3, 2, 3 }, ne1[4] = { 16, 1, 2, 3 };
  gint64 v10[4] = { 10, 3, 16, 24 };
  GError *error = NULL;
  LaTensor *z = la_tensor_new (be, LA_DTYPE_F32, 4, ne, &error);
  LaTensor *z10 = la_tensor_new (be, LA_DTYPE_F32, 4, ne, &error);
  LaTensor *z1 = la_tensor_new (be, LA_DTYPE_F32, 4, ne1, &error);
  LaTensor *first, *ten, *z_first;
  gfloat *pics = la_test_download (video), *pics10;
  gsize frame = 3 * 16 * 24;

  g_assert_true (la_vae_encode (vae, z, video, &error));

  /* 10 pictures: the 10th is noise that must not matter */
  pics10 = g_new (gfloat, 10 * frame);
  memcpy (pics10, pics, 9 * frame * 4);
  memcpy (pics10 + 9 * frame, pics, frame * 4);
  ten = la_tensor_new (be, LA_DTYPE_F32, 4, v10, &error);
  g_assert_true (la_tensor_set_f32 (ten, pics10, 10 * frame, &error));
  g_assert_true (la_vae_encode (vae, z10, ten, &error));
  g_assert_no_error (error);
  assert_same (z10, z);

  /* the first picture alone */
  {
    gint64 ne_1[4] = { 1, 3, 16, 24 };

    first = la_tensor_new (be, LA_DTYPE_F32, 4, ne_1, &error);
    g_assert_true (la_tensor_set_f32 (first, pics, frame, &error));
  }
  g_assert_true (la_vae_encode (vae, z1, first, &error));
  g_assert_no_error (error);
  z_first = latent_frames (z, 0, 1);
  assert_same (z1, z_first);

  /* a wrong output shape, pictures not a multiple of 8 */
  g_assert_false (la_vae_encode (vae, z1, video, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  {
    gint64 odd[4] = { 1, 3, 12, 24 };
    LaTensor *bad = la_tensor_new (be, LA_DTYPE_F32, 4, odd, &error);

    g_assert_false (la_vae_encode (vae, z1, bad, &error));
    g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    la_tensor_free (bad);
  }

  la_tensor_free (z_first);
  la_tensor_free (first);
  la_tensor_free (ten);
  g_free (pics10);
  g_free (pics);
  la_tensor_free (z1);
  la_tensor_free (z10);
  la_tensor_free (z);
  la_tensor_free (video);
  la_vae_free (vae);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s DATA-DIR", argv[0]);
  data_dir = argv[1];
  be = la_test_cpu ();
  goldens = open_data ("goldens.safetensors");

  g_test_add_func ("/vae/load/every-weight", test_load_uses_every_weight);
  g_test_add_func ("/vae/load/checkpoint", test_load_checkpoint);
  g_test_add_func ("/vae/load/errors", test_load_errors);
  g_test_add_func ("/vae/decode/golden", test_decode);
  g_test_add_func ("/vae/decode/frame-by-frame", test_decode_frame_by_frame);
  g_test_add_func ("/vae/decode/errors", test_decode_errors);
  g_test_add_func ("/vae/stream/golden", test_stream);
  g_test_add_func ("/vae/stream/per-latent-frame",
      test_stream_per_latent_frame);
  g_test_add_func ("/vae/stream/prime-uses-seven",
      test_stream_prime_uses_seven);
  g_test_add_func ("/vae/encode/golden", test_encode);
  g_test_add_func ("/vae/encode/causal", test_encode_causal);
  ret = g_test_run ();

  vae_test_file_free (goldens);
  la_backend_free (be);
  return ret;
}
