/* liveavatar: the tiny model, a complete checkpoint folder of random weights
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The file formats and dtypes of the published files: the DiT in bf16
 * safetensors shards as diffusers' save_pretrained writes them (in state
 * dict order; a small DiT cut where the first shard passes half the bytes,
 * a large one in shards of at most 10 GB, huggingface_hub's
 * split_torch_state_dict_into_shards with diffusers' max_shard_size
 * "10GB", which gives the official four; metadata {"format": "pt"}; the
 * index's total_size the sum of the tensors' bytes),
 * the VAE an fp32 and umT5 a bf16 torch.save state dict, wav2vec2 fp32
 * safetensors, the LoRA bf16 safetensors. */

#include "config.h"

#include "la-tiny-private.h"
#include "liveavatar.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#define SMALL_SHARDS 2
#define MAX_SHARD_BYTES 10000000000ull
#define T5_DIR "google/umt5-xxl"
#define W2V_DIR "wav2vec2-large-xlsr-53-english"

static const gchar readme[] =
    "This is the liveavatar TINY MODEL: random weights, not a trained model.\n"
    "\n"
    "It was written by liveavatar's la_tiny_model_write () (liveavatar-cli\n"
    "make-tiny-model) with seed %" G_GUINT64_FORMAT
    ". Its files are laid out,\n"
    "named and formatted exactly as Wan2.2-S2V-14B and Live Avatar's LoRA are\n"
    "published, with %s sizes (DiT dim %d, %d layers; VAE base width %d;\n"
    "umT5 d_model %d, %d layers, a %u-piece vocabulary; wav2vec2 hidden %d,\n"
    "%d layers; LoRA rank %d), so that the engine, the elements and the\n"
    "command-line tool can run end to end without the real 50 GB of weights.\n"
    "What it makes is noise that moves with the audio, nothing more.\n";

static gboolean
write_failed (const gchar * path, const gchar * what, GError ** error)
{
  g_set_error (error, LA_ERROR, LA_ERROR_FAILED, "tiny model: cannot write "
      "%s: %s", path, what);
  return FALSE;
}

static gboolean
write_text (const gchar * dir, const gchar * name, const gchar * text,
    GError ** error)
{
  gchar *path = g_build_filename (dir, name, NULL);
  GError *err = NULL;
  gboolean ok = g_file_set_contents (path, text, -1, &err);

  if (!ok) {
    write_failed (path, err->message, error);
    g_error_free (err);
  }
  g_free (path);
  return ok;
}

static gboolean
write_json (const gchar * dir, const gchar * name, LaTinyJson * json,
    GError ** error)
{
  gchar *text = la_tiny_json_to_string (json);
  gboolean ok = write_text (dir, name, text, error);

  g_free (text);
  la_tiny_json_free (json);
  return ok;
}

static gboolean
make_dir (const gchar * dir, const gchar * sub, GError ** error)
{
  gchar *path = g_build_filename (dir, sub, NULL);
  gboolean ok = g_mkdir_with_parents (path, 0755) == 0;

  if (!ok)
    write_failed (path, g_strerror (errno), error);
  g_free (path);
  return ok;
}

/* the index of the shard after the one that ends at @i's tensors */
static GArray *
shard_cuts (GPtrArray * tensors)
{
  GArray *cuts = g_array_new (FALSE, FALSE, sizeof (guint));
  guint64 total = 0, sum = 0, bytes;
  guint i;

  for (i = 0; i < tensors->len; i++)
    total += 2 * ((LaTinyTensor *) g_ptr_array_index (tensors, i))->numel;
  for (i = 0; i < tensors->len; i++) {
    bytes = 2 * ((LaTinyTensor *) g_ptr_array_index (tensors, i))->numel;
    if (total <= MAX_SHARD_BYTES) {
      sum += bytes;
      if (cuts->len == 0 && 2 * sum >= total) {
        guint cut = i + 1;

        g_array_append_val (cuts, cut);
      }
    } else {
      if (sum > 0 && sum + bytes > MAX_SHARD_BYTES) {
        g_array_append_val (cuts, i);
        sum = 0;
      }
      sum += bytes;
    }
  }
  if (total <= MAX_SHARD_BYTES) {
    /* the tiny model's two shards, the second possibly empty */
    if (cuts->len == 0)
      g_array_append_val (cuts, tensors->len);
    g_array_append_val (cuts, tensors->len);
  } else {
    g_array_append_val (cuts, tensors->len);
  }
  return cuts;
}

