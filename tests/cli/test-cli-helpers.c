/* liveavatar: tests of liveavatar-cli's helpers (WAV, pictures, Y4M)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The picture code is held to Pillow's bytes (data/, make_goldens.py);
 * WAV and Netpbm to hand-made files and the formulas of their formats.
 */

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "liveavatar.h"
#include "la-checkpoint.h"
#include "la-cli.h"
#include "la-cli-image.h"
#include "la-cli-resize.h"
#include "la-cli-video.h"
#include "la-cli-wav.h"

static const gchar *data_dir;

/* ---- WAV ---- */

static void
put16 (GByteArray * b, guint v)
{
  guint8 p[2] = { v & 0xff, (v >> 8) & 0xff };

  g_byte_array_append (b, p, 2);
}

static void
put32 (GByteArray * b, guint32 v)
{
  guint8 p[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

  g_byte_array_append (b, p, 4);
}

/* a WAV with @data_bytes of samples; @extensible: WAVE_FORMAT_EXTENSIBLE;
 * a LIST chunk of odd size before the data, as some writers add */
static GByteArray *
make_wav (guint tag, guint channels, guint rate, guint bits,
    gboolean extensible, const guint8 * samples, gsize n_bytes)
{
  GByteArray *b = g_byte_array_new ();
  guint block = channels * bits / 8;

  g_byte_array_append (b, (const guint8 *) "RIFF", 4);
  put32 (b, 0);
  g_byte_array_append (b, (const guint8 *) "WAVEfmt ", 8);
  put32 (b, extensible ? 40 : 16);
  put16 (b, extensible ? 0xFFFE : tag);
  put16 (b, channels);
  put32 (b, rate);
  put32 (b, rate * block);
  put16 (b, block);
  put16 (b, bits);
  if (extensible) {
    static const guint8 guid_tail[14] = { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
      0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71
    };
    put16 (b, 22);
    put16 (b, bits);
    put32 (b, channels == 1 ? 4 : 3);
    put16 (b, tag);
    g_byte_array_append (b, guid_tail, 14);
  }
  g_byte_array_append (b, (const guint8 *) "LIST", 4);
  put32 (b, 3);
  g_byte_array_append (b, (const guint8 *) "abc\0", 4);
  g_byte_array_append (b, (const guint8 *) "data", 4);
  put32 (b, (guint32) n_bytes);
  g_byte_array_append (b, samples, (guint) n_bytes);
  b->data[4] = (b->len - 8) & 0xff;
  b->data[5] = ((b->len - 8) >> 8) & 0xff;
  b->data[6] = ((b->len - 8) >> 16) & 0xff;
  return b;
}

static void
test_wav_pcm16 (void)
{
  static const gint16 s[] = { 0, 1, -1, 32767, -32768, 12345 };
  GByteArray *b;
  GError *err = NULL;
  gfloat *out;
  gsize n, i;
  gint ext;

  for (ext = 0; ext < 2; ext++) {
    b = make_wav (1, 1, 16000, 16, ext, (const guint8 *) s, sizeof (s));
    out = la_cli_wav_parse (b->data, b->len, "t.wav", &n, &err);
    g_assert_no_error (err);
    g_assert_cmpuint (n, ==, G_N_ELEMENTS (s));
    /* soundfile's int16 -> float: v / 32768 */
    for (i = 0; i < n; i++)
      g_assert_cmpfloat (out[i], ==, s[i] / 32768.0f);
    g_assert_cmpfloat (out[4], ==, -1.0f);
    g_free (out);
    g_byte_array_unref (b);
  }
}

static void
test_wav_float (void)
{
  static const gfloat s[] = { 0.0f, 0.25f, -1.5f, 1e-7f };
  gfloat bad[2] = { 0.5f, NAN };
  GByteArray *b;
  GError *err = NULL;
  gfloat *out;
  gsize n;

  b = make_wav (3, 1, 16000, 32, FALSE, (const guint8 *) s, sizeof (s));
  out = la_cli_wav_parse (b->data, b->len, "f.wav", &n, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpmem (out, sizeof (s), s, sizeof (s));
  g_free (out);
  g_byte_array_unref (b);

  b = make_wav (3, 1, 16000, 32, TRUE, (const guint8 *) bad, sizeof (bad));
  out = la_cli_wav_parse (b->data, b->len, "nan.wav", &n, &err);
  g_assert_null (out);
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (err->message, "nan.wav"));
  g_clear_error (&err);
  g_byte_array_unref (b);
}

static void
test_wav_unsupported (void)
{
  static const struct
  {
    guint tag, channels, rate, bits;
  } cases[] = {
    {1, 1, 44100, 16}, {1, 2, 16000, 16}, {1, 1, 16000, 24},
    {1, 1, 16000, 8}, {3, 1, 16000, 64}, {6, 1, 16000, 8},
    {3, 2, 48000, 32},
  };
  guint8 zero[16] = { 0 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GByteArray *b = make_wav (cases[i].tag, cases[i].channels,
        cases[i].rate, cases[i].bits, i % 2, zero, sizeof (zero));
    GError *err = NULL;
    gsize n;

    g_assert_null (la_cli_wav_parse (b->data, b->len, "x.wav", &n, &err));
    g_assert_error (err, LA_ERROR, LA_ERROR_NOT_SUPPORTED);
    g_assert_nonnull (strstr (err->message, "x.wav"));
    g_assert_nonnull (strstr (err->message, "sox"));
    g_clear_error (&err);
    g_byte_array_unref (b);
  }
}

static void
test_wav_corrupt (void)
{
  gint16 s[64] = { 0 };
  GByteArray *b = make_wav (1, 1, 16000, 16, FALSE, (guint8 *) s,
      sizeof (s));
  GError *err = NULL;
  gfloat *out;
  gsize n, cut;
  guint i;

  /* every truncation is an error or a shorter valid read, never a crash
   * (a cut in the samples is "truncated") */
  for (cut = 0; cut < b->len; cut++) {
    out = la_cli_wav_parse (b->data, cut, "cut.wav", &n, &err);
    g_assert_null (out);
    g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (err->message, "cut.wav"));
    g_clear_error (&err);
  }
  /* random bytes flipped: whatever comes back is consistent */
  g_random_set_seed (7);
  for (i = 0; i < 3000; i++) {
    GByteArray *c = g_byte_array_sized_new (b->len);
    guint k;

    g_byte_array_append (c, b->data, b->len);
    for (k = 0; k < 3; k++)
      c->data[g_random_int_range (0, 60)] = g_random_int_range (0, 256);
    out = la_cli_wav_parse (c->data, c->len, "fuzz.wav", &n, &err);
    g_assert_true ((out == NULL) == (err != NULL));
    if (out)
      g_assert_cmpuint (n, <=, 64);
    g_free (out);
    g_clear_error (&err);
    g_byte_array_unref (c);
  }
  out = la_cli_wav_parse ((const guint8 *) "RIFX....WAVE", 12, "be.wav", &n,
      &err);
  g_assert_null (out);
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_DATA);
  g_clear_error (&err);
  g_byte_array_unref (b);

  g_assert_null (la_cli_wav_read ("/nonexistent/in.wav", &n, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_FAILED);
  g_assert_nonnull (strstr (err->message, "/nonexistent/in.wav"));
  g_clear_error (&err);
}

