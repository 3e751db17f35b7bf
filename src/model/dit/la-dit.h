/* liveavatar: the Wan2.2-S2V / Live Avatar DiT core
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * WanModel_S2V (Wan-Video/Wan2.2 wan/modules/s2v/model_s2v.py) as Live
 * Avatar's CausalWanModel_S2V runs it (liveavatar/models/wan/
 * causal_model_s2v.py), written against the op layer (la-backend.h), in
 * pieces a block scheduler composes: timestep embedding, patch and text
 * embeddings, one transformer block with an explicit KV cache, the head
 * and unpatchify; the causal audio encoder and the audio injection that
 * follows the blocks named in audio_inject_layers; FramePack motion
 * tokens; the sink, the ring KV cache and the streaming forward of a
 * block (la_dit_cache_*, la_dit_sink_prefill, la_dit_forward).
 *
 * Layouts: latents channel-first [C, F, H, W] as the VAE gives them;
 * tokens [L, dim], frame-major raster order (f, y, x) over the patch grid
 * F x h x w (h = H / 2, w = W / 2); keys and values [L, heads, head_dim].
 *
 *   LaDit *dit = la_dit_new (be, &cfg, ck, &err);
 *   la_dit_time_embedding (dit, e, e0, t, n_frames, &err);
 *   la_dit_time_embedding (dit, NULL, e0_zero, zero, 1, &err);
 *   la_dit_embed_noisy (dit, x, latent, &err);
 *   la_dit_text_embedding (dit, ctx, context, &err);
 *   LaDitCrossKv *cross = la_dit_cross_kv_new (dit, ctx, &err);  per prompt
 *   la_dit_audio_encode (dit, local, global, features, 12, 73, 19, &err);
 *   for (i = 0; i < cfg.num_layers; i++) {
 *     la_dit_block_forward (dit, i, x, &tokens, cross, &kv[i], &err);
 *     la_dit_audio_inject (dit, i, x, &tokens, local, global, &err);
 *   }
 *   la_dit_head (dit, out, x, e, &err);
 *   la_dit_unpatchify (dit, velocity, out, n_frames, h, w, &err);
 *
 * Everything runs in the backend's order; a failed call leaves its output
 * undefined and sets @error.
 */

#ifndef __LA_DIT_H__
#define __LA_DIT_H__

#include <glib.h>

#include "la-backend.h"
#include "la-checkpoint.h"
#include "la-dit-config.h"

G_BEGIN_DECLS

typedef struct _LaDit LaDit;

/* Reads the core's weights by their official names from @ck (any float
 * dtype, kept as fp32 on @backend; la_dit_new_with_weights () for bf16 or
 * FP8 linears); a missing or misshapen tensor is
 * LA_ERROR_MODEL_INVALID naming it. @ck may be freed afterwards. */
LaDit          *la_dit_new (LaBackend * backend, const LaDitConfig * cfg,
    LaCheckpoint * ck, GError ** error);
/* Live Avatar's LoRA alpha (liveavatar/configs/s2v_causal_sft.yaml,
 * lora_alpha 64 for rank 128); its file stores none */
#define LA_DIT_LORA_ALPHA 64.0

/* la_dit_new () with the LoRA pairs of @lora (la_lora_find_pairs (); NULL:
 * none) merged into the weights they target, as peft's merge_and_unload ()
 * does: W += alpha / rank * B @ A, alpha the pair's kohya alpha when it has
 * one, else LA_DIT_LORA_ALPHA. A pair whose target the DiT does not read,
 * or whose shape does not fit it, is LA_ERROR_MODEL_INVALID naming both
 * files. The LoRA file's other tensors are ignored. */
LaDit          *la_dit_new_full (LaBackend * backend, const LaDitConfig * cfg,
    LaCheckpoint * ck, LaCheckpoint * lora, GError ** error);

