/* liveavatar: engine configuration, validation and placement
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * la_engine_new checks the whole configuration before anything is loaded,
 * so a bad property fails at NULL->READY with a message that names it.
 * Placement: the DiT devices are cut, in the order listed, into stages of
 * ulysses_size devices each; stage k runs sampling steps
 * [k * S / P, (k + 1) * S / P) of every block (Live Avatar's TPP pipeline).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "liveavatar.h"
#include "la-engine-private.h"
#include "la-memory-plan.h"
#include "cuda/la-cuda-device.h"

#define DEFAULT_MODEL           LA_MODEL_LIVEAVATAR
#define DEFAULT_BACKEND         LA_BACKEND_AUTO
#define DEFAULT_DIT_DEVICES     "0"
#define DEFAULT_VAE_DEVICE      -1      /* the last DiT device */
#define DEFAULT_ULYSSES_SIZE    1
#define DEFAULT_PRECISION       LA_PRECISION_AUTO
#define DEFAULT_WIDTH           704     /* pixels */
#define DEFAULT_HEIGHT          384     /* pixels */
#define DEFAULT_ONLINE_DECODE   TRUE

#define DEFAULT_FORMAT          LA_PIXEL_FORMAT_RGB
#define DEFAULT_SEED            42
#define DEFAULT_QUEUE_BLOCKS    2       /* blocks per inter-stage queue */

#define MIN_SIZE                64      /* pixels */
#define MAX_SIZE                4096    /* pixels */

GQuark
la_error_quark (void)
{
  return g_quark_from_static_string ("la-error-quark");
}

void
la_engine_config_init (LaEngineConfig * cfg)
{
  g_return_if_fail (cfg != NULL);

  cfg->model = DEFAULT_MODEL;
  cfg->model_path = NULL;
  cfg->backend = DEFAULT_BACKEND;
  cfg->dit_devices = DEFAULT_DIT_DEVICES;
  cfg->vae_device = DEFAULT_VAE_DEVICE;
  cfg->ulysses_size = DEFAULT_ULYSSES_SIZE;
  cfg->vae_parallel = FALSE;
  cfg->offload = FALSE;
  cfg->precision = DEFAULT_PRECISION;
  cfg->width = DEFAULT_WIDTH;
  cfg->height = DEFAULT_HEIGHT;
  cfg->sample_steps = LA_DEFAULT_SAMPLE_STEPS;
  cfg->online_decode = DEFAULT_ONLINE_DECODE;
}

void
la_session_config_init (LaSessionConfig * cfg)
{
  g_return_if_fail (cfg != NULL);

  cfg->format = DEFAULT_FORMAT;
  cfg->reference_image = NULL;
  cfg->prompt = NULL;
  cfg->seed = DEFAULT_SEED;
  cfg->queue_blocks = DEFAULT_QUEUE_BLOCKS;
}

/* ---- validation */

static gboolean
check_enums (const LaEngineConfig * cfg, GError ** error)
{
  if (cfg->model != LA_MODEL_LIVEAVATAR && cfg->model != LA_MODEL_TEST) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "unknown model kind %d", (gint) cfg->model);
    return FALSE;
  }
  if (cfg->backend != LA_BACKEND_AUTO && cfg->backend != LA_BACKEND_CPU &&
      cfg->backend != LA_BACKEND_CUDA) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "unknown backend %d", (gint) cfg->backend);
    return FALSE;
  }
  switch (cfg->precision) {
    case LA_PRECISION_AUTO:
    case LA_PRECISION_FP32:
    case LA_PRECISION_BF16:
    case LA_PRECISION_FP8:
      break;
    default:
      g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
          "unknown precision %d", (gint) cfg->precision);
      return FALSE;
  }
  return TRUE;
}

static gboolean
check_size (const gchar * name, gint value, GError ** error)
{
  if (value < MIN_SIZE || value > MAX_SIZE) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%s %d is out of range (%d .. %d)", name, value, MIN_SIZE, MAX_SIZE);
    return FALSE;
  }
  if (value % 16 != 0) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%s %d is not a multiple of 16", name, value);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_sampling (const LaEngineConfig * cfg, GError ** error)
{
  if (cfg->sample_steps < 1 || cfg->sample_steps > LA_MAX_SAMPLE_STEPS) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "sample-steps %d is out of range (1 .. %d)", cfg->sample_steps,
        LA_MAX_SAMPLE_STEPS);
    return FALSE;
  }
  if (cfg->ulysses_size < 1) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "ulysses-size %d is out of range (at least 1)", cfg->ulysses_size);
    return FALSE;
  }
  return TRUE;
}