/* ---- Netpbm ---- */

static LaCliImage *
parse_str (const gchar * s, gsize len, GError ** err)
{
  return la_cli_image_parse ((const guint8 *) s, len ? len : strlen (s),
      "t.pnm", err);
}

static void
test_pnm (void)
{
  static const gchar p6[] = "P6\n# c\n2 1\n255\n\x01\x02\x03\xfa\xfb\xfc";
  GError *err = NULL;
  LaCliImage *im;

  im = parse_str (p6, sizeof (p6) - 1, &err);
  g_assert_no_error (err);
  g_assert_cmpint (im->width, ==, 2);
  g_assert_cmpint (im->height, ==, 1);
  g_assert_cmpmem (im->rgb, 6, "\x01\x02\x03\xfa\xfb\xfc", 6);
  la_cli_image_free (im);

  /* maxval 4: round (v / 4 * 255), halves to even: 63.75 -> 64,
   * 127.5 -> 128, 191.25 -> 191 */
  im = parse_str ("P3 3 1 4 # comment\n 1 2 3\n0 4 2 3 3 3\n", 0, &err);
  g_assert_no_error (err);
  g_assert_cmpmem (im->rgb, 9, "\x40\x80\xbf\x00\xff\x80\xbf\xbf\xbf", 9);
  la_cli_image_free (im);

  /* grey, replicated; 16-bit big-endian samples scaled */
  im = parse_str ("P5 2 1 65535\n\x80\x00\xff\xff", 17, &err);
  g_assert_no_error (err);
  g_assert_cmpmem (im->rgb, 6, "\x80\x80\x80\xff\xff\xff", 6);
  la_cli_image_free (im);
  im = parse_str ("P2 2 1 255 7 200", 0, &err);
  g_assert_no_error (err);
  g_assert_cmpmem (im->rgb, 6, "\x07\x07\x07\xc8\xc8\xc8", 6);
  la_cli_image_free (im);

  /* bitmaps: 1 is black */
  im = parse_str ("P1 3 1 101", 0, &err);
  g_assert_no_error (err);
  g_assert_cmpmem (im->rgb, 9, "\0\0\0\xff\xff\xff\0\0\0", 9);
  la_cli_image_free (im);
  im = parse_str ("P4 3 2\n\xa0\x40", 9, &err);
  g_assert_no_error (err);
  g_assert_cmpmem (im->rgb, 18, "\0\0\0\xff\xff\xff\0\0\0"
      "\xff\xff\xff\0\0\0\xff\xff\xff", 18);
  la_cli_image_free (im);
}

