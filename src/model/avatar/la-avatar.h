/* liveavatar: Live Avatar assembled: the model, its conditioning, its steps
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The parts (src/model/dit, vae, audio, text, sampler) put together the way
 * Live Avatar's timestep-forcing pipeline runs them
 * (liveavatar/models/wan/causal_s2v_pipeline_tpp.py, WanS2V.generate),
 * cut into the pieces the engine's stages need. Nothing here knows about
 * threads: the session's stages (src/pipeline) and the single-threaded
 * generator (la-avatar-generate.h, used by liveavatar-cli and the parity
 * tests) call the same functions, so they make the same frames.
 *
 *   LaAvatar *a = la_avatar_new (be, &cfg, &err);              once, weights
 *   LaAvatarCond *c = la_avatar_cond_new (a, rgb, stride, &err);  per picture
 *   LaAvatarPrompt *p = la_avatar_prompt_new (a, "text", &err);   per prompt
 *   LaAvatarStep *s[S]: la_avatar_step_new (a, i, seed, &err)     per step
 *   per block b (clip b / 4), per step i in order:
 *     la_avatar_noise (a, seed, b, latent)                        step 0 only
 *     la_avatar_step_prepare (s[i], b, &sink, p, &err)             sink policy
 *     la_avatar_step_run (s[i], latent, b, features, p, &err)      DiT + Euler
 *   la_avatar_decoder_* on the clean latent                        frames
 *
 * Shapes (h = height / 8, w = width / 8, z = 16 latent channels):
 *   block latent   [z, 3, h, w]    channel-first, as the VAE gives them
 *   ref latent     [z, 1, h, w]
 *   motion latents [z, 19, h, w]   the picture repeated 73 times, encoded
 *   features       [12, 25, audio_dim]   per video frame, wav2vec2 states
 *   context        [n, text_dim]   umT5 output rows, n <= text_len
 *   pictures       packed RGB, width x height, 3 bytes per pixel
 */

#ifndef __LA_AVATAR_H__
#define __LA_AVATAR_H__

#include <glib.h>

#include "la-backend.h"
#include "la-dit.h"
#include "la-sampler.h"
#include "la-t5-text-encoder.h"
#include "la-vae.h"
#include "la-wav2vec2.h"

G_BEGIN_DECLS

/* ---- the checkpoint folder (Wan2.2-S2V-14B as published) ---- */

#define LA_AVATAR_CONFIG_FILE "config.json"
#define LA_AVATAR_DIT_INDEX_FILE "diffusion_pytorch_model.safetensors.index.json"
#define LA_AVATAR_DIT_FILE "diffusion_pytorch_model.safetensors"
#define LA_AVATAR_VAE_FILE "Wan2.1_VAE.pth"
#define LA_AVATAR_WAV2VEC2_DIR "wav2vec2-large-xlsr-53-english"
/* Live Avatar's LoRA (Quark-Vision/Live-Avatar): looked for in the model
 * folder, then in ../LiveAvatar/ next to it (Live Avatar's ckpt/ layout) */
#define LA_AVATAR_LORA_FILE "liveavatar.safetensors"
/* the T5 checkpoint and tokenizer folder: LA_T5_CHECKPOINT_FILE,
 * LA_T5_TOKENIZER_DIR (la-t5-text-encoder.h) */

/* "f32" or "bf16": the VAE's compute dtype whatever the DiT's (to tell
 * the VAE's share of the bf16 error from the DiT's) */
#define LA_AVATAR_VAE_COMPUTE_ENV "LIVEAVATAR_VAE_COMPUTE"

/* Live Avatar's block and clip geometry (s2v_causal_sft.yaml, generate) */
#define LA_AVATAR_LATENTS_PER_BLOCK 3
#define LA_AVATAR_FRAMES_PER_BLOCK 12
#define LA_AVATAR_BLOCKS_PER_CLIP 4
#define LA_AVATAR_MOTION_FRAMES 73      /* pixel frames of motion context */
#define LA_AVATAR_MOTION_LATENTS 19     /* (73 + 3) / 4 */

