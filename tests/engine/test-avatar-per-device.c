/* liveavatar engine tests: Live Avatar with weights per device
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * On CUDA the engine loads one LaAvatar per device its stages use: the
 * DiT where a DiT stage computes, the VAE and both encoders on the
 * vae-device. LIVEAVATAR_CPU_PER_DEVICE_WEIGHTS=1 does the same on the
 * CPU's virtual devices, so the placement runs here: with 1 and 2 DiT
 * stages and a vae-device of its own, the frames are byte for byte
 * la_avatar_generate's (which the shared-weights engine gives too, checked
 * alongside), and each virtual device's backend holds what the memory
 * plan of the CUDA placement says: the mirrored rows exactly (weights;
 * each step's cache, buffers and cross K/V, one per step where the prompt
 * comes from the vae-device, one for all where the DiT runs there too;
 * the decoder's cache) and at most the plan's total at its peak, the
 * picture's encode included; the engine checks each virtual device
 * against that plan before it loads. With offload=true umT5 lives on the
 * engine's host backend: the vae-device holds exactly its row less, the
 * host exactly that row, and the frames stay byte for byte the same.
 *
 * /avatar/per-device/cuda runs the engine on CUDA against the CPU
 * reference (tools/gpu-check.sh runs it on a GPU); without one it skips,
 * saying why.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include "avatar-util.h"
#include "la-engine-private.h"
#include "la-memory-plan.h"

/* past the clip boundary: blocks 4 and 5 take their sink from block 0 */
#define N_BLOCKS 6
#define ENV LA_ENGINE_CPU_PER_DEVICE_ENV

static gfloat *pcm;
static gsize n_pcm;
static GPtrArray *ref;

static LaEngine *
engine_new_full (LaBackendKind backend, const gchar * dit_devices, gint vae,
    LaPrecision precision, gboolean per_device, gboolean offload,
    GError ** error)
{
  LaEngineConfig cfg;
  LaEngine *e;

  av_engine_config_init (&cfg);
  cfg.offload = offload;
  cfg.backend = backend;
  cfg.dit_devices = dit_devices;
  cfg.vae_device = vae;
  cfg.precision = precision;
  cfg.online_decode = TRUE;
  if (per_device)
    g_setenv (ENV, "1", TRUE);
  else
    g_unsetenv (ENV);
  e = la_engine_new (&cfg, error);
  g_unsetenv (ENV);
  return e;
}

static LaEngine *
engine_new (LaBackendKind backend, const gchar * dit_devices, gint vae,
    LaPrecision precision, gboolean per_device, GError ** error)
{
  return engine_new_full (backend, dit_devices, vae, precision, per_device,
      FALSE, error);
}

/* the plan of the CUDA placement at the CPU's precision */
static LaMemoryPlan *
plan_for_full (const gchar * dit_devices, gint vae, gboolean offload)
{
  LaMemoryPlanConfig pc;

  la_memory_plan_config_init (&pc);
  pc.backend = LA_BACKEND_CUDA;
  pc.dit_devices = dit_devices;
  pc.vae_device = vae;
  pc.precision = LA_PRECISION_FP32;
  pc.width = AV_WIDTH;
  pc.height = AV_HEIGHT;
  pc.sample_steps = LA_DEFAULT_SAMPLE_STEPS;
  pc.offload = offload;
  return av_plan_new (av_model_dir (), &pc);
}

static LaMemoryPlan *
plan_for (const gchar * dit_devices, gint vae)
{
  return plan_for_full (dit_devices, vae, FALSE);
}

static const LaEngineDevice *
engine_device (LaEngine * e, gint index)
{
  guint i;

  for (i = 0; i < e->n_devices; i++)
    if ((gint) e->devices[i].index == index)
      return &e->devices[i];
  g_error ("device %d holds no weights", index);
  return NULL;
}

/* the backend that plays @pd: a virtual device's, or the engine's host
 * backend for the plan's host column */
static LaBackend *
plan_backend (LaEngine * e, const LaMemoryPlanDevice * pd)
{
  if (pd->host) {
    g_assert_nonnull (e->text_backend);
    return e->text_backend;
  }
  return engine_device (e, pd->index)->backend;
}

static guint64
sum_rows (const LaMemoryPlanDevice * d, const LaMemoryRow * rows, guint n)
{
  guint64 total = 0;
  guint i;

  for (i = 0; i < n; i++)
    total += d->bytes[rows[i]];
  return total;
}

