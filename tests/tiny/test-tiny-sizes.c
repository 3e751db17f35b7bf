/* liveavatar: the tiny model's sizes as a value, and its streaming writers
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The official preset is ~45 GB and cannot be written here: the plumbing
 * is checked with a custom small LaTinySizes instead (config.json and
 * every tensor shape as given, and la_avatar_new loads it). The default
 * sizes' files are compared byte for byte with what the in-memory writers
 * (la-safetensors-writer.h, la-torch-zip-writer.h: how the tiny model
 * was written before it streamed) make of the same tensors; the e2e
 * golden's SHA-256 holds the values themselves. */

#include "config.h"

#include "la-tiny-private.h"
#include "la-avatar.h"
#include "la-checkpoint.h"
#include "la-dit-config.h"
#include "la-safetensors-writer.h"
#include "la-torch-zip-writer.h"
#include "la-torch-zip.h"
#include "liveavatar.h"
#include "test-common.h"
#include "test-tiny.h"

#include <string.h>

static gchar *
tmp_dir (void)
{
  GError *err = NULL;
  gchar *dir = g_dir_make_tmp ("la-tiny-sizes-XXXXXX", &err);

  g_assert_no_error (err);
  return dir;
}

static gfloat *
values (const LaTinyTensor * t)
{
  gfloat *v = g_new (gfloat, MAX (t->numel, 1));

  la_tiny_tensor_fill (t, 0, t->numel, v);
  return v;
}

static void
assert_file_equals (const gchar * dir, const gchar * name, GBytes * want)
{
  gchar *path = g_build_filename (dir, name, NULL), *got;
  gsize len;

  g_assert_true (g_file_get_contents (path, &got, &len, NULL));
  g_assert_cmpmem (got, len, g_bytes_get_data (want, NULL),
      g_bytes_get_size (want));
  g_free (got);
  g_free (path);
  g_bytes_unref (want);
}

static GBytes *
old_safetensors (GPtrArray * l, guint first, guint last, LaIoDType dtype)
{
  LaSafetensorsWriter *w = la_safetensors_writer_new ();
  GBytes *b;
  guint i;

  la_safetensors_writer_set_metadata (w, "format", "pt");
  for (i = first; i < last; i++) {
    const LaTinyTensor *t = g_ptr_array_index (l, i);
    gfloat *v = values (t);

    g_assert_true (la_safetensors_writer_add_f32 (w, t->name, dtype, t->ndim,
            t->shape, v, NULL));
    g_free (v);
  }
  b = la_safetensors_writer_to_bytes (w);
  la_safetensors_writer_free (w);
  return b;
}

static GBytes *
old_torch (GPtrArray * l, LaIoDType dtype)
{
  LaTorchZipWriter *w = la_torch_zip_writer_new ();
  GBytes *b;
  guint i;

  for (i = 0; i < l->len; i++) {
    const LaTinyTensor *t = g_ptr_array_index (l, i);
    gfloat *v = values (t);

    g_assert_true (la_torch_zip_writer_add_f32 (w, t->name, dtype, t->ndim,
            t->shape, v, NULL));
    g_free (v);
  }
  b = la_torch_zip_writer_to_bytes (w, NULL);
  g_assert_nonnull (b);
  la_torch_zip_writer_free (w);
  return b;
}

/* tensors drawn one by one (la_tiny_rng_uniform) equal the random access
 * of la_tiny_tensor_fill at any offset */
static void
test_fill (void)
{
  GPtrArray *l = la_tiny_tensors_new ();
  LaTinyRng rng, seq;
  gint64 shape[2] = { 7, 300 };
  gfloat part[50];
  gint i, k;

  la_tiny_rng_init (&rng, 5, 9);
  seq = rng;
  la_tiny_add (l, &rng, "a", 2, shape, 0.5, 0.25);
  la_tiny_add (l, &rng, "b", 2, shape, 0.0, 1.0);
  for (k = 0; k < 2; k++) {
    const LaTinyTensor *t = g_ptr_array_index (l, k);
    gfloat *all = values (t);

    for (i = 0; i < 2100; i++)
      g_assert_cmpfloat (all[i], ==, (gfloat) (t->offset + t->amp *
              la_tiny_rng_uniform (&seq)));
    la_tiny_tensor_fill (t, 1234, 50, part);
    g_assert_cmpmem (part, sizeof (part), all + 1234, sizeof (part));
    g_free (all);
  }
  /* the stream moved past both tensors */
  g_assert_cmpuint (rng.state, ==, seq.state);
  g_ptr_array_unref (l);
}