typedef struct
{
  const gchar *model_dir;       /* the Wan2.2-S2V-14B folder */
  const gchar *lora_path;       /* NULL: LA_AVATAR_LORA_FILE where found,
                                 * none when absent; "" : none */
  gint width, height;           /* output size, multiples of 16 */
  gint sample_steps;            /* 1 .. LA_SAMPLER_MAX_STEPS */
  gboolean load_text_encoder;   /* FALSE: prompts only as contexts */
  gboolean load_audio_encoder;  /* FALSE: audio only as features */
  /* FALSE: only the part another device runs is loaded (the engine's
   * per-device avatars): without the DiT (config.json is still read) no
   * step, cross K/V or prompt from a context can be made; without the VAE
   * no conditioning from a picture and no decoder (LA_ERROR_INVALID_ARGUMENT) */
  gboolean load_dit;
  gboolean load_vae;
  /* the DiT's linear weights (la-dit.h LaDitWeights); AUTO is
   * la_avatar_resolve_precision ()'s choice for the backend. The encoders
   * keep their own storage (wav2vec2 fp32, umT5's matrices bf16). */
  LaPrecision precision;
  /* the DiT's compute dtype (la-dit.h LaDitCompute); AUTO is
   * la_avatar_resolve_compute ()'s choice. The VAE computes in the same
   * dtype, as Live Avatar runs its VAE in bf16 beside its bf16 DiT
   * (la_vae_new_with_dtype (): BF16 under BF16 compute, else F32), unless
   * LA_AVATAR_VAE_COMPUTE_ENV is set. */
  LaDitCompute compute;
  /* where umT5 is loaded and prompts are encoded: NULL is the avatar's
   * own backend; another (the engine's host CPU backend under offload)
   * keeps its weights off the device. Borrowed: it must outlive the
   * avatar. Prompts are host floats either way. */
  LaBackend *text_backend;
} LaAvatarConfig;

/* 704x384, 4 steps, the DiT, the VAE, both encoders, LA_PRECISION_AUTO */
void            la_avatar_config_init (LaAvatarConfig * cfg);

/* @precision with AUTO made concrete for @kind: FP32 on the CPU backend
 * (the reference), BF16 on CUDA (Live Avatar's own). Other values are
 * returned as they are. */
LaPrecision     la_avatar_resolve_precision (LaPrecision precision,
    LaBackendKind kind);
/* @precision and @compute, either AUTO, made concrete together for
 * @kind: compute AUTO is F32 under FP32 weights, else
 * la_dit_compute_resolve () (LIVEAVATAR_COMPUTE, then BF16 on CUDA, F32
 * on the CPU); precision AUTO is then BF16 under BF16 compute (the GPU's
 * numerics, also on the CPU), else la_avatar_resolve_precision (). */
void            la_avatar_resolve_compute (LaPrecision * precision,
    LaDitCompute * compute, LaBackendKind kind);
/* the VAE's compute dtype beside a DiT computing in @compute (resolved):
 * BF16 under BF16, else F32; LA_AVATAR_VAE_COMPUTE_ENV overrides. (A
 * backend without the VAE's bf16 ops keeps it F32: la_vae_get_dtype ()
 * tells.) */
LaDType         la_avatar_resolve_vae_dtype (LaDitCompute compute);
/* "auto", "fp32", "bf16", "fp8"; NULL for a value out of the enum */
const gchar    *la_precision_name (LaPrecision precision);

typedef struct _LaAvatar LaAvatar;

/* Reads config.json, the DiT (sharded safetensors through the index, or
 * one file) with the LoRA merged in and its linear weights stored at
 * cfg->precision, the VAE in the compute dtype, and when asked umT5 with
 * its tokenizer (onto cfg->text_backend when set) and wav2vec2, onto
 * @backend. Errors name the file (and tensor):
 * LA_ERROR_MODEL_NOT_FOUND, LA_ERROR_MODEL_INVALID; a precision out of
 * the enum is LA_ERROR_INVALID_ARGUMENT, one @backend cannot run
 * LA_ERROR_NOT_SUPPORTED (before any weight is read). Read-only
 * afterwards: any number of threads may use it at once. */
LaAvatar       *la_avatar_new (LaBackend * backend, const LaAvatarConfig * cfg,
    GError ** error);
void            la_avatar_free (LaAvatar * avatar);

LaBackend      *la_avatar_get_backend (LaAvatar * avatar);
/* la_avatar_get_dit () and la_avatar_get_vae (): NULL when not loaded */
LaDit          *la_avatar_get_dit (LaAvatar * avatar);
/* the resolved precision (never AUTO) */
LaPrecision     la_avatar_get_precision (LaAvatar * avatar);
/* the DiT's compute dtype, resolved (never AUTO) */
LaDitCompute    la_avatar_get_compute (LaAvatar * avatar);
LaVae          *la_avatar_get_vae (LaAvatar * avatar);
/* NULL when not loaded */
LaWav2Vec2     *la_avatar_get_wav2vec2 (LaAvatar * avatar);
LaT5TextEncoder *la_avatar_get_text_encoder (LaAvatar * avatar);
const LaSamplerSchedule *la_avatar_get_schedule (LaAvatar * avatar);
void            la_avatar_get_size (LaAvatar * avatar, gint * width,
    gint * height);