static const LaMemoryRow weights[] = {
  LA_MEMORY_DIT_WEIGHTS, LA_MEMORY_VAE_WEIGHTS, LA_MEMORY_AUDIO_ENCODER,
  LA_MEMORY_TEXT_ENCODER
};

/* what a session that has run keeps: the weights, every step's caches,
 * buffers and cross K/V (the prompt is the vae-device's avatar's: a step
 * elsewhere makes its own copy, the steps there share the prompt's), the
 * decoder's cache */
static const LaMemoryRow held_rows[] = {
  LA_MEMORY_DIT_WEIGHTS, LA_MEMORY_VAE_WEIGHTS, LA_MEMORY_AUDIO_ENCODER,
  LA_MEMORY_TEXT_ENCODER, LA_MEMORY_KV_CACHE, LA_MEMORY_STEP_BUFFERS,
  LA_MEMORY_CROSS_KV, LA_MEMORY_VAE_CACHE
};

/* Each device holds @rows of its plan exactly; once the DiT has run
 * (@ran), plus at most its activations row: the DiT may keep its
 * temporaries' workspace between calls. @held, when not NULL, gets what
 * each device holds. */
static void
check_held (LaEngine * e, const LaMemoryPlan * p, const LaMemoryRow * rows,
    guint n_rows, gboolean ran, const gchar * when, guint64 * held)
{
  guint i;

  for (i = 0; i < p->n_devices; i++) {
    const LaMemoryPlanDevice *pd = &p->devices[i];
    LaBackend *be = plan_backend (e, pd);
    guint64 want = sum_rows (pd, rows, n_rows);
    guint64 have = la_backend_get_allocated_bytes (be);

    g_test_message ("%s: %s%d holds %" G_GUINT64_FORMAT " bytes, the plan "
        "%" G_GUINT64_FORMAT, when, pd->host ? "host " : "CPU", pd->index,
        have, want);
    g_assert_cmpuint (have, >=, want);
    g_assert_cmpuint (have, <=, want + (ran ?
            pd->bytes[LA_MEMORY_DIT_ACTIVATIONS] : 0));
    if (held)
      held[i] = have;
  }
}

/* One placement with weights per virtual device: who holds what, the
 * frames, the bytes. */