/* How the DiT stores the weights of its linear layers (every nn.Linear of
 * WanModel_S2V, all but a fraction of a percent of its parameters;
 * convolutions, norms, modulation tables, the audio fusion weights and
 * every bias stay fp32: they are small). Activations are the compute
 * dtype's (LaDitCompute, below; fp32 by default); here only the weights
 * change:
 *   F32   the reference.
 *   BF16  the fp32 weight (LoRA merged in fp32) rounded to bf16 (nearest
 *         even), run by la_linear ()'s mixed case (LA_OP_LINEAR_MIXED):
 *         what Live Avatar holds (a bf16 base with the LoRA merged).
 *   FP8   Live Avatar's --fp8 (liveavatar/utils/fp8_linear.py): the
 *         linears named text_embedding*, time_embedding*,
 *         time_projection*, head.head and
 *         casual_audio_encoder.encoder.final_linear stay BF16 (its
 *         ignore_keys); every other one is quantised at load from its
 *         bf16-rounded merged weight by la_fp8_quantize () (e4m3, one
 *         per-tensor scale kept as a [1] F32 tensor) and run by
 *         la_linear_fp8 (), which quantises x per call and rounds its
 *         output to bf16, as Live Avatar's torch._scaled_mm does.
 * Bytes of the linear weights: BF16 half of F32; FP8 about a quarter
 * (the 14B's linears: 60.3 GiB fp32, 30.2 bf16, 15.3 FP8). */
typedef enum
{
  LA_DIT_WEIGHTS_F32 = 0,
  LA_DIT_WEIGHTS_BF16,
  LA_DIT_WEIGHTS_FP8
} LaDitWeights;

/* "fp32", "bf16", "fp8" ("unknown" otherwise) */
const gchar    *la_dit_weights_name (LaDitWeights weights);

/* la_dit_new_full () with the linear weights stored as @weights. An
 * unknown @weights is LA_ERROR_INVALID_ARGUMENT; a backend without the
 * op the storage needs (LA_OP_LINEAR_MIXED for BF16, and also
 * LA_OP_LINEAR_FP8 for FP8, both on F32 activations) is
 * LA_ERROR_NOT_SUPPORTED here, before anything is read. */
LaDit          *la_dit_new_with_weights (LaBackend * backend,
    const LaDitConfig * cfg, LaCheckpoint * ck, LaCheckpoint * lora,
    LaDitWeights weights, GError ** error);

