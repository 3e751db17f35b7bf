/* liveavatar: the properties both elements share
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Both elements configure the same engine, so the model, device and
 * generation properties live here once: their param specs, their storage,
 * the READY-only rule, and the translation to the engine's config structs. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstliveavatarsettings.h"

GST_DEBUG_CATEGORY_STATIC (liveavatar_settings_debug);
#define GST_CAT_DEFAULT liveavatar_settings_debug

GType
gst_live_avatar_model_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {LA_MODEL_LIVEAVATAR, "Live Avatar (Wan2.2-S2V-14B) read from model-path",
        "liveavatar"},
    {LA_MODEL_TEST, "Test pattern: a face whose mouth follows the audio level, "
          "frame index in the top-left corner; needs no weights", "test"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstLiveAvatarModel", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_live_avatar_backend_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {LA_BACKEND_AUTO, "CUDA when a GPU is present, else CPU", "auto"},
    {LA_BACKEND_CPU, "CPU reference (fp32); devices are threads", "cpu"},
    {LA_BACKEND_CUDA, "CUDA GPUs", "cuda"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstLiveAvatarBackend", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_live_avatar_precision_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {LA_PRECISION_AUTO, "fp32 on the CPU backend, bf16 on CUDA", "auto"},
    {LA_PRECISION_FP32, "fp32 weights (the reference)", "fp32"},
    {LA_PRECISION_BF16, "bfloat16 linear weights, as Live Avatar", "bf16"},
    {LA_PRECISION_FP8, "FP8 (e4m3) linear weights, as Live Avatar's --fp8",
        "fp8"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstLiveAvatarPrecision", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define READY_ONLY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

void
gst_live_avatar_settings_install_properties (GObjectClass * klass)
{
  GST_DEBUG_CATEGORY_INIT (liveavatar_settings_debug, "liveavatarsettings", 0,
      "liveavatar element settings");

  /**
   * GstLiveAvatarFilter:model:
   *
   * Which generator runs. `test` needs no weights and draws a picture that
   * depends only on the audio and the frame index, for tests and recipes.
   */
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_MODEL,
      g_param_spec_enum ("model", "Model",
          "Generator: the Live Avatar model read from model-path, or a test "
          "pattern that needs no weights", GST_TYPE_LIVE_AVATAR_MODEL,
          DEFAULT_MODEL, READY_ONLY));
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_MODEL_PATH,
      g_param_spec_string ("model-path", "Model path",
          "Folder holding the checkpoints (Wan2.2-S2V-14B layout with Live "
          "Avatar's LoRA, see docs/models.md; or the tiny model that "
          "liveavatar-cli make-tiny-model writes); required when "
          "model=liveavatar, with reference-image",
          DEFAULT_MODEL_PATH, READY_ONLY));
  /**
   * GstLiveAvatarFilter:reference-image:
   *
   * Image file of the person to animate, in any format GStreamer can
   * decode; its first picture is used, in RGB. Set in NULL or READY, it
   * also decides the output size: width x height is then an area, as Live
   * Avatar's `--size W*H`, and the output takes the picture's aspect (sides
   * multiples of 64, area at most width x height). The picture is scaled
   * and centre-cropped to that size as Live Avatar does.
   *
   * It may change while playing: the new file is decoded on a thread of
   * its own, scaled and cropped to the current output size (which does not
   * change), and shown from the next clip boundary (every 1.92 s), where
   * Live Avatar encodes its reference picture again. Frame count and
   * timing do not change. A file that cannot be decoded then gives a
   * WARNING message and the avatar keeps its picture; at NULL->READY it is
   * an error.
   */
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_REFERENCE_IMAGE,
      g_param_spec_string ("reference-image", "Reference image",
          "Image file of the person to animate (any format GStreamer "
          "decodes); it sets the output's aspect, width x height being the "
          "area; changes while playing show from the next clip (1.92 s)",
          DEFAULT_REFERENCE_IMAGE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstLiveAvatarFilter:prompt:
   *
   * Text describing the scene. May change while playing: the new text takes
   * effect at the next block boundary (every 0.48 s).
   */
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_PROMPT,
      g_param_spec_string ("prompt", "Prompt",
          "Text describing the scene; changes take effect at the next block "
          "(0.48 s)", DEFAULT_PROMPT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_BACKEND,
      g_param_spec_enum ("backend", "Backend",
          "Where the model runs", GST_TYPE_LIVE_AVATAR_BACKEND,
          DEFAULT_BACKEND, READY_ONLY));
  /**
   * GstLiveAvatarFilter:dit-devices:
   *
   * Comma-separated device indices for the diffusion transformer. With N
   * devices and ulysses-size U, the sampling steps are spread over N / U
   * pipeline stages (Live Avatar's timestep-forcing pipeline): each stage
   * runs its steps for every block and hands the block on. On the CPU
   * backend the devices are threads.
   */
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_DIT_DEVICES,
      g_param_spec_string ("dit-devices", "DiT devices",
          "Comma-separated device indices for the DiT, e.g. \"0,1,2,3\"",
          DEFAULT_DIT_DEVICES, READY_ONLY));
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_VAE_DEVICE,
      g_param_spec_int ("vae-device", "VAE device",
          "Device index for the VAE decoder (-1 = the last DiT device)",
          -1, LA_MAX_DEVICES - 1, DEFAULT_VAE_DEVICE, READY_ONLY));
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_ULYSSES_SIZE,
      g_param_spec_int ("ulysses-size", "Ulysses size",
          "Devices that split each DiT step by sequence (all-to-all over "
          "heads); must divide the number of DiT devices",
          1, LA_MAX_DEVICES, DEFAULT_ULYSSES_SIZE, READY_ONLY));
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_VAE_PARALLEL,
      g_param_spec_boolean ("vae-parallel", "VAE parallel",
          "Decode on the VAE device in parallel with the DiT (FALSE: decode "
          "on the DiT device between blocks)", DEFAULT_VAE_PARALLEL,
          READY_ONLY));
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_OFFLOAD,
      g_param_spec_boolean ("offload", "Offload",
          "Keep the text encoder (umT5) in host memory and encode prompts on "
          "the CPU: 10.6 GiB less GPU memory with the 14B model, slower "
          "prompt changes; the DiT is never moved. No effect on the CPU "
          "backend", DEFAULT_OFFLOAD, READY_ONLY));
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
          "How the DiT stores its linear weights. auto: fp32 on the CPU "
          "backend, bf16 on CUDA. fp32: the reference. bf16: half the "
          "memory (the 14B's linears: 30.2 GiB instead of 60.3), as Live "
          "Avatar. fp8: e4m3 with a scale per weight, about a quarter "
          "(15.3 GiB), as Live Avatar's --fp8 (its embeddings, time "
          "projection, head and audio final linear stay bf16). On the CPU "
          "the stored weights are widened and computed in fp32, so bf16 and "
          "fp8 there show their effect on quality, not speed; on CUDA they "
          "are what the GPU holds and multiplies, and the DiT and the VAE "
          "compute in bf16 (with fp32 weights, in fp32)",
          GST_TYPE_LIVE_AVATAR_PRECISION, DEFAULT_PRECISION, READY_ONLY));
  /**
   * GstLiveAvatarFilter:width:
   *
   * Without a reference image: the output width, a multiple of 16. With
   * one: width x height is the area of the output (Live Avatar's `--size
   * W*H`, e.g. 704*384 or 720*400), whose aspect comes from the picture.
   */
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_WIDTH,
      g_param_spec_int ("width", "Width",
          "Output width in pixels, a multiple of 16; with a reference image "
          "width x height is the output's area (Live Avatar's --size W*H) "
          "and the picture gives the aspect", 64, 4096, DEFAULT_WIDTH,
          READY_ONLY));
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_HEIGHT,
      g_param_spec_int ("height", "Height",
          "Output height in pixels, a multiple of 16; with a reference image "
          "width x height is the output's area (Live Avatar's --size W*H) "
          "and the picture gives the aspect", 64, 4096, DEFAULT_HEIGHT,
          READY_ONLY));
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_SAMPLE_STEPS,
      g_param_spec_int ("sample-steps", "Sample steps",
          "Flow-matching denoising steps per block (the distilled model "
          "uses 4)", 1, LA_MAX_SAMPLE_STEPS, DEFAULT_SAMPLE_STEPS, READY_ONLY));
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_ONLINE_DECODE,
      g_param_spec_boolean ("online-decode", "Online decode",
          "Decode each block as soon as it is denoised (FALSE: decode per "
          "clip of 4 blocks, 1.92 s more latency)", DEFAULT_ONLINE_DECODE,
          READY_ONLY));
  g_object_class_install_property (klass, GST_LIVE_AVATAR_PROP_SEED,
      g_param_spec_uint64 ("seed", "Seed",
          "Seed of the noise generator; the same seed and audio give the "
          "same video", 0, G_MAXUINT64, DEFAULT_SEED, READY_ONLY));

  gst_type_mark_as_plugin_api (GST_TYPE_LIVE_AVATAR_MODEL, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_LIVE_AVATAR_BACKEND, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_LIVE_AVATAR_PRECISION, 0);
}

