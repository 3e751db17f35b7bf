/* liveavatar io tests: LoRA pairing and merging
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-lora.h"
#include "liveavatar.h"
#include "test-io-util.h"

#include <math.h>
#include <string.h>

static LaCheckpoint *
open_data (const gchar * name)
{
  gchar *path = io_data_path (name);
  GError *err = NULL;
  LaCheckpoint *ck = la_checkpoint_open (path, &err);

  g_assert_no_error (err);
  g_free (path);
  return ck;
}

static void
test_names (void)
{
  g_assert_true (la_lora_is_lora_name ("blocks.0.self_attn.q.lora_A.weight"));
  g_assert_true (la_lora_is_lora_name
      ("base_model.model.blocks.0.ffn.2.lora_B.default.weight"));
  g_assert_true (la_lora_is_lora_name ("blocks.1.ffn.0.lora_down.weight"));
  g_assert_true (la_lora_is_lora_name ("blocks.1.ffn.0.lora_up.weight"));
  g_assert_false (la_lora_is_lora_name ("blocks.1.ffn.0.weight"));
  g_assert_false (la_lora_is_lora_name ("blocks.1.ffn.0.alpha"));
  g_assert_false (la_lora_is_lora_name ("lora_A.weight"));
  g_assert_false (la_lora_is_lora_name ("x.lora_A.a.b.weight"));
  g_assert_false (la_lora_is_lora_name ("x.lora_down.default.weight"));
  g_assert_false (la_lora_is_lora_name ("x.lora_A.bias"));
}

/* the golden LoRA file: a peft pair (prefixed, adapter "default"), a
 * kohya pair with its alpha, and a full weight that is not LoRA */
