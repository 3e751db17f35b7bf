/* liveavatar: the video VAE computing in bf16
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* la_vae_new_with_dtype (..., LA_DTYPE_BF16, ...) against the fp32
 * reference (itself checked against diffusers in test-vae-parity.c), on
 * the parity fixtures (data/: a tiny Wan2.1 VAE, dim 4): Live Avatar's
 * stream decode (prime with 7 motion latents, two blocks of 3) and an
 * encode.
 *
 * Bars:
 * - pictures: PSNR >= 40 dB per picture against fp32, with the [-1, 1]
 *   range (peak-to-peak 2) as the peak. 40 dB is an RMS error of 1% of
 *   the range, 2.5 levels of an 8-bit picture: what "visually the same"
 *   is usually taken to mean. bf16 keeps 8 significant bits (a rounding
 *   is at most 2^-9 relative); each op rounds once, and a few dozen
 *   roundings through the decoder's ~30 layers, adding up like a random
 *   walk, give an RMS error of a few 1e-3 of the range (50-60 dB): 40 dB
 *   leaves a factor of 3 or more in RMS error for a model less tame than
 *   this one, and still fails gross mistakes (a history lost or left
 *   stale, a frame out of place, a missing denormalisation).
 * - not bit-identical to fp32: the bf16 path is really taken;
 * - bit-identical to itself decoded latent frame by latent frame: the
 *   bf16 cache carries the stream exactly;
 * - bytes: weights and cache stored bf16 take exactly half of fp32's
 *   (the four [z_dim] latent tables stay fp32 in both);
 * - latents from the encoder: max |bf16 - fp32| <= 2^-4 max |fp32|: the
 *   encoder's ~30 layers each round to 2^-9, and the bf16 mean / std
 *   tables (Live Avatar's) move a latent by up to 2^-8 relative; 2^-4
 *   leaves a factor 8 over that budget and still fails an encoder that
 *   is wrong.
 *
 * The bf16 runs need a backend with the VAE's ops on bf16: the CPU once
 * its ops take bf16, the CUDA backend when this build has it and a GPU is
 * present. Where no backend has them the tests that need one are skipped
 * and say so; the API checks always run. */

#include "config.h"

#include "la-vae.h"
#include "la-vae-stream.h"
#include "liveavatar.h"
#include "vae-test-util.h"

#include <math.h>
#include <string.h>

#define PSNR_MIN 40.0
#define ENCODE_TOL 0.0625
/* mean, std, 1 / std, -mean / std: [z_dim] fp32 each */
#define TABLE_BYTES (4 * LA_VAE_Z_DIM * sizeof (gfloat))
/* the stream fixture: 9 + 12 pictures of 16x16 */
#define N_PICTURES 21
#define PICTURE (3 * 16 * 16)

static LaBackend *cpu;
static GPtrArray *bf16_backends;        /* CPU and CUDA, where they can */
static const gchar *data_dir;

static VaeTestFile *
open_data (const gchar * name)
{
  return vae_test_data_open (data_dir, name);
}

static LaVae *
load_vae (LaBackend * be, LaVaeParts parts, LaDType dtype, guint64 * bytes)
{
  guint64 before = la_backend_get_allocated_bytes (be);
  LaVae *vae = vae_test_tiny_vae_new (be, data_dir, parts, dtype);

  g_assert_cmpint (la_vae_get_dtype (vae), ==, dtype);
  if (bytes)
    *bytes = la_backend_get_allocated_bytes (be) - before;
  return vae;
}

static LaTensor *
new_f32 (LaBackend * be, gint64 a, gint64 b, gint64 c, gint64 d)
{
  gint64 ne[4] = { a, b, c, d };
  GError *error = NULL;
  LaTensor *t = la_tensor_new (be, LA_DTYPE_F32, 4, ne, &error);

  g_assert_no_error (error);
  return t;
}

