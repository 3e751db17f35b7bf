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
 *   diffusion_pytorch_model.safetensors.index.json
 *   Wan2.1_VAE.pth                                torch.save, fp32
 *   models_t5_umt5-xxl-enc-bf16.pth               torch.save, bf16
 *   google/umt5-xxl/spiece.model (+ HF tokenizer JSON)
 *   wav2vec2-large-xlsr-53-english/{config,preprocessor_config,vocab}.json
 *   wav2vec2-large-xlsr-53-english/model.safetensors  Wav2Vec2ForCTC, fp32
 *   liveavatar.safetensors                        peft LoRA, rank 128, bf16
 *   README.txt                                    says it is random
 *
 * The sizes (the LA_TINY_* below) are fixed; only the weights depend on
 * the seed, each file from its own stream (splitmix64), so one seed always
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

/* Writes the folder @dir (created with its parents when missing; files
 * already there are replaced). Errors are LA_ERROR_FAILED naming the
 * file that could not be written. */
gboolean        la_tiny_model_write (const gchar * dir, guint64 seed,
    GError ** error);

G_END_DECLS

#endif /* __LA_TINY_MODEL_H__ */
