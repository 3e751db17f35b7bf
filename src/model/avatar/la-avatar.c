/* liveavatar: Live Avatar assembled: loading the folder, noise, sink policy
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What WanS2V.generate (liveavatar/models/wan/causal_s2v_pipeline_tpp.py)
 * prepares before its rollout loop: the models (the reference picture's
 * latents: la-avatar-cond.c; the prompt's context: la-avatar-prompt.c). */

#include "config.h"

#include "la-avatar-private.h"
#include "liveavatar.h"

#include <string.h>

void
la_avatar_config_init (LaAvatarConfig * cfg)
{
  g_return_if_fail (cfg != NULL);
  memset (cfg, 0, sizeof (*cfg));
  cfg->width = 704;
  cfg->height = 384;
  cfg->sample_steps = LA_SAMPLER_DEFAULT_STEPS;
  cfg->load_text_encoder = TRUE;
  cfg->load_audio_encoder = TRUE;
  cfg->load_dit = TRUE;
  cfg->load_vae = TRUE;
  cfg->precision = LA_PRECISION_AUTO;
  cfg->compute = LA_DIT_COMPUTE_AUTO;
}

void
la_avatar_resolve_compute (LaPrecision * precision, LaDitCompute * compute,
    LaBackendKind kind)
{
  if (*compute == LA_DIT_COMPUTE_AUTO)
    *compute = *precision == LA_PRECISION_FP32 ? LA_DIT_COMPUTE_F32 :
        la_dit_compute_resolve (LA_DIT_COMPUTE_AUTO, kind);
  if (*precision == LA_PRECISION_AUTO && *compute == LA_DIT_COMPUTE_BF16)
    *precision = LA_PRECISION_BF16;
  *precision = la_avatar_resolve_precision (*precision, kind);
}

LaPrecision
la_avatar_resolve_precision (LaPrecision precision, LaBackendKind kind)
{
  if (precision != LA_PRECISION_AUTO)
    return precision;
  return kind == LA_BACKEND_CUDA ? LA_PRECISION_BF16 : LA_PRECISION_FP32;
}

const gchar *
la_precision_name (LaPrecision precision)
{
  switch (precision) {
    case LA_PRECISION_AUTO:
      return "auto";
    case LA_PRECISION_FP32:
      return "fp32";
    case LA_PRECISION_BF16:
      return "bf16";
    case LA_PRECISION_FP8:
      return "fp8";
  }
  return NULL;
}

/* the DiT's storage for a resolved precision */
static LaDitWeights
dit_weights (LaPrecision precision)
{
  switch (precision) {
    case LA_PRECISION_BF16:
      return LA_DIT_WEIGHTS_BF16;
    case LA_PRECISION_FP8:
      return LA_DIT_WEIGHTS_FP8;
    default:
      return LA_DIT_WEIGHTS_F32;
  }
}

LaTensor *
la_avatar_tensor (LaAvatar * avatar, gint n_dims, const gint64 * ne,
    const gfloat * data, GError ** error)
{
  LaTensor *t = la_tensor_new (avatar->backend, LA_DTYPE_F32, n_dims, ne,
      error);

  if (t && data && !la_tensor_set_f32 (t, data, la_tensor_nelements (t), error)) {
    la_tensor_free (t);
    return NULL;
  }
  return t;
}

static gboolean
not_found (GError ** error, const gchar * what, const gchar * path)
{
  g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
      "Live Avatar model: %s %s not found", what, path);
  return FALSE;
}

/* the DiT's checkpoint: the shards through their index, else one file */
static LaCheckpoint *
open_dit (const gchar * dir, GError ** error)
{
  gchar *index = g_build_filename (dir, LA_AVATAR_DIT_INDEX_FILE, NULL);
  gchar *single = g_build_filename (dir, LA_AVATAR_DIT_FILE, NULL);
  LaCheckpoint *ck = NULL;

  if (g_file_test (index, G_FILE_TEST_EXISTS))
    ck = la_checkpoint_open (index, error);
  else if (g_file_test (single, G_FILE_TEST_EXISTS))
    ck = la_checkpoint_open (single, error);
  else
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
        "Live Avatar model: neither %s nor %s found", index, single);
  g_free (index);
  g_free (single);
  return ck;
}

/* Live Avatar's LoRA: the path given, else liveavatar.safetensors in the
 * model folder or in ../LiveAvatar/ next to it (its ckpt/ layout); none
 * when "" or not found by that search. *@lora NULL: none. */