void
gst_live_avatar_settings_init (GstLiveAvatarSettings * s)
{
  s->model = DEFAULT_MODEL;
  s->model_path = g_strdup (DEFAULT_MODEL_PATH);
  s->reference_image = g_strdup (DEFAULT_REFERENCE_IMAGE);
  s->prompt = g_strdup (DEFAULT_PROMPT);
  s->backend = DEFAULT_BACKEND;
  s->dit_devices = g_strdup (DEFAULT_DIT_DEVICES);
  s->vae_device = DEFAULT_VAE_DEVICE;
  s->ulysses_size = DEFAULT_ULYSSES_SIZE;
  s->vae_parallel = DEFAULT_VAE_PARALLEL;
  s->offload = DEFAULT_OFFLOAD;
  s->precision = DEFAULT_PRECISION;
  s->width = DEFAULT_WIDTH;
  s->height = DEFAULT_HEIGHT;
  s->sample_steps = DEFAULT_SAMPLE_STEPS;
  s->online_decode = DEFAULT_ONLINE_DECODE;
  s->seed = DEFAULT_SEED;
}

void
gst_live_avatar_settings_clear (GstLiveAvatarSettings * s)
{
  g_clear_pointer (&s->model_path, g_free);
  g_clear_pointer (&s->reference_image, g_free);
  g_clear_pointer (&s->prompt, g_free);
  g_clear_pointer (&s->dit_devices, g_free);
}