static void
test_default_bytes (void)
{
  gchar *dir = tmp_dir (), *json, *path;
  LaTinySizes s;
  GPtrArray *l;
  GError *err = NULL;
  LaCheckpoint *ck;
  guint cut, i;

  la_tiny_sizes_init (&s);
  g_assert_true (la_tiny_model_write (dir, 1, &err));
  g_assert_no_error (err);

  /* the two shards: their cut read back from the index */
  path =
      g_build_filename (dir, "diffusion_pytorch_model.safetensors.index.json",
      NULL);
  ck = la_checkpoint_open (path, &err);
  g_assert_no_error (err);
  l = la_tiny_dit_tensors (&s, 1);
  g_assert_cmpuint (la_checkpoint_n_tensors (ck), ==, l->len);
  for (cut = 0; cut < l->len; cut++) {
    const LaCheckpointTensor *t = la_checkpoint_lookup (ck,
        ((LaTinyTensor *) g_ptr_array_index (l, cut))->name);

    g_assert_nonnull (t);
    if (strstr (t->file, "00002-of-00002"))
      break;
  }
  la_checkpoint_free (ck);
  g_free (path);
  g_assert_cmpuint (cut, >, 0);
  g_assert_cmpuint (cut, <, l->len);
  assert_file_equals (dir, "diffusion_pytorch_model-00001-of-00002"
      ".safetensors", old_safetensors (l, 0, cut, LA_IO_DTYPE_BF16));
  assert_file_equals (dir, "diffusion_pytorch_model-00002-of-00002"
      ".safetensors", old_safetensors (l, cut, l->len, LA_IO_DTYPE_BF16));
  g_ptr_array_unref (l);

  l = la_tiny_vae_tensors (&s, 1);
  assert_file_equals (dir, "Wan2.1_VAE.pth", old_torch (l, LA_IO_DTYPE_F32));
  g_ptr_array_unref (l);
  {
    guint n_pieces;
    GBytes *spm = la_tiny_spm_model (&n_pieces, NULL);

    g_bytes_unref (spm);
    l = la_tiny_t5_tensors (&s, 1, n_pieces);
  }
  assert_file_equals (dir, "models_t5_umt5-xxl-enc-bf16.pth",
      old_torch (l, LA_IO_DTYPE_BF16));
  g_ptr_array_unref (l);
  l = la_tiny_wav2vec2_tensors (&s, 1);
  assert_file_equals (dir, "wav2vec2-large-xlsr-53-english/model.safetensors",
      old_safetensors (l, 0, l->len, LA_IO_DTYPE_F32));
  g_ptr_array_unref (l);
  l = la_tiny_lora_tensors (&s, 1);
  assert_file_equals (dir, "liveavatar.safetensors",
      old_safetensors (l, 0, l->len, LA_IO_DTYPE_BF16));
  g_ptr_array_unref (l);

  /* no part file left behind */
  for (i = 0; i < 2; i++) {
    json = g_build_filename (dir, i ? "liveavatar.safetensors.part" :
        "Wan2.1_VAE.pth.part", NULL);
    g_assert_false (g_file_test (json, G_FILE_TEST_EXISTS));
    g_free (json);
  }
  la_test_remove_tree (dir);
  g_free (dir);
}

/* ZIP64 fields (forced on every entry) read back by the engine's reader
 * to the same tensors as the plain archive */