/* @n_devices DiT devices into stages of ulysses_size devices */
static gboolean
check_stages (const LaEngineConfig * cfg, guint n_devices, GError ** error)
{
  guint ulysses = (guint) cfg->ulysses_size;
  guint n_stages;

  if (n_devices % ulysses != 0) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%u DiT devices cannot form Ulysses groups of %u: the number of "
        "dit-devices must be a multiple of ulysses-size", n_devices, ulysses);
    return FALSE;
  }
  n_stages = n_devices / ulysses;
  if (n_stages > (guint) cfg->sample_steps) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%u DiT stages but only %d sampling steps: every stage runs at least "
        "one step (use fewer dit-devices, a larger ulysses-size or more "
        "sample-steps)", n_stages, cfg->sample_steps);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_vae_device (gint vae_device, GError ** error)
{
  if (vae_device < -1 || vae_device >= LA_MAX_DEVICES) {
    g_set_error (error, LA_ERROR, LA_ERROR_DEVICE,
        "vae-device %d is out of range (-1 for the last DiT device, or "
        "0 .. %d)", vae_device, LA_MAX_DEVICES - 1);
    return FALSE;
  }
  return TRUE;
}

/* every DiT device and the VAE device must exist */
static gboolean
check_cuda_devices (const guint * dit, guint n_dit, guint vae, gint count,
    GError ** error)
{
  guint i, worst = vae;

  for (i = 0; i < n_dit; i++)
    worst = MAX (worst, dit[i]);
  if (worst >= (guint) count) {
    g_set_error (error, LA_ERROR, LA_ERROR_DEVICE,
        "CUDA device %u requested, %d present", worst, count);
    return FALSE;
  }
  return TRUE;
}

static gboolean
resolve_backend (LaBackendKind requested, const guint * dit, guint n_dit,
    guint vae, LaBackendKind * backend, GError ** error)
{
  GError *err = NULL;
  gint count;

  switch (requested) {
    case LA_BACKEND_CPU:
      /* virtual devices: any index is a thread */
      *backend = LA_BACKEND_CPU;
      return TRUE;
    case LA_BACKEND_CUDA:
      count = la_cuda_device_count (&err);
      if (count < 0)
        goto no_cuda;
      *backend = LA_BACKEND_CUDA;
      return check_cuda_devices (dit, n_dit, vae, count, error);
    case LA_BACKEND_AUTO:
      count = la_cuda_device_count (&err);
      if (count > 0) {
        g_info ("backend auto: CUDA (%d device%s present)", count,
            count == 1 ? "" : "s");
        *backend = LA_BACKEND_CUDA;
        /* no silent fallback: asking for GPUs that are not there is an
         * error even in auto mode */
        return check_cuda_devices (dit, n_dit, vae, count, error);
      }
      g_info ("backend auto: CPU (%s)",
          err ? err->message : "no CUDA device present");
      g_clear_error (&err);
      *backend = LA_BACKEND_CPU;
      return TRUE;
  }
  g_assert_not_reached ();
  return FALSE;

  /* ERRORS */
no_cuda:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "backend cuda is not available: %s", err->message);
    g_clear_error (&err);
    return FALSE;
  }
}

static gboolean
check_model_path (const gchar * path, GError ** error)
{
  GStatBuf st;
  gint errsv;

  if (path == NULL || path[0] == '\0')
    goto not_set;
  if (g_stat (path, &st) != 0) {
    errsv = errno;
    goto unreadable;
  }
  if (!S_ISDIR (st.st_mode))
    goto not_a_directory;
  if (g_access (path, R_OK | X_OK) != 0) {
    errsv = errno;
    goto unreadable;
  }
  return TRUE;

  /* ERRORS */
not_set:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
        "model-path is not set: point it at the checkpoint folder "
        "(or use model=test)");
    return FALSE;
  }
unreadable:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
        "model-path \"%s\" cannot be read: %s", path, g_strerror (errsv));
    return FALSE;
  }
