/* liveavatar: what the engine will allocate, per device, before it loads
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The memory planner of docs/design.md ("Memory budget"): from the
 * checkpoint's config.json and tensor headers (nothing is read but the
 * headers) or from the official Wan2.2-S2V-14B constants, and the
 * engine's configuration, the bytes each device will hold, by row, so
 * that an engine that cannot fit fails at READY with the numbers instead
 * of running out of memory halfway through loading.
 *
 *   LaMemoryModel m;
 *   la_memory_model_load (&m, "ckpt/Wan2.2-S2V-14B", &err);  or
 *   la_memory_model_official (&m);
 *   LaMemoryPlanConfig pc;  la_memory_plan_config_init (&pc);
 *   pc.dit_devices = "0,1,2,3"; pc.vae_device = 4; ...
 *   LaMemoryPlan *p = la_memory_plan_new (&m, &pc, &err);
 *   la_memory_plan_check (p, &err);      LA_ERROR_OUT_OF_MEMORY, numbers
 *   gchar *md = la_memory_plan_to_markdown (p);
 *
 * Rows mirror the code that allocates (the byte counters of la-backend.h
 * measure the same thing; tests/plan compares them on the tiny model):
 * the DiT weights as la-dit.c stores them at the precision, each step's
 * self-attention cache (la_dit_cache_new: ring of 12 latent frames plus
 * the sink, K and V per layer, and the sink's raw keys), each step's
 * cross-attention K/V of the prompt (la_dit_cross_kv_new; both caches in
 * the DiT's compute dtype, kv_dtype below), each step's
 * own buffers (la_avatar_step_new), the VAE (in the DiT's compute dtype,
 * as la-avatar.c makes it) and encoder weights, the streaming decoder's
 * cache. Three rows are estimates, not mirrors: the activations of one
 * DiT forward, of one VAE decode and of the reference picture's encode
 * (73 frames at once, on the vae-device; the temporaries the ops make;
 * tests check they bound what a run allocates).
 *
 * Cross-attention K/V: prompts are made by the vae-device's avatar; a
 * step on that same avatar shares the prompt's one copy (one per prompt),
 * a step on another device's avatar makes its own (one per step held):
 * la-avatar-step.c's use_prompt. While a new prompt replaces the old one
 * both are held for a moment; the plan counts the steady state.
 *
 * Placement is the engine's: the DiT devices are cut, in order, into
 * stages of ulysses_size devices; stage k runs steps [k S / P,
 * (k + 1) S / P). The first device of a stage's group holds a whole copy
 * of the DiT and its stage's caches with every head (the engine computes
 * a group's work there for now; the group's other devices hold nothing
 * and are not listed); the VAE device holds the VAE, the decoder's cache,
 * the picture's encode and the two encoders (and the DiT's share too when
 * it is also a DiT device); under offload umT5 is in a "host" column
 * instead. On the CPU backend every device is a thread of one process
 * sharing one copy of the weights, so the plan has one device, the host,
 * holding everything once plus every step's caches.
 */

#ifndef __LA_MEMORY_PLAN_H__
#define __LA_MEMORY_PLAN_H__

#include <glib.h>

#include "liveavatar.h"
#include "la-backend.h"
#include "la-dit-config.h"
#include "la-dit.h"

G_BEGIN_DECLS

/* What a CUDA device must keep free beyond the plan: its context, the
 * cuBLASLt workspace and the allocator's slack. A CPU (virtual) device
 * keeps nothing back: the plan is compared with its whole total. */
#define LA_MEMORY_PLAN_CUDA_RESERVE ((guint64) 1 << 30)  /* 1 GiB */
#define LA_MEMORY_PLAN_CUDA_RESERVE_PERCENT 2