static void
test_zip64 (void)
{
  gchar *dir = tmp_dir ();
  gchar *plain = g_build_filename (dir, "plain.pth", NULL);
  gchar *big = g_build_filename (dir, "zip64.pth", NULL);
  LaTinySizes s;
  GPtrArray *l;
  GError *err = NULL;
  LaTorchZip *a, *b;
  guint i;

  la_tiny_sizes_init (&s);
  l = la_tiny_vae_tensors (&s, 2);
  g_assert_true (la_tiny_write_torch (l, LA_IO_DTYPE_BF16, G_MAXUINT32,
          plain, &err));
  g_assert_true (la_tiny_write_torch (l, LA_IO_DTYPE_BF16, 0, big, &err));
  g_assert_no_error (err);
  a = la_torch_zip_open (plain, &err);
  g_assert_no_error (err);
  b = la_torch_zip_open (big, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_torch_zip_n_tensors (b), ==, l->len);
  for (i = 0; i < l->len; i++) {
    const LaCheckpointTensor *ta = la_torch_zip_get (a, i);
    const LaCheckpointTensor *tb = la_torch_zip_get (b, i);

    g_assert_cmpstr (ta->name, ==, tb->name);
    g_assert_cmpmem (ta->data, ta->nbytes, tb->data, tb->nbytes);
  }
  la_torch_zip_free (a);
  la_torch_zip_free (b);
  g_ptr_array_unref (l);
  g_free (plain);
  g_free (big);
  la_test_remove_tree (dir);
  g_free (dir);
}

static void
assert_shapes (const gchar * dir, const gchar * file, GPtrArray * want)
{
  gchar *path = g_build_filename (dir, file, NULL);
  GError *err = NULL;
  LaCheckpoint *ck = la_checkpoint_open (path, &err);
  guint i;
  gint d;

  g_assert_no_error (err);
  g_assert_cmpuint (la_checkpoint_n_tensors (ck), ==, want->len);
  for (i = 0; i < want->len; i++) {
    const LaTinyTensor *w = g_ptr_array_index (want, i);
    const LaCheckpointTensor *t = la_checkpoint_lookup (ck, w->name);

    g_assert_nonnull (t);
    g_assert_cmpint (t->ndim, ==, w->ndim);
    for (d = 0; d < w->ndim; d++)
      g_assert_cmpint (t->shape[d], ==, w->shape[d]);
  }
  la_checkpoint_free (ck);
  g_free (path);
}