static void
replace_string (gchar ** dst, const GValue * value)
{
  g_free (*dst);
  *dst = g_value_dup_string (value);
}

GstLiveAvatarSetResult
gst_live_avatar_settings_set_property (GstElement * element,
    GstLiveAvatarSettings * s, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  if (prop_id == GST_LIVE_AVATAR_PROP_0 || prop_id >= GST_LIVE_AVATAR_PROP_LAST)
    return GST_LIVE_AVATAR_SET_NOT_OURS;

  GST_OBJECT_LOCK (element);
  /* Core does not enforce the mutability flags (only gst-inspect reads
   * them), so do it here as x264enc does. */
  if (GST_STATE (element) > GST_STATE_READY &&
      !(pspec->flags & GST_PARAM_MUTABLE_PLAYING))
    goto wrong_state;

  switch (prop_id) {
    case GST_LIVE_AVATAR_PROP_MODEL:
      s->model = g_value_get_enum (value);
      break;
    case GST_LIVE_AVATAR_PROP_MODEL_PATH:
      replace_string (&s->model_path, value);
      break;
    case GST_LIVE_AVATAR_PROP_REFERENCE_IMAGE:
      replace_string (&s->reference_image, value);
      break;
    case GST_LIVE_AVATAR_PROP_PROMPT:
      replace_string (&s->prompt, value);
      break;
    case GST_LIVE_AVATAR_PROP_BACKEND:
      s->backend = g_value_get_enum (value);
      break;
    case GST_LIVE_AVATAR_PROP_DIT_DEVICES:
      replace_string (&s->dit_devices, value);
      break;
    case GST_LIVE_AVATAR_PROP_VAE_DEVICE:
      s->vae_device = g_value_get_int (value);
      break;
    case GST_LIVE_AVATAR_PROP_ULYSSES_SIZE:
      s->ulysses_size = g_value_get_int (value);
      break;
    case GST_LIVE_AVATAR_PROP_VAE_PARALLEL:
      s->vae_parallel = g_value_get_boolean (value);
      break;
    case GST_LIVE_AVATAR_PROP_OFFLOAD:
      s->offload = g_value_get_boolean (value);
      break;
    case GST_LIVE_AVATAR_PROP_PRECISION:
      s->precision = g_value_get_enum (value);
      break;
    case GST_LIVE_AVATAR_PROP_WIDTH:
      s->width = g_value_get_int (value);
      break;
    case GST_LIVE_AVATAR_PROP_HEIGHT:
      s->height = g_value_get_int (value);
      break;
    case GST_LIVE_AVATAR_PROP_SAMPLE_STEPS:
      s->sample_steps = g_value_get_int (value);
      break;
    case GST_LIVE_AVATAR_PROP_ONLINE_DECODE:
      s->online_decode = g_value_get_boolean (value);
      break;
    case GST_LIVE_AVATAR_PROP_SEED:
      s->seed = g_value_get_uint64 (value);
      break;
    default:
      g_assert_not_reached ();
  }
  GST_OBJECT_UNLOCK (element);
  return GST_LIVE_AVATAR_SET_DONE;

  /* ERRORS */
wrong_state:
  {
    GstState state = GST_STATE (element);

    GST_OBJECT_UNLOCK (element);
    GST_ELEMENT_WARNING (element, CORE, STATE_CHANGE,
        ("Property '%s' can only be changed in the NULL or READY state",
            pspec->name), ("element is in %s; the change was ignored",
            gst_element_state_get_name (state)));
    return GST_LIVE_AVATAR_SET_REFUSED;
  }
}

