/* liveavatar: the Wan2.1 causal 3D video VAE
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Wan2.1's VAE (wan/modules/vae2_1.py, Wan2.1_VAE.pth): 8x8 in space and
 * 4x in time, 16 latent channels, causal in time. Written against the op
 * layer (la-backend.h); weights come from a name -> tensor lookup that uses
 * the checkpoint's own names ("decoder.upsamples.3.time_conv.weight").
 *
 * Layouts: pictures are frame-major [T, 3, H, W] with values in [-1, 1];
 * latents are channel-first [16, T, h, w] (h = H / 8), normalised with the
 * per-channel mean/std tables as the DiT sees them.
 *
 * Decoding is causal and streams: every causal convolution keeps the last
 * LA_VAE_CACHE_T frames of its input in an LaVaeCache, an explicit state
 * that the caller carries from one la_vae_decode () to the next. The first
 * latent frame after a reset gives 1 picture, every later one 4, exactly
 * as Wan's decode loop with its feat_cache. Decoding a clip in one call or
 * latent frame by latent frame gives the same pictures.
 *
 *   LaVae *vae = la_vae_new (be, &cfg, LA_VAE_DECODER,
 *       (LaVaeReadFunc) la_checkpoint_read_f32, ck, &err);
 *   LaVaeCache *cache = la_vae_cache_new (vae);
 *   n = la_vae_cache_n_pictures (cache, 3);        12 (or 9 on a fresh cache)
 *   out = la_tensor_new (be, LA_DTYPE_F32, 4, { n, 3, H, W }, &err);
 *   la_vae_decode (vae, cache, out, z_block, &err);  z_block [16, 3, h, w]
 *
 * Live Avatar's streaming decoder (priming with motion latents, dropping
 * the first pictures) is LaVaeStream, la-vae-stream.h.
 *
 * Compute type (la_vae_new_with_dtype ()): LA_DTYPE_F32, the reference
 * and la_vae_new ()'s, or LA_DTYPE_BF16, as Live Avatar runs its VAE on a
 * GPU (WanVAE (dtype = param_dtype = bfloat16) under autocast:
 * causal_s2v_pipeline_tpp.py:131-133, wan_2_2/configs/shared_config.py:14,
 * vae_streaming.py:738, 770). In BF16 the weights (biases and RMS_norm
 * gammas too), every feature map and the causal cache are stored bf16;
 * each op computes in fp32 and rounds its output once. Kept fp32, as
 * Live Avatar keeps them: the latents and pictures at this API (its
 * stream_decode returns .float ().clamp_ (-1, 1), vae_streaming.py:773,
 * and encode returns .float (), :746), the final clamp, and the latent
 * (de)normalisation arithmetic; the mean/std tables are fp32 tensors that
 * hold Live Avatar's bf16 values (its mean and std are torch tensors of
 * the VAE's dtype and scale[1] = 1.0 / std is computed in it,
 * vae_streaming.py:730-732). Known differences from PyTorch's autocast:
 * RMS_norm's output is rounded to bf16 before the SiLU (autocast leaves
 * F.normalize's output in fp32 until the next convolution rounds it), and
 * the encoder's (mu - mean) * (1 / std) runs in fp32 rather than in two
 * bf16 steps; both are within one bf16 rounding.
 */

#ifndef __LA_VAE_H__
#define __LA_VAE_H__

#include <glib.h>

#include "la-backend.h"

G_BEGIN_DECLS

/* frames of input history each causal convolution keeps */
#define LA_VAE_CACHE_T 2
/* the latent normalisation tables have this many channels */
#define LA_VAE_Z_DIM 16

/* The architecture, as WanVAE_'s constructor arguments (attn_scales is
 * always empty, dropout 0). Wan2.1_VAE.pth: dim 96, z_dim 16,
 * dim_mult {1, 2, 4, 4}, num_res_blocks 2, temperal_downsample
 * {FALSE, TRUE, TRUE} (the decoder upsamples in time in reverse order). */
typedef struct
{
  gint            dim;
  gint            z_dim;
  gint            dim_mult[4];
  gint            num_res_blocks;
  gboolean        temperal_downsample[3];
} LaVaeConfig;

/* Wan2.1_VAE.pth's configuration */
void            la_vae_config_init (LaVaeConfig * config);

/* Wan2_1_VAE's latent statistics (wan/modules/vae2_1.py): latents are
 * normalised as (mu - mean) / std. */
extern const gfloat la_vae_latent_mean[LA_VAE_Z_DIM];
extern const gfloat la_vae_latent_std[LA_VAE_Z_DIM];

