/* liveavatar io tests: damaged checkpoints never crash, hang or leak
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Thousands of mutations of the golden files (truncations, flipped bytes
 * in headers, central directories and pickles, rewritten JSON numbers and
 * dtypes, lying lengths and offsets, inserted and deleted bytes), of
 * config.json texts and of a sharded index beside its shards. Every
 * case must give either an error or a checkpoint whose every tensor lies
 * inside the buffer: each one is read in full (AddressSanitizer sees any
 * byte out of bounds: the buffers are exact-size heap copies) and converted
 * to fp32 when it is a float. Deterministic for a seed; the seed is
 * printed, LA_IO_FUZZ_SEED and LA_IO_FUZZ_CASES override (LA_IO_FUZZ_VERBOSE
 * prints every rejection).
 */

#include "la-checkpoint.h"
#include "la-config.h"
#include "liveavatar.h"
#include "test-io-util.h"

#include <glib/gstdio.h>
#include <string.h>

#define DEFAULT_SEED  20260419u
#define DEFAULT_CASES 30000

typedef struct
{
  const gchar *name;
  GBytes *bytes;
  gboolean torch;
  gsize region_start, region_len;       /* header / directory + pickle */
  gsize pkl_start, pkl_len;     /* torch: the data.pkl bytes */
} Seed;

static const gchar *seed_names[] = {
  "dtypes.safetensors", "sharded/model-00001-of-00002.safetensors",
  "lora.safetensors", "state_dict.pth", "nested.pth", "shared.pth",
  "params.pth", "state_dict_zip64.pth", "noncontig.pth",
};

static GRand *rng;
static volatile guint64 sink;   /* keeps the reads of tensor bytes */
static guint n_accepted, n_rejected;

static guint
rnd (guint n)
{
  return n ? g_rand_int_range (rng, 0, (gint32) MIN (n, G_MAXINT32)) : 0;
}

static gsize
find (const guint8 * data, gsize size, const gchar * needle, gsize n,
    gboolean last)
{
  gsize i, found = size;

  for (i = 0; i + n <= size; i++) {
    if (memcmp (data + i, needle, n) == 0) {
      found = i;
      if (!last)
        break;
    }
  }
  return found;
}

static void
seed_init (Seed * s, const gchar * name)
{
  const guint8 *d;
  gsize size;

  s->name = name;
  s->bytes = io_data_bytes (name);
  d = g_bytes_get_data (s->bytes, &size);
  s->torch = g_str_has_suffix (name, ".pth");
  if (!s->torch) {
    guint64 n;

    memcpy (&n, d, 8);
    s->region_start = 0;
    s->region_len = 8 + GUINT64_FROM_LE (n);
  } else {
    /* from the first central directory header to the end */
    gsize cd = find (d, size, "PK\001\002", 4, FALSE);
    gsize pk = find (d, size, "data.pkl", 8, FALSE);

    g_assert_cmpuint (cd, <, size);
    s->region_start = cd;
    s->region_len = size - cd;
    /* data.pkl's data follows its local header's name and extra field */
    s->pkl_start = pk + 8 + d[28] + (d[29] << 8);
    s->pkl_len = MIN (400, size - s->pkl_start);
  }
}

/* ---- mutations on a GByteArray ---- */

static void
flip_in (GByteArray * b, gsize start, gsize len)
{
  gsize pos;

  if (len == 0 || start >= b->len)
    return;
  pos = start + rnd (MIN (len, b->len - start));
  switch (rnd (5)) {
    case 0:
      b->data[pos] ^= 1u << rnd (8);
      break;
    case 1:
      b->data[pos] = 0;
      break;
    case 2:
      b->data[pos] = 0xff;
      break;
    case 3:
      b->data[pos] = (guint8) rnd (256);
      break;
    default:{
      /* a lying 32-bit field: sizes, offsets, lengths */
      static const guint32 vals[] = { 0, 1, 0x7fffffff, 0xffffffff,
        0xfffffffe, 64, 4096, 0x10000
      };
      guint32 v = vals[rnd (G_N_ELEMENTS (vals))];
      guint i;

      for (i = 0; i < 4 && pos + i < b->len; i++)
        b->data[pos + i] = (guint8) (v >> (8 * i));
      break;
    }
  }
}

static void
truncate_to (GByteArray * b)
{
  g_byte_array_set_size (b, rnd (b->len + 1));
}