not_a_directory:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
        "model-path \"%s\" is not a directory", path);
    return FALSE;
  }
}

/* The test model computes next to nothing. To show how the elements behave
 * with a model as slow as the real one (latency growing, QoS skipping),
 * LIVEAVATAR_TEST_STEP_DELAY_US makes each of its sampling steps take that
 * many microseconds more (0 to 10 s; documented in docs/usage.md). */
static gulong
test_step_delay_us (void)
{
  const gchar *v = g_getenv ("LIVEAVATAR_TEST_STEP_DELAY_US");
  guint64 us = 0;

  if (v == NULL || !g_ascii_string_to_unsigned (v, 10, 0, 10 * G_USEC_PER_SEC,
          &us, NULL))
    return 0;
  return (gulong) us;
}

static gboolean
check_model (const LaEngineConfig * cfg, GError ** error)
{
  switch (cfg->model) {
    case LA_MODEL_TEST:
      /* A test pattern: its few additions run on the CPU whatever the
       * backend; with CUDA, devices are only validated and traced, so the
       * placement logic is exercised on real device indices too. */
      return TRUE;
    case LA_MODEL_LIVEAVATAR:
      return check_model_path (cfg->model_path, error);
  }
  g_assert_not_reached ();
  return FALSE;
}

/* LA_ENGINE_CPU_PER_DEVICE_ENV (la-engine-private.h): "1" on, unset or
 * "0" off; anything else is ignored with a warning. */
static gboolean
cpu_per_device_weights (void)
{
  const gchar *v = g_getenv (LA_ENGINE_CPU_PER_DEVICE_ENV);

  if (v == NULL || g_str_equal (v, "0"))
    return FALSE;
  if (g_str_equal (v, "1"))
    return TRUE;
  g_warning ("%s=\"%s\" ignored (1 or 0)", LA_ENGINE_CPU_PER_DEVICE_ENV, v);
  return FALSE;
}

/* The entry of device @index, added when new. */
static LaEngineDevice *
engine_device (LaEngine * e, guint index)
{
  LaEngineDevice *d;
  guint i;

  for (i = 0; i < e->n_devices; i++)
    if (e->devices[i].index == index)
      return &e->devices[i];
  d = &e->devices[e->n_devices++];
  memset (d, 0, sizeof (*d));
  d->index = index;
  return d;
}

/* Who loads what. Shared CPU weights: device 0 of the CPU backend holds
 * everything, and every stage uses it (the virtual devices are threads of
 * one process; the DiT/VAE split is only where the stages run). Per
 * device (CUDA): each DiT stage's group's first device holds the DiT (the
 * group computes there for now; the other devices of a Ulysses group hold
 * nothing yet, and the memory plan counts nothing there), the vae-device
 * holds the VAE and both encoders (and the DiT too when a stage also runs
 * there), umT5 on the engine's host backend under offload. */
static void
place_weights (LaEngine * e)
{
  guint k;

  if (!e->per_device) {
    LaEngineDevice *d = engine_device (e, 0);

    d->holds_dit = d->holds_vae = TRUE;
    return;
  }
  for (k = 0; k < e->n_dit_stages; k++)
    engine_device (e, e->stage_groups[k].devices[0].index)->holds_dit = TRUE;
  engine_device (e, e->vae_device.index)->holds_vae = TRUE;
}

/* The plan of this placement, checked before anything is loaded. CUDA and
 * shared CPU weights: la_memory_plan_check_engine (). CPU per device: the
 * CUDA placement's plan at the engine's precision, each virtual device
 * checked as the GPU it plays (LIVEAVATAR_CPU_DEVICE_MEMORY, else the
 * host's memory, for each: they share the host, which is not summed). */