gboolean
gst_live_avatar_settings_get_property (GstElement * element,
    GstLiveAvatarSettings * s, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  if (prop_id == GST_LIVE_AVATAR_PROP_0 || prop_id >= GST_LIVE_AVATAR_PROP_LAST)
    return FALSE;

  GST_OBJECT_LOCK (element);
  switch (prop_id) {
    case GST_LIVE_AVATAR_PROP_MODEL:
      g_value_set_enum (value, s->model);
      break;
    case GST_LIVE_AVATAR_PROP_MODEL_PATH:
      g_value_set_string (value, s->model_path);
      break;
    case GST_LIVE_AVATAR_PROP_REFERENCE_IMAGE:
      g_value_set_string (value, s->reference_image);
      break;
    case GST_LIVE_AVATAR_PROP_PROMPT:
      g_value_set_string (value, s->prompt);
      break;
    case GST_LIVE_AVATAR_PROP_BACKEND:
      g_value_set_enum (value, s->backend);
      break;
    case GST_LIVE_AVATAR_PROP_DIT_DEVICES:
      g_value_set_string (value, s->dit_devices);
      break;
    case GST_LIVE_AVATAR_PROP_VAE_DEVICE:
      g_value_set_int (value, s->vae_device);
      break;
    case GST_LIVE_AVATAR_PROP_ULYSSES_SIZE:
      g_value_set_int (value, s->ulysses_size);
      break;
    case GST_LIVE_AVATAR_PROP_VAE_PARALLEL:
      g_value_set_boolean (value, s->vae_parallel);
      break;
    case GST_LIVE_AVATAR_PROP_OFFLOAD:
      g_value_set_boolean (value, s->offload);
      break;
    case GST_LIVE_AVATAR_PROP_PRECISION:
      g_value_set_enum (value, s->precision);
      break;
    case GST_LIVE_AVATAR_PROP_WIDTH:
      g_value_set_int (value, s->width);
      break;
    case GST_LIVE_AVATAR_PROP_HEIGHT:
      g_value_set_int (value, s->height);
      break;
    case GST_LIVE_AVATAR_PROP_SAMPLE_STEPS:
      g_value_set_int (value, s->sample_steps);
      break;
    case GST_LIVE_AVATAR_PROP_ONLINE_DECODE:
      g_value_set_boolean (value, s->online_decode);
      break;
    case GST_LIVE_AVATAR_PROP_SEED:
      g_value_set_uint64 (value, s->seed);
      break;
    default:
      g_assert_not_reached ();
  }
  GST_OBJECT_UNLOCK (element);
  return TRUE;
}