/* latent frame @i of channel-first latents [16, F, h, w] */
static LaTensor *
latent_frame (const LaTensor * z, gint64 i)
{
  gint64 plane = z->ne[2] * z->ne[3], c;
  gfloat *all = la_test_download (z), *part = g_new (gfloat, z->ne[0] * plane);
  LaTensor *t = new_f32 (z->backend, z->ne[0], 1, z->ne[2], z->ne[3]);
  GError *error = NULL;

  for (c = 0; c < z->ne[0]; c++)
    memcpy (part + c * plane, all + (c * z->ne[1] + i) * plane,
        (gsize) plane * sizeof (gfloat));
  g_assert_true (la_tensor_set_f32 (t, part, z->ne[0] * plane, &error));
  g_assert_no_error (error);
  g_free (part);
  g_free (all);
  return t;
}

/* decodes @z through @stream, appending the pictures to @pics at
 * *@n_done; @per_frame: one latent frame per call */
static void
stream_decode (LaVaeStream * stream, const LaTensor * z, gboolean per_frame,
    gfloat * pics, gint64 * n_done)
{
  gint64 i, n_calls = per_frame ? z->ne[1] : 1;

  for (i = 0; i < n_calls; i++) {
    LaTensor *zi = per_frame ? latent_frame (z, i) : NULL;
    const LaTensor *in = zi ? zi : z;
    gint64 n = la_vae_stream_n_pictures (stream, in->ne[1]);
    LaTensor *out = new_f32 (z->backend, n, 3, 16, 16);
    GError *error = NULL;
    gfloat *got;

    g_assert_true (la_vae_stream_decode (stream, out, in, &error));
    g_assert_no_error (error);
    got = la_test_download (out);
    g_assert_cmpint (*n_done + n, <=, N_PICTURES);
    memcpy (pics + *n_done * PICTURE, got, (gsize) n * PICTURE * 4);
    *n_done += n;
    g_free (got);
    la_tensor_free (out);
    la_tensor_free (zi);
  }
}

/* Live Avatar's TPP decode of the fixture on @be in @dtype: the 21
 * pictures (g_free); the bytes the stream's cache holds after priming and
 * those of the weights */
static gfloat *
run_stream (LaBackend * be, LaDType dtype, gboolean per_frame,
    guint64 * cache_bytes, guint64 * weight_bytes)
{
  VaeTestFile *goldens = open_data ("goldens.safetensors");
  LaTensor *motion = vae_test_file_tensor (goldens, be, "stream.motion");
  LaTensor *block0 = vae_test_file_tensor (goldens, be, "stream.block0");
  LaTensor *block1 = vae_test_file_tensor (goldens, be, "stream.block1");
  LaVae *vae = load_vae (be, LA_VAE_DECODER, dtype, weight_bytes);
  LaVaeStream *stream = la_vae_stream_new (vae);
  gfloat *pics = g_new0 (gfloat, N_PICTURES * PICTURE);
  guint64 before = la_backend_get_allocated_bytes (be);
  gint64 n_done = 0;
  GError *error = NULL;

  g_assert_true (la_vae_stream_prime (stream, motion, &error));
  g_assert_no_error (error);
  /* the priming's scratch pictures are gone: what is left is the cache */
  if (cache_bytes)
    *cache_bytes = la_backend_get_allocated_bytes (be) - before;
  stream_decode (stream, block0, per_frame, pics, &n_done);
  g_assert_cmpint (n_done, ==, 9);
  stream_decode (stream, block1, per_frame, pics, &n_done);
  g_assert_cmpint (n_done, ==, N_PICTURES);

  la_vae_stream_free (stream);
  la_vae_free (vae);
  la_tensor_free (block1);
  la_tensor_free (block0);
  la_tensor_free (motion);
  vae_test_file_free (goldens);
  return pics;
}

/* PSNR of @got against @want, values in [-1, 1] (peak-to-peak 2) */
static gdouble
psnr (const gfloat * got, const gfloat * want, gsize n)
{
  gdouble se = 0.0;
  gsize i;

  for (i = 0; i < n; i++) {
    gdouble d = (gdouble) got[i] - want[i];

    se += d * d;
  }
  if (se == 0.0)
    return INFINITY;
  return 10.0 * log10 (4.0 / (se / n));
}

/* the lowest PSNR of the N_PICTURES pictures of @got against @want, each
 * at least PSNR_MIN */