static void
run_per_device_full (const gchar * dit_devices, gint vae, guint n_devices,
    gboolean offload)
{
  LaMemoryPlan *p = plan_for_full (dit_devices, vae, offload);
  const LaMemoryRow kept[] = {
    LA_MEMORY_DIT_WEIGHTS, LA_MEMORY_VAE_WEIGHTS, LA_MEMORY_AUDIO_ENCODER,
    LA_MEMORY_TEXT_ENCODER, LA_MEMORY_KV_CACHE, LA_MEMORY_STEP_BUFFERS
  };
  guint64 after_run[LA_MAX_DEVICES + 2], freed[LA_MAX_DEVICES + 2];
  GError *err = NULL;
  LaEngine *e;
  LaSession *s;
  GPtrArray *frames;
  guint i, k;

  e = engine_new_full (LA_BACKEND_CPU, dit_devices, vae, LA_PRECISION_AUTO,
      TRUE, offload, &err);
  g_assert_no_error (err);
  g_assert_true (e->per_device);
  g_assert_cmpuint (e->n_devices, ==, n_devices);
  /* the plan lists the host too under offload */
  g_assert_cmpuint (p->n_devices, ==, n_devices + (offload ? 1 : 0));
  g_assert_true ((e->text_backend != NULL) == offload);

  /* the plan's placement: DiT where a stage computes, the rest on the
   * vae-device, nothing twice */
  for (i = 0; i < p->n_devices; i++) {
    const LaMemoryPlanDevice *pd = &p->devices[i];
    const LaEngineDevice *ed;

    if (pd->host) {
      g_assert_true (offload);
      g_assert_false (pd->holds_dit || pd->holds_vae);
      continue;
    }
    ed = engine_device (e, pd->index);

    g_assert_cmpint (ed->holds_dit, ==, pd->holds_dit);
    g_assert_cmpint (ed->holds_vae, ==, pd->holds_vae);
    g_assert_cmpint (la_backend_get_device_index (ed->backend), ==, pd->index);
    g_assert_true ((la_avatar_get_dit (ed->avatar) != NULL) == pd->holds_dit);
    g_assert_true ((la_avatar_get_vae (ed->avatar) != NULL) == pd->holds_vae);
    g_assert_true ((la_avatar_get_wav2vec2 (ed->avatar) != NULL) ==
        pd->holds_vae);
    g_assert_true ((la_avatar_get_text_encoder (ed->avatar) != NULL) ==
        pd->holds_vae);
  }
  g_assert_true (e->avatar == engine_device (e, vae)->avatar);
  for (k = 0; k < e->n_dit_stages; k++)
    g_assert_true (e->stage_avatar[k] ==
        engine_device (e, (gint) e->stage_groups[k].devices[0].index)->avatar);
  check_held (e, p, weights, G_N_ELEMENTS (weights), FALSE, "loaded", NULL);

  s = av_session_new (e, AV_PROMPT);
  /* the steps' caches and buffers are made with the session */
  check_held (e, p, kept, G_N_ELEMENTS (kept), FALSE, "session made", NULL);

  frames = av_run (s, pcm, n_pcm);
  g_assert_cmpuint (frames->len, ==, N_BLOCKS * LA_FRAMES_PER_BLOCK);
  av_assert_frames (frames, ref, 0, frames->len);
  check_held (e, p, held_rows, G_N_ELEMENTS (held_rows), TRUE,
      "after the run", after_run);

  /* Nothing allocated on a device beyond its plan at any time, the
   * picture's encode (73 frames at once, in the session's set-up) on the
   * vae-device included */
  for (i = 0; i < p->n_devices; i++) {
    const LaMemoryPlanDevice *pd = &p->devices[i];
    LaBackend *be = plan_backend (e, pd);
    guint64 total = la_memory_plan_device_total (pd);

    g_test_message ("%s%d: peak %" G_GUINT64_FORMAT " bytes, plan total %"
        G_GUINT64_FORMAT, pd->host ? "host " : "CPU", pd->index,
        la_backend_get_peak_bytes (be), total);
    if (pd->host)
      /* the prompt's encode comes on top of umT5 there (not planned) */
      continue;
    g_assert_cmpuint (la_backend_get_peak_bytes (be), <=, total);
  }

  g_ptr_array_unref (frames);
  la_session_free (s);
  check_held (e, p, weights, G_N_ELEMENTS (weights), TRUE, "session freed",
      freed);
  /* what the session gave back: its rows (and perhaps the DiT's
   * workspace) */
  for (i = 0; i < p->n_devices; i++) {
    const LaMemoryPlanDevice *pd = &p->devices[i];
    guint64 rows = sum_rows (pd, held_rows, G_N_ELEMENTS (held_rows))
        - sum_rows (pd, weights, G_N_ELEMENTS (weights));

    g_assert_cmpuint (after_run[i] - freed[i], >=, rows);
    g_assert_cmpuint (after_run[i] - freed[i], <=, rows
        + pd->bytes[LA_MEMORY_DIT_ACTIVATIONS]);
  }
  la_engine_free (e);
  la_memory_plan_free (p);
}

static void
run_per_device (const gchar * dit_devices, gint vae, guint n_devices)
{
  run_per_device_full (dit_devices, vae, n_devices, FALSE);
}

/* the same placement with the weights shared: one backend, one avatar */
static void
run_shared (const gchar * dit_devices, gint vae)
{
  GError *err = NULL;
  LaEngine *e;
  LaSession *s;
  GPtrArray *frames;
  guint k;

  e = engine_new (LA_BACKEND_CPU, dit_devices, vae, LA_PRECISION_AUTO,
      FALSE, &err);
  g_assert_no_error (err);
  g_assert_false (e->per_device);
  g_assert_cmpuint (e->n_devices, ==, 1);
  for (k = 0; k < e->n_dit_stages; k++)
    g_assert_true (e->stage_avatar[k] == e->avatar);
  s = av_session_new (e, AV_PROMPT);
  frames = av_run (s, pcm, n_pcm);
  g_assert_cmpuint (frames->len, ==, N_BLOCKS * LA_FRAMES_PER_BLOCK);
  av_assert_frames (frames, ref, 0, frames->len);
  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
}

static void
test_one_stage (void)
{
  run_shared ("0", 1);
  run_per_device ("0", 1, 2);
}