/* Tensor @name as a new fp32 array (g_free'd by the caller) after checking
 * that it has @ndim dimensions equal to @shape; NULL and @error otherwise.
 * la_checkpoint_read_f32 () has this signature, with the LaCheckpoint as
 * @user_data. */
typedef gfloat *(*LaVaeReadFunc) (gpointer user_data, const gchar * name,
    gint ndim, const gint64 * shape, GError ** error);

typedef enum
{
  LA_VAE_ENCODER = 1 << 0,      /* encoder.*, conv1.* */
  LA_VAE_DECODER = 1 << 1,      /* decoder.*, conv2.* */
} LaVaeParts;

typedef struct _LaVae LaVae;
typedef struct _LaVaeCache LaVaeCache;

/* Reads the weights of @parts through @read and places them on @backend
 * (fp32). A missing or misshapen tensor fails with @read's error. */
LaVae          *la_vae_new (LaBackend * backend, const LaVaeConfig * config,
    LaVaeParts parts, LaVaeReadFunc read, gpointer user_data,
    GError ** error);
/* la_vae_new () computing in @dtype, LA_DTYPE_F32 (the same as
 * la_vae_new ()) or LA_DTYPE_BF16 (weights rounded to bf16 as they are
 * read). Any other dtype fails with LA_ERROR_INVALID_ARGUMENT, a dtype
 * @backend cannot run every op of with LA_ERROR_NOT_SUPPORTED (ask
 * la_vae_backend_supports () first to fall back to F32). */
LaVae          *la_vae_new_with_dtype (LaBackend * backend,
    const LaVaeConfig * config, LaVaeParts parts, LaDType dtype,
    LaVaeReadFunc read, gpointer user_data, GError ** error);
void            la_vae_free (LaVae * vae);

/* Whether @backend runs the VAE in @dtype: TRUE for F32 on every backend,
 * for BF16 where the backend has each op the VAE uses on bf16 (the CUDA
 * backend, and the CPU's widening reference of them), FALSE for any other
 * dtype. */
gboolean        la_vae_backend_supports (LaBackend * backend, LaDType dtype);

const LaVaeConfig *la_vae_get_config (LaVae * vae);
LaBackend      *la_vae_get_backend (LaVae * vae);
/* the compute dtype it was made with */
LaDType         la_vae_get_dtype (LaVae * vae);

/* ---- decoding ---- */

/* The decoder's causal state at a stream's start. Its memory is allocated
 * by the first decode (it depends on the latent size, which may not change
 * afterwards without a reset), in the VAE's compute dtype; a cache serves
 * only the VAE it was made for. */
LaVaeCache     *la_vae_cache_new (LaVae * vae);
void            la_vae_cache_free (LaVaeCache * cache);
/* back to a stream's start; also the way out after a failed decode */
void            la_vae_cache_reset (LaVaeCache * cache);
/* latent frames decoded since the start */
gint64          la_vae_cache_get_n_decoded (LaVaeCache * cache);
/* pictures the next @n_latent latent frames give: 4 each, but 1 for the
 * first of a stream */
gint64          la_vae_cache_n_pictures (LaVaeCache * cache,
    gint64 n_latent);

/* Decodes @z [z_dim, F, h, w] (normalised latents, F >= 1) one latent
 * frame after another, carrying @cache, into @out [n, 3, 8h, 8w] with
 * n = la_vae_cache_n_pictures (cache, F): denormalise, conv2, Decoder3d,
 * clamp to [-1, 1]. */
gboolean        la_vae_decode (LaVae * vae, LaVaeCache * cache,
    LaTensor * out, const LaTensor * z, GError ** error);

/* ---- encoding ---- */

/* latent frames encoding @n_frames pictures gives: 1 + (n - 1) / 4 */
gint64          la_vae_n_latents (gint64 n_frames);

/* Encodes @video [T, 3, H, W] (H, W multiples of 8) into @z
 * [z_dim, 1 + (T - 1) / 4, H / 8, W / 8], normalised, as Wan's encode:
 * chunks of 1, 4, 4, ... frames through Encoder3d with a fresh causal
 * cache, conv1, mu = the first z_dim channels (the log-variance is
 * dropped), (mu - mean) / std. Frames past the last whole chunk of 4 are
 * ignored, as Wan ignores them. */
gboolean        la_vae_encode (LaVae * vae, LaTensor * z,
    const LaTensor * video, GError ** error);

G_END_DECLS

#endif /* __LA_VAE_H__ */
