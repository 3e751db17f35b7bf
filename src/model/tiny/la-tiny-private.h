/* liveavatar: the tiny model's parts, shared helpers
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Each part (DiT, VAE, umT5, wav2vec2, LoRA) lists its tensors in the
 * order the official state dict has them, each with where its values
 * start in the part's own random stream; la-tiny-stream.c makes the fp32
 * values a piece at a time (splitmix64's state is a counter, so any value
 * can be made on its own, on any thread) and writes them with the file
 * format and dtype of the official file.
 */

#ifndef __LA_TINY_PRIVATE_H__
#define __LA_TINY_PRIVATE_H__

#include <glib.h>

#include "la-tiny-model.h"
#include "la-tiny-json.h"
#include "la-io-tensor.h"

G_BEGIN_DECLS

/* splitmix64 (the sampler's generator); one stream per file */
typedef struct
{
  guint64         state;
} LaTinyRng;

void            la_tiny_rng_init (LaTinyRng * rng, guint64 seed,
    guint64 stream);
/* uniform in [-1, 1) */
gdouble         la_tiny_rng_uniform (LaTinyRng * rng);

#define LA_TINY_MAX_DIMS 5

/* values offset + amp * uniform, the first from @state + 1 step */
typedef struct
{
  gchar          *name;
  gint            ndim;
  gint64          shape[LA_TINY_MAX_DIMS];
  gint64          numel;
  guint64         state;
  gdouble         offset, amp;
} LaTinyTensor;

/* values [@begin, @begin + @n) of @t into @out, exactly as drawing them
 * one by one would */
void            la_tiny_tensor_fill (const LaTinyTensor * t, gint64 begin,
    gint64 n, gfloat * out);

/* a GPtrArray of LaTinyTensor, freeing them */
GPtrArray      *la_tiny_tensors_new (void);

/* Appends tensor @name of shape @shape (@ndim values) filled with
 * @offset + @amp * uniform (its values drawn: @rng moves past them). */
void            la_tiny_add (GPtrArray * list, LaTinyRng * rng,
    const gchar * name, gint ndim, const gint64 * shape, gdouble offset,
    gdouble amp);
/* A weight: amp 1 / sqrt (fan_in), fan_in the product of shape[1:] */
void            la_tiny_add_weight (GPtrArray * list, LaTinyRng * rng,
    const gchar * name, gint ndim, const gint64 * shape);
/* @prefix.weight [out, in] and @prefix.bias [out] (bias amp 0.1) */
void            la_tiny_add_linear (GPtrArray * list, LaTinyRng * rng,
    const gchar * prefix, gint64 in, gint64 out);
/* a norm's gain: 1 +- 0.1 */
void            la_tiny_add_gain (GPtrArray * list, LaTinyRng * rng,
    const gchar * name, gint ndim, const gint64 * shape);
/* a layer with a bias: @prefix.weight of @shape (la_tiny_add_weight) and
 * @prefix.bias [shape[0]] (amp 0.1) */
void            la_tiny_add_layer (GPtrArray * list, LaTinyRng * rng,
    const gchar * prefix, gint ndim, const gint64 * shape);
/* a LayerNorm: @prefix.weight (a gain) and @prefix.bias, both [dim] */
void            la_tiny_add_norm (GPtrArray * list, LaTinyRng * rng,
    const gchar * prefix, gint64 dim);

/* the parts */
GPtrArray      *la_tiny_dit_tensors (const LaTinySizes * s, guint64 seed);
void            la_tiny_dit_config (const LaTinySizes * s, LaTinyJson * json);
GPtrArray      *la_tiny_vae_tensors (const LaTinySizes * s, guint64 seed);
GPtrArray      *la_tiny_t5_tensors (const LaTinySizes * s, guint64 seed,
    gint64 vocab_size);
/* the tokenizer's spiece.model; its piece count into @n_pieces */
GBytes         *la_tiny_spm_model (guint * n_pieces, GError ** error);
GPtrArray      *la_tiny_wav2vec2_tensors (const LaTinySizes * s,
    guint64 seed);
void            la_tiny_wav2vec2_config (const LaTinySizes * s,
    LaTinyJson * json);
GPtrArray      *la_tiny_lora_tensors (const LaTinySizes * s, guint64 seed);

/* Streaming writers (la-tiny-stream.c), byte for byte what
 * la-safetensors-writer.h and la-torch-zip-writer.h write for the same
 * tensors, dtype F32 or BF16. Tensors [@first, @last) of @tensors as one
 * safetensors file with metadata {"format": "pt"}: */
gboolean        la_tiny_write_safetensors (GPtrArray * tensors, guint first,
    guint last, LaIoDType dtype, const gchar * path, GError ** error);
/* all of @tensors as torch.save writes a state dict; an archive past
 * 4 GiB (or whose offsets and sizes reach @zip64_from) gets ZIP64 fields
 * as torch's writer adds them; G_MAXUINT32 is the normal @zip64_from */
gboolean        la_tiny_write_torch (GPtrArray * tensors, LaIoDType dtype,
    guint64 zip64_from, const gchar * path, GError ** error);

G_END_DECLS

#endif /* __LA_TINY_PRIVATE_H__ */