/* The dtype the DiT computes in, chosen at load (la_dit_new_with_compute):
 *   F32   every activation fp32 on every backend: the reference.
 *   BF16  Live Avatar's numerics on a GPU (its pipeline runs the DiT under
 *         torch.amp.autocast (bfloat16) with the model converted to bf16,
 *         causal_s2v_pipeline_tpp.py:933, and model.to (param_dtype) under
 *         convert_model_dtype, causal_s2v_pipeline_tpp.py:321 and
 *         configs/s2v_causal_sft.yaml:69), as read in its source:
 *     bf16: every linear of a block, the cross-attention and the audio
 *         injection takes bf16 x (autocast's bf16 nn.Linear); q, k, v after
 *         their RMSNorm (WanRMSNorm computes in float, then .type_as (x) *
 *         weight: Wan2.2 wan/modules/model.py:82), after RoPE (.type_as (v),
 *         causal_model_s2v.py:285-287), the attention (flash attention on
 *         bf16 q/k/v), the FFN hidden (gelu on the bf16 ffn.0 output), the
 *         KV caches (ring "k"/"v" and sink "cond_k"/"cond_v" made with
 *         dtype=param_dtype, causal_s2v_pipeline_tpp.py:605-616, 963-976)
 *         and the cross-attention K/V (crossattn cache, param_dtype,
 *         641-654); the residual stream between blocks (a block ends with
 *         .type_as (bf16), causal_model_s2v.py:379,434, and its input is
 *         the bf16 patch embedding); the audio tokens
 *         (causal_model_s2v.py:1098, .to (self.dtype)); every stored
 *         parameter (the model.to (param_dtype) above): biases, norm and
 *         modulation tables are rounded to bf16 values at load.
 *     fp32: the time embedding and time projection (autocast (float32),
 *         causal_model_s2v.py:950-955, e and e0 asserted float32), the
 *         modulation sums (causal_model_s2v.py:387-389), the norms'
 *         statistics and the modulated input (self.norm1 (x).float () *
 *         (1 + e[1]) + e[0], causal_model_s2v.py:412-413; WanLayerNorm runs
 *         on x.float (), model.py:98), the gated residual and the residual
 *         stream inside a block (x + y * e in autocast (float32),
 *         causal_model_s2v.py:417-419 and 429-431; the cross-attention's
 *         x + y too: fp32 + bf16 promotes), the head (autocast (float32),
 *         causal_model_s2v.py:216-220: its linear widens its bf16 weight).
 *   Here: a block rounds x to bf16 on entry (and the head's input is
 *   rounded), keeps the residual fp32 inside the block, and converts the
 *   fp32 norm-and-modulate output to bf16 once before each linear (Live
 *   Avatar rounds norm1's output to bf16 before modulating, then rounds
 *   again: one rounding here, which the fused op gives; likewise norm3
 *   normalises x in fp32 without rounding it to bf16 first). The linears
 *   whose outputs meet the fp32 residual (self_attn.o, cross_attn.o,
 *   ffn.2, the injector's o) write fp32 directly instead of bf16 then
 *   widening (one rounding fewer). Linears: bf16 x and bf16 weights
 *   through la_linear (), FP8 weights through la_linear_fp8 () on bf16 x;
 *   the linears that stay fp32-input (time embedding, projection, head,
 *   the audio encoder's final_linear, all in autocast (float32) there, and
 *   the injector's AdaLN linear and the text embedding, which Live Avatar
 *   runs in bf16) run la_linear's mixed case on bf16 weights; the patch
 *   and motion embeddings (bf16 convolutions there) are fp32 here and
 *   rounded once at the first block. The text embedding's output is
 *   rounded before the cross K/V linears read it.
 * BF16 needs BF16 or FP8 weights. */
typedef enum
{
  LA_DIT_COMPUTE_F32 = 0,
  LA_DIT_COMPUTE_BF16,
  /* only as a request: la_dit_compute_resolve () */
  LA_DIT_COMPUTE_AUTO
} LaDitCompute;

/* "f32", "bf16", "auto" ("unknown" otherwise) */
const gchar    *la_dit_compute_name (LaDitCompute compute);
/* LA_DTYPE_F32 or LA_DTYPE_BF16 */
LaDType         la_dit_compute_dtype (LaDitCompute compute);
/* AUTO made concrete for a backend @kind: the environment variable
 * LIVEAVATAR_COMPUTE ("f32" or "bf16"; "bf16" makes the CPU emulate the
 * GPU numerics) when set, else BF16 on CUDA and F32 on the CPU. F32 and
 * BF16 are returned as they are. */
LaDitCompute    la_dit_compute_resolve (LaDitCompute compute,
    LaBackendKind kind);

/* la_dit_new_with_weights () computing in @compute (F32 or BF16). BF16
 * with F32 weights, or an unknown @compute, is LA_ERROR_INVALID_ARGUMENT;
 * a backend without the bf16 ops (linear, rms_norm, rope_3d, attention,
 * gelu_tanh, convert, clamp on BF16; linear_fp8 on BF16 x for FP8
 * weights) LA_ERROR_NOT_SUPPORTED, before anything is read. */
LaDit          *la_dit_new_with_compute (LaBackend * backend,
    const LaDitConfig * cfg, LaCheckpoint * ck, LaCheckpoint * lora,
    LaDitWeights weights, LaDitCompute compute, GError ** error);
LaDitCompute    la_dit_get_compute (LaDit * dit);