typedef enum
{
  LA_MEMORY_DIT_WEIGHTS,
  LA_MEMORY_KV_CACHE,           /* self-attention ring + sink, all steps held */
  LA_MEMORY_CROSS_KV,           /* the prompt's K/V, one per step held */
  LA_MEMORY_STEP_BUFFERS,       /* each step's latent, velocity, audio, ref, motion */
  LA_MEMORY_DIT_ACTIVATIONS,    /* one forward's temporaries per stage (estimate) */
  LA_MEMORY_VAE_WEIGHTS,
  LA_MEMORY_VAE_CACHE,          /* the streaming decoder's causal cache */
  LA_MEMORY_VAE_ACTIVATIONS,    /* one block's decode (estimate) */
  LA_MEMORY_AUDIO_ENCODER,      /* wav2vec2 weights */
  LA_MEMORY_TEXT_ENCODER,       /* umT5 weights */
  LA_MEMORY_PICTURE_ENCODE,     /* the reference picture's encode (estimate) */
  LA_MEMORY_N_ROWS
} LaMemoryRow;

/* "DiT weights", "KV cache", ... */
const gchar    *la_memory_row_name (LaMemoryRow row);
/* "weights", "KV", ...: the short form of error messages */
const gchar    *la_memory_row_short_name (LaMemoryRow row);

/* ---- the model, from a folder or the official constants ---- */

typedef struct
{
  LaDitConfig     dit;
  /* the VAE: Wan2.1's architecture at this base width (the tiny model's is
   * small) and its stored weights' bytes as the loader keeps them */
  gint            vae_dim;
  guint64         vae_weight_bytes;     /* fp32, as la_vae_new () keeps them */
  guint64         vae_params;
  guint64         audio_weight_bytes;   /* wav2vec2, fp32 */
  guint64         audio_params;
  guint64         text_weight_bytes;    /* umT5, matrices kept bf16 */
  guint64         text_params;
  gchar          *source;       /* the folder, or "official" */
} LaMemoryModel;

/* From @model_dir: config.json, and the headers of the VAE, wav2vec2 and
 * umT5 checkpoints (their data is not read). Errors as la_avatar_new ()'s:
 * LA_ERROR_MODEL_NOT_FOUND, LA_ERROR_MODEL_INVALID naming the file. */
gboolean        la_memory_model_load (LaMemoryModel * model,
    const gchar * model_dir, GError ** error);
/* The encoders as published, for la_memory_model_official () and the
 * tiny model's official sizes (la-tiny-sizes.c): umT5-xxl's encoder
 * (google/umt5-xxl config.json; d_ffn gated), wav2vec2-large-xlsr-53-
 * english (jonatasgrosman's config.json) and Live Avatar's LoRA rank
 * (causal_s2v_pipeline_tpp.py). */
#define LA_MEMORY_OFFICIAL_T5_VOCAB       256384
#define LA_MEMORY_OFFICIAL_T5_DIM         4096
#define LA_MEMORY_OFFICIAL_T5_NUM_HEADS   64
#define LA_MEMORY_OFFICIAL_T5_HEAD_DIM    64
#define LA_MEMORY_OFFICIAL_T5_DIM_FFN     10240
#define LA_MEMORY_OFFICIAL_T5_NUM_LAYERS  24
#define LA_MEMORY_OFFICIAL_T5_NUM_BUCKETS 32
#define LA_MEMORY_OFFICIAL_W2V_HIDDEN       1024
#define LA_MEMORY_OFFICIAL_W2V_HEADS        16
#define LA_MEMORY_OFFICIAL_W2V_INTERMEDIATE 4096
#define LA_MEMORY_OFFICIAL_W2V_LAYERS       24
#define LA_MEMORY_OFFICIAL_W2V_CONV_DIM     512
#define LA_MEMORY_OFFICIAL_W2V_POS_KERNEL   128
#define LA_MEMORY_OFFICIAL_W2V_POS_GROUPS   16
#define LA_MEMORY_OFFICIAL_LORA_RANK 128

/* Wan2.2-S2V-14B as published, without a checkpoint (the constants and
 * their sources are listed in la-memory-plan.c) */
void            la_memory_model_official (LaMemoryModel * model);
void            la_memory_model_clear (LaMemoryModel * model);

/* Parameters of the DiT as la-dit.c loads it (cond_encoder's weight,
 * checked but never kept, is not counted) */
guint64         la_memory_dit_params (const LaDitConfig * cfg);

/* ---- the plan ---- */