static gboolean
write_dit (const gchar * dir, const LaTinySizes * s, guint64 seed,
    GError ** error)
{
  GPtrArray *tensors = la_tiny_dit_tensors (s, seed);
  LaTinyJson *index = la_tiny_json_new (), *meta = la_tiny_json_new ();
  LaTinyJson *map = la_tiny_json_new (), *config = la_tiny_json_new ();
  GArray *cuts = shard_cuts (tensors);
  guint64 total = 0;
  guint i, first = 0, shard;
  gboolean ok = TRUE;

  for (i = 0; i < tensors->len; i++)
    total += 2 * ((LaTinyTensor *) g_ptr_array_index (tensors, i))->numel;

  for (shard = 0; ok && shard < cuts->len; shard++) {
    guint last = g_array_index (cuts, guint, shard);
    gchar *name = g_strdup_printf ("diffusion_pytorch_model-%05u-of-%05u"
        ".safetensors", shard + 1, cuts->len);
    gchar *path = g_build_filename (dir, name, NULL);

    for (i = first; i < last; i++)
      la_tiny_json_set_string (map,
          ((LaTinyTensor *) g_ptr_array_index (tensors, i))->name, name);
    ok = la_tiny_write_safetensors (tensors, first, last, LA_IO_DTYPE_BF16,
        path, error);
    first = last;
    g_free (path);
    g_free (name);
  }

  la_tiny_json_set_int (meta, "total_size", (gint64) total);
  la_tiny_json_set_object (index, "metadata", meta);
  la_tiny_json_set_object (index, "weight_map", map);
  la_tiny_dit_config (s, config);
  if (ok)
    ok = write_json (dir, "diffusion_pytorch_model.safetensors.index.json",
        index, error) && write_json (dir, "config.json", config, error);
  else {
    la_tiny_json_free (index);
    la_tiny_json_free (config);
  }
  g_array_unref (cuts);
  g_ptr_array_unref (tensors);
  return ok;
}

static gboolean
write_vae (const gchar * dir, const LaTinySizes * s, guint64 seed,
    GError ** error)
{
  GPtrArray *tensors = la_tiny_vae_tensors (s, seed);
  gchar *path = g_build_filename (dir, "Wan2.1_VAE.pth", NULL);
  gboolean ok = la_tiny_write_torch (tensors, LA_IO_DTYPE_F32, G_MAXUINT32,
      path, error);

  g_free (path);
  g_ptr_array_unref (tensors);
  return ok;
}

static gboolean
write_t5 (const gchar * dir, const LaTinySizes * s, guint64 seed,
    guint * n_pieces, GError ** error)
{
  static const gchar special[] =
      "{\"eos_token\": \"</s>\", \"pad_token\": \"<pad>\", "
      "\"unk_token\": \"<unk>\"}";
  static const gchar tokenizer_config[] =
      "{\"additional_special_tokens\": [], \"eos_token\": \"</s>\", "
      "\"extra_ids\": 0, \"pad_token\": \"<pad>\", \"sp_model_kwargs\": {}, "
      "\"tokenizer_class\": \"T5Tokenizer\", \"unk_token\": \"<unk>\"}";
  GBytes *spm = la_tiny_spm_model (n_pieces, error);
  GPtrArray *tensors = NULL;
  gchar *tok_dir = g_build_filename (dir, T5_DIR, NULL);
  gchar *path = g_build_filename (tok_dir, "spiece.model", NULL);
  GError *err = NULL;
  gboolean ok = spm != NULL;

  if (ok && !g_file_set_contents (path, g_bytes_get_data (spm, NULL),
          g_bytes_get_size (spm), &err)) {
    ok = write_failed (path, err->message, error);
    g_error_free (err);
  }
  ok = ok && write_text (tok_dir, "special_tokens_map.json", special, error)
      && write_text (tok_dir, "tokenizer_config.json", tokenizer_config, error);
  g_free (path);
  if (ok) {
    tensors = la_tiny_t5_tensors (s, seed, s->t5_vocab > 0 ?
        (gint64) MAX ((guint) s->t5_vocab, *n_pieces) : (gint64) * n_pieces);
    path = g_build_filename (dir, "models_t5_umt5-xxl-enc-bf16.pth", NULL);
    ok = la_tiny_write_torch (tensors, LA_IO_DTYPE_BF16, G_MAXUINT32, path,
        error);
    g_free (path);
    g_ptr_array_unref (tensors);
  }
  if (spm)
    g_bytes_unref (spm);
  g_free (tok_dir);
  return ok;
}