void
gst_live_avatar_settings_to_engine_config (const GstLiveAvatarSettings * s,
    LaEngineConfig * cfg)
{
  la_engine_config_init (cfg);
  cfg->model = s->model;
  cfg->model_path = s->model_path;
  cfg->backend = s->backend;
  cfg->dit_devices = s->dit_devices;
  cfg->vae_device = s->vae_device;
  cfg->ulysses_size = s->ulysses_size;
  cfg->vae_parallel = s->vae_parallel;
  cfg->offload = s->offload;
  cfg->precision = s->precision;
  cfg->width = s->width;
  cfg->height = s->height;
  cfg->sample_steps = s->sample_steps;
  cfg->online_decode = s->online_decode;
}

void
gst_live_avatar_settings_to_session_config (const GstLiveAvatarSettings * s,
    LaSessionConfig * cfg)
{
  la_session_config_init (cfg);
  cfg->reference_image = s->reference_image;
  cfg->prompt = s->prompt;
  cfg->seed = s->seed;
}

/* a copy of the settings, to read without the object lock */
static void
gst_live_avatar_settings_snapshot (GstElement * element,
    const GstLiveAvatarSettings * settings, GstLiveAvatarSettings * snapshot)
{
  GST_OBJECT_LOCK (element);
  *snapshot = *settings;
  snapshot->model_path = g_strdup (settings->model_path);
  snapshot->reference_image = g_strdup (settings->reference_image);
  snapshot->prompt = g_strdup (settings->prompt);
  snapshot->dit_devices = g_strdup (settings->dit_devices);
  GST_OBJECT_UNLOCK (element);
}

gboolean
gst_live_avatar_prepare (GstElement * element,
    GstLiveAvatarSettings * settings, GMutex * lock, gboolean reload,
    LaEngine ** engine, GstLiveAvatarImage ** image)
{
  GstLiveAvatarSettings snapshot;
  GstLiveAvatarImage *new_image = NULL, *old_image = NULL;
  const GstLiveAvatarImage *picture;
  LaEngine *new_engine = NULL, *old_engine = NULL;
  LaEngineConfig cfg;
  gboolean image_stale;
  GError *err = NULL;

  /* loading can take long: work on a copy so property reads don't wait */
  gst_live_avatar_settings_snapshot (element, settings, &snapshot);

  /* Live Avatar animates a picture: nothing to draw without one (a wrong
   * model-path is the engine's to report, as for any model) */
  if (snapshot.model == LA_MODEL_LIVEAVATAR && snapshot.model_path != NULL &&
      g_file_test (snapshot.model_path, G_FILE_TEST_EXISTS) &&
      (snapshot.reference_image == NULL || snapshot.reference_image[0] == 0)) {
    g_set_error (&err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "model liveavatar needs a reference picture: set reference-image "
        "to an image file (or use model=test)");
    goto no_engine;
  }

  image_stale = reload || *engine == NULL ||
      g_strcmp0 (snapshot.reference_image, *image ? (*image)->path : NULL) != 0;
  if (image_stale && snapshot.reference_image != NULL) {
    new_image = gst_live_avatar_image_load (snapshot.reference_image,
        snapshot.width, snapshot.height, GST_LIVE_AVATAR_IMAGE_FIT_AREA, &err);
    if (new_image == NULL)
      goto no_image;
  }
  picture = image_stale ? new_image : *image;

  gst_live_avatar_settings_to_engine_config (&snapshot, &cfg);
  if (picture != NULL) {
    cfg.width = picture->width;
    cfg.height = picture->height;
  }
  if (*engine == NULL || reload ||
      cfg.width != la_engine_get_config (*engine)->width ||
      cfg.height != la_engine_get_config (*engine)->height) {
    GST_INFO_OBJECT (element, "creating engine: model %d, path %s, backend "
        "%d, dit-devices %s, vae-device %d, %dx%d, %d steps", cfg.model,
        GST_STR_NULL (cfg.model_path), cfg.backend, cfg.dit_devices,
        cfg.vae_device, cfg.width, cfg.height, cfg.sample_steps);
    new_engine = la_engine_new (&cfg, &err);
    if (new_engine == NULL)
      goto no_engine;
  }

  g_mutex_lock (lock);
  if (new_engine != NULL) {
    old_engine = *engine;
    *engine = new_engine;
  }
  if (image_stale) {
    old_image = *image;
    *image = new_image;
  }
  g_mutex_unlock (lock);

  if (old_engine != NULL)
    la_engine_free (old_engine);
  gst_live_avatar_image_free (old_image);
  gst_live_avatar_settings_clear (&snapshot);
  return TRUE;

  /* ERRORS */
no_image:
  {
    gst_live_avatar_image_post (element, GST_MESSAGE_ERROR, err);
    g_clear_error (&err);
    gst_live_avatar_settings_clear (&snapshot);
    return FALSE;
  }
no_engine:
  {
    gst_live_avatar_post_error (element, err, "Could not load the model");
    g_clear_error (&err);
    gst_live_avatar_image_free (new_image);
    gst_live_avatar_settings_clear (&snapshot);
    return FALSE;
  }
}

