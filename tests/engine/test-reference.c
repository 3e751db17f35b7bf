/* liveavatar engine tests: the reference picture
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The output size for a picture (Live Avatar's get_size_less_than_area,
 * liveavatar/models/wan/causal_s2v_pipeline_tpp.py), worked out by hand
 * below, and when a new picture takes effect: at the first block of the
 * next clip, without changing a frame's count, timing or (test model)
 * pixels.
 */

#include <string.h>

#include "la-session-private.h"
#include "test-util.h"

#define BLOCK 7680              /* samples */

/* ---- output size ---- */

typedef struct
{
  gint image_width, image_height;
  gint area_width, area_height;
  gint width, height;           /* expected; 0 x 0: no size */
} SizeCase;

/* Each expected size by hand from get_size_less_than_area (h, w, A):
 * over the area, min = (-b + sqrt (b^2 - 2ac)) / 2a with d = 63,
 * b = d (h + w), a = h w, c = d^2 - A, and max = sqrt (A / (h w)); at most
 * the area, min = 0.1 and max = 1. Scales go from max down in steps of
 * (max - min) / 100; the first whose sides int (h s), int (w s), each
 * rounded up to a multiple of 64, have a product <= A wins. */
static const SizeCase size_cases[] = {
  /* landscape 16:9, Live Avatar's default --size 704*384: A = 270336 <
   * 921600. max = sqrt (0.29333) = 0.541603; b = 126000, a = 921600,
   * c = -266367, b^2 - 2ac = 506843654400, min = (711929.53 - 126000) /
   * 1843200 = 0.317887; step 0.00223715. i = 0..3: int (720 s) >= 385
   * (448 rows), 448 x 704 = 315392 > A; i = 4: s = 0.532654, 383 -> 384,
   * 681 -> 704, 384 x 704 = 270336 <= A. */
  {1280, 720, 704, 384, 704, 384},
  /* portrait: the same with h and w swapped */
  {720, 1280, 704, 384, 384, 704},
  /* square 1024: max = sqrt (270336 / 1048576) = 0.507752, b = 129024,
   * a = 1048576, b^2 - 2ac = 575259279360, min = (758458.49 - 129024) /
   * 2097152 = 0.300138, step 0.00207615; 512 x 512 needs int (1024 s) <=
   * 512, s < 0.500977: i = 4, s = 0.499448, 511 -> 512 (i = 3:
   * s = 0.501524, 513 -> 576). */
  {1024, 1024, 704, 384, 512, 512},
  /* smaller than the area: s = 1 at once, 200 -> 256, 300 -> 320,
   * 81920 <= A: Live Avatar pads (then scales) up */
  {300, 200, 704, 384, 320, 256},
  /* extreme but small: s = 1, 100 -> 128, 2000 -> 2048, 262144 <= A */
  {2000, 100, 704, 384, 2048, 128},
  /* extreme, larger than the area: max = sqrt (270336 / 1200000) =
   * 0.474637, b = 270900, a = 1200000, b^2 - 2ac = 712667610000,
   * min = (844196.43 - 270900) / 2400000 = 0.238874, step 0.00235763. 192 rows allow 1408 columns
   * (int (4000 s) <= 1408: s <= 0.352, far below), 128 rows need
   * int (300 s) <= 128, s < 0.43: i = 19, s = 0.429842, 128 -> 128,
   * 1719 -> 1728, 221184 <= A (i = 18: s = 0.432199, 129 -> 192). */
  {4000, 300, 704, 384, 1728, 128},
  /* the area itself: s = 1, no padding */
  {704, 384, 704, 384, 704, 384},
  /* --size 720*400 (the multi-GPU script's), 1080p: A = 288000 <
   * 2073600; max = sqrt (0.138889) = 0.372678, b = 189000, a = 2073600,
   * c = -284031, b^2 - 2ac = 1213654363200, min = (1101659.82 - 189000)
   * / 4147200 = 0.220067, step 0.00152611. 448 x 704 = 315392 > A,
   * 384 x 704 = 270336 <= A: rows int (1080 s) <= 384, s < 0.356481:
   * i = 11, s = 0.355891, 384 -> 384, 683 -> 704 (i = 10: s = 0.357417,
   * 386 -> 448). */
  {1920, 1080, 720, 400, 704, 384},
  /* 1 x 5000: s = 1 gives 64 x 5056 = 323584 > A; s = 0.991 gives
   * int (0.991) = 0 columns, 0 <= A: Live Avatar would make a video 0
   * pixels wide. No size. */
  {1, 5000, 704, 384, 0, 0},
  /* nonsense in, no size */
  {0, 100, 704, 384, 0, 0},
  {100, 100, 704, -384, 0, 0},
};