static gboolean
open_lora (const LaAvatarConfig * cfg, LaCheckpoint ** lora, GError ** error)
{
  gchar *cands[2];
  gint i;

  *lora = NULL;
  if (cfg->lora_path && !cfg->lora_path[0])
    return TRUE;
  if (cfg->lora_path) {
    if (!g_file_test (cfg->lora_path, G_FILE_TEST_EXISTS))
      return not_found (error, "LoRA file", cfg->lora_path);
    *lora = la_checkpoint_open (cfg->lora_path, error);
    return *lora != NULL;
  }
  cands[0] = g_build_filename (cfg->model_dir, LA_AVATAR_LORA_FILE, NULL);
  cands[1] = g_build_filename (cfg->model_dir, "..", "LiveAvatar",
      LA_AVATAR_LORA_FILE, NULL);
  for (i = 0; i < 2 && !*lora; i++)
    if (g_file_test (cands[i], G_FILE_TEST_IS_REGULAR)) {
      *lora = la_checkpoint_open (cands[i], error);
      if (!*lora)
        break;
    }
  g_free (cands[0]);
  g_free (cands[1]);
  return i < 2 ? *lora != NULL : TRUE;
}

static gfloat *
vae_read (gpointer ck, const gchar * name, gint ndim, const gint64 * shape,
    GError ** error)
{
  return la_checkpoint_read_f32 (ck, name, ndim, shape, error);
}

/* Live Avatar's VAE computes in its param_dtype, bf16, beside its bf16
 * DiT (causal_s2v_pipeline_tpp.py:131-133): the VAE follows the DiT's
 * compute dtype, unless LA_AVATAR_VAE_COMPUTE_ENV says otherwise. */
LaDType
la_avatar_resolve_vae_dtype (LaDitCompute compute)
{
  const gchar *env = g_getenv (LA_AVATAR_VAE_COMPUTE_ENV);

  if (env && g_ascii_strcasecmp (env, "bf16") == 0)
    return LA_DTYPE_BF16;
  if (env && (g_ascii_strcasecmp (env, "f32") == 0
          || g_ascii_strcasecmp (env, "fp32") == 0))
    return LA_DTYPE_F32;
  if (env && *env)
    g_warning ("%s=%s is not f32 or bf16: ignored",
        LA_AVATAR_VAE_COMPUTE_ENV, env);
  return compute == LA_DIT_COMPUTE_BF16 ? LA_DTYPE_BF16 : LA_DTYPE_F32;
}

/* A backend with a bf16 DiT but not every bf16 op the VAE needs keeps the
 * VAE in fp32, with a warning. */
static LaDType
vae_dtype (LaAvatar * a)
{
  LaDType dtype = la_avatar_resolve_vae_dtype (a->compute);

  if (dtype == LA_DTYPE_BF16
      && !la_vae_backend_supports (a->backend, LA_DTYPE_BF16)) {
    g_warning ("Live Avatar: this backend lacks bf16 VAE ops; the VAE "
        "computes in fp32");
    return LA_DTYPE_F32;
  }
  return dtype;
}

/* Wan2.1_VAE.pth stores no configuration: the base width comes from the
 * first convolution (a tiny model's is small), the rest is Wan2.1's; a
 * checkpoint that differs fails in la_vae_new () naming the tensor. */
static LaVae *
load_vae (LaAvatar * a, const gchar * dir, GError ** error)
{
  gchar *path = g_build_filename (dir, LA_AVATAR_VAE_FILE, NULL);
  LaCheckpoint *ck = NULL;
  const LaCheckpointTensor *conv1;
  LaVaeConfig vc;
  LaVae *vae = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    not_found (error, "VAE", path);
    goto out;
  }
  ck = la_checkpoint_open (path, error);
  if (!ck)
    goto out;
  la_vae_config_init (&vc);
  conv1 = la_checkpoint_lookup (ck, "encoder.conv1.weight");
  if (conv1 && conv1->ndim == 5 && conv1->shape[0] > 0
      && conv1->shape[0] < 65536)
    vc.dim = (gint) conv1->shape[0];
  vae = la_vae_new_with_dtype (a->backend, &vc, LA_VAE_ENCODER
      | LA_VAE_DECODER, vae_dtype (a), vae_read, ck, error);

out:
  la_checkpoint_free (ck);
  g_free (path);
  return vae;
}

/* config.json into @dc, always (the latent and encoder sizes come from
 * it); the DiT's weights when cfg->load_dit */