static void
test_pnm_errors (void)
{
  static const gchar *bad[] = {
    "P6 2 1 255\n\x01\x02\x03", /* truncated */
    "P6 2 1 0\n",               /* maxval 0 */
    "P6 2 1 70000\n",           /* maxval too large */
    "P6 0 1 255\n",             /* empty */
    "P6 -2 1 255\n",
    "P3 1 1 255 1 2",           /* truncated ASCII */
    "P3 1 1 4 1 2 5",           /* sample above maxval */
    "P1 2 1 0 2",               /* not a bit */
    "P6 100000 100000 255\n",   /* larger than PIL allows */
    "P6 99999999999 1 255\n",   /* absurd */
  };
  GError *err = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_assert_null (parse_str (bad[i], 0, &err));
    g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (err->message, "t.pnm"));
    g_clear_error (&err);
  }
  g_assert_null (parse_str ("GIF89a....", 0, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_NOT_SUPPORTED);
  g_clear_error (&err);
  g_assert_null (la_cli_image_read ("/nonexistent/face.ppm", &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_FAILED);
  g_assert_nonnull (strstr (err->message, "/nonexistent/face.ppm"));
  g_clear_error (&err);
}

/* ---- against Pillow ---- */

static LaCheckpoint *
goldens (void)
{
  gchar *path = g_build_filename (data_dir, "pictures.safetensors", NULL);
  GError *err = NULL;
  LaCheckpoint *ck = la_checkpoint_open (path, &err);

  g_assert_no_error (err);
  g_free (path);
  return ck;
}

static const LaCheckpointTensor *
golden (LaCheckpoint * ck, const gchar * name, gint w, gint h)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (ck, name);

  g_assert_nonnull (t);
  g_assert_cmpint (t->dtype, ==, LA_IO_DTYPE_U8);
  g_assert_cmpint (t->ndim, ==, 3);
  g_assert_cmpint (t->shape[0], ==, h);
  g_assert_cmpint (t->shape[1], ==, w);
  g_assert_cmpint (t->shape[2], ==, 3);
  return t;
}

static void
test_resize_pil (void)
{
  static const gint sizes[][2] = { {16, 10}, {5, 3}, {64, 40}, {37, 11},
  {20, 23}, {1, 1}, {111, 7}
  };
  LaCheckpoint *ck = goldens ();
  const LaCheckpointTensor *src = golden (ck, "src", 37, 23);
  gchar *ppm = g_build_filename (data_dir, "src.ppm", NULL);
  GError *err = NULL;
  LaCliImage *im;
  guint i;

  /* the PPM holds the same picture */
  im = la_cli_image_read (ppm, &err);
  g_assert_no_error (err);
  g_assert_cmpmem (im->rgb, (gsize) 37 * 23 * 3, src->data, src->nbytes);
  la_cli_image_free (im);
  g_free (ppm);

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    gint w = sizes[i][0], h = sizes[i][1];
    gchar *name = g_strdup_printf ("resize_%dx%d", w, h);
    const LaCheckpointTensor *want = golden (ck, name, w, h);
    guint8 *got = g_malloc ((gsize) w * h * 3);

    la_cli_resize_bilinear (src->data, 37, 23, got, w, h);
    g_assert_cmpmem (got, (gsize) w * h * 3, want->data, want->nbytes);
    g_free (got);
    g_free (name);
  }
  la_checkpoint_free (ck);
}

static void
test_fit_pil (void)
{
  static const gint sizes[][2] = { {16, 16}, {32, 16}, {16, 32}, {64, 48},
  {24, 8}, {40, 40}
  };
  LaCheckpoint *ck = goldens ();
  const LaCheckpointTensor *src = golden (ck, "src", 37, 23);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    gint w = sizes[i][0], h = sizes[i][1];
    gchar *name = g_strdup_printf ("fit_%dx%d", w, h);
    const LaCheckpointTensor *want = golden (ck, name, w, h);
    guint8 *got = la_cli_fit_picture (src->data, 37, 23, w, h);

    g_assert_cmpmem (got, (gsize) w * h * 3, want->data, want->nbytes);
    g_free (got);
    g_free (name);
  }
  la_checkpoint_free (ck);
}