/* latent grid: h = height / 8, w = width / 8 */
void            la_avatar_get_latent_size (LaAvatar * avatar, gint * h,
    gint * w);
/* elements of a block latent, z * 3 * h * w */
gsize           la_avatar_block_latent_size (LaAvatar * avatar);
/* floats of a block's features, 12 * 25 * audio_dim */
gsize           la_avatar_block_features_size (LaAvatar * avatar);

/* Copies @n latent frames from @src [z, src_frames, h, w], starting at
 * frame @src_first, into @dst [z, dst_frames, h, w] at @dst_first: the
 * latents are channel-first, so a run of frames is z separate pieces
 * (a block's frame 0, a block cut from a clip, blocks put side by side). */
void            la_avatar_copy_latent_frames (LaAvatar * avatar,
    gfloat * dst, gint dst_frames, gint dst_first, const gfloat * src,
    gint src_frames, gint src_first, gint n);

/* ---- conditioning: the reference picture ---- */

typedef struct
{
  gint            ref_count;    /* atomic */
  gfloat         *ref_latent;   /* [z, 1, h, w] */
  gfloat         *motion_latents;       /* [z, 19, h, w] */
  guint8         *picture;      /* the picture, packed RGB at output size */
} LaAvatarCond;

/* VAE-encodes @rgb (the output size, @stride bytes per row; already
 * resized and cropped, see la_size_for_area) as Live Avatar does: pixels
 * to [-1, 1], one frame -> ref latent; 73 copies -> motion latents. */
LaAvatarCond   *la_avatar_cond_new (LaAvatar * avatar, const guint8 * rgb,
    gint stride, GError ** error);
/* From latents already made (parity work); @picture may be NULL (grey). */
LaAvatarCond   *la_avatar_cond_new_from_latents (LaAvatar * avatar,
    const gfloat * ref_latent, const gfloat * motion_latents,
    const guint8 * picture, GError ** error);
LaAvatarCond   *la_avatar_cond_ref (LaAvatarCond * cond);
void            la_avatar_cond_unref (LaAvatarCond * cond);

/* ---- conditioning: the prompt ---- */

typedef struct
{
  gint            ref_count;    /* atomic */
  guint           serial;       /* distinct per prompt made by one LaAvatar */
  gfloat         *context;      /* [n_rows, text_dim] */
  gint            n_rows;
  gboolean        truncated;    /* the text was cut at text_len tokens */
  /* private: the DiT's cross-attention K/V of this prompt, made by the
   * first step of its avatar that needs them and shared by all of them
   * (one copy per prompt and device rather than one per step) */
  LaAvatar       *avatar;
  GMutex          lock;
  LaDitCrossKv   *cross;
} LaAvatarPrompt;

/* Tokenizes and umT5-encodes @text (may take seconds on the real model:
 * call it off the streaming thread). Needs load_text_encoder. A prompt
 * keeps tensors on the avatar's backend once a step has used it: release
 * prompts, and the steps that hold them, before the avatar. */
LaAvatarPrompt *la_avatar_prompt_new (LaAvatar * avatar, const gchar * text,
    GError ** error);
/* From an encoded context [n_rows, text_dim], 1 <= n_rows <= text_len. */
LaAvatarPrompt *la_avatar_prompt_new_from_context (LaAvatar * avatar,
    const gfloat * context, gint n_rows, GError ** error);
LaAvatarPrompt *la_avatar_prompt_ref (LaAvatarPrompt * prompt);
void            la_avatar_prompt_unref (LaAvatarPrompt * prompt);

/* ---- noise ---- */

/* Block @block's starting latent: latent frames [3 (block % 4), + 3) of
 * clip block / 4's noise [z, 12, h, w], la_sampler_noise_fill (seed,
 * clip, ...), as Live Avatar slices its per-clip noise (generator seeded
 * seed + clip there). */
void            la_avatar_noise (LaAvatar * avatar, guint64 seed,
    guint64 block, gfloat * latent);

/* ---- the attention sink policy ---- */

/* What the sink of every step cache should hold for a block. A reference
 * picture takes effect at a clip boundary, block @cond_block; in that clip
 * the sink is the picture's latent; from the next clip on it is latent
 * frame 0 of block @cond_block once denoised (Live Avatar's rolling sink
 * frame: prefilled at r == 0 with the image, at r == 1 with the first
 * generated frame, then kept). The motion latents are always the
 * picture's (Live Avatar never updates them). */