static gdouble
worst_picture (LaBackend * be, const gfloat * got, const gfloat * want,
    const gchar * against)
{
  gdouble worst = INFINITY;
  gint i;

  for (i = 0; i < N_PICTURES; i++) {
    gdouble p = psnr (got + i * PICTURE, want + i * PICTURE, PICTURE);

    g_test_message ("%s picture %d: PSNR %.1f dB against %s",
        la_backend_get_name (be), i, p, against);
    g_assert_cmpfloat (p, >=, PSNR_MIN);
    worst = MIN (worst, p);
  }
  return worst;
}

static gboolean
need_bf16 (void)
{
  if (bf16_backends->len > 0)
    return TRUE;
  g_test_skip ("no backend runs the VAE's ops on bf16 here (the CPU's "
      "bf16 ops not in yet, no GPU)");
  return FALSE;
}

/* ---- the API ---- */

static void
test_dtype_errors (void)
{
  static const LaDType bad[] = {
    LA_DTYPE_F16, LA_DTYPE_FP8_E4M3, LA_DTYPE_I32, LA_DTYPE_COUNT,
    (LaDType) 77,
  };
  LaVaeConfig cfg;
  VaeTestFile *w = open_data ("weights.safetensors");
  GError *error = NULL;
  guint i;

  la_vae_config_init (&cfg);
  cfg.dim = 4;
  g_assert_true (la_vae_backend_supports (cpu, LA_DTYPE_F32));
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_assert_false (la_vae_backend_supports (cpu, bad[i]));
    g_assert_null (la_vae_new_with_dtype (cpu, &cfg, LA_VAE_DECODER, bad[i],
            (LaVaeReadFunc) vae_test_file_read_f32, w, &error));
    g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  /* a backend without the bf16 ops says so, it does not fail later */
  if (!la_vae_backend_supports (cpu, LA_DTYPE_BF16)) {
    g_assert_null (la_vae_new_with_dtype (cpu, &cfg, LA_VAE_DECODER,
            LA_DTYPE_BF16, (LaVaeReadFunc) vae_test_file_read_f32, w, &error));
    g_assert_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED);
    g_clear_error (&error);
  }
  vae_test_file_free (w);
}

/* la_vae_new () is la_vae_new_with_dtype (F32), to the bit */
static void
test_f32_is_default (void)
{
  VaeTestFile *w = open_data ("weights.safetensors");
  LaVaeConfig cfg;
  GError *error = NULL;
  LaVae *plain, *f32 = load_vae (cpu, LA_VAE_DECODER, LA_DTYPE_F32, NULL);
  gfloat *a, *b;

  la_vae_config_init (&cfg);
  cfg.dim = 4;
  plain = la_vae_new (cpu, &cfg, LA_VAE_DECODER,
      (LaVaeReadFunc) vae_test_file_read_f32, w, &error);
  g_assert_no_error (error);
  g_assert_cmpint (la_vae_get_dtype (plain), ==, LA_DTYPE_F32);
  la_vae_free (plain);
  la_vae_free (f32);
  vae_test_file_free (w);

  a = run_stream (cpu, LA_DTYPE_F32, FALSE, NULL, NULL);
  b = run_stream (cpu, LA_DTYPE_F32, TRUE, NULL, NULL);
  g_assert_cmpmem (a, N_PICTURES * PICTURE * 4, b, N_PICTURES * PICTURE * 4);
  g_free (b);
  g_free (a);
}