static gboolean
load_dit (LaAvatar * a, const LaAvatarConfig * cfg, LaDitConfig * dc,
    GError ** error)
{
  gchar *path = g_build_filename (cfg->model_dir, LA_AVATAR_CONFIG_FILE,
      NULL);
  LaCheckpoint *ck = NULL, *lora = NULL;
  gboolean ok = FALSE;

  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    not_found (error, "config", path);
    goto out;
  }
  if (!la_dit_config_load (dc, path, error))
    goto out;
  if (!dc->enable_framepack) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: Live Avatar needs enable_framepack (its attention sink)", path);
    goto out;
  }
  if (!cfg->load_dit) {
    ok = TRUE;
    goto out;
  }
  if (!(ck = open_dit (cfg->model_dir, error))
      || !open_lora (cfg, &lora, error))
    goto out;
  a->dit = la_dit_new_with_compute (a->backend, dc, ck, lora,
      dit_weights (a->precision), a->compute, error);
  ok = a->dit != NULL;

out:
  la_checkpoint_free (lora);
  la_checkpoint_free (ck);
  g_free (path);
  return ok;
}

static gboolean
load_encoders (LaAvatar * a, const LaAvatarConfig * cfg,
    const LaDitConfig * dc, GError ** error)
{
  gchar *path = NULL;
  gboolean ok = FALSE;

  if (cfg->load_text_encoder) {
    a->text_encoder = la_t5_text_encoder_new (cfg->text_backend ?
        cfg->text_backend : a->backend, cfg->model_dir, error);
    if (!a->text_encoder)
      goto out;
    if (la_t5_text_encoder_get_dim (a->text_encoder) != dc->text_dim) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: umT5 gives %d-wide contexts, the DiT's text_dim is %d",
          cfg->model_dir, la_t5_text_encoder_get_dim (a->text_encoder),
          dc->text_dim);
      goto out;
    }
  }
  if (cfg->load_audio_encoder) {
    const LaWav2Vec2Config *wc;

    path = g_build_filename (cfg->model_dir, LA_AVATAR_WAV2VEC2_DIR, NULL);
    a->wav2vec2 = la_wav2vec2_new (a->backend, path, error);
    if (!a->wav2vec2)
      goto out;
    wc = la_wav2vec2_get_config (a->wav2vec2);
    if (wc->hidden_size != dc->audio_dim
        || la_wav2vec2_n_hidden_states (wc) != LA_DIT_AUDIO_STATES) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: wav2vec2 gives %d states of %d, the DiT wants %d of %d",
          path, la_wav2vec2_n_hidden_states (wc), wc->hidden_size,
          LA_DIT_AUDIO_STATES, dc->audio_dim);
      goto out;
    }
  }
  ok = TRUE;

out:
  g_free (path);
  return ok;
}

LaAvatar *
la_avatar_new (LaBackend * backend, const LaAvatarConfig * cfg, GError ** error)
{
  LaAvatar *a;
  LaDitConfig dc;

  g_return_val_if_fail (backend != NULL && cfg != NULL, NULL);

  if (!cfg->model_dir || !g_file_test (cfg->model_dir, G_FILE_TEST_IS_DIR)) {
    not_found (error, "folder", cfg->model_dir ? cfg->model_dir : "(none)");
    return NULL;
  }
  /* 8x8 VAE, then 2x2 patches */
  if (cfg->width < 16 || cfg->height < 16 || cfg->width % 16 != 0
      || cfg->height % 16 != 0 || cfg->width > 16384 || cfg->height > 16384) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar: size %dx%d is not a multiple of 16 (VAE 8 x patch 2) "
        "between 16 and 16384", cfg->width, cfg->height);
    return NULL;
  }

  if (!la_precision_name (cfg->precision)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar: unknown precision %d (auto, fp32, bf16 or fp8)",
        (gint) cfg->precision);
    return NULL;
  }

  a = g_new0 (LaAvatar, 1);
  a->backend = backend;
  a->precision = cfg->precision;
  a->compute = cfg->compute;
  la_avatar_resolve_compute (&a->precision, &a->compute,
      la_backend_get_kind (backend));
  a->width = cfg->width;
  a->height = cfg->height;
  a->h = cfg->height / 8;
  a->w = cfg->width / 8;
  if (!la_sampler_schedule_init (&a->schedule, cfg->sample_steps,
          LA_SAMPLER_DEFAULT_SHIFT, error))
    goto error;
  if (!load_dit (a, cfg, &dc, error))
    goto error;
  a->z = dc.in_dim;
  a->audio_dim = dc.audio_dim;
  a->text_dim = dc.text_dim;
  a->text_len = dc.text_len;
  if (dc.in_dim != LA_VAE_Z_DIM || dc.out_dim != LA_VAE_Z_DIM
      || dc.patch_size[0] != 1 || dc.patch_size[1] != 2
      || dc.patch_size[2] != 2) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: the DiT must take and give %d latent channels in 1x2x2 "
        "patches, as Wan2.2-S2V", cfg->model_dir, LA_VAE_Z_DIM);
    goto error;
  }
  if (cfg->load_vae && !(a->vae = load_vae (a, cfg->model_dir, error)))
    goto error;
  if (!load_encoders (a, cfg, &dc, error))
    goto error;
  return a;

  /* ERRORS */