void            la_dit_free (LaDit * dit);
/* A call's temporaries live in a workspace, one per thread calling at
 * once, kept between calls and grown to the most a call of the DiT API
 * has needed, so that calls of shapes seen before allocate nothing (the
 * steady state of a step). Between calls they stay allocated: this frees
 * those no call is using (the next call allocates as it goes again). */
void            la_dit_release_workspaces (LaDit * dit);
const LaDitConfig *la_dit_get_config (LaDit * dit);
/* LoRA pairs merged at load */
guint           la_dit_get_n_lora_merged (LaDit * dit);
LaDitWeights    la_dit_get_weights (LaDit * dit);

/* ---- embeddings ---- */

/* e = time_embedding (sinusoid (t)), e0 = time_projection (e), per entry
 * of @t (raw scheduler timesteps, 0..1000): e [n, dim] (or NULL),
 * e0 [n, 6, dim] (or NULL). The sinusoid (cos half first) is computed in
 * double and rounded to float, as Wan does. */
gboolean        la_dit_time_embedding (LaDit * dit, LaTensor * e,
    LaTensor * e0, const gfloat * t, gint n, GError ** error);

/* patch_embedding (Conv3d, kernel = stride = patch_size) of @latent
 * [in_dim, F, H, W] into y [F * h * w, dim], with H, W, F multiples of the
 * patch size. */
gboolean        la_dit_patch_embed (LaDit * dit, LaTensor * y,
    const LaTensor * latent, GError ** error);
/* The noisy tokens as Live Avatar embeds them: patch embedding, plus
 * cond_encoder of its all-zero pose latents (= its bias; absent when
 * cond_dim is 0), plus trainable_cond_mask row 0. */
gboolean        la_dit_embed_noisy (LaDit * dit, LaTensor * y,
    const LaTensor * latent, GError ** error);
/* Reference image tokens: patch embedding plus trainable_cond_mask row 1.
 * (Motion tokens, row 2, come with FramePack.) */
gboolean        la_dit_embed_ref (LaDit * dit, LaTensor * y,
    const LaTensor * latent, GError ** error);

/* text_embedding of @context [L, text_dim] (L <= text_len) zero-padded to
 * text_len rows: y [text_len, dim]. The pad rows are attended too. */
gboolean        la_dit_text_embedding (LaDit * dit, LaTensor * y,
    const LaTensor * context, GError ** error);

/* ---- cross-attention K/V, once per prompt ---- */

typedef struct
{
  guint           n_layers;
  /* in the DiT's compute dtype */
  LaTensor      **k;            /* per layer [text_len, heads, head_dim],
                                 * norm_k applied */
  LaTensor      **v;            /* per layer [text_len, heads, head_dim] */
} LaDitCrossKv;

/* from la_dit_text_embedding ()'s output [text_len, dim] */
LaDitCrossKv   *la_dit_cross_kv_new (LaDit * dit, const LaTensor * context,
    GError ** error);
void            la_dit_cross_kv_free (LaDitCrossKv * kv);

/* ---- one transformer block ---- */

/* What the tokens of x are: n_noisy tokens making n_frames frames of
 * equal length (frame f modulated by e0[f]), then conditioning tokens (ref,
 * motion) modulated by the t = 0 embedding e0_zero (zero_timestep, which
 * Live Avatar's causal model requires; Live Avatar's own forward feeds
 * noisy tokens only, its sink prefill cond tokens only). */
typedef struct
{
  gint64          n_noisy;
  gint            n_frames;     /* >= 1 when n_noisy > 0 */
  const LaTensor *e0;           /* [n_frames, 6, dim]; NULL if no noisy */
  const LaTensor *e0_zero;      /* [1, 6, dim]; NULL if no cond tokens */
  const LaTensor *pos;          /* [L, 3] I32: RoPE (t, h, w) per token */
  /* the last n_rope_zero tokens' RoPE multipliers are zero: their rotated
   * queries and keys are zeros (Live Avatar's sink prefill with the
   * motion dropped); 0 normally */
  gint64          n_rope_zero;
} LaDitTokens;

