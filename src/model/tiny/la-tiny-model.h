/* liveavatar: the tiny model, a complete checkpoint folder of random weights
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Writes a folder laid out, named and formatted exactly as Wan2.2-S2V-14B
 * plus Live Avatar's LoRA are published, with tiny sizes and seeded random
 * weights, so that the demo and the tests run the whole engine in a
 * fraction of real time on a laptop CPU:
 *
 *   config.json                                   diffusers WanModel_S2V
 *   diffusion_pytorch_model-0000{1,2}-of-00002.safetensors        bf16
 *     (past 10 GB: 10 GB shards, four for the official 40 layers)
 *   diffusion_pytorch_model.safetensors.index.json
 *   Wan2.1_VAE.pth                                torch.save, fp32
 *   models_t5_umt5-xxl-enc-bf16.pth               torch.save, bf16
 *   google/umt5-xxl/spiece.model (+ HF tokenizer JSON)
 *   wav2vec2-large-xlsr-53-english/{config,preprocessor_config,vocab}.json
 *   wav2vec2-large-xlsr-53-english/model.safetensors  Wav2Vec2ForCTC, fp32
 *   liveavatar.safetensors                        peft LoRA, rank 128, bf16
 *   README.txt                                    says it is random
 *
 * The sizes are a value, LaTinySizes: the LA_TINY_* below by default
 * (la_tiny_model_write ()), or the published ones (la_tiny_sizes_init_official
 * (), with fewer DiT layers where a benchmark must fit a small disk). Only
 * the weights depend on the seed, each file from its own stream (splitmix64), so one seed always
 * gives byte-identical files. Weights are uniform in +-1/sqrt (fan_in)
 * (norm gains near 1, biases small), which keeps activations of order one
 * through every part; the LoRA's B is small enough that the merge moves
 * the weights by about a tenth. The output means nothing: it is noise
 * that moves with the audio.
 *
 * Usage:
 *
 *   if (!la_tiny_model_write ("/tmp/tiny", 1, &err))
 *     ...                      LA_ERROR_FAILED naming the file
 *   cfg.model_dir = "/tmp/tiny"; la_avatar_new (be, &cfg, &err);
 */

#ifndef __LA_TINY_MODEL_H__
#define __LA_TINY_MODEL_H__

#include <glib.h>

G_BEGIN_DECLS

/* the DiT (config.json) */
#define LA_TINY_DIT_DIM 64
#define LA_TINY_DIT_FFN_DIM 128
#define LA_TINY_DIT_NUM_HEADS 2
#define LA_TINY_DIT_NUM_LAYERS 4
#define LA_TINY_DIT_FREQ_DIM 256
#define LA_TINY_DIT_TEXT_LEN 512
#define LA_TINY_DIT_NUM_AUDIO_TOKEN 4
#define LA_TINY_DIT_N_INJECT 3  /* after layers 0, 2, 3 */
/* the VAE: Wan2.1's architecture with this base width (96 in the real one) */
#define LA_TINY_VAE_DIM 4
/* umT5: d_model, heads, FFN, layers, position buckets */
#define LA_TINY_T5_DIM 32
#define LA_TINY_T5_NUM_HEADS 2
#define LA_TINY_T5_DIM_FFN 64
#define LA_TINY_T5_NUM_LAYERS 2
#define LA_TINY_T5_NUM_BUCKETS 32
/* wav2vec2: 24 layers as the DiT fuses 25 hidden states */
#define LA_TINY_W2V_HIDDEN 32
#define LA_TINY_W2V_HEADS 2
#define LA_TINY_W2V_INTERMEDIATE 64
#define LA_TINY_W2V_LAYERS 24
#define LA_TINY_W2V_CONV_DIM 16
#define LA_TINY_W2V_POS_KERNEL 16
#define LA_TINY_W2V_POS_GROUPS 16
/* Live Avatar's LoRA */
#define LA_TINY_LORA_RANK 128

#define LA_TINY_MAX_INJECT 64

/* Every size the folder depends on. */
typedef struct
{
  gint            dit_dim, dit_ffn_dim, dit_num_heads, dit_num_layers;
  gint            dit_freq_dim, dit_text_len, dit_num_audio_token;
  gint            dit_n_inject;
  gint            dit_inject_layers[LA_TINY_MAX_INJECT];  /* ascending */
  gint            vae_dim;      /* Wan2.1's VAE at this base width */
  gint            t5_dim, t5_num_heads, t5_dim_ffn, t5_num_layers;
  gint            t5_num_buckets;
  gint            t5_vocab;     /* 0: the tokenizer's piece count */
  gint            w2v_hidden, w2v_heads, w2v_intermediate, w2v_layers;
  gint            w2v_conv_dim, w2v_pos_kernel, w2v_pos_groups;
  gint            lora_rank;
} LaTinySizes;

/* the LA_TINY_* above: what la_tiny_model_write () writes */
void            la_tiny_sizes_init (LaTinySizes * sizes);
/* Wan2.2-S2V-14B, the Wan2.1 VAE, umT5-xxl's encoder and
 * wav2vec2-large-xlsr-53 as published (the DiT and VAE from
 * la_memory_model_official (), the encoders' sources in la-tiny-sizes.c):
 * about 32 GB of DiT shards, 11 GB of umT5, 1.3 GB of wav2vec2. */
void            la_tiny_sizes_init_official (LaTinySizes * sizes);
/* the umT5 of la_tiny_sizes_init () (its text_dim too), for a benchmark
 * that needs no real prompt encoder: only the prompt's encode time
 * changes (the DiT's text embedding is then narrower) */
void            la_tiny_sizes_use_small_t5 (LaTinySizes * sizes);
/* @n_layers DiT blocks, keeping the audio injectors after blocks < n
 * (block 0 at least) */
void            la_tiny_sizes_set_dit_layers (LaTinySizes * sizes,
    gint n_layers);
/* FALSE with LA_ERROR_INVALID_ARGUMENT for sizes the folder cannot have
 * (a dimension not positive, heads not dividing it, injectors out of
 * order or past the last block) */
gboolean        la_tiny_sizes_check (const LaTinySizes * sizes,
    GError ** error);

/* Writes the folder @dir (created with its parents when missing; files
 * already there are replaced). Errors are LA_ERROR_FAILED naming the
 * file that could not be written. */
gboolean        la_tiny_model_write (const gchar * dir, guint64 seed,
    GError ** error);
/* the same with @sizes (checked first); every file is written tensor by
 * tensor, a piece at a time, so memory stays small whatever the sizes; a
 * DiT over 10 GB is cut in 10 GB shards as diffusers cuts the official
 * one, a smaller one in two halves */
gboolean        la_tiny_model_write_with_sizes (const gchar * dir,
    const LaTinySizes * sizes, guint64 seed, GError ** error);

G_END_DECLS

#endif /* __LA_TINY_MODEL_H__ */
