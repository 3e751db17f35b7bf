/* liveavatar: liveavatar-cli run as a user runs it
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The built program (its path is argv[1]) in a child process: exit codes
 * (2 usage, 1 failure) and messages that name the file; then, on the tiny
 * model, the video it writes (header, exact frame count), the dump, the
 * seed's effect, the parity inputs fed back, and the VAE subcommands.
 */

#include <string.h>
#include <sys/wait.h>


#include "liveavatar.h"
#include "la-avatar.h"
#include "la-checkpoint.h"
#include "la-dit-config.h"
#include "la-safetensors-writer.h"
#include "test-common.h"
#include "test-tiny.h"

#define FRAMES_PER_CLIP 48
#define SAMPLES_PER_CLIP 30720
/* the side of the small videos */
#define SMALL 16

/* (a macro: gst-indent misreads a type among the arguments) */
#define NEXT_STRING(ap) va_arg (ap, const gchar *)

static const gchar *prog;
static const gchar *data_dir;
static gchar *tmp;              /* a fresh folder for this run */
static gchar *model;            /* the tiny model in it, once made */
static gchar *picture;          /* data/src.ppm, 37x23 */
static gint out_w, out_h;       /* its output size for the area 64x64 */

/* Runs the program with the NULL-terminated arguments; its stdout and
 * stderr in @out, @err (g_free; may be NULL). Returns the exit status. */
static gint
run (gchar ** out, gchar ** err, ...)
{
  GPtrArray *args = g_ptr_array_new ();
  gchar *o = NULL, *e = NULL;
  const gchar *a;
  GError *error = NULL;
  gint status;
  va_list ap;

  g_ptr_array_add (args, (gpointer) prog);
  va_start (ap, err);
  while ((a = NEXT_STRING (ap)))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  g_assert_true (g_spawn_sync (NULL, (gchar **) args->pdata, NULL,
          G_SPAWN_DEFAULT, NULL, NULL, &o, &e, &status, &error));
  g_assert_no_error (error);
  g_ptr_array_free (args, TRUE);
  g_assert_true (WIFEXITED (status));
  if (g_test_verbose () && e && *e)
    g_printerr ("%s", e);
  if (out)
    *out = o;
  else
    g_free (o);
  if (err)
    *err = e;
  else
    g_free (e);
  return WEXITSTATUS (status);
}

/* the program fails with @code and its stderr holds @needle */
#define assert_fails(code, needle, ...) G_STMT_START { \
    gchar *_e = NULL; \
    gint _s = run (NULL, &_e, __VA_ARGS__, NULL); \
    if (_s != (code) || !strstr (_e, (needle))) \
      g_error ("exit %d (want %d), stderr lacks '%s':\n%s", _s, (code), \
          (needle), _e); \
    g_free (_e); \
  } G_STMT_END

static gchar *
tmp_path (const gchar * name)
{
  return g_build_filename (tmp, name, NULL);
}

