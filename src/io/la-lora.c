/* liveavatar: merging LoRA adapters into base weights
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Names from peft (tuners/lora/layer.py: lora_A / lora_B ModuleDicts keyed
 * by adapter name, "default" unless named) and kohya-style files
 * (lora_down / lora_up / alpha). Live Avatar's loader
 * (liveavatar/models/wan/causal_s2v_pipeline*.py, add_lora_to_model)
 * prefixes "base_model.model." when the file lacks it, then
 * merge_and_unload (). */

#include "config.h"

#include "la-lora.h"
#include "liveavatar.h"

#include <string.h>

#define PEFT_PREFIX "base_model.model."

typedef enum
{
  ROLE_A,
  ROLE_B
} Role;

typedef struct
{
  LaLoraPair pair;
  gchar *file_module;           /* module as spelled in the file */
} Entry;

/* "<module>.lora_A[.<adapter>].weight", "<module>.lora_down.weight", ... */
static gboolean
parse_name (const gchar * name, gchar ** file_module, Role * role)
{
  static const struct
  {
    const gchar *tag;
    Role role;
    gboolean adapter;
  } tags[] = {
    {".lora_A.", ROLE_A, TRUE}, {".lora_B.", ROLE_B, TRUE},
    {".lora_down.", ROLE_A, FALSE}, {".lora_up.", ROLE_B, FALSE},
  };
  guint i;

  if (!g_str_has_suffix (name, ".weight"))
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (tags); i++) {
    const gchar *at = g_strrstr (name, tags[i].tag);
    const gchar *rest;

    if (!at || at == name)
      continue;
    rest = at + strlen (tags[i].tag);
    if (strcmp (rest, "weight") != 0) {
      const gchar *dot = strchr (rest, '.');

      /* exactly one adapter name between the tag and "weight" */
      if (!tags[i].adapter || !dot || dot == rest ||
          strcmp (dot, ".weight") != 0)
        continue;
    }
    if (file_module)
      *file_module = g_strndup (name, at - name);
    if (role)
      *role = tags[i].role;
    return TRUE;
  }
  return FALSE;
}

gboolean
la_lora_is_lora_name (const gchar * name)
{
  g_return_val_if_fail (name != NULL, FALSE);
  return parse_name (name, NULL, NULL);
}

gdouble
la_lora_scale (gdouble alpha, gint64 rank)
{
  g_return_val_if_fail (rank > 0, 0.0);
  return alpha / (gdouble) rank;
}

static void
entry_free (gpointer data)
{
  Entry *e = data;

  g_free (e->pair.module);
  g_free (e->pair.target);
  g_free (e->file_module);
  g_free (e);
}

static gint
compare_entries (gconstpointer a, gconstpointer b)
{
  const Entry *ea = *(const Entry * const *) a;
  const Entry *eb = *(const Entry * const *) b;

  return strcmp (ea->pair.module, eb->pair.module);
}

static gboolean
is_float_matrix (const LaCheckpointTensor * t)
{
  return t->ndim == 2 && la_io_dtype_is_float (t->dtype);
}

/* both halves present, 2-D, ranks agree; the alpha scalar if any */
static gboolean
complete (LaCheckpoint * ck, Entry * e, GError ** error)
{
  LaLoraPair *p = &e->pair;
  const LaCheckpointTensor *alpha;
  gchar *alpha_name;
  gfloat v;

  if (!p->a || !p->b) {
    const LaCheckpointTensor *t = p->a ? p->a : p->b;

    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': LoRA %s without its %s", t->file, t->name,
        p->a ? "A (down)" : "B (up)", p->a ? "B (up)" : "A (down)");
    return FALSE;
  }
  if (!is_float_matrix (p->a) || !is_float_matrix (p->b) ||
      p->a->shape[0] != p->b->shape[1] || p->a->shape[0] == 0) {
    gchar *sa = la_io_shape_to_string (p->a->ndim, p->a->shape);
    gchar *sb = la_io_shape_to_string (p->b->ndim, p->b->shape);

    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: LoRA of '%s': A '%s' %s %s and B '%s' %s %s do not pair up "
        "as float matrices [r, in] and [out, r]", p->a->file, p->module,
        p->a->name,
        la_io_dtype_name (p->a->dtype), sa, p->b->name,
        la_io_dtype_name (p->b->dtype), sb);
    g_free (sa);
    g_free (sb);
    return FALSE;
  }
  p->rank = p->a->shape[0];

  alpha_name = g_strconcat (e->file_module, ".alpha", NULL);
  alpha = la_checkpoint_lookup (ck, alpha_name);
  g_free (alpha_name);
  if (alpha) {
    gboolean one = alpha->numel == 1;

    if (!one || !la_checkpoint_tensor_to_f32 (alpha, &v, 1, NULL)) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: tensor '%s': LoRA alpha is not one float", alpha->file,
          alpha->name);
      return FALSE;
    }
    p->has_alpha = TRUE;
    p->alpha = v;
  }
  return TRUE;
}