LaSession *
gst_live_avatar_create_session (GstElement * element,
    GstLiveAvatarSettings * settings, LaEngine * engine,
    const GstLiveAvatarImage * image, GstLiveAvatarImageChanger * changer,
    LaPixelFormat format)
{
  const LaEngineConfig *ecfg = la_engine_get_config (engine);
  LaSessionConfig cfg;
  LaSession *session;
  GError *err = NULL;
  gchar *reference_image, *prompt;

  GST_OBJECT_LOCK (element);
  gst_live_avatar_settings_to_session_config (settings, &cfg);
  cfg.reference_image = reference_image = g_strdup (settings->reference_image);
  cfg.prompt = prompt = g_strdup (settings->prompt);
  GST_OBJECT_UNLOCK (element);
  cfg.format = format;

  session = la_session_new (engine, &cfg, &err);
  g_free (reference_image);
  g_free (prompt);
  if (session == NULL)
    goto no_session;

  /* before any audio: in force from block 0 */
  if (image != NULL && !la_session_set_reference_image (session, image->rgb,
          image->width, image->height, image->width * 3, &err))
    goto no_picture;

  gst_live_avatar_image_changer_set_session (changer, session, ecfg->width,
      ecfg->height, image ? image->path : NULL);
  return session;

  /* ERRORS */
no_picture:
  {
    la_session_free (session);
    /* fall through */
  }
no_session:
  {
    gst_live_avatar_post_error (element, err, "Could not start generating");
    g_clear_error (&err);
    return NULL;
  }
}

void
gst_live_avatar_free_session (GstLiveAvatarImageChanger * changer,
    LaSession * session)
{
  if (session == NULL)
    return;

  gst_live_avatar_image_changer_set_session (changer, NULL, 0, 0, NULL);
  la_session_free (session);
}

void
gst_live_avatar_post_error_full (GstElement * element, const GError * err,
    const gchar * what, const gchar * file, const gchar * function, gint line)
{
  GQuark domain = GST_RESOURCE_ERROR;
  gint code = GST_RESOURCE_ERROR_FAILED;
  const gchar *message = err ? err->message : "unknown error";

  if (err && err->domain == LA_ERROR) {
    switch ((LaError) err->code) {
      case LA_ERROR_INVALID_ARGUMENT:
        domain = GST_RESOURCE_ERROR;
        code = GST_RESOURCE_ERROR_SETTINGS;
        break;
      case LA_ERROR_MODEL_NOT_FOUND:
        domain = GST_RESOURCE_ERROR;
        code = GST_RESOURCE_ERROR_NOT_FOUND;
        break;
      case LA_ERROR_MODEL_INVALID:
        domain = GST_RESOURCE_ERROR;
        code = GST_RESOURCE_ERROR_READ;
        break;
      case LA_ERROR_NOT_SUPPORTED:
        domain = GST_CORE_ERROR;
        code = GST_CORE_ERROR_NOT_IMPLEMENTED;
        break;
      case LA_ERROR_DEVICE:
        domain = GST_LIBRARY_ERROR;
        code = GST_LIBRARY_ERROR_INIT;
        break;
      case LA_ERROR_OUT_OF_MEMORY:
        domain = GST_RESOURCE_ERROR;
        code = GST_RESOURCE_ERROR_NO_SPACE_LEFT;
        break;
      default:
        domain = GST_STREAM_ERROR;
        code = GST_STREAM_ERROR_FAILED;
        break;
    }
  }

  gst_element_message_full (element, GST_MESSAGE_ERROR, domain, code,
      g_strdup_printf ("%s: %s", what, message),
      g_strdup_printf ("liveavatar engine error %s:%d",
          err ? g_quark_to_string (err->domain) : "none", err ? err->code : 0),
      file, function, line);
}