static void
test_png_pil (void)
{
  static const gchar *names[] = { "rgb", "rgba", "grey", "greyalpha",
    "palette", "rgb16"
  };
  LaCheckpoint *ck = goldens ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *file = g_strdup_printf ("%s.png", names[i]);
    gchar *path = g_build_filename (data_dir, file, NULL);
    gchar *gname = g_strdup_printf ("png_%s", names[i]);
    const LaCheckpointTensor *want = golden (ck, gname, 13, 9);
    GError *err = NULL;
    LaCliImage *im = la_cli_image_read (path, &err);

#ifdef LA_CLI_HAVE_PNG
    g_assert_no_error (err);
    g_assert_cmpmem (im->rgb, (gsize) 13 * 9 * 3, want->data, want->nbytes);
    la_cli_image_free (im);
#else
    g_assert_null (im);
    g_assert_error (err, LA_ERROR, LA_ERROR_NOT_SUPPORTED);
    g_clear_error (&err);
#endif
    g_free (gname);
    g_free (path);
    g_free (file);
  }
  la_checkpoint_free (ck);
}

static void
test_png_corrupt (void)
{
#ifdef LA_CLI_HAVE_PNG
  gchar *path = g_build_filename (data_dir, "rgba.png", NULL);
  gchar *data;
  gsize len, cut;
  guint i;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  for (cut = 0; cut < len; cut += 7) {
    GError *err = NULL;
    LaCliImage *im = la_cli_image_parse ((guint8 *) data, cut, "c.png", &err);

    g_assert_null (im);
    g_assert_nonnull (err);
    g_assert_nonnull (strstr (err->message, "c.png"));
    g_clear_error (&err);
  }
  g_random_set_seed (11);
  for (i = 0; i < 500; i++) {
    gchar *c = g_memdup2 (data, len);
    GError *err = NULL;
    LaCliImage *im;

    c[g_random_int_range (8, (gint) len)] ^= 1 << g_random_int_range (0, 8);
    im = la_cli_image_parse ((guint8 *) c, len, "f.png", &err);
    g_assert_true ((im == NULL) == (err != NULL));
    la_cli_image_free (im);
    g_clear_error (&err);
    g_free (c);
  }
  g_free (data);
  g_free (path);
#else
  g_test_skip ("built without libpng");
#endif
}

/* ---- Y4M ---- */