/* the DiT on the vae-device: its steps share the prompt's one cross K/V */
static void
test_one_device (void)
{
  run_per_device ("0", 0, 1);
}

/* offload=true: umT5 on the host backend; the vae-device holds exactly
 * the umT5 row less than without, the frames are the same bytes */
static void
test_offload (void)
{
  LaMemoryPlan *on = plan_for_full ("0", 1, TRUE);
  LaMemoryPlan *off = plan_for ("0", 1);

  g_assert_cmpuint (on->n_devices, ==, 3);
  g_assert_cmpuint (la_memory_plan_device_total (&on->devices[1]), ==,
      la_memory_plan_device_total (&off->devices[1])
      - off->devices[1].bytes[LA_MEMORY_TEXT_ENCODER]);
  g_assert_cmpuint (la_memory_plan_device_total (&on->devices[2]), ==,
      off->devices[1].bytes[LA_MEMORY_TEXT_ENCODER]);
  la_memory_plan_free (on);
  la_memory_plan_free (off);
  /* the bytes and the frames, measured */
  run_per_device_full ("0", 1, 2, TRUE);
}

/* with shared CPU weights offload changes nothing: no host backend */
static void
test_offload_shared (void)
{
  GError *err = NULL;
  LaEngine *e = engine_new_full (LA_BACKEND_CPU, "0", 1, LA_PRECISION_AUTO,
      FALSE, TRUE, &err);

  g_assert_no_error (err);
  g_assert_false (e->per_device);
  g_assert_null (e->text_backend);
  g_assert_cmpuint (e->n_devices, ==, 1);
  la_engine_free (e);
}

static void
test_two_stages (void)
{
  run_shared ("0,1", 2);
  run_per_device ("0,1", 2, 3);
}

static void
test_bad_variable (void)
{
  GError *err = NULL;
  LaEngineConfig cfg;
  LaEngine *e;

  /* only 1 turns it on; anything else is the default, with a warning */
  av_engine_config_init (&cfg);
  g_setenv (ENV, "yes", TRUE);
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*yes*ignored*");
  e = la_engine_new (&cfg, &err);
  g_test_assert_expected_messages ();
  g_unsetenv (ENV);
  g_assert_no_error (err);
  g_assert_false (e->per_device);
  la_engine_free (e);
}

/* Each virtual device is checked against the memory it plays, with the
 * plan of its own share: a size that fits the bigger share exactly
 * loads, a byte less is refused naming that device. */