/* A block's self-attention keys and values: k, v [capacity, heads,
 * head_dim]. The block writes its own RoPE'd keys and values at rows
 * [n_prefix, n_prefix + L) and attends to rows [0, n_keys) (n_keys 0:
 * n_prefix + L), the other rows being earlier keys (already RoPE'd) and
 * values. Attention has no mask, so where in the cache a row lives does
 * not matter: the ring and the sink are the caller's policy
 * (la_dit_cache_*). raw_k, when set ([>= L, heads, head_dim]), also gets
 * this call's keys before RoPE at rows [0, L) (the sink keeps its keys
 * unrotated). All three in the DiT's compute dtype. Zero-initialise the
 * struct. */
typedef struct
{
  LaTensor       *k;
  LaTensor       *v;
  gint64          n_prefix;
  gint64          n_keys;
  LaTensor       *raw_k;
} LaDitKv;

/* x [L, dim] in place: adaLN-modulated self-attention (q/k RMSNorm over
 * dim, 3-axis RoPE at tok->pos), gated residual; cross-attention to the
 * prompt (norm3 with affine, no gate); adaLN-modulated gelu_tanh FFN,
 * gated residual. @kv NULL attends to the L tokens alone. */
gboolean        la_dit_block_forward (LaDit * dit, guint layer, LaTensor * x,
    const LaDitTokens * tok, const LaDitCrossKv * cross, LaDitKv * kv,
    GError ** error);

/* ---- audio ---- */

/* wav2vec2 hidden states per video frame (embeddings + 24 layers) */
#define LA_DIT_AUDIO_STATES 25
/* Live Avatar's motion span: 73 video frames, (73 + 3) / 4 = 19 latent */
#define LA_DIT_AUDIO_MOTION_FRAMES 73
#define LA_DIT_AUDIO_MOTION_LATENTS 19

/* The latent steps la_dit_audio_encode () makes from @n_video_frames
 * after @motion_frames copies of the first and @drop dropped:
 * L = n + m, then two stride-2 causal convs, (L - 1) / 2 + 1 each. */
gint            la_dit_audio_n_latent (gint n_video_frames,
    gint motion_frames, gint drop);

/* CausalAudioEncoder as Live Avatar's forward runs it on one block's
 * audio: @features [n_video_frames, 25, audio_dim] (host, the audio
 * front-end's layout), the first frame repeated @motion_frames times in
 * front, the 25 states fused with the learned weights, MotionEncoder_tc's
 * local (num_audio_token heads) and global branches (causal convs with
 * replicate padding, strides 1, 2, 2; LayerNorm eps 1e-6 and SiLU after
 * each), the first @drop latent steps dropped:
 *   local  [F, num_audio_token + 1, dim]  (the learned padding token last)
 *   global [F, dim]                       (after final_linear)
 * with F = la_dit_audio_n_latent (); Live Avatar: 12, 73, 19 -> F = 3. */
gboolean        la_dit_audio_encode (LaDit * dit, LaTensor * local,
    LaTensor * global, const gfloat * features, gint n_video_frames,
    gint motion_frames, gint drop, GError ** error);

/* After block @layer (after_transformer_block): when @layer is in
 * audio_inject_layers (the k-th entry uses injector k), each latent frame's
 * noisy tokens get x += o (attn (q (AdaLN (x)), audio tokens of the same
 * frame)), AdaLN = LayerNorm (eps 1e-5, no affine) * (1 + scale) + shift
 * from linear (SiLU (global[f])), shift first; q and k RMS-normed over dim.
 * Rows past tok->n_noisy (ref, motion) are left alone. Other layers: TRUE,
 * nothing done. local, global from la_dit_audio_encode () with F =
 * tok->n_frames. */