static void
test_y4m (void)
{
  guint8 rgb[2 * 4 * 2 * 3];
  gchar *dir = g_dir_make_tmp ("la-cli-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "v.y4m", NULL);
  const gchar *header = "YUV4MPEG2 W4 H2 F25:1 Ip A1:1 C444\n";
  GError *err = NULL;
  LaCliVideoFormat fmt;
  LaCliVideo *v;
  gchar *data;
  gsize len, i, hl = strlen (header), n = 8;
  gint f;

  g_assert_true (la_cli_video_format_for ("a.y4m", &fmt));
  g_assert_cmpint (fmt, ==, LA_CLI_VIDEO_Y4M);
  g_assert_true (la_cli_video_format_for ("a.rgb", &fmt));
  g_assert_cmpint (fmt, ==, LA_CLI_VIDEO_RGB);
  g_assert_false (la_cli_video_format_for ("a.mp4", &fmt));

  for (i = 0; i < sizeof (rgb); i++)
    rgb[i] = (guint8) (i * 37 + 11);
  rgb[0] = rgb[1] = rgb[2] = 0;
  rgb[3] = rgb[4] = rgb[5] = 255;

  v = la_cli_video_open (path, LA_CLI_VIDEO_Y4M, 4, 2, &err);
  g_assert_no_error (err);
  g_assert_true (la_cli_video_write (v, rgb, 1, &err));
  g_assert_true (la_cli_video_write (v, rgb + n * 3, 1, &err));
  g_assert_cmpuint (la_cli_video_get_n_frames (v), ==, 2);
  g_assert_true (la_cli_video_close (v, &err));
  g_assert_no_error (err);

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpuint (len, ==, hl + 2 * (6 + n * 3));
  g_assert_cmpmem (data, hl, header, hl);
  for (f = 0; f < 2; f++) {
    const guint8 *planes = (guint8 *) data + hl + f * (6 + n * 3) + 6;

    g_assert_cmpmem (planes - 6, 6, "FRAME\n", 6);
    for (i = 0; i < n; i++) {
      const guint8 *p = rgb + (f * n + i) * 3;
      /* BT.601, limited range, in floats: within 1 of the integer form */
      gdouble y = 16 + (65.481 * p[0] + 128.553 * p[1] + 24.966 * p[2]) / 255;
      gdouble u = 128 + (-37.797 * p[0] - 74.203 * p[1] + 112 * p[2]) / 255;
      gdouble vv = 128 + (112 * p[0] - 93.786 * p[1] - 18.214 * p[2]) / 255;

      g_assert_cmpfloat (fabs (planes[i] - y), <=, 1.0);
      g_assert_cmpfloat (fabs (planes[n + i] - u), <=, 1.0);
      g_assert_cmpfloat (fabs (planes[2 * n + i] - vv), <=, 1.0);
    }
    if (f == 0) {
      /* black and white at the ends of the range, no chroma */
      g_assert_cmpint (planes[0], ==, 16);
      g_assert_cmpint (planes[1], ==, 235);
      g_assert_cmpint (planes[n], ==, 128);
      g_assert_cmpint (planes[n + 1], ==, 128);
      g_assert_cmpint (planes[2 * n], ==, 128);
      g_assert_cmpint (planes[2 * n + 1], ==, 128);
    }
  }
  g_free (data);

  /* raw RGB is the bytes as they are */
  v = la_cli_video_open (path, LA_CLI_VIDEO_RGB, 4, 2, &err);
  g_assert_true (la_cli_video_write (v, rgb, 2, &err));
  g_assert_true (la_cli_video_close (v, &err));
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpmem (data, len, rgb, sizeof (rgb));
  g_free (data);

  g_assert_null (la_cli_video_open ("/nonexistent/dir/v.y4m",
          LA_CLI_VIDEO_Y4M, 4, 2, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_FAILED);
  g_assert_nonnull (strstr (err->message, "/nonexistent/dir/v.y4m"));
  g_clear_error (&err);

  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

/* ---- arguments ---- */

static void
test_args (void)
{
  LaBackendKind kind;
  gint w, h, dev;
  guint64 v;

  g_assert_true (la_cli_parse_size ("704x384", &w, &h));
  g_assert_cmpint (w, ==, 704);
  g_assert_cmpint (h, ==, 384);
  g_assert_true (la_cli_parse_size ("720*400", &w, &h));
  g_assert_cmpint (h, ==, 400);
  g_assert_false (la_cli_parse_size ("704", &w, &h));
  g_assert_false (la_cli_parse_size ("0x10", &w, &h));
  g_assert_false (la_cli_parse_size ("10x-3", &w, &h));
  g_assert_false (la_cli_parse_size ("1x2x3", &w, &h));
  g_assert_true (la_cli_parse_u64 ("18446744073709551615", &v));
  g_assert_cmpuint (v, ==, G_MAXUINT64);
  g_assert_false (la_cli_parse_u64 ("-1", &v));
  g_assert_false (la_cli_parse_u64 ("4x", &v));
  g_assert_true (la_cli_parse_backend ("cuda:1", &kind, &dev));
  g_assert_cmpint (kind, ==, LA_BACKEND_CUDA);
  g_assert_cmpint (dev, ==, 1);
  g_assert_true (la_cli_parse_backend ("cpu", &kind, &dev));
  g_assert_cmpint (kind, ==, LA_BACKEND_CPU);
  g_assert_false (la_cli_parse_backend ("gpu", &kind, &dev));
  g_assert_false (la_cli_parse_backend ("cuda:x", &kind, &dev));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2) {
    g_printerr ("usage: %s DATA_DIR\n", argv[0]);
    return 2;
  }
  data_dir = argv[1];

  g_test_add_func ("/cli/wav/pcm16", test_wav_pcm16);
  g_test_add_func ("/cli/wav/float", test_wav_float);
  g_test_add_func ("/cli/wav/unsupported", test_wav_unsupported);
  g_test_add_func ("/cli/wav/corrupt", test_wav_corrupt);
  g_test_add_func ("/cli/image/pnm", test_pnm);
  g_test_add_func ("/cli/image/pnm-errors", test_pnm_errors);
  g_test_add_func ("/cli/image/resize-pil", test_resize_pil);
  g_test_add_func ("/cli/image/fit-pil", test_fit_pil);
  g_test_add_func ("/cli/image/png-pil", test_png_pil);
  g_test_add_func ("/cli/image/png-corrupt", test_png_corrupt);
  g_test_add_func ("/cli/y4m", test_y4m);
  g_test_add_func ("/cli/args", test_args);
  return g_test_run ();
}