static gboolean
check_memory (const LaEngine * e, GError ** error)
{
  const LaEngineConfig *cfg = &e->config;
  LaMemoryModel m;
  LaMemoryPlanConfig pc;
  LaMemoryPlan *p;
  LaPrecision precision = cfg->precision;
  LaDitCompute compute;
  GError *err = NULL;
  gboolean ok;
  guint i;

  if (!(e->per_device && cfg->backend == LA_BACKEND_CPU))
    return la_memory_plan_check_engine (cfg, error);

  if (!la_memory_model_load (&m, cfg->model_path, &err)) {
    /* as la_memory_plan_check_engine (): la_avatar_new () says better */
    g_clear_error (&err);
    la_memory_model_clear (&m);
    return TRUE;
  }
  /* precision resolved for the CPU; the CUDA placement */
  la_memory_plan_config_init_from_engine (&pc, cfg);
  pc.backend = LA_BACKEND_CUDA;
  /* the compute the CPU's avatars resolve, not the GPU's AUTO */
  compute = LA_DIT_COMPUTE_AUTO;
  la_avatar_resolve_compute (&precision, &compute, LA_BACKEND_CPU);
  pc.compute = compute;
  p = la_memory_plan_new (&m, &pc, error);
  if (p) {
    for (i = 0; i < p->n_devices; i++) {
      if (p->devices[i].host)
        continue;
      p->devices[i].kind = LA_BACKEND_CPU;
      g_snprintf (p->devices[i].name, sizeof (p->devices[i].name), "CPU%d",
          p->devices[i].index);
    }
  }
  ok = p && la_memory_plan_check (p, error);
  la_memory_plan_free (p);
  la_memory_model_clear (&m);
  return ok;
}

static gboolean
load_device (LaEngine * e, LaEngineDevice * d, GError ** error)
{
  const LaEngineConfig *cfg = &e->config;
  LaAvatarConfig ac;

  d->backend = la_backend_new (cfg->backend, (gint) d->index, error);
  if (d->backend == NULL)
    return FALSE;
  la_avatar_config_init (&ac);
  ac.model_dir = cfg->model_path;
  ac.width = cfg->width;
  ac.height = cfg->height;
  ac.sample_steps = cfg->sample_steps;
  ac.load_dit = d->holds_dit;
  ac.load_vae = d->holds_vae;
  ac.load_text_encoder = d->holds_vae;
  ac.load_audio_encoder = d->holds_vae;
  ac.precision = cfg->precision;        /* resolved by la_engine_new () */
  if (d->holds_vae)
    ac.text_backend = e->text_backend;
  d->avatar = la_avatar_new (d->backend, &ac, error);
  return d->avatar != NULL;
}

/* Live Avatar's weights, once per engine: on each device that runs part
 * of the model (CUDA, or LA_ENGINE_CPU_PER_DEVICE_ENV), else once on the
 * CPU for every virtual device. Each DiT stage keeps its own per-step
 * caches (la_avatar_step_new, on its avatar's backend), as each GPU does
 * in Live Avatar's TPP pipeline. Blocks go from stage to stage as host
 * arrays (latent, features): a device-to-device copy would save two PCIe
 * crossings per stage hand-over (~0.4 MB each at 704x384, small beside a
 * step) and the host synchronisation before them. */
static gboolean
load_avatar (LaEngine * e, GError ** error)
{
  guint i, k;

  e->per_device = e->config.backend == LA_BACKEND_CUDA
      || cpu_per_device_weights ();
  place_weights (e);
  /* refuse at READY, with the numbers, what would not fit */
  if (!check_memory (e, error))
    return FALSE;
  /* offload=true: umT5 on the host (with shared CPU weights everything is
   * there already). Live Avatar's offload_model also moves the DiT
   * between its steps; the DiT's weights stay on their devices here. */
  if (e->per_device && e->config.offload
      && !(e->text_backend = la_backend_new (LA_BACKEND_CPU, 0, error)))
    return FALSE;
  for (i = 0; i < e->n_devices; i++) {
    if (!load_device (e, &e->devices[i], error))
      return FALSE;
    if (e->devices[i].holds_vae) {
      e->backend = e->devices[i].backend;
      e->avatar = e->devices[i].avatar;
    }
  }
  for (k = 0; k < e->n_dit_stages; k++)
    e->stage_avatar[k] = e->per_device ?
        engine_device (e, e->stage_groups[k].devices[0].index)->avatar :
        e->avatar;

  la_audio_window_init (&e->audio_window);
  /* a block can start once its audio and the window's look-ahead are in */
  e->lookahead_samples = (guint) e->audio_window.lookahead;
  return TRUE;
}

/* ---- engine */