static void
test_memory_check (void)
{
  LaMemoryPlan *p = plan_for ("0", 1);
  guint64 t0 = la_memory_plan_device_total (&p->devices[0]);
  guint64 t1 = la_memory_plan_device_total (&p->devices[1]);
  const gchar *big = t0 >= t1 ? "CPU0" : "CPU1";
  gchar *size;
  GError *err = NULL;
  LaEngine *e;

  g_assert_cmpint (p->devices[0].index, ==, 0);
  g_assert_cmpint (p->devices[1].index, ==, 1);
  size = g_strdup_printf ("%" G_GUINT64_FORMAT, MAX (t0, t1));
  g_setenv ("LIVEAVATAR_CPU_DEVICE_MEMORY", size, TRUE);
  e = engine_new (LA_BACKEND_CPU, "0", 1, LA_PRECISION_AUTO, TRUE, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (e->n_devices, ==, 2);
  la_engine_free (e);
  g_free (size);

  size = g_strdup_printf ("%" G_GUINT64_FORMAT, MAX (t0, t1) - 1);
  g_setenv ("LIVEAVATAR_CPU_DEVICE_MEMORY", size, TRUE);
  e = engine_new (LA_BACKEND_CPU, "0", 1, LA_PRECISION_AUTO, TRUE, &err);
  g_assert_null (e);
  g_assert_error (err, LA_ERROR, LA_ERROR_OUT_OF_MEMORY);
  g_test_message ("%s", err->message);
  g_assert_true (g_str_has_prefix (err->message, big));
  g_clear_error (&err);
  g_unsetenv ("LIVEAVATAR_CPU_DEVICE_MEMORY");
  g_free (size);
  la_memory_plan_free (p);
}

/* ---- CUDA ---- */

/* worst PSNR over the frames, in dB (99 for identical frames) */
static gdouble
worst_psnr (GPtrArray * frames, GPtrArray * want)
{
  gdouble worst = 99.0;
  guint i;

  g_assert_cmpuint (frames->len, ==, want->len);
  for (i = 0; i < frames->len; i++) {
    const LaFrame *f = g_ptr_array_index (frames, i);
    gsize size, j;
    const guint8 *w = g_bytes_get_data (g_ptr_array_index (want, i), &size);
    gdouble se = 0.0;

    g_assert_cmpuint (f->size, ==, size);
    for (j = 0; j < size; j++) {
      gdouble d = (gdouble) f->data[j] - w[j];

      se += d * d;
    }
    if (se > 0.0)
      worst = MIN (worst, 10.0 * log10 (255.0 * 255.0 / (se / size)));
  }
  return worst;
}

/* FALSE, the test skipped, when this machine cannot run @err's request */
static gboolean
cuda_missing (GError * err)
{
  gchar *msg;

  if (err == NULL)
    return FALSE;
  if (!g_error_matches (err, LA_ERROR, LA_ERROR_NOT_SUPPORTED)
      && !g_error_matches (err, LA_ERROR, LA_ERROR_DEVICE))
    return FALSE;
  msg = g_strdup_printf ("no CUDA device to run on: %s", err->message);
  g_test_skip (msg);
  g_free (msg);
  return TRUE;
}

/* @precision on CUDA, the frames against the CPU's; the worst PSNR */
static gdouble
run_cuda (const gchar * dit_devices, gint vae, LaPrecision precision,
    guint n_devices, gboolean * skipped)
{
  GError *err = NULL;
  LaEngine *e;
  LaSession *s;
  GPtrArray *frames;
  gdouble psnr;

  e = engine_new (LA_BACKEND_CUDA, dit_devices, vae, precision, FALSE, &err);
  *skipped = cuda_missing (err);
  if (*skipped) {
    g_clear_error (&err);
    return 0.0;
  }
  g_assert_no_error (err);
  g_assert_true (e->per_device);
  g_assert_cmpuint (e->n_devices, ==, n_devices);
  s = av_session_new (e, AV_PROMPT);
  frames = av_run (s, pcm, n_pcm);
  psnr = worst_psnr (frames, ref);
  g_test_message ("CUDA dit-devices %s, vae-device %d, precision %s: worst "
      "PSNR %.1f dB against the CPU over %u frames", dit_devices, vae,
      la_precision_name (precision), psnr, frames->len);
  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
  return psnr;
}

static void
test_cuda (void)
{
  gboolean skipped;
  gdouble psnr;

  /* fp32 on the GPU: the CPU's math in another order */
  psnr = run_cuda ("0", -1, LA_PRECISION_FP32, 1, &skipped);
  if (skipped)
    return;
  g_assert_cmpfloat (psnr, >=, 40.0);
  /* AUTO (bf16): only a floor against garbage, the number is reported */
  psnr = run_cuda ("0", -1, LA_PRECISION_AUTO, 1, &skipped);
  g_assert_false (skipped);
  g_assert_cmpfloat (psnr, >=, 20.0);
  /* DiT and VAE on two GPUs, where there are two */
  psnr = run_cuda ("0", 1, LA_PRECISION_FP32, 2, &skipped);
  if (!skipped)
    g_assert_cmpfloat (psnr, >=, 40.0);
}

int
main (int argc, char **argv)
{
  gint ret;

  g_test_init (&argc, &argv, NULL);

  pcm = av_audio_new (N_BLOCKS, 0, &n_pcm);
  ref = av_reference (pcm, n_pcm, N_BLOCKS, TRUE, AV_PROMPT);

  g_test_add_func ("/avatar/per-device/one-stage", test_one_stage);
  g_test_add_func ("/avatar/per-device/one-device", test_one_device);
  g_test_add_func ("/avatar/per-device/two-stages", test_two_stages);
  g_test_add_func ("/avatar/per-device/offload", test_offload);
  g_test_add_func ("/avatar/per-device/offload-shared", test_offload_shared);
  g_test_add_func ("/avatar/per-device/bad-variable", test_bad_variable);
  g_test_add_func ("/avatar/per-device/memory-check", test_memory_check);
  g_test_add_func ("/avatar/per-device/cuda", test_cuda);

  ret = g_test_run ();
  g_ptr_array_unref (ref);
  g_free (pcm);
  av_cleanup ();
  return ret;
}