static void
test_custom (void)
{
  gchar *dir = tmp_dir (), *path;
  LaTinySizes s;
  LaDitConfig cfg;
  LaAvatarConfig acfg;
  LaAvatar *avatar;
  LaBackend *be = la_test_cpu ();
  GError *err = NULL;
  GPtrArray *l;
  const LaCheckpointTensor *t;
  LaCheckpoint *ck;

  la_tiny_sizes_init (&s);
  s.dit_dim = 128;
  s.dit_ffn_dim = 256;
  s.dit_num_heads = 4;
  la_tiny_sizes_set_dit_layers (&s, 3);
  s.vae_dim = 8;
  s.t5_dim = 48;
  s.t5_num_heads = 3;
  s.t5_vocab = 400;
  s.w2v_hidden = 48;
  s.w2v_heads = 3;
  s.w2v_conv_dim = 24;
  s.lora_rank = 16;
  /* the injector after block 3 of the default is gone */
  g_assert_cmpint (s.dit_n_inject, ==, 2);
  g_assert_cmpint (s.dit_inject_layers[1], ==, 2);
  g_assert_true (la_tiny_model_write_with_sizes (dir, &s, 4, &err));
  g_assert_no_error (err);

  path = g_build_filename (dir, "config.json", NULL);
  g_assert_true (la_dit_config_load (&cfg, path, &err));
  g_assert_no_error (err);
  g_free (path);
  g_assert_cmpint (cfg.dim, ==, 128);
  g_assert_cmpint (cfg.ffn_dim, ==, 256);
  g_assert_cmpint (cfg.num_heads, ==, 4);
  g_assert_cmpint (cfg.num_layers, ==, 3);
  g_assert_cmpint (cfg.text_dim, ==, 48);
  g_assert_cmpint (cfg.audio_dim, ==, 48);
  g_assert_cmpuint (cfg.n_audio_inject_layers, ==, 2);
  g_assert_cmpint (cfg.audio_inject_layers[0], ==, 0);
  g_assert_cmpint (cfg.audio_inject_layers[1], ==, 2);

  l = la_tiny_dit_tensors (&s, 4);
  assert_shapes (dir, "diffusion_pytorch_model.safetensors.index.json", l);
  g_ptr_array_unref (l);
  l = la_tiny_vae_tensors (&s, 4);
  assert_shapes (dir, "Wan2.1_VAE.pth", l);
  g_ptr_array_unref (l);
  l = la_tiny_wav2vec2_tensors (&s, 4);
  assert_shapes (dir, "wav2vec2-large-xlsr-53-english/model.safetensors", l);
  g_ptr_array_unref (l);
  l = la_tiny_lora_tensors (&s, 4);
  assert_shapes (dir, "liveavatar.safetensors", l);
  g_ptr_array_unref (l);

  /* spot checks against the sizes, not the lists */
  path = g_build_filename (dir, "models_t5_umt5-xxl-enc-bf16.pth", NULL);
  ck = la_checkpoint_open (path, &err);
  g_assert_no_error (err);
  t = la_checkpoint_lookup (ck, "token_embedding.weight");
  g_assert_cmpint (t->shape[0], ==, 400);
  g_assert_cmpint (t->shape[1], ==, 48);
  la_checkpoint_free (ck);
  g_free (path);
  path = g_build_filename (dir, "Wan2.1_VAE.pth", NULL);
  ck = la_checkpoint_open (path, &err);
  g_assert_no_error (err);
  g_assert_cmpint (la_checkpoint_lookup (ck, "encoder.conv1.weight")->shape[0],
      ==, 8);
  la_checkpoint_free (ck);
  g_free (path);

  la_avatar_config_init (&acfg);
  acfg.model_dir = dir;
  acfg.width = 64;
  acfg.height = 64;
  avatar = la_avatar_new (be, &acfg, &err);
  g_assert_no_error (err);
  g_assert_nonnull (avatar);
  la_avatar_free (avatar);
  la_backend_free (be);
  la_test_remove_tree (dir);
  g_free (dir);
}

static void
test_bad_sizes (void)
{
  LaTinySizes s, o;
  GError *err = NULL;

  la_tiny_sizes_init (&s);
  g_assert_true (la_tiny_sizes_check (&s, NULL));
  s.dit_num_heads = 3;
  g_assert_false (la_tiny_model_write_with_sizes ("/nonexistent/never", &s,
          0, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  la_tiny_sizes_init (&s);
  s.dit_inject_layers[2] = 4;
  g_assert_false (la_tiny_sizes_check (&s, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  la_tiny_sizes_init (&s);
  s.vae_dim = 0;
  g_assert_false (la_tiny_sizes_check (&s, NULL));

  /* the official preset, and fewer layers keep only earlier injectors */
  la_tiny_sizes_init_official (&o);
  g_assert_true (la_tiny_sizes_check (&o, NULL));
  g_assert_cmpint (o.dit_dim, ==, 5120);
  g_assert_cmpint (o.dit_num_layers, ==, 40);
  g_assert_cmpint (o.dit_n_inject, ==, 12);
  la_tiny_sizes_set_dit_layers (&o, 10);
  g_assert_cmpint (o.dit_n_inject, ==, 3);
  g_assert_cmpint (o.dit_inject_layers[2], ==, 8);
  g_assert_true (la_tiny_sizes_check (&o, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tiny-sizes/fill", test_fill);
  g_test_add_func ("/tiny-sizes/default-bytes", test_default_bytes);
  g_test_add_func ("/tiny-sizes/zip64", test_zip64);
  g_test_add_func ("/tiny-sizes/custom", test_custom);
  g_test_add_func ("/tiny-sizes/bad", test_bad_sizes);
  return g_test_run ();
}