static void
place_stages (LaEngine * e, const guint * dit, guint n_dit, guint vae)
{
  guint ulysses = (guint) e->config.ulysses_size;
  guint k;

  e->n_dit_stages = n_dit / ulysses;
  for (k = 0; k < e->n_dit_stages; k++)
    la_device_group_init (&e->stage_groups[k], e->device_kind,
        dit + k * ulysses, ulysses);
  e->vae_device.kind = e->device_kind;
  e->vae_device.index = vae;
}

LaEngine *
la_engine_new (const LaEngineConfig * cfg, GError ** error)
{
  guint dit[LA_MAX_DEVICES], n_dit = 0, vae;
  LaBackendKind requested, backend;
  LaEngine *e;

  g_return_val_if_fail (cfg != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_enums (cfg, error) ||
      !check_size ("width", cfg->width, error) ||
      !check_size ("height", cfg->height, error) ||
      !check_sampling (cfg, error) ||
      !la_device_list_parse (cfg->dit_devices, "dit-devices", dit, &n_dit,
          error) ||
      !check_stages (cfg, n_dit, error) ||
      !check_vae_device (cfg->vae_device, error))
    return NULL;

  vae = cfg->vae_device < 0 ? dit[n_dit - 1] : (guint) cfg->vae_device;
  requested = cfg->backend;
  if (!resolve_backend (requested, dit, n_dit, vae, &backend, error) ||
      !check_model (cfg, error))
    return NULL;

  e = g_new0 (LaEngine, 1);
  e->config = *cfg;
  e->model_path = g_strdup (cfg->model_path);
  e->dit_devices = la_device_list_to_string (dit, n_dit);
  e->config.model_path = e->model_path;
  e->config.dit_devices = e->dit_devices;
  e->config.backend = backend;
  /* AUTO: the reference on the CPU (fp32 weights and compute), Live
   * Avatar's bf16 weights and bf16 DiT compute on CUDA. The environment
   * variable LIVEAVATAR_COMPUTE=bf16 makes the CPU emulate the GPU's
   * numerics (bf16 weights, bf16 compute), =f32 makes CUDA compute fp32;
   * each avatar resolves its compute from this precision the same way
   * (la_avatar_resolve_compute ()) */
  {
    LaDitCompute compute = LA_DIT_COMPUTE_AUTO;

    e->config.precision = cfg->precision;
    la_avatar_resolve_compute (&e->config.precision, &compute, backend);
  }
  e->config.vae_device = (gint) vae;
  e->device_kind = backend == LA_BACKEND_CUDA ? LA_DEVICE_CUDA : LA_DEVICE_CPU;
  e->lookahead_samples = 0;     /* the test model looks at its block only */
  e->test_step_delay_us = test_step_delay_us ();
  place_stages (e, dit, n_dit, vae);
  if (cfg->model == LA_MODEL_LIVEAVATAR && !load_avatar (e, error)) {
    la_engine_free (e);
    return NULL;
  }

  g_debug ("engine: %s backend, dit-devices %s in %u stage%s, vae-device %u, "
      "%dx%d, %d steps", backend == LA_BACKEND_CUDA ? "CUDA" : "CPU",
      e->dit_devices, e->n_dit_stages, e->n_dit_stages == 1 ? "" : "s", vae,
      cfg->width, cfg->height, cfg->sample_steps);
  return e;
}

void
la_engine_free (LaEngine * engine)
{
  guint i;

  if (engine == NULL)
    return;

  for (i = 0; i < engine->n_devices; i++) {
    la_avatar_free (engine->devices[i].avatar);
    la_backend_free (engine->devices[i].backend);
  }
  /* after the avatar that borrowed it */
  la_backend_free (engine->text_backend);
  g_free (engine->model_path);
  g_free (engine->dit_devices);
  g_free (engine);
}

const LaEngineConfig *
la_engine_get_config (LaEngine * engine)
{
  g_return_val_if_fail (engine != NULL, NULL);

  return &engine->config;
}

guint
la_engine_get_n_dit_stages (LaEngine * engine)
{
  g_return_val_if_fail (engine != NULL, 0);

  return engine->n_dit_stages;
}

/* model=liveavatar: the audio front-end's look-ahead (la-audio-frontend.h) */
guint
la_engine_get_lookahead_samples (LaEngine * engine)
{
  g_return_val_if_fail (engine != NULL, 0);

  return engine->lookahead_samples;
}