gboolean        la_dit_audio_inject (LaDit * dit, guint layer, LaTensor * x,
    const LaDitTokens * tok, const LaTensor * local, const LaTensor * global,
    GError ** error);

/* ---- FramePack motion tokens ---- */

/* FramePackMotioner (Live Avatar's causal_motioner.py): the last 19
 * motion latents in buckets, oldest first, of 16, 2 and 1 frames,
 * patchified with kernel = stride (4, 8, 8), (2, 4, 4), (1, 2, 2). */
#define LA_DIT_PACK_FRAMES 19
/* bucket i = 0 (post, newest), 1 (2x), 2 (4x): frames, kernel */
#define LA_DIT_PACK_KT(i) ((i) == 0 ? 1 : (i) == 1 ? 2 : 4)
#define LA_DIT_PACK_KS(i) ((i) == 0 ? 2 : (i) == 1 ? 4 : 8)

/* tokens of a latent H x W: (H/2)(W/2) + (H/4)(W/4) + 4 (H/8)(W/8),
 * each quotient rounded down (Conv3d) */
gint64          la_dit_motion_n_tokens (gint64 H, gint64 W);

/* Motion tokens y [la_dit_motion_n_tokens (H, W), dim] from @motion
 * [in_dim, T, H, W] (channel-first latents, T >= 0 frames, oldest first;
 * only the last 19 count, zeros stand in front when there are fewer):
 * [post | 2x | 4x], each in (f, y, x) raster order, plus
 * trainable_cond_mask row 2. Needs enable_framepack. */
gboolean        la_dit_embed_motion (LaDit * dit, LaTensor * y,
    const LaTensor * motion, GError ** error);

/* Their RoPE (t, h, w), pos [n_tokens * 3]: post at t = -1, 2x at t = -3,
 * 4x at t = -19, -14, -9, -4; spatial positions spread over the full
 * token grid as rope_precompute samples them (numpy linspace truncated
 * to int). Live Avatar never rolls these out. */
void            la_dit_motion_positions (gint32 * pos, gint64 H, gint64 W);

/* ---- streaming: sink, ring, one cache per denoising step ---- */

/* the reference image's RoPE time index (before its rollout) */
#define LA_DIT_REF_T 30
/* the sink's random distance, random.randint (4, 30) in Live Avatar */
#define LA_DIT_SINK_DRAW_MIN 4
#define LA_DIT_SINK_DRAW_MAX 30

/* Live Avatar draws the sink distance from Python's unseeded global
 * random at every forward. Here: splitmix64 on @state (seed it once),
 * LA_DIT_SINK_DRAW_MIN + (output mod 27). */
gint            la_dit_sink_draw (guint64 * state);

typedef struct _LaDitCache LaDitCache;

/* One denoising step's self-attention cache, all layers: the sink (ref +
 * FramePack motion tokens, @sink_tokens of them; la_dit_sink_tokens ())
 * with its keys unrotated and its values, and a ring of @ring_tokens
 * RoPE'd keys and values (Live Avatar: one clip, 12 latent frames), all
 * in the DiT's compute dtype (bf16 halves them).
 * Live Avatar's timestep-forcing pipeline keeps one per step (rank i runs
 * step i of every block with its own), each prefilled with the sink.
 * @draw_seed seeds the cache's sink distance draws
 * (la_dit_cache_next_draw ()), so each step draws the same sequence on
 * any number of devices. */
LaDitCache     *la_dit_cache_new (LaDit * dit, gint64 ring_tokens,
    gint64 sink_tokens, guint64 draw_seed, GError ** error);
void            la_dit_cache_free (LaDitCache * cache);
gint            la_dit_cache_next_draw (LaDitCache * cache);

/* Back to a new cache's state: no sink (a forward needs a prefill first),
 * the ring empty from the next forward on, draws from @draw_seed. */
void            la_dit_cache_reset (LaDitCache * cache, guint64 draw_seed);