static void
test_size_for_area (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (size_cases); i++) {
    const SizeCase *c = &size_cases[i];
    gint width = -1, height = -1;
    gboolean ok;

    ok = la_size_for_area (c->image_width, c->image_height, c->area_width,
        c->area_height, &width, &height);
    g_test_message ("%dx%d in %dx%d -> %dx%d", c->image_width,
        c->image_height, c->area_width, c->area_height, width, height);
    g_assert_cmpint (ok, ==, c->width > 0);
    g_assert_cmpint (width, ==, c->width);
    g_assert_cmpint (height, ==, c->height);
  }
}

/* ---- taking effect ---- */

static guint8 *
picture_new (gint width, gint height, guint8 shade)
{
  guint8 *rgb = g_malloc ((gsize) width * height * 3);

  memset (rgb, shade, (gsize) width * height * 3);
  return rgb;
}

static void
set_picture (LaSession * s, guint8 shade)
{
  guint8 *rgb = picture_new (64, 64, shade);
  GError *err = NULL;

  g_assert_true (la_session_set_reference_image (s, rgb, 64, 64, 64 * 3, &err));
  g_assert_no_error (err);
  g_free (rgb);
}

/* pushes samples [*pushed, to) of @pcm, popping each frame as soon as its
 * block is complete (so that back-pressure never stops the push) */
static void
push_to (LaSession * s, const gfloat * pcm, gsize * pushed, gsize to,
    GPtrArray * frames)
{
  GError *err = NULL;

  while (*pushed < to) {
    gsize n = MIN (to - *pushed, BLOCK - *pushed % BLOCK);

    g_assert_true (la_session_push_audio (s, pcm + *pushed, n, &err));
    g_assert_no_error (err);
    *pushed += n;
    if (*pushed % BLOCK == 0)
      test_pop_frames (s, 12, frames);
  }
}

/* the blocks at which the DiT stages (1, 2) each filled their sink caches
 * with a new picture, checked to agree; returns how many */
static guint
reference_blocks (LaSession * s, guint64 * blocks, guint max)
{
  LaTraceEvent *ev;
  guint n, i, n_ref = 0, n_blocks = 0;

  ev = la_session_get_trace (s, &n);
  for (i = 0; i < n; i++) {
    if (ev[i].kind != LA_TRACE_REFERENCE)
      continue;
    /* the two stages, in pipeline order, for each change */
    g_assert_cmpuint (ev[i].stage, ==, 1 + n_ref % 2);
    if (n_ref % 2 == 0) {
      g_assert_cmpuint (n_blocks, <, max);
      blocks[n_blocks++] = ev[i].block;
    } else {
      g_assert_cmpuint (ev[i].block, ==, blocks[n_blocks - 1]);
    }
    n_ref++;
  }
  g_assert_cmpuint (n_ref % 2, ==, 0);
  g_free (ev);
  return n_blocks;
}

/* A picture given before a block is cut is in force from the next block
 * whose index is a multiple of 4; one replaced before that never is.
 * Frames keep their number, timing and pixels; the first of each new
 * picture says so. */