static void
test_pairs_and_merge (void)
{
  LaCheckpoint *lora = open_data ("lora.safetensors");
  LaCheckpoint *base = open_data ("lora_base.safetensors");
  JsonObject *want = io_expected_file ("lora.safetensors");
  JsonObject *want_pairs = json_object_get_object_member (want, "pairs");
  gdouble default_alpha = json_object_get_double_member (want,
      "default_alpha");
  GError *err = NULL;
  GPtrArray *pairs;
  guint i;

  pairs = la_lora_find_pairs (lora, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (pairs->len, ==, json_object_get_size (want_pairs));
  g_assert_cmpstr (((LaLoraPair *) pairs->pdata[0])->module, ==,
      "blocks.0.ffn.0");
  g_assert_cmpstr (((LaLoraPair *) pairs->pdata[1])->module, ==,
      "blocks.0.self_attn.q");

  for (i = 0; i < pairs->len; i++) {
    const LaLoraPair *p = g_ptr_array_index (pairs, i);
    JsonObject *w = json_object_get_object_member (want_pairs, p->module);
    JsonArray *merged = json_object_get_array_member (w, "merged");
    const LaCheckpointTensor *bw;
    gfloat *weight;
    guint j;

    g_test_message ("pair %s", p->module);
    g_assert_cmpstr (p->target, ==, json_object_get_string_member (w,
            "target"));
    g_assert_cmpstr (p->a->name, ==, json_object_get_string_member (w, "a"));
    g_assert_cmpstr (p->b->name, ==, json_object_get_string_member (w, "b"));
    g_assert_cmpint (p->rank, ==, json_object_get_int_member (w, "rank"));
    if (p->has_alpha)
      g_assert_cmpfloat (p->alpha, ==, json_object_get_double_member (w,
              "alpha"));
    else
      g_assert_cmpfloat (default_alpha, ==, json_object_get_double_member (w,
              "alpha"));

    bw = la_checkpoint_lookup (base, p->target);
    g_assert_nonnull (bw);
    weight = la_checkpoint_tensor_dup_f32 (bw, &err);
    g_assert_no_error (err);
    g_assert_true (la_lora_merge_pair (weight, bw->shape[0], bw->shape[1], p,
            default_alpha, &err));
    g_assert_no_error (err);
    g_assert_cmpuint (json_array_get_length (merged), ==, bw->numel);
    /* torch did it in float64 then rounded: fp32 accumulation is close */
    for (j = 0; j < bw->numel; j++) {
      gdouble ref = json_array_get_double_element (merged, j);

      g_assert_cmpfloat_with_epsilon (weight[j], ref,
          1e-5 * (1.0 + fabs (ref)));
    }

    /* a weight of another shape is refused */
    g_assert_false (la_lora_merge_pair (weight, bw->shape[1], bw->shape[0],
            p, default_alpha, &err));
    io_assert_error (err, LA_ERROR_MODEL_INVALID, "do not fit weight");
    g_clear_error (&err);
    g_free (weight);
  }
  g_ptr_array_unref (pairs);
  la_checkpoint_free (base);
  la_checkpoint_free (lora);
}

/* exact small case: 2x3 weight, rank 1, scale 0.5 */
static void
test_merge_math (void)
{
  gfloat w[6] = { 1, 2, 3, 4, 5, 6 };
  const gfloat a[3] = { 1, 0, -2 };     /* [1, 3] */
  const gfloat b[2] = { 2, 4 }; /* [2, 1] */

  la_lora_merge_f32 (w, 2, 3, a, b, 1, (gfloat) la_lora_scale (0.5, 1));
  g_assert_cmpfloat (w[0], ==, 2);
  g_assert_cmpfloat (w[1], ==, 2);
  g_assert_cmpfloat (w[2], ==, 1);
  g_assert_cmpfloat (w[3], ==, 6);
  g_assert_cmpfloat (w[4], ==, 5);
  g_assert_cmpfloat (w[5], ==, 2);
  g_assert_cmpfloat (la_lora_scale (64, 128), ==, 0.5);
}

static LaCheckpoint *
checkpoint_from_header (const gchar * header, gsize data_len)
{
  GBytes *b = io_build_safetensors (header, data_len);
  GError *err = NULL;
  LaCheckpoint *ck = la_checkpoint_new_from_bytes (b, "l.safetensors", &err);

  g_assert_no_error (err);
  g_bytes_unref (b);
  return ck;
}

static void
test_bad_pairs (void)
{
  LaCheckpoint *ck;
  GError *err = NULL;

  /* A without B */
  ck = checkpoint_from_header ("{\"m.lora_A.weight\":{\"dtype\":\"F32\","
      "\"shape\":[2,3],\"data_offsets\":[0,24]}}", 24);
  g_assert_null (la_lora_find_pairs (ck, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "l.safetensors: tensor 'm.lora_A.weight': LoRA A (down) without its "
      "B (up)");
  g_clear_error (&err);
  la_checkpoint_free (ck);

  /* ranks disagree */
  ck = checkpoint_from_header ("{\"m.lora_A.weight\":{\"dtype\":\"F32\","
      "\"shape\":[2,3],\"data_offsets\":[0,24]},\"m.lora_B.weight\":{"
      "\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[24,72]}}", 72);
  g_assert_null (la_lora_find_pairs (ck, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID, "LoRA of 'm'");
  g_clear_error (&err);
  la_checkpoint_free (ck);

  /* two adapters for one module */
  ck = checkpoint_from_header ("{\"m.lora_A.x.weight\":{\"dtype\":\"F32\","
      "\"shape\":[1,1],\"data_offsets\":[0,4]},\"m.lora_A.y.weight\":{"
      "\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[4,8]}}", 8);
  g_assert_null (la_lora_find_pairs (ck, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID, "are both LoRA A of 'm'");
  g_clear_error (&err);
  la_checkpoint_free (ck);

  /* an alpha that is not one number */
  ck = checkpoint_from_header ("{\"m.lora_down.weight\":{\"dtype\":\"F32\","
      "\"shape\":[1,1],\"data_offsets\":[0,4]},\"m.lora_up.weight\":{"
      "\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[4,8]},"
      "\"m.alpha\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":"
      "[8,16]}}", 16);
  g_assert_null (la_lora_find_pairs (ck, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "tensor 'm.alpha': LoRA alpha is not one float");
  g_clear_error (&err);
  la_checkpoint_free (ck);

  /* no LoRA at all: an empty list */
  ck = open_data ("dtypes.safetensors");
  {
    GPtrArray *pairs = la_lora_find_pairs (ck, &err);

    g_assert_no_error (err);
    g_assert_cmpuint (pairs->len, ==, 0);
    g_ptr_array_unref (pairs);
  }
  la_checkpoint_free (ck);
}

int
main (int argc, char **argv)
{
  io_test_init (&argc, &argv);

  g_test_add_func ("/io/lora/names", test_names);
  g_test_add_func ("/io/lora/pairs-and-merge", test_pairs_and_merge);
  g_test_add_func ("/io/lora/merge-math", test_merge_math);
  g_test_add_func ("/io/lora/bad-pairs", test_bad_pairs);
  return g_test_run ();
}