static gboolean
write_wav2vec2 (const gchar * dir, const LaTinySizes * s, guint64 seed,
    GError ** error)
{
  gchar *w2v = g_build_filename (dir, W2V_DIR, NULL);
  gchar *path = g_build_filename (w2v, "model.safetensors", NULL);
  LaTinyJson *config = la_tiny_json_new (), *pre = la_tiny_json_new ();
  GPtrArray *tensors;
  GString *vocab = g_string_new ("{\"<pad>\": 0, \"<s>\": 1, \"</s>\": 2, "
      "\"<unk>\": 3, \"|\": 4, \"'\": 5, \"-\": 6");
  gboolean ok;
  gchar c;

  for (c = 'A'; c <= 'Z'; c++)
    g_string_append_printf (vocab, ", \"%c\": %d", c, 7 + c - 'A');
  g_string_append (vocab, "}");

  la_tiny_wav2vec2_config (s, config);
  la_tiny_json_set_bool (pre, "do_normalize", TRUE);
  la_tiny_json_set_string (pre, "feature_extractor_type",
      "Wav2Vec2FeatureExtractor");
  la_tiny_json_set_int (pre, "feature_size", 1);
  la_tiny_json_set_string (pre, "padding_side", "right");
  la_tiny_json_set_int (pre, "padding_value", 0);
  la_tiny_json_set_string (pre, "processor_class", "Wav2Vec2Processor");
  la_tiny_json_set_bool (pre, "return_attention_mask", TRUE);
  la_tiny_json_set_int (pre, "sampling_rate", 16000);

  ok = write_json (w2v, "config.json", config, error)
      && write_json (w2v, "preprocessor_config.json", pre, error)
      && write_text (w2v, "vocab.json", vocab->str, error);
  if (ok) {
    tensors = la_tiny_wav2vec2_tensors (s, seed);
    ok = la_tiny_write_safetensors (tensors, 0, tensors->len,
        LA_IO_DTYPE_F32, path, error);
    g_ptr_array_unref (tensors);
  }
  g_string_free (vocab, TRUE);
  g_free (path);
  g_free (w2v);
  return ok;
}

static gboolean
write_lora (const gchar * dir, const LaTinySizes * s, guint64 seed,
    GError ** error)
{
  GPtrArray *tensors = la_tiny_lora_tensors (s, seed);
  gchar *path = g_build_filename (dir, "liveavatar.safetensors", NULL);
  gboolean ok = la_tiny_write_safetensors (tensors, 0, tensors->len,
      LA_IO_DTYPE_BF16, path, error);

  g_free (path);
  g_ptr_array_unref (tensors);
  return ok;
}

gboolean
la_tiny_model_write (const gchar * dir, guint64 seed, GError ** error)
{
  LaTinySizes sizes;

  la_tiny_sizes_init (&sizes);
  return la_tiny_model_write_with_sizes (dir, &sizes, seed, error);
}

gboolean
la_tiny_model_write_with_sizes (const gchar * dir, const LaTinySizes * s,
    guint64 seed, GError ** error)
{
  LaTinySizes tiny;
  guint n_pieces = 0;
  gchar *text;
  gboolean ok;

  g_return_val_if_fail (dir != NULL, FALSE);
  g_return_val_if_fail (s != NULL, FALSE);

  if (!la_tiny_sizes_check (s, error))
    return FALSE;
  if (!make_dir (dir, ".", error) || !make_dir (dir, T5_DIR, error)
      || !make_dir (dir, W2V_DIR, error))
    return FALSE;
  if (!write_dit (dir, s, seed, error) || !write_vae (dir, s, seed, error)
      || !write_t5 (dir, s, seed, &n_pieces, error)
      || !write_wav2vec2 (dir, s, seed, error)
      || !write_lora (dir, s, seed, error))
    return FALSE;
  la_tiny_sizes_init (&tiny);
  text = g_strdup_printf (readme, seed,
      memcmp (&tiny, s, sizeof (tiny)) == 0 ? "tiny" : "these",
      s->dit_dim, s->dit_num_layers, s->vae_dim, s->t5_dim, s->t5_num_layers,
      s->t5_vocab > 0 ? MAX ((guint) s->t5_vocab, n_pieces) : n_pieces,
      s->w2v_hidden, s->w2v_layers, s->lora_rank);
  ok = write_text (dir, "README.txt", text, error);
  g_free (text);
  return ok;
}