static void
put_le (GByteArray * b, guint32 v, guint n_bytes)
{
  guint8 p[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

  g_byte_array_append (b, p, n_bytes);
}

/* a mono 16-bit WAV of @n seeded samples, @rate in its header */
static gchar *
write_wav (const gchar * name, gsize n, guint rate)
{
  gchar *path = tmp_path (name);
  GByteArray *b = g_byte_array_new ();
  gsize i;

  la_test_seed (n + rate);
  g_byte_array_append (b, (const guint8 *) "RIFF", 4);
  put_le (b, (guint32) (36 + n * 2), 4);
  g_byte_array_append (b, (const guint8 *) "WAVEfmt ", 8);
  put_le (b, 16, 4);
  put_le (b, 1, 2);             /* integer PCM */
  put_le (b, 1, 2);             /* mono */
  put_le (b, rate, 4);
  put_le (b, rate * 2, 4);
  put_le (b, 2, 2);
  put_le (b, 16, 2);
  g_byte_array_append (b, (const guint8 *) "data", 4);
  put_le (b, (guint32) (n * 2), 4);
  for (i = 0; i < n; i++)
    put_le (b, (guint16) (gint16) (la_test_rnd () * 8000), 2);
  g_assert_true (g_file_set_contents (path, (gchar *) b->data, b->len, NULL));
  g_byte_array_unref (b);
  return path;
}

static gchar *
write_file (const gchar * name, const gchar * contents, gssize len)
{
  gchar *path = tmp_path (name);

  g_assert_true (g_file_set_contents (path, contents, len, NULL));
  return path;
}

static gchar *
read_all (const gchar * path, gsize * len)
{
  gchar *data = NULL;
  GError *err = NULL;

  g_file_get_contents (path, &data, len, &err);
  g_assert_no_error (err);
  return data;
}

static gboolean
same_files (const gchar * a, const gchar * b)
{
  gsize la, lb;
  gchar *da = read_all (a, &la), *db = read_all (b, &lb);
  gboolean same = la == lb && memcmp (da, db, la) == 0;

  g_free (da);
  g_free (db);
  return same;
}

/* ---- no model needed ---- */

static void
test_usage (void)
{
  static const gchar *commands[] = { "generate", "make-tiny-model",
    "vae-encode", "vae-decode"
  };
  gchar *out = NULL;
  guint i;

  {
    gchar *e = NULL;

    g_assert_cmpint (run (NULL, &e, NULL), ==, 2);
    g_assert_nonnull (strstr (e, "Usage"));
    g_free (e);
  }
  assert_fails (2, "unknown command 'bogus'", "bogus");
  g_assert_cmpint (run (&out, NULL, "--help", NULL), ==, 0);
  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    g_assert_nonnull (strstr (out, commands[i]));
  g_free (out);
  for (i = 0; i < G_N_ELEMENTS (commands); i++) {
    g_assert_cmpint (run (&out, NULL, commands[i], "--help", NULL), ==, 0);
    g_assert_nonnull (strstr (out, "Usage"));
    g_assert_nonnull (strstr (out, commands[i]));
    g_free (out);
  }
  g_assert_cmpint (run (&out, NULL, "generate", "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "--audio-features"));
  g_assert_nonnull (strstr (out, "--ref-latents"));
  g_assert_nonnull (strstr (out, "--no-online-decode"));
  g_assert_nonnull (strstr (out, "--dump"));
  g_free (out);

  assert_fails (2, "--model is required", "generate", "--image", "a.ppm");
  assert_fails (2, "--out is required", "generate", "--model", "m");
  assert_fails (2, ".y4m", "generate", "--model", "m", "--image", "a.ppm",
      "--audio", "a.wav", "--out", "a.mp4");
  assert_fails (2, "--image", "generate", "--model", "m", "--audio", "a.wav",
      "--out", "a.y4m");
  assert_fails (2, "--audio", "generate", "--model", "m", "--image", "a.ppm",
      "--out", "a.y4m");
  assert_fails (2, "exclude", "generate", "--model", "m", "--image",
      "a.ppm", "--audio", "a.wav", "--audio-features", "f", "--out", "a.y4m");
  assert_fails (2, "exclude", "generate", "--model", "m", "--image",
      "a.ppm", "--audio", "a.wav", "--prompt", "x", "--text-context", "c",
      "--out", "a.y4m");
  assert_fails (2, "--size", "generate", "--model", "m", "--image", "a.ppm",
      "--audio", "a.wav", "--out", "a.y4m", "--size", "0x64");
  assert_fails (2, "--steps", "generate", "--model", "m", "--image",
      "a.ppm", "--audio", "a.wav", "--out", "a.y4m", "--steps", "9");
  assert_fails (2, "--seed", "generate", "--model", "m", "--image", "a.ppm",
      "--audio", "a.wav", "--out", "a.y4m", "--seed", "-3");
  assert_fails (2, "--backend", "generate", "--model", "m", "--image",
      "a.ppm", "--audio", "a.wav", "--out", "a.y4m", "--backend", "tpu");
  assert_fails (2, "--bogus", "generate", "--bogus");
  assert_fails (2, "--clips", "generate", "--clips", "many");
  assert_fails (2, "--clips", "generate", "--model", "m", "--image", "a.ppm",
      "--audio", "a.wav", "--out", "a.y4m", "--clips", "0");
  assert_fails (2, "unexpected argument", "generate", "--model", "m",
      "--image", "a.ppm", "--audio", "a.wav", "--out", "a.y4m", "extra");
  assert_fails (2, "DIR is missing", "make-tiny-model");
  assert_fails (2, "one DIR only", "make-tiny-model", "a", "b");
  assert_fails (2, "--seed", "make-tiny-model", "a", "--seed", "x");
  assert_fails (2, "--model is required", "vae-encode", "--in", "a",
      "--out", "b");
  assert_fails (2, "--in is required", "vae-decode", "--model", "m");
}

static void
test_input_errors (void)
{
  gchar *wav = write_wav ("ok.wav", 1600, 16000);
  gchar *wav44 = write_wav ("cd.wav", 4410, 44100);
  gchar *junk = write_file ("junk.wav", "RIFF\x10\0\0\0WAVEjunk", 16);
  gchar *bad_img = write_file ("bad.ppm", "P6 4 4 255\n\x01", 13);
  gchar *gif = write_file ("face.gif", "GIF89a", 6);
  gchar *missing = tmp_path ("missing.ppm");
  gchar *missing_wav = tmp_path ("missing.wav");
  gchar *out = tmp_path ("o.y4m");
  gchar *nomodel = tmp_path ("no-model");

  /* inputs are read before the model: these need none */
  assert_fails (1, missing, "generate", "--model", nomodel, "--image",
      missing, "--audio", wav, "--out", out);
  assert_fails (1, bad_img, "generate", "--model", nomodel, "--image",
      bad_img, "--audio", wav, "--out", out);
  assert_fails (1, gif, "generate", "--model", nomodel, "--image", gif,
      "--audio", wav, "--out", out);
  assert_fails (1, missing_wav, "generate", "--model", nomodel, "--image",
      picture, "--audio", missing_wav, "--out", out);
  assert_fails (1, junk, "generate", "--model", nomodel, "--image", picture,
      "--audio", junk, "--out", out);
  assert_fails (1, wav44, "generate", "--model", nomodel, "--image",
      picture, "--audio", wav44, "--out", out);
  assert_fails (1, "sox", "generate", "--model", nomodel, "--image",
      picture, "--audio", wav44, "--out", out);
  assert_fails (1, "no-model", "generate", "--model", nomodel, "--image",
      picture, "--audio", wav, "--out", out);
  assert_fails (1, "a.safetensors", "vae-decode", "--model", nomodel,
      "--in", "a.safetensors", "--out", out);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));

  g_free (wav);
  g_free (wav44);
  g_free (junk);
  g_free (bad_img);
  g_free (gif);
  g_free (missing);
  g_free (missing_wav);
  g_free (out);
  g_free (nomodel);
}

/* ---- the tiny model ---- */

static void
test_make_tiny_model (void)
{
  LaAvatarConfig cfg;
  LaBackend *be;
  LaAvatar *a;
  GError *err = NULL;
  gchar *e = NULL;
  gchar *other = tmp_path ("tiny-other");
  gchar *cfg_a, *cfg_b;

  g_assert_cmpint (run (NULL, &e, "make-tiny-model", model, "--seed", "3",
          NULL), ==, 0);
  g_assert_cmpstr (e, ==, "");
  g_free (e);

  /* loadable: the whole model, as generate loads it */
  be = la_backend_new (LA_BACKEND_CPU, 0, &err);
  g_assert_no_error (err);
  la_avatar_config_init (&cfg);
  cfg.model_dir = model;
  cfg.width = 64;
  cfg.height = 64;
  cfg.sample_steps = 4;
  cfg.load_text_encoder = TRUE;
  cfg.load_audio_encoder = TRUE;
  a = la_avatar_new (be, &cfg, &err);
  g_assert_no_error (err);
  g_assert_nonnull (la_avatar_get_text_encoder (a));
  g_assert_nonnull (la_avatar_get_wav2vec2 (a));
  la_avatar_free (a);
  la_backend_free (be);

  /* the seed is passed on: same config, other weights */
  g_assert_cmpint (run (NULL, NULL, "make-tiny-model", other, "--seed", "4",
          NULL), ==, 0);
  cfg_a = g_build_filename (model, "config.json", NULL);
  cfg_b = g_build_filename (other, "config.json", NULL);
  g_assert_true (same_files (cfg_a, cfg_b));
  g_free (cfg_a);
  g_free (cfg_b);
  cfg_a = g_build_filename (model, "Wan2.1_VAE.pth", NULL);
  cfg_b = g_build_filename (other, "Wan2.1_VAE.pth", NULL);
  g_assert_false (same_files (cfg_a, cfg_b));
  g_free (cfg_a);
  g_free (cfg_b);
  g_free (other);

  assert_fails (1, "/proc/la-cli-no", "make-tiny-model", "/proc/la-cli-no");
}

/* the Y4M header, and the number of frames its size holds */
static guint
y4m_frames (const gchar * path, gint w, gint h)
{
  gchar *header = g_strdup_printf ("YUV4MPEG2 W%d H%d F25:1 Ip A1:1 C444\n",
      w, h);
  gsize len, hl = strlen (header), fl = 6 + (gsize) w *h * 3, n, i;
  gchar *data = read_all (path, &len);

  g_assert_cmpuint (len, >=, hl);
  g_assert_cmpmem (data, hl, header, hl);
  g_assert_cmpuint ((len - hl) % fl, ==, 0);
  n = (len - hl) / fl;
  for (i = 0; i < n; i++)
    g_assert_cmpmem (data + hl + i * fl, 6, "FRAME\n", 6);
  g_free (data);
  g_free (header);
  return (guint) n;
}

static void
check_dump_tensor (const gchar * dir, const gchar * name, gint64 d0,
    gint64 d1, gint64 d2, gint64 d3)
{
  gchar *file = g_strdup_printf ("%s.safetensors", name);
  gchar *path = g_build_filename (dir, file, NULL);
  GError *err = NULL;
  LaCheckpoint *ck = la_checkpoint_open (path, &err);
  const LaCheckpointTensor *t;

  g_assert_no_error (err);
  g_assert_cmpuint (la_checkpoint_n_tensors (ck), ==, 1);
  t = la_checkpoint_lookup (ck, name);
  g_assert_nonnull (t);
  g_assert_cmpint (t->dtype, ==, LA_IO_DTYPE_F32);
  g_assert_cmpint (t->ndim, ==, 4);
  if (d0 > 0)
    g_assert_cmpint (t->shape[0], ==, d0);
  else
    g_assert_cmpint (t->shape[0], >, 0);
  g_assert_cmpint (t->shape[1], ==, d1);
  g_assert_cmpint (t->shape[2], ==, d2);
  g_assert_cmpint (t->shape[3], ==, d3);
  la_checkpoint_free (ck);
  g_free (path);
  g_free (file);
}

/* the first @n bytes of two files are the same */
static gboolean
same_prefix (const gchar * a, const gchar * b, gsize n)
{
  gsize la, lb;
  gchar *da = read_all (a, &la), *db = read_all (b, &lb);
  gboolean same = la >= n && lb >= n && memcmp (da, db, n) == 0;

  g_free (da);
  g_free (db);
  return same;
}

static void
test_generate (void)
{
  gchar *wav = write_wav ("speech.wav", SAMPLES_PER_CLIP + 160, 16000);
  gchar *a = tmp_path ("a.y4m"), *b = tmp_path ("b.y4m");
  gchar *d = tmp_path ("d.y4m");
  gchar *dump = tmp_path ("dump");
  gchar *inputs = g_build_filename (dump, "inputs.safetensors", NULL);
  gint w = out_w, h = out_h, step;
  guint block;

  /* --clips caps what the audio covers, as Live Avatar's --num_clip */
  g_assert_cmpint (run (NULL, NULL, "generate", "--model", model, "--image",
          picture, "--audio", wav, "--size", "64x64", "--seed", "5",
          "--clips", "1", "--out", a, NULL), ==, 0);
  g_assert_cmpuint (y4m_frames (a, w, h), ==, FRAMES_PER_CLIP);

  /* same seed, same video (and dumping changes nothing) */
  g_assert_cmpint (run (NULL, NULL, "generate", "--model", model, "--image",
          picture, "--audio", wav, "--size", "64*64", "--seed", "5",
          "--clips", "1", "--out", b, "--dump", dump, NULL), ==, 0);
  g_assert_true (same_files (a, b));

  /* the dump: every block after every step, every block's pixels */
  for (block = 0; block < 4; block++) {
    for (step = 0; step < 4; step++) {
      gchar *name = g_strdup_printf ("block%04u.step%d", block, step);

      check_dump_tensor (dump, name, 16, 3, h / 8, w / 8);
      g_free (name);
    }
    {
      gchar *name = g_strdup_printf ("block%04u.pixels", block);

      check_dump_tensor (dump, name, block == 0 ? 9 : 12, 3, h, w);
      g_free (name);
    }
  }

  /* the conditioning the dump recorded, fed back, gives the same video */
  g_assert_cmpint (run (NULL, NULL, "generate", "--model", model,
          "--ref-latents", inputs, "--text-context", inputs, "--image",
          picture, "--audio", wav, "--seed", "5", "--clips", "1", "--out", d,
          NULL), ==, 0);
  g_assert_true (same_files (a, d));

  g_free (wav);
  g_free (a);
  g_free (b);
  g_free (d);
  g_free (inputs);
  g_free (dump);
}

/* a safetensors file of fp32 tensors name, ndim, shape..., data */
static void
save_tensors (const gchar * path, ...)
{
  LaSafetensorsWriter *wr = la_safetensors_writer_new ();
  const gchar *name;
  GError *err = NULL;
  va_list ap;

  va_start (ap, path);
  while ((name = NEXT_STRING (ap))) {
    gint ndim = va_arg (ap, gint), i;
    gint64 shape[4];
    LaIoDType dtype = (LaIoDType) va_arg (ap, gint);
    gconstpointer data;
    gsize n = 1;

    for (i = 0; i < ndim; i++)
      n *= (gsize) (shape[i] = va_arg (ap, gint64));
    data = va_arg (ap, gconstpointer);
    g_assert_true (la_safetensors_writer_add (wr, name, dtype, ndim, shape,
            data, n * la_io_dtype_size (dtype), &err));
    g_assert_no_error (err);
  }
  va_end (ap);
  g_assert_true (la_safetensors_writer_save (wr, path, &err));
  g_assert_no_error (err);
  la_safetensors_writer_free (wr);
}

/* Conditioning for a 16x16 video (the smallest the model takes: it keeps
 * the runs below fast, sanitizers included): seeded ref and motion
 * latents, and the text context the dump recorded. */
static gchar *
small_conditioning (void)
{
  gchar *path = tmp_path ("small.safetensors");
  gchar *dumped = g_build_filename (tmp, "dump", "inputs.safetensors", NULL);
  gint64 ctx_shape[2] = { 0 };
  GError *err = NULL;
  LaCheckpoint *ck;
  const LaCheckpointTensor *ctx;
  gfloat *ref, *motion;

  if (g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_free (dumped);
    return path;
  }
  ck = la_checkpoint_open (dumped, &err);
  g_assert_no_error (err);
  ctx = la_checkpoint_lookup (ck, "text_context");
  g_assert_nonnull (ctx);
  g_assert_cmpint (ctx->ndim, ==, 2);
  ctx_shape[0] = ctx->shape[0];
  ctx_shape[1] = ctx->shape[1];
  la_test_seed (42);
  ref = la_test_rnd_array ((gsize) 16 * (SMALL / 8) * (SMALL / 8), 1.0);
  motion = la_test_rnd_array ((gsize) 16 * 19 * (SMALL / 8) * (SMALL / 8), 1.0);
  save_tensors (path, "ref_latent", 4, LA_IO_DTYPE_F32, (gint64) 16,
      (gint64) 1, (gint64) (SMALL / 8), (gint64) (SMALL / 8), ref,
      "motion_latents", 4, LA_IO_DTYPE_F32, (gint64) 16, (gint64) 19,
      (gint64) (SMALL / 8), (gint64) (SMALL / 8), motion,
      "text_context", 2, LA_IO_DTYPE_F32, ctx_shape[0], ctx_shape[1],
      ctx->data, NULL);
  la_checkpoint_free (ck);
  g_free (ref);
  g_free (motion);
  g_free (dumped);
  return path;
}

static void
test_seeds_and_clips (void)
{
  /* 1.92 s and 10 ms: two clips, the second mostly silence */
  gchar *wav = write_wav ("long.wav", SAMPLES_PER_CLIP + 160, 16000);
  gchar *cond = small_conditioning ();
  gchar *a = tmp_path ("s6.y4m"), *b = tmp_path ("s7.y4m");
  gsize header = strlen ("YUV4MPEG2 W16 H16 F25:1 Ip A1:1 C444\n");
  gsize frame = 6 + (gsize) SMALL * SMALL * 3;

  /* as many clips as the audio covers, rounded up */
  g_assert_cmpint (run (NULL, NULL, "generate", "--model", model,
          "--ref-latents", cond, "--text-context", cond, "--audio", wav,
          "--seed", "6", "--no-online-decode", "--out", a, NULL), ==, 0);
  g_assert_cmpuint (y4m_frames (a, SMALL, SMALL), ==, 2 * FRAMES_PER_CLIP);
  /* another seed, another video; the first 3 frames are the picture (grey
   * here) in both */
  g_assert_cmpint (run (NULL, NULL, "generate", "--model", model,
          "--ref-latents", cond, "--text-context", cond, "--audio", wav,
          "--seed", "7", "--clips", "1", "--out", b, NULL), ==, 0);
  g_assert_cmpuint (y4m_frames (b, SMALL, SMALL), ==, FRAMES_PER_CLIP);
  g_assert_true (same_prefix (a, b, header + 3 * frame));
  g_assert_false (same_prefix (a, b, header + 4 * frame));

  g_free (wav);
  g_free (cond);
  g_free (a);
  g_free (b);
}

static void
test_parity_inputs (void)
{
  gchar *dump_inputs = small_conditioning ();
  gchar *in = tmp_path ("parity.safetensors");
  gchar *bad = tmp_path ("bad-draws.safetensors");
  gchar *a = tmp_path ("p1.rgb"), *b = tmp_path ("p2.rgb");
  gchar *c = tmp_path ("p3.rgb");
  gchar *config = g_build_filename (model, "config.json", NULL);
  gint audio_dim, lh = SMALL / 8, lw = SMALL / 8;
  LaDitConfig dc;
  GError *err = NULL;
  gfloat *features, *noise;
  gint32 draws[4 * 2], bad_draws[4 * 2];
  gsize len;
  gchar *data;
  guint i;

  g_assert_true (la_dit_config_load (&dc, config, &err));
  g_assert_no_error (err);
  g_free (config);
  audio_dim = dc.audio_dim;
  la_test_seed (99);
  features = la_test_rnd_array ((gsize) FRAMES_PER_CLIP * 25 * audio_dim, 1.0);
  noise = la_test_rnd_array ((gsize) 16 * 12 * lh * lw, 1.0);
  for (i = 0; i < G_N_ELEMENTS (draws); i++) {
    draws[i] = 4 + (gint32) (i * 7 % 27);
    bad_draws[i] = i == 5 ? 31 : 4;
  }
  save_tensors (in, "audio_features", 3, LA_IO_DTYPE_F32,
      (gint64) FRAMES_PER_CLIP, (gint64) 25, (gint64) audio_dim, features,
      "clip0000", 4, LA_IO_DTYPE_F32, (gint64) 16, (gint64) 12,
      (gint64) lh, (gint64) lw, noise,
      "draws", 2, LA_IO_DTYPE_I32, (gint64) 4, (gint64) 2, draws, NULL);
  save_tensors (bad, "draws", 2, LA_IO_DTYPE_I32, (gint64) 4, (gint64) 2,
      bad_draws, NULL);

  /* every seeded input given: the seed no longer matters; --clips 2 asks
   * for more than the features hold, which cover one */
  g_assert_cmpint (run (NULL, NULL, "generate", "--model", model,
          "--ref-latents", dump_inputs, "--text-context", dump_inputs,
          "--audio-features", in, "--noise", in, "--draws", in, "--steps",
          "2", "--seed", "1", "--out", a, NULL), ==, 0);
  g_assert_cmpint (run (NULL, NULL, "generate", "--model", model,
          "--ref-latents", dump_inputs, "--text-context", dump_inputs,
          "--audio-features", in, "--noise", in, "--draws", in, "--steps",
          "2", "--seed", "2", "--clips", "2", "--out", b, NULL), ==, 0);
  g_assert_true (same_files (a, b));
  data = read_all (a, &len);
  g_assert_cmpuint (len, ==, (gsize) FRAMES_PER_CLIP * SMALL * SMALL * 3);
  g_free (data);
  /* ... and the noise does */
  g_assert_cmpint (run (NULL, NULL, "generate", "--model", model,
          "--ref-latents", dump_inputs, "--text-context", dump_inputs,
          "--audio-features", in, "--draws", in, "--steps", "2", "--seed",
          "1", "--out", c, NULL), ==, 0);
  g_assert_false (same_files (a, c));

  assert_fails (1, "bad-draws.safetensors", "generate", "--model", model,
      "--ref-latents", dump_inputs, "--text-context", dump_inputs,
      "--audio-features", in, "--draws", bad, "--steps", "2", "--out", c);
  assert_fails (1, "clip0000", "generate", "--model", model,
      "--ref-latents", dump_inputs, "--text-context", dump_inputs,
      "--audio-features", in, "--noise", bad, "--steps", "2", "--out", c);

  g_free (features);
  g_free (noise);
  g_free (dump_inputs);
  g_free (in);
  g_free (bad);
  g_free (a);
  g_free (b);
  g_free (c);
}

static void
test_vae (void)
{
  gchar *pics = tmp_path ("pictures.safetensors");
  gchar *lat = tmp_path ("latents.safetensors");
  gchar *back = tmp_path ("back.safetensors");
  gfloat *p;
  GError *err = NULL;
  LaCheckpoint *ck;
  const LaCheckpointTensor *t;

  la_test_seed (5);
  p = la_test_rnd_array ((gsize) 5 * 3 * 16 * 24, 0.8);
  save_tensors (pics, "pictures", 4, LA_IO_DTYPE_F32, (gint64) 5,
      (gint64) 3, (gint64) 16, (gint64) 24, p, NULL);
  g_assert_cmpint (run (NULL, NULL, "vae-encode", "--model", model, "--in",
          pics, "--out", lat, NULL), ==, 0);
  ck = la_checkpoint_open (lat, &err);
  g_assert_no_error (err);
  t = la_checkpoint_lookup (ck, "latents");
  g_assert_nonnull (t);
  g_assert_cmpint (t->ndim, ==, 4);
  g_assert_cmpint (t->shape[0], ==, 16);
  g_assert_cmpint (t->shape[1], ==, 2);
  g_assert_cmpint (t->shape[2], ==, 2);
  g_assert_cmpint (t->shape[3], ==, 3);
  la_checkpoint_free (ck);

  g_assert_cmpint (run (NULL, NULL, "vae-decode", "--model", model, "--in",
          lat, "--out", back, NULL), ==, 0);
  ck = la_checkpoint_open (back, &err);
  g_assert_no_error (err);
  t = la_checkpoint_lookup (ck, "pictures");
  g_assert_nonnull (t);
  g_assert_cmpint (t->ndim, ==, 4);
  g_assert_cmpint (t->shape[0], ==, 5);
  g_assert_cmpint (t->shape[1], ==, 3);
  g_assert_cmpint (t->shape[2], ==, 16);
  g_assert_cmpint (t->shape[3], ==, 24);
  la_checkpoint_free (ck);

  /* the wrong tensor, the wrong shape */
  assert_fails (1, "\"pictures\"", "vae-encode", "--model", model, "--in",
      lat, "--out", back);
  save_tensors (pics, "pictures", 4, LA_IO_DTYPE_F32, (gint64) 1,
      (gint64) 3, (gint64) 12, (gint64) 8, p, NULL);
  assert_fails (1, "multiples of 8", "vae-encode", "--model", model, "--in",
      pics, "--out", back);

  g_free (p);
  g_free (pics);
  g_free (lat);
  g_free (back);
}

/* audio-window: a window that covers the whole stream is the whole-file
 * encode (distance exactly 0), a short one is not; bad lists are usage
 * errors */
static void
test_audio_window (void)
{
  gchar *wav = write_wav ("window.wav", 3 * 7680, 16000);
  gchar *out = NULL;
  gchar **lines;

  g_assert_cmpint (run (&out, NULL, "audio-window", "--model", model,
          "--audio", wav, "--lookback", "60", "--lookahead", "60,0", NULL), ==,
      0);
  lines = g_strsplit (out, "\n", -1);
  /* title, blank, header, rule, one row */
  g_assert_cmpuint (g_strv_length (lines), >=, 5);
  g_assert_true (g_str_has_prefix (lines[4], "| 60.00 s | 0.00e+00 / "
          "0.00e+00 |"));
  g_assert_null (strstr (lines[4] + strlen ("| 60.00 s | 0.00e+00 / "
              "0.00e+00 |"), "0.00e+00 / 0.00e+00"));
  g_strfreev (lines);
  g_free (out);

  assert_fails (2, "durations", "audio-window", "--model", model, "--audio",
      wav, "--lookahead", "0.4,x");
  assert_fails (2, "required", "audio-window", "--audio", wav);
  g_free (wav);
}

int
main (int argc, char **argv)
{
  gint status;

  g_test_init (&argc, &argv, NULL);
  if (argc < 3) {
    g_printerr ("usage: %s LIVEAVATAR_CLI DATA_DIR\n", argv[0]);
    return 2;
  }
  prog = argv[1];
  data_dir = argv[2];
  tmp = g_dir_make_tmp ("la-cli-XXXXXX", NULL);
  g_assert_nonnull (tmp);
  model = tmp_path ("tiny");
  picture = g_build_filename (data_dir, "src.ppm", NULL);
  /* the size the picture's aspect gives for the area */
  g_assert_true (la_size_for_area (37, 23, 64, 64, &out_w, &out_h));

  g_test_add_func ("/cli/program/usage", test_usage);
  g_test_add_func ("/cli/program/input-errors", test_input_errors);
  /* in this order: each uses what the one before made */
  g_test_add_func ("/cli/program/make-tiny-model", test_make_tiny_model);
  g_test_add_func ("/cli/program/generate", test_generate);
  g_test_add_func ("/cli/program/seeds-and-clips", test_seeds_and_clips);
  g_test_add_func ("/cli/program/parity-inputs", test_parity_inputs);
  g_test_add_func ("/cli/program/vae", test_vae);
  g_test_add_func ("/cli/program/audio-window", test_audio_window);
  status = g_test_run ();

  la_test_remove_tree (tmp);
  g_free (tmp);
  g_free (model);
  g_free (picture);
  return status;
}