static void
insert_or_delete (GByteArray * b)
{
  gsize pos = rnd (b->len + 1);
  guint n = 1 + rnd (16);

  if (rnd (2) && pos < b->len) {
    g_byte_array_remove_range (b, pos, MIN (n, b->len - pos));
  } else {
    guint8 junk[16];
    guint i;

    for (i = 0; i < n; i++)
      junk[i] = (guint8) rnd (256);
    g_byte_array_set_size (b, b->len + n);
    memmove (b->data + pos + n, b->data + pos, b->len - n - pos);
    memcpy (b->data + pos, junk, n);
  }
}

/* safetensors: a new header length (huge, off by a little, past the end) */
static void
lie_header_length (GByteArray * b)
{
  guint64 n = 0, le;

  if (b->len < 8)
    return;
  memcpy (&n, b->data, 8);
  n = GUINT64_FROM_LE (n);
  switch (rnd (4)) {
    case 0:
      n = G_MAXUINT64 - rnd (16);
      break;
    case 1:
      n = (guint64) 100 *1024 * 1024 + rnd (3) - 1;
      break;
    case 2:
      n = n + rnd (17) - 8;
      break;
    default:
      n = b->len - 8 + rnd (3);
      break;
  }
  le = GUINT64_TO_LE (n);
  memcpy (b->data, &le, 8);
}

/* safetensors: edit the JSON text and rewrite the length to match */
static void
mutate_json (GByteArray * b)
{
  static const gchar *numbers[] = { "-1", "0", "1", "18446744073709551615",
    "9223372036854775807", "9223372036854775808", "1e308", "4294967296",
    "2.5", "-0", "99999999999999999999999", "65536"
  };
  static const gchar *words[] = { "\"F32\"", "\"BF16\"", "\"I64\"", "\"X\"",
    "null", "[]", "{}", "true", "\"\"", "[0,0]", "[1,2,3]"
  };
  static const gchar structural[] = "{}[]\",:";
  guint64 n;
  GString *h;
  gsize len, pos, i;
  guint64 le;

  if (b->len < 8)
    return;
  memcpy (&n, b->data, 8);
  n = GUINT64_FROM_LE (n);
  if (n > b->len - 8)
    return;
  len = (gsize) n;
  h = g_string_new_len ((const gchar *) b->data + 8, len);
  pos = rnd (h->len + 1);

  switch (rnd (4)) {
    case 0:{                   /* replace a number */
      for (i = pos; i < h->len && !g_ascii_isdigit (h->str[i]); i++);
      if (i < h->len) {
        gsize end = i;

        while (end < h->len && g_ascii_isdigit (h->str[end]))
          end++;
        g_string_erase (h, i, end - i);
        g_string_insert (h, i, numbers[rnd (G_N_ELEMENTS (numbers))]);
      }
      break;
    }
    case 1:{                   /* replace a quoted token or a value */
      for (i = pos; i < h->len && h->str[i] != '"'; i++);
      if (i < h->len) {
        gchar *close = strchr (h->str + i + 1, '"');

        if (close) {
          g_string_erase (h, i, close - (h->str + i) + 1);
          g_string_insert (h, i, words[rnd (G_N_ELEMENTS (words))]);
        }
      }
      break;
    }
    case 2:                    /* a structural character in or out */
      if (rnd (2) && pos < h->len)
        g_string_erase (h, pos, 1);
      else
        g_string_insert_c (h, pos, structural[rnd (sizeof (structural) - 1)]);
      break;
    default:                   /* duplicate a stretch (repeated entries) */
      if (h->len > 2) {
        gsize from = rnd (h->len), cnt = 1 + rnd (MIN (64, h->len - from));
        gchar *dup = g_strndup (h->str + from, cnt);

        g_string_insert (h, pos, dup);
        g_free (dup);
      }
      break;
  }

  g_byte_array_remove_range (b, 0, 8 + len);
  g_byte_array_prepend (b, (const guint8 *) h->str, h->len);
  le = GUINT64_TO_LE ((guint64) h->len);
  g_byte_array_prepend (b, (const guint8 *) &le, 8);
  g_string_free (h, TRUE);
}

/* ---- running a case ---- */