typedef struct
{
  LaAvatarCond   *cond;         /* borrowed */
  guint64         cond_block;   /* multiple of 4 */
  /* [z, 1, h, w]: clean latent frame 0 of block cond_block; borrowed,
   * needed when la_avatar_sink_needs_generated () */
  const gfloat   *generated_ref;
} LaAvatarSink;

/* TRUE when @block's sink is the generated frame: @block is past the clip
 * of @cond_block, so a step must wait for that block's clean latent. */
gboolean        la_avatar_sink_needs_generated (guint64 block,
    guint64 cond_block);

/* ---- one denoising step ---- */

typedef struct _LaAvatarStep LaAvatarStep;

/* Step @step's state, Live Avatar's kv_cache1[step] on its rank: the ring
 * KV cache of one clip (12 latent frames) and the sink, the cross-attention
 * K/V of the prompt in use, the sink distance draws, seeded by @seed and
 * @step: la_dit_cache_new (..., la_avatar_draw_seed (seed, step)). */
LaAvatarStep   *la_avatar_step_new (LaAvatar * avatar, gint step,
    guint64 seed, GError ** error);
void            la_avatar_step_free (LaAvatarStep * step);
gint            la_avatar_step_get_index (LaAvatarStep * step);

/* documented, so that an oracle can draw the same distances:
 * seed + 0x9E3779B97F4A7C15 * (step + 1), wrapping */
guint64         la_avatar_draw_seed (guint64 seed, gint step);

/* Back to a fresh session's state (empty ring, no sink, draws from the
 * start), as after a flush. */
void            la_avatar_step_reset (LaAvatarStep * step);

/* Before running @block: prefills the sink when what it holds differs
 * from what @sink asks for @block (new picture, first generated frame) or
 * when @prompt changed since the last prefill (the sink's tokens attend
 * to the prompt too); recomputes the cross-attention K/V when @prompt
 * changed. Blocks must come in order, each exactly once per epoch
 * (LA_ERROR_FAILED otherwise). */
gboolean        la_avatar_step_prepare (LaAvatarStep * step, guint64 block,
    const LaAvatarSink * sink, LaAvatarPrompt * prompt, GError ** error);

/* One DiT forward of @latent [z, 3, h, w] at this step's timestep, its
 * keys and values into the ring at absolute latent frame 3 @block, audio
 * from @features, then the Euler step in place. @draw: the sink distance
 * (4..30), or -1 to take the next of the step's own draws. Call after
 * la_avatar_step_prepare (). */
gboolean        la_avatar_step_run (LaAvatarStep * step, gfloat * latent,
    guint64 block, const gfloat * features, gint draw, GError ** error);

/* A block QoS skips still moves the step on (its draw and its place in
 * the ring are used up as if it ran; its keys stay what they were). */
void            la_avatar_step_skip (LaAvatarStep * step, guint64 block);

/* ---- decoding ---- */

typedef struct _LaAvatarDecoder LaAvatarDecoder;

/* The streaming VAE decoder of one session (la-vae-stream.h). */
LaAvatarDecoder *la_avatar_decoder_new (LaAvatar * avatar, GError ** error);
void            la_avatar_decoder_free (LaAvatarDecoder * dec);

/* Primes the cache with @cond's first 7 motion latents (Live Avatar does it
 * once, before the first block); the next 3 pictures will be dropped. */
gboolean        la_avatar_decoder_prime (LaAvatarDecoder * dec,
    const LaAvatarCond * cond, GError ** error);
void            la_avatar_decoder_reset (LaAvatarDecoder * dec);

/* pictures the next decode of @n_latent latent frames gives */
gint            la_avatar_decoder_n_pictures (LaAvatarDecoder * dec,
    gint n_latent);

/* Decodes @latent [z, n_latent, h, w] into pictures: @rgb gets
 * la_avatar_decoder_n_pictures () packed RGB pictures (width * 3 bytes per
 * row, one after the other); @pixels, when not NULL, the same as floats
 * [n, 3, height, width] in [-1, 1] before clamping (parity dumps).
 * RGB = (guint8) ((clamp (x, -1, 1) + 1) / 2 * 255) in float, truncated,
 * as Live Avatar's save_video (torchvision make_grid normalize, then
 * (x * 255).type (uint8)). */
gboolean        la_avatar_decoder_decode (LaAvatarDecoder * dec,
    const gfloat * latent, gint n_latent, guint8 * rgb, gfloat * pixels,
    GError ** error);

G_END_DECLS

#endif /* __LA_AVATAR_H__ */