static void
test_clip_boundary (void)
{
  const gsize total = 13 * BLOCK + 100;
  LaEngine *e = test_engine_new ("0,1", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);
  gfloat *pcm = test_audio_new (total, 3);
  GPtrArray *frames =
      g_ptr_array_new_with_free_func ((GDestroyNotify) la_frame_unref);
  GPtrArray *rest;
  guint64 blocks[8];
  gsize pushed = 0;
  guint i, n;

  la_session_set_trace (s, TRUE);

  set_picture (s, 10);          /* before any audio: block 0 */
  push_to (s, pcm, &pushed, BLOCK + 100, frames);
  set_picture (s, 20);          /* block 1 is not cut yet: block 4 */
  push_to (s, pcm, &pushed, 5 * BLOCK, frames);
  set_picture (s, 30);          /* after block 4: replaced ... */
  set_picture (s, 40);          /* ... by this one, at block 8 */
  push_to (s, pcm, &pushed, 9 * BLOCK, frames);
  set_picture (s, 50);          /* after block 8: block 12 */
  push_to (s, pcm, &pushed, total, frames);
  la_session_drain (s);
  rest = test_pop_until_eos (s);
  for (i = 0; i < rest->len; i++)
    g_ptr_array_add (frames, la_frame_ref (g_ptr_array_index (rest, i)));
  g_ptr_array_unref (rest);

  n = reference_blocks (s, blocks, G_N_ELEMENTS (blocks));
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpuint (blocks[0], ==, 0);
  g_assert_cmpuint (blocks[1], ==, 4);
  g_assert_cmpuint (blocks[2], ==, 8);
  g_assert_cmpuint (blocks[3], ==, 12);

  /* 14 blocks, the last one short: ceil (total / 640) frames, each at its
   * place, flagged NEW_REFERENCE exactly where a picture came in */
  g_assert_cmpuint (frames->len, ==, test_expected_frames (total));
  for (i = 0; i < frames->len; i++) {
    LaFrame *f = g_ptr_array_index (frames, i);
    gboolean first = i == 0 || i == 48 || i == 96 || i == 144;

    g_assert_cmpuint (f->index, ==, i);
    g_assert_cmpint (!!(f->flags & LA_FRAME_FLAG_NEW_REFERENCE), ==, first);
    f->flags &= ~LA_FRAME_FLAG_NEW_REFERENCE;
  }
  test_check_sequence (frames, total);
  test_check_pictures (frames, pcm, total);

  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

/* After a flush the stages start from scratch and prime their state with
 * the picture in force again at block 0; the frames show the same picture
 * as before, so none is flagged. A picture given meanwhile comes in at
 * block 0. */
static void
test_flush (void)
{
  LaEngine *e = test_engine_new ("0,1", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_I420, 2);
  gfloat *pcm = test_audio_new (2 * BLOCK, 0);
  GPtrArray *frames =
      g_ptr_array_new_with_free_func ((GDestroyNotify) la_frame_unref);
  guint64 blocks[4];
  gsize pushed = 0;
  guint i;

  set_picture (s, 10);
  push_to (s, pcm, &pushed, BLOCK, frames);
  g_assert_true (((LaFrame *) g_ptr_array_index (frames, 0))->flags &
      LA_FRAME_FLAG_NEW_REFERENCE);

  la_session_set_flushing (s, TRUE);
  la_session_set_flushing (s, FALSE);
  g_ptr_array_set_size (frames, 0);
  la_session_set_trace (s, TRUE);
  pushed = 0;
  push_to (s, pcm, &pushed, 2 * BLOCK, frames);
  g_assert_cmpuint (reference_blocks (s, blocks, 4), ==, 1);
  g_assert_cmpuint (blocks[0], ==, 0);
  for (i = 0; i < frames->len; i++)
    g_assert_false (((LaFrame *) g_ptr_array_index (frames,
                i))->flags & LA_FRAME_FLAG_NEW_REFERENCE);

  /* given between two flushes */
  la_session_set_flushing (s, TRUE);
  set_picture (s, 20);
  la_session_set_flushing (s, FALSE);
  g_ptr_array_set_size (frames, 0);
  la_session_set_trace (s, TRUE);
  pushed = 0;
  push_to (s, pcm, &pushed, BLOCK, frames);
  g_assert_cmpuint (reference_blocks (s, blocks, 4), ==, 1);
  g_assert_cmpuint (blocks[0], ==, 0);
  g_assert_true (((LaFrame *) g_ptr_array_index (frames, 0))->flags &
      LA_FRAME_FLAG_NEW_REFERENCE);

  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

/* a picture that is not at the output size, or whose rows are too short,
 * is refused and changes nothing */
static void
test_bad_picture (void)
{
  LaEngine *e = test_engine_new ("0", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);
  gfloat *pcm = test_audio_new (BLOCK, 0);
  guint8 *rgb = picture_new (128, 64, 0);
  GPtrArray *frames =
      g_ptr_array_new_with_free_func ((GDestroyNotify) la_frame_unref);
  guint64 blocks[2];
  GError *err = NULL;
  gsize pushed = 0;

  la_session_set_trace (s, TRUE);
  g_assert_false (la_session_set_reference_image (s, rgb, 128, 64, 128 * 3,
          &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  g_assert_false (la_session_set_reference_image (s, rgb, 64, 32, 64 * 3,
          &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  g_assert_false (la_session_set_reference_image (s, rgb, 64, 64, 64 * 3 - 1,
          &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);

  push_to (s, pcm, &pushed, BLOCK, frames);
  g_assert_cmpuint (reference_blocks (s, blocks, 2), ==, 0);
  g_assert_false (((LaFrame *) g_ptr_array_index (frames, 0))->flags &
      LA_FRAME_FLAG_NEW_REFERENCE);

  g_ptr_array_unref (frames);
  g_free (rgb);
  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reference/size-for-area", test_size_for_area);
  g_test_add_func ("/reference/clip-boundary", test_clip_boundary);
  g_test_add_func ("/reference/flush", test_flush);
  g_test_add_func ("/reference/bad-picture", test_bad_picture);

  return g_test_run ();
}