/* a cache serves only the VAE it was made for */
static void
test_cache_of_another_vae (void)
{
  LaBackend *be;
  LaVae *f32, *bf16;
  LaVaeCache *cache;
  LaTensor *z, *out;
  VaeTestFile *goldens;
  GError *error = NULL;

  if (!need_bf16 ())
    return;
  be = g_ptr_array_index (bf16_backends, 0);
  f32 = load_vae (be, LA_VAE_DECODER, LA_DTYPE_F32, NULL);
  bf16 = load_vae (be, LA_VAE_DECODER, LA_DTYPE_BF16, NULL);
  goldens = open_data ("goldens.safetensors");
  z = vae_test_file_tensor (goldens, be, "decode.z");
  out = new_f32 (be, 9, 3, 16, 24);
  cache = la_vae_cache_new (f32);
  g_assert_false (la_vae_decode (bf16, cache, out, z, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpint (la_vae_cache_get_n_decoded (cache), ==, 0);
  g_assert_true (la_vae_decode (f32, cache, out, z, &error));
  g_assert_no_error (error);

  la_vae_cache_free (cache);
  la_tensor_free (out);
  la_tensor_free (z);
  vae_test_file_free (goldens);
  la_vae_free (bf16);
  la_vae_free (f32);
}

/* ---- Live Avatar's stream decode ---- */

static void
test_stream (void)
{
  gfloat *ref;
  guint64 ref_cache, ref_weights;
  guint b;

  if (!need_bf16 ())
    return;
  /* the fp32 reference on the CPU */
  ref = run_stream (cpu, LA_DTYPE_F32, FALSE, &ref_cache, &ref_weights);

  for (b = 0; b < bf16_backends->len; b++) {
    LaBackend *be = g_ptr_array_index (bf16_backends, b);
    guint64 cache, weights, cache32, weights32;
    gfloat *got = run_stream (be, LA_DTYPE_BF16, FALSE, &cache, &weights);
    gfloat *frames = run_stream (be, LA_DTYPE_BF16, TRUE, NULL, NULL);
    gfloat *f32 = be == cpu ? NULL : run_stream (be, LA_DTYPE_F32, FALSE,
        &cache32, &weights32);
    gdouble worst;

    if (be == cpu) {
      cache32 = ref_cache;
      weights32 = ref_weights;
    }
    worst = worst_picture (be, got, ref, "fp32");
    if (g_test_verbose ())
      g_printerr ("%s: PSNR %.1f dB over all pictures, worst %.1f; cache %"
          G_GUINT64_FORMAT " bytes (fp32 %" G_GUINT64_FORMAT "), weights %"
          G_GUINT64_FORMAT " (fp32 %" G_GUINT64_FORMAT ")\n",
          la_backend_get_name (be), psnr (got, ref, N_PICTURES * PICTURE),
          worst, cache, cache32, weights, weights32);
    /* some picture differs: bf16 was used */
    g_assert_cmpfloat (worst, <, INFINITY);
    g_assert_true (memcmp (got, ref, N_PICTURES * PICTURE * 4) != 0);
    /* the bf16 cache carries the stream the same latent frame by frame */
    g_assert_cmpmem (frames, N_PICTURES * PICTURE * 4, got,
        N_PICTURES * PICTURE * 4);
    /* stored bf16: half the bytes */
    g_assert_cmpuint (cache, >, 0);
    g_assert_cmpuint (cache32, ==, 2 * cache);
    g_assert_cmpuint (weights, >, TABLE_BYTES);
    g_assert_cmpuint (weights32 - TABLE_BYTES, ==, 2 * (weights - TABLE_BYTES));

    g_free (f32);
    g_free (frames);
    g_free (got);
  }
  g_free (ref);
}

/* against diffusers' AutoencoderKLWan run in bf16 by PyTorch on the CPU
 * (data/goldens-bf16.safetensors, make_bf16_goldens.py): an independent
 * bf16 computation with its own rounding points (each PyTorch op rounds
 * to bf16, F.normalize's steps one by one). Both sit within a bf16
 * error budget of the exact pictures, so their distance is at most about
 * the sum of the two: the same 40 dB bar. */
static void
test_stream_torch_bf16 (void)
{
  VaeTestFile *want_file;
  guint b;

  if (!need_bf16 ())
    return;
  want_file = open_data ("goldens-bf16.safetensors");
  for (b = 0; b < bf16_backends->len; b++) {
    LaBackend *be = g_ptr_array_index (bf16_backends, b);
    gfloat *got = run_stream (be, LA_DTYPE_BF16, FALSE, NULL, NULL);
    LaTensor *w0 = vae_test_file_tensor (want_file, cpu, "stream.pictures0");
    LaTensor *w1 = vae_test_file_tensor (want_file, cpu, "stream.pictures1");
    gfloat *want = g_new (gfloat, N_PICTURES * PICTURE), *part;
    gdouble worst;

    g_assert_cmpint (la_tensor_nelements (w0), ==, 9 * PICTURE);
    g_assert_cmpint (la_tensor_nelements (w1), ==, 12 * PICTURE);
    part = la_test_download (w0);
    memcpy (want, part, 9 * PICTURE * 4);
    g_free (part);
    part = la_test_download (w1);
    memcpy (want + 9 * PICTURE, part, 12 * PICTURE * 4);
    g_free (part);
    worst = worst_picture (be, got, want, "PyTorch bf16");
    if (g_test_verbose ())
      g_printerr ("%s: PSNR %.1f dB against PyTorch bf16 over all "
          "pictures, worst %.1f\n", la_backend_get_name (be),
          psnr (got, want, N_PICTURES * PICTURE), worst);
    g_free (want);
    la_tensor_free (w1);
    la_tensor_free (w0);
    g_free (got);
  }
  vae_test_file_free (want_file);
}

/* ---- encode ---- */

static gfloat *
run_encode (LaBackend * be, LaDType dtype)
{
  VaeTestFile *goldens = open_data ("goldens.safetensors");
  LaTensor *video = vae_test_file_tensor (goldens, be, "encode.video");
  LaVae *vae = load_vae (be, LA_VAE_ENCODER, dtype, NULL);
  LaTensor *z = new_f32 (be, 16, 3, 2, 3);
  GError *error = NULL;
  gfloat *got;

  g_assert_true (la_vae_encode (vae, z, video, &error));
  g_assert_no_error (error);
  got = la_test_download (z);
  la_tensor_free (z);
  la_vae_free (vae);
  la_tensor_free (video);
  vae_test_file_free (goldens);
  return got;
}

static void
test_encode (void)
{
  gfloat *ref;
  gsize n = 16 * 3 * 2 * 3;
  guint b;

  if (!need_bf16 ())
    return;
  ref = run_encode (cpu, LA_DTYPE_F32);
  for (b = 0; b < bf16_backends->len; b++) {
    LaBackend *be = g_ptr_array_index (bf16_backends, b);
    gfloat *got = run_encode (be, LA_DTYPE_BF16);
    gdouble err = la_test_rel_error (got, ref, n);

    g_test_message ("%s: encode relative error %.3g against fp32",
        la_backend_get_name (be), err);
    if (g_test_verbose ())
      g_printerr ("%s: encode relative error %.3g\n",
          la_backend_get_name (be), err);
    g_assert_cmpfloat (err, <=, ENCODE_TOL);
    g_assert_cmpfloat (err, >, 0.0);
    g_free (got);
  }
  g_free (ref);
}

int
main (int argc, char **argv)
{
  LaBackend *cuda;
  int ret;

  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s DATA-DIR", argv[0]);
  data_dir = argv[1];
  cpu = la_test_cpu ();
  bf16_backends = g_ptr_array_new ();
  if (la_vae_backend_supports (cpu, LA_DTYPE_BF16))
    g_ptr_array_add (bf16_backends, cpu);
  /* a GPU when this build and this machine have one */
  cuda = la_backend_new (LA_BACKEND_CUDA, 0, NULL);
  if (cuda && la_vae_backend_supports (cuda, LA_DTYPE_BF16))
    g_ptr_array_add (bf16_backends, cuda);

  g_test_add_func ("/vae/bf16/dtype-errors", test_dtype_errors);
  g_test_add_func ("/vae/bf16/f32-is-default", test_f32_is_default);
  g_test_add_func ("/vae/bf16/cache-of-another-vae", test_cache_of_another_vae);
  g_test_add_func ("/vae/bf16/stream", test_stream);
  g_test_add_func ("/vae/bf16/stream-torch-bf16", test_stream_torch_bf16);
  g_test_add_func ("/vae/bf16/encode", test_encode);
  ret = g_test_run ();

  g_ptr_array_free (bf16_backends, TRUE);
  if (cuda)
    la_backend_free (cuda);
  la_backend_free (cpu);
  return ret;
}