typedef struct
{
  LaBackendKind   backend;      /* CPU or CUDA (AUTO is taken as CUDA) */
  const gchar    *dit_devices;  /* "0,1,2,3" */
  gint            vae_device;   /* -1: the last DiT device */
  gint            ulysses_size;
  LaPrecision     precision;    /* AUTO: FP32 on the CPU, BF16 on CUDA */
  gint            width, height;
  gint            sample_steps;
  /* the caches' storage (self-attention and cross K/V):
   * LA_MEMORY_KV_DTYPE_AUTO (the default) is the DiT's compute dtype as
   * the engine resolves it (la_avatar_resolve_compute (): bf16 on CUDA
   * unless precision=fp32, fp32 on the CPU unless LIVEAVATAR_COMPUTE=bf16);
   * the plan's config holds the resolved dtype */
  LaDType         kv_dtype;
  /* the DiT's compute (AUTO: as la_avatar_resolve_compute () resolves it
   * for the backend); the VAE computes in the same dtype (la-avatar.h) */
  LaDitCompute    compute;
  /* the engine's offload: umT5 in the host's memory (a "host" column),
   * not the vae-device's; nothing changes on the CPU backend */
  gboolean        offload;
} LaMemoryPlanConfig;

#define LA_MEMORY_KV_DTYPE_AUTO ((LaDType) LA_DTYPE_COUNT)

void            la_memory_plan_config_init (LaMemoryPlanConfig * cfg);
/* la_memory_plan_config_init () then the engine's settings: its backend,
 * devices, Ulysses size, precision, offload, size and steps. */
void            la_memory_plan_config_init_from_engine (LaMemoryPlanConfig *
    cfg, const LaEngineConfig * engine);

typedef struct
{
  gchar           name[16];     /* "CUDA0", "CPU" */
  LaBackendKind   kind;
  gint            index;        /* the ordinal; 0 for the host */
  gint            first_step, end_step;     /* steps whose caches it holds */
  gboolean        holds_dit;
  gboolean        holds_vae;
  gboolean        host;         /* the host's memory beside GPUs: offload */
  guint64         bytes[LA_MEMORY_N_ROWS];
} LaMemoryPlanDevice;

typedef struct
{
  LaMemoryPlanConfig config;    /* precision resolved, strings dropped */
  gchar          *source;
  LaPrecision     precision;    /* resolved: never AUTO */
  LaDType         vae_dtype;    /* the VAE's weights, maps and cache */
  guint64         dit_params;
  guint           n_stages;
  guint           n_devices;
  LaMemoryPlanDevice devices[LA_MAX_DEVICES + 1];
} LaMemoryPlan;

/* LA_ERROR_INVALID_ARGUMENT / LA_ERROR_DEVICE for a configuration the
 * engine would refuse (la_engine_new ()'s checks) */
LaMemoryPlan   *la_memory_plan_new (const LaMemoryModel * model,
    const LaMemoryPlanConfig * cfg, GError ** error);
void            la_memory_plan_free (LaMemoryPlan * plan);

guint64         la_memory_plan_device_total (const LaMemoryPlanDevice * dev);

/* Each device's total against la_backend_get_memory_info ()'s total less
 * the reserve above. LA_ERROR_OUT_OF_MEMORY for the first that does not
 * fit: "CUDA0 needs 78.3 GiB (weights 30.4, KV 48.0, ...) but has 79.1
 * GiB; try precision=fp8 or more dit-devices". A device that cannot be
 * opened is LA_ERROR_DEVICE. */
gboolean        la_memory_plan_check (const LaMemoryPlan * plan,
    GError ** error);

/* The engine's one call, before it loads anything: the plan of @cfg
 * (model liveavatar, backend resolved) from its model_path, checked. */
gboolean        la_memory_plan_check_engine (const LaEngineConfig * cfg,
    GError ** error);

/* The plan as a Markdown table (one column per device, GiB with 2
 * decimals), with a header line naming the configuration; g_free it. */
gchar          *la_memory_plan_to_markdown (const LaMemoryPlan * plan);

G_END_DECLS

#endif /* __LA_MEMORY_PLAN_H__ */