static void
check_result (LaCheckpoint * ck, GError * err, const guint8 * buf, gsize size)
{
  guint i;

  if (!ck) {
    g_assert_nonnull (err);
    g_assert_true (err->domain == LA_ERROR);
    g_assert_true (err->message && err->message[0]);
    n_rejected++;
    if (g_getenv ("LA_IO_FUZZ_VERBOSE"))
      g_printerr ("%s\n", err->message);
    return;
  }
  g_assert_null (err);
  n_accepted++;
  for (i = 0; i < la_checkpoint_n_tensors (ck); i++) {
    const LaCheckpointTensor *t = la_checkpoint_get (ck, i);
    const guint8 *d = t->data;
    guint64 sum = 0;
    gsize j;

    g_assert_true (la_checkpoint_lookup (ck, t->name) == t);
    g_assert_cmpuint (t->nbytes, ==, t->numel * la_io_dtype_size (t->dtype));
    if (t->nbytes) {
      g_assert_true (d >= buf && d + t->nbytes <= buf + size);
      for (j = 0; j < t->nbytes; j++)
        sum += d[j];
    }
    if (la_io_dtype_is_float (t->dtype) && t->numel <= 4096) {
      GError *e = NULL;
      gfloat *f = la_checkpoint_tensor_dup_f32 (t, &e);

      g_assert_no_error (e);
      g_free (f);
    }
    sink += sum;
  }
  la_checkpoint_free (ck);
}

static void
run_case (Seed * s)
{
  GByteArray *b = g_byte_array_sized_new (g_bytes_get_size (s->bytes) + 64);
  guint n_mut = 1 + rnd (3), m;
  GBytes *bytes;
  GError *err = NULL;
  LaCheckpoint *ck;
  const guint8 *buf;
  gsize size;

  g_byte_array_append (b, g_bytes_get_data (s->bytes, NULL),
      g_bytes_get_size (s->bytes));
  for (m = 0; m < n_mut; m++) {
    guint kind = rnd (10);

    if (kind == 0)
      truncate_to (b);
    else if (kind == 1)
      insert_or_delete (b);
    else if (kind == 2)
      flip_in (b, 0, b->len);
    else if (!s->torch && kind == 3)
      lie_header_length (b);
    else if (!s->torch && kind <= 8)
      mutate_json (b);
    else if (s->torch && kind <= 6)
      flip_in (b, s->pkl_start, s->pkl_len);
    else
      flip_in (b, s->region_start, s->region_len);
  }

  /* an exact-size heap copy: any read past the end is an ASan error */
  bytes = g_bytes_new (b->data, b->len);
  g_byte_array_unref (b);
  buf = g_bytes_get_data (bytes, &size);
  ck = la_checkpoint_new_from_bytes (bytes, s->name, &err);
  check_result (ck, err, buf, size);
  g_clear_error (&err);
  g_bytes_unref (bytes);
}

static guint32
env_uint (const gchar * name, guint32 fallback)
{
  const gchar *v = g_getenv (name);

  return v ? (guint32) g_ascii_strtoull (v, NULL, 0) : fallback;
}

static void
test_checkpoints (void)
{
  guint32 seed = env_uint ("LA_IO_FUZZ_SEED", DEFAULT_SEED);
  guint cases = env_uint ("LA_IO_FUZZ_CASES", DEFAULT_CASES), i;
  Seed seeds[G_N_ELEMENTS (seed_names)];

  g_print ("# fuzz seed %u, %u cases (LA_IO_FUZZ_SEED, LA_IO_FUZZ_CASES)\n",
      seed, cases);
  rng = g_rand_new_with_seed (seed);
  for (i = 0; i < G_N_ELEMENTS (seeds); i++)
    seed_init (&seeds[i], seed_names[i]);

  n_accepted = n_rejected = 0;
  for (i = 0; i < cases; i++)
    run_case (&seeds[rnd (G_N_ELEMENTS (seeds))]);
  g_print ("# %u accepted, %u rejected\n", n_accepted, n_rejected);
  /* the mutations must reach both outcomes, or they test nothing */
  g_assert_cmpuint (n_accepted, >, cases / 50);
  g_assert_cmpuint (n_rejected, >, cases / 2);

  for (i = 0; i < G_N_ELEMENTS (seeds); i++)
    g_bytes_unref (seeds[i].bytes);
  g_rand_free (rng);
}