/* The latent frame index the ring starts at (0 on a new cache): rows are
 * placed and attended relative to it, so a stream that starts at frame
 * @frame_index sees an empty ring, as Live Avatar's starts at 0. RoPE
 * positions stay absolute. */
void            la_dit_cache_set_origin (LaDitCache * cache,
    gint64 frame_index);

/* ref tokens of a latent H x W plus its motion tokens */
gint64          la_dit_sink_tokens (LaDit * dit, gint64 H, gint64 W);

/* The sink prefill (Live Avatar's _forward_sink, t = 0): tokens [ref |
 * motion] (ref: @ref [in_dim, 1, H, W] at time 30; motion:
 * la_dit_embed_motion () of @motion [in_dim, T, H, W]) through every
 * block, no audio, no head; each layer keeps its keys unrotated and its
 * values. @drop_motion (the first clip): the motion tokens are zeros
 * (plus cond mask row 2) with zero RoPE multipliers, as Live Avatar
 * zeroes them rather than removing them; they stay in the sink. A
 * re-prefill (clip 1, with the new reference) replaces the sink and
 * keeps the ring. */
gboolean        la_dit_sink_prefill (LaDit * dit, LaDitCache * cache,
    const LaTensor * ref, const LaTensor * motion, gboolean drop_motion,
    const LaDitCrossKv * cross, GError ** error);

/* One DiT forward of a block (_forward_inference): @latent
 * [in_dim, F, H, W] at timestep @t (every frame), its first latent frame
 * at absolute index @frame_index (Live Avatar's current_start / frame
 * tokens; it grows forever), @draw in [4, 30]. Noisy tokens at times
 * frame_index .. + F - 1; their keys and values written to the ring at
 * current_start mod ring, attending to the ring's rows so far (all of it
 * once it has wrapped) and to the sink, whose keys are rotated here with
 * the ref at time 30 + max (0, frame_index - (30 - draw)) and the motion
 * at its fixed times. Audio injection after the listed layers with
 * @audio_local, @audio_global (la_dit_audio_encode (), F steps). Output
 * @velocity [out_dim, F, H, W]. */
gboolean        la_dit_forward (LaDit * dit, LaDitCache * cache,
    LaTensor * velocity, const LaTensor * latent, gfloat t,
    gint64 frame_index, gint draw, const LaTensor * audio_local,
    const LaTensor * audio_global, const LaDitCrossKv * cross,
    GError ** error);

/* ---- output ---- */

/* Head_S2V as Live Avatar runs it: y = head (LN (x) * (1 + scale_f) +
 * shift_f) with (shift_f, scale_f) = head.modulation + e[f] per frame.
 * x [>= n, dim] (its first n = y's rows are the noisy tokens),
 * e [n_frames, dim] (la_dit_time_embedding's e), y [n, prod (patch) *
 * out_dim], n a multiple of n_frames. */
gboolean        la_dit_head (LaDit * dit, LaTensor * y, const LaTensor * x,
    const LaTensor * e, GError ** error);

/* The head's rows back into a latent video: @y [F * h * w, pt * ph * pw *
 * out_dim] (channel fastest) into video [out_dim, F * pt, h * ph, w * pw]
 * (einsum 'fhwpqrc->cfphqwr'). */
gboolean        la_dit_unpatchify (LaDit * dit, LaTensor * video,
    const LaTensor * y, gint n_frames, gint h, gint w, GError ** error);

/* ---- positions (host) ---- */

/* (t, y, x) of each token of an n_frames x h x w grid whose first frame
 * sits at time index @t0: pos [n_frames * h * w * 3]. Live Avatar gives
 * noisy frames their absolute latent frame index and the reference image
 * t0 = 30 (plus its rollout offset). */
void            la_dit_grid_positions (gint32 * pos, gint t0, gint n_frames,
    gint h, gint w);

G_END_DECLS

#endif /* __LA_DIT_H__ */