GPtrArray *
la_lora_find_pairs (LaCheckpoint * ck, GError ** error)
{
  GHashTable *by_module;
  GPtrArray *entries, *pairs = NULL;
  guint i;

  g_return_val_if_fail (ck != NULL, NULL);

  by_module = g_hash_table_new (g_str_hash, g_str_equal);
  entries = g_ptr_array_new_with_free_func (entry_free);
  for (i = 0; i < la_checkpoint_n_tensors (ck); i++) {
    const LaCheckpointTensor *t = la_checkpoint_get (ck, i);
    const LaCheckpointTensor **slot;
    gchar *file_module;
    const gchar *module;
    Role role;
    Entry *e;

    if (!parse_name (t->name, &file_module, &role))
      continue;
    module = g_str_has_prefix (file_module, PEFT_PREFIX) ?
        file_module + strlen (PEFT_PREFIX) : file_module;
    e = g_hash_table_lookup (by_module, module);
    if (!e) {
      e = g_new0 (Entry, 1);
      e->pair.module = g_strdup (module);
      e->pair.target = g_strconcat (module, ".weight", NULL);
      e->file_module = g_strdup (file_module);
      g_ptr_array_add (entries, e);
      g_hash_table_insert (by_module, e->pair.module, e);
    }
    g_free (file_module);
    slot = role == ROLE_A ? &e->pair.a : &e->pair.b;
    if (*slot) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: tensors '%s' and '%s' are both LoRA %s of '%s'", t->file,
          (*slot)->name, t->name, role == ROLE_A ? "A" : "B", e->pair.module);
      goto done;
    }
    *slot = t;
  }

  for (i = 0; i < entries->len; i++)
    if (!complete (ck, g_ptr_array_index (entries, i), error))
      goto done;
  g_ptr_array_sort (entries, compare_entries);

  /* hand out the pairs; Entry starts with its LaLoraPair */
  pairs = g_ptr_array_new_with_free_func (entry_free);
  for (i = 0; i < entries->len; i++)
    g_ptr_array_add (pairs, g_ptr_array_index (entries, i));
  g_ptr_array_set_free_func (entries, NULL);

done:
  g_hash_table_unref (by_module);
  g_ptr_array_unref (entries);
  return pairs;
}

void
la_lora_merge_f32 (gfloat * w, gint64 n_out, gint64 n_in, const gfloat * a,
    const gfloat * b, gint64 rank, gfloat scale)
{
  gint64 o, k, i;

  g_return_if_fail (w != NULL && a != NULL && b != NULL);
  g_return_if_fail (n_out >= 0 && n_in >= 0 && rank >= 0);

  for (o = 0; o < n_out; o++) {
    gfloat *w_row = w + o * n_in;       /* [n_in] */
    const gfloat *b_row = b + o * rank; /* [rank] */

    for (k = 0; k < rank; k++) {
      const gfloat *a_row = a + k * n_in;       /* [n_in] */
      gfloat c = scale * b_row[k];

      if (c == 0.0f)
        continue;
      for (i = 0; i < n_in; i++)
        w_row[i] += c * a_row[i];
    }
  }
}

gboolean
la_lora_merge_pair (gfloat * w, gint64 n_out, gint64 n_in,
    const LaLoraPair * pair, gdouble default_alpha, GError ** error)
{
  gfloat *a = NULL, *b = NULL;
  gdouble alpha;

  g_return_val_if_fail (w != NULL && pair != NULL, FALSE);

  if (pair->a->shape[1] != n_in || pair->b->shape[0] != n_out) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: LoRA of '%s': A [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
        "] and B [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] do not fit "
        "weight [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]", pair->a->file,
        pair->module, pair->a->shape[0], pair->a->shape[1],
        pair->b->shape[0], pair->b->shape[1], n_out, n_in);
    return FALSE;
  }
  if (!(a = la_checkpoint_tensor_dup_f32 (pair->a, error)) ||
      !(b = la_checkpoint_tensor_dup_f32 (pair->b, error))) {
    g_free (a);
    return FALSE;
  }
  alpha = pair->has_alpha ? pair->alpha : default_alpha;
  la_lora_merge_f32 (w, n_out, n_in, a, b, pair->rank,
      (gfloat) la_lora_scale (alpha, pair->rank));
  g_free (a);
  g_free (b);
  return TRUE;
}