error:
  {
    la_avatar_free (a);
    return NULL;
  }
}

void
la_avatar_free (LaAvatar * avatar)
{
  if (!avatar)
    return;
  la_t5_text_encoder_free (avatar->text_encoder);
  la_wav2vec2_free (avatar->wav2vec2);
  la_vae_free (avatar->vae);
  la_dit_free (avatar->dit);
  g_free (avatar);
}

LaBackend *
la_avatar_get_backend (LaAvatar * avatar)
{
  return avatar->backend;
}

LaDit *
la_avatar_get_dit (LaAvatar * avatar)
{
  return avatar->dit;
}

LaPrecision
la_avatar_get_precision (LaAvatar * avatar)
{
  return avatar->precision;
}

LaDitCompute
la_avatar_get_compute (LaAvatar * avatar)
{
  return avatar->compute;
}

LaVae *
la_avatar_get_vae (LaAvatar * avatar)
{
  return avatar->vae;
}

LaWav2Vec2 *
la_avatar_get_wav2vec2 (LaAvatar * avatar)
{
  return avatar->wav2vec2;
}

LaT5TextEncoder *
la_avatar_get_text_encoder (LaAvatar * avatar)
{
  return avatar->text_encoder;
}

const LaSamplerSchedule *
la_avatar_get_schedule (LaAvatar * avatar)
{
  return &avatar->schedule;
}

void
la_avatar_get_size (LaAvatar * avatar, gint * width, gint * height)
{
  if (width)
    *width = avatar->width;
  if (height)
    *height = avatar->height;
}

void
la_avatar_get_latent_size (LaAvatar * avatar, gint * h, gint * w)
{
  if (h)
    *h = avatar->h;
  if (w)
    *w = avatar->w;
}

gsize
la_avatar_block_latent_size (LaAvatar * avatar)
{
  return (gsize) avatar->z * LA_AVATAR_LATENTS_PER_BLOCK * avatar->h
      * avatar->w;
}

gsize
la_avatar_block_features_size (LaAvatar * avatar)
{
  return (gsize) LA_AVATAR_FRAMES_PER_BLOCK *LA_DIT_AUDIO_STATES
      * avatar->audio_dim;
}

void
la_avatar_copy_latent_frames (LaAvatar * avatar, gfloat * dst,
    gint dst_frames, gint dst_first, const gfloat * src, gint src_frames,
    gint src_first, gint n)
{
  gsize hw = (gsize) avatar->h * avatar->w;
  gint c;

  g_return_if_fail (dst_first >= 0 && dst_first + n <= dst_frames);
  g_return_if_fail (src_first >= 0 && src_first + n <= src_frames);
  for (c = 0; c < avatar->z; c++)
    memcpy (dst + ((gsize) c * dst_frames + dst_first) * hw,
        src + ((gsize) c * src_frames + src_first) * hw,
        (gsize) n * hw * sizeof (gfloat));
}

/* ---- noise and the sink ---- */

void
la_avatar_noise (LaAvatar * avatar, guint64 seed, guint64 block,
    gfloat * latent)
{
  guint64 clip = block / LA_AVATAR_BLOCKS_PER_CLIP;
  gint64 f0 = (gint64) (block % LA_AVATAR_BLOCKS_PER_CLIP)
      * LA_AVATAR_LATENTS_PER_BLOCK;
  gint64 hw = (gint64) avatar->h * avatar->w;
  gint64 clip_frames = LA_AVATAR_LATENTS_PER_BLOCK * LA_AVATAR_BLOCKS_PER_CLIP;
  gint c, f;

  g_return_if_fail (latent != NULL);
  /* clip noise [z, 12, h, w]: each (channel, frame) plane is contiguous */
  for (c = 0; c < avatar->z; c++)
    for (f = 0; f < LA_AVATAR_LATENTS_PER_BLOCK; f++)
      la_sampler_noise_fill (seed, clip, (guint64) ((c * clip_frames + f0 + f)
              * hw), latent + (c * LA_AVATAR_LATENTS_PER_BLOCK + f) * hw, hw);
}

gboolean
la_avatar_sink_needs_generated (guint64 block, guint64 cond_block)
{
  return block / LA_AVATAR_BLOCKS_PER_CLIP
      > cond_block / LA_AVATAR_BLOCKS_PER_CLIP;
}