/* config.json text mutations through every getter */
static void
test_configs (void)
{
  GBytes *golden = io_data_bytes ("config.json");
  guint i, ok = 0;

  rng = g_rand_new_with_seed (env_uint ("LA_IO_FUZZ_SEED", DEFAULT_SEED));
  for (i = 0; i < 1000; i++) {
    GByteArray *b = g_byte_array_new ();
    guint64 le;
    LaConfig *cfg;
    GError *err = NULL;
    gchar *text;
    guint m;

    /* reuse the safetensors JSON mutator on "<len><json>" */
    le = GUINT64_TO_LE ((guint64) g_bytes_get_size (golden));
    g_byte_array_append (b, (const guint8 *) &le, 8);
    g_byte_array_append (b, g_bytes_get_data (golden, NULL),
        g_bytes_get_size (golden));
    for (m = 0; m < 1 + rnd (3); m++)
      mutate_json (b);
    text = g_memdup2 (b->data + 8, b->len - 8);
    cfg = la_config_new_from_data (text, b->len - 8, "config.json", &err);
    if (cfg) {
      const gchar *keys[] = { "dim", "eps", "qk_norm", "model_type",
        "audio_inject_layers", "framepack.drop_mode", "framepack", "unset"
      };
      guint k;

      ok++;
      for (k = 0; k < G_N_ELEMENTS (keys); k++) {
        gint64 iv, *ia;
        gdouble dv, *da;
        gboolean bv;
        gchar *sv;
        guint n;

        la_config_get_int (cfg, keys[k], 0, &iv, NULL);
        la_config_get_double (cfg, keys[k], 0, &dv, NULL);
        la_config_get_bool (cfg, keys[k], FALSE, &bv, NULL);
        if (la_config_get_string (cfg, keys[k], NULL, &sv, NULL))
          g_free (sv);
        if (la_config_get_int_array (cfg, keys[k], &ia, &n, NULL))
          g_free (ia);
        if (la_config_get_double_array (cfg, keys[k], &da, &n, NULL))
          g_free (da);
      }
      g_free (la_config_to_string (cfg));
      la_config_free (cfg);
    } else {
      g_assert_true (err && err->domain == LA_ERROR);
      g_clear_error (&err);
    }
    g_free (text);
    g_byte_array_unref (b);
  }
  g_assert_cmpuint (ok, >, 0);
  g_assert_cmpuint (ok, <, 1000);
  g_rand_free (rng);
  g_bytes_unref (golden);
}

/* sharded index text mutations, with the real shards beside it */
static void
test_indexes (void)
{
  static const gchar *shards[] = { "model-00001-of-00002.safetensors",
    "model-00002-of-00002.safetensors"
  };
  GBytes *golden = io_data_bytes ("sharded/model.safetensors.index.json");
  GError *err = NULL;
  gchar *dir = g_dir_make_tmp ("la-io-fuzz-XXXXXX", &err);
  gchar *index = g_build_filename (dir, "model.safetensors.index.json", NULL);
  guint i, ok = 0;

  g_assert_no_error (err);
  for (i = 0; i < G_N_ELEMENTS (shards); i++) {
    gchar *src = g_build_filename ("sharded", shards[i], NULL);

    io_copy_data (src, dir);
    g_free (src);
  }

  rng = g_rand_new_with_seed (env_uint ("LA_IO_FUZZ_SEED", DEFAULT_SEED));
  for (i = 0; i < 300; i++) {
    GByteArray *b = g_byte_array_new ();
    guint64 le = GUINT64_TO_LE ((guint64) g_bytes_get_size (golden));
    LaCheckpoint *ck;
    guint m;

    g_byte_array_append (b, (const guint8 *) &le, 8);
    g_byte_array_append (b, g_bytes_get_data (golden, NULL),
        g_bytes_get_size (golden));
    for (m = 0; m < 1 + rnd (2); m++)
      mutate_json (b);
    g_assert_true (g_file_set_contents (index, (const gchar *) b->data + 8,
            b->len - 8, &err));
    ck = la_checkpoint_open (index, &err);
    if (ck) {
      ok++;
      la_checkpoint_free (ck);
    } else {
      g_assert_true (err && err->domain == LA_ERROR);
      g_clear_error (&err);
    }
    g_byte_array_unref (b);
  }
  g_assert_cmpuint (ok, >, 0);
  g_assert_cmpuint (ok, <, 300);
  g_rand_free (rng);

  g_unlink (index);
  for (i = 0; i < G_N_ELEMENTS (shards); i++) {
    gchar *p = g_build_filename (dir, shards[i], NULL);

    g_unlink (p);
    g_free (p);
  }
  g_rmdir (dir);
  g_free (index);
  g_free (dir);
  g_bytes_unref (golden);
}

int
main (int argc, char **argv)
{
  io_test_init (&argc, &argv);

  g_test_add_func ("/io/fuzz/checkpoints", test_checkpoints);
  g_test_add_func ("/io/fuzz/configs", test_configs);
  g_test_add_func ("/io/fuzz/indexes", test_indexes);
  return g_test_run ();
}
