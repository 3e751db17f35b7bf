/* liveavatar: byte-string -> id table for SentencePiece vocabularies
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Open addressing with linear probing, at most half full, so a probe for
 * an absent key ends at an empty slot quickly. */

#include "config.h"

#include "la-spm-table.h"

#include <string.h>

typedef struct
{
  const gchar *key;             /* NULL: empty slot */
  gsize len;
  guint32 hash;
  gint32 id;
} Slot;

struct _LaSpmTable
{
  Slot *slots;
  gsize mask;                   /* n_slots - 1, n_slots a power of two */
  guint size;
  gsize max_len;
};

static guint32
hash_bytes (const gchar * key, gsize len)
{
  guint32 h = LA_SPM_HASH_INIT;
  gsize i;

  for (i = 0; i < len; i++)
    h = la_spm_hash_step (h, (guint8) key[i]);
  return h;
}

LaSpmTable *
la_spm_table_new (guint expected)
{
  LaSpmTable *t = g_new0 (LaSpmTable, 1);
  gsize n = 16;

  while (n < (gsize) expected * 2 + 1)
    n <<= 1;
  t->slots = g_new0 (Slot, n);
  t->mask = n - 1;
  return t;
}

void
la_spm_table_free (LaSpmTable * t)
{
  if (t == NULL)
    return;
  g_free (t->slots);
  g_free (t);
}

static Slot *
find_slot (const LaSpmTable * t, guint32 hash, const gchar * key, gsize len)
{
  gsize i = hash & t->mask;

  for (;;) {
    Slot *s = &t->slots[i];

    if (s->key == NULL)
      return s;
    if (s->hash == hash && s->len == len && memcmp (s->key, key, len) == 0)
      return s;
    i = (i + 1) & t->mask;
  }
}

static void
grow (LaSpmTable * t)
{
  Slot *old = t->slots;
  gsize n_old = t->mask + 1, i;

  t->slots = g_new0 (Slot, n_old * 2);
  t->mask = n_old * 2 - 1;
  for (i = 0; i < n_old; i++) {
    if (old[i].key != NULL)
      *find_slot (t, old[i].hash, old[i].key, old[i].len) = old[i];
  }
  g_free (old);
}

gboolean
la_spm_table_insert (LaSpmTable * t, const gchar * key, gsize len, gint32 id)
{
  guint32 hash = hash_bytes (key, len);
  Slot *s = find_slot (t, hash, key, len);

  if (s->key != NULL)
    return FALSE;
  s->key = key;
  s->len = len;
  s->hash = hash;
  s->id = id;
  t->size++;
  t->max_len = MAX (t->max_len, len);
  if ((gsize) t->size * 2 > t->mask)
    grow (t);
  return TRUE;
}

gint32
la_spm_table_lookup_hashed (const LaSpmTable * t, guint32 hash,
    const gchar * key, gsize len)
{
  const Slot *s = find_slot (t, hash, key, len);

  return s->key != NULL ? s->id : -1;
}

gint32
la_spm_table_lookup (const LaSpmTable * t, const gchar * key, gsize len)
{
  return la_spm_table_lookup_hashed (t, hash_bytes (key, len), key, len);
}

guint
la_spm_table_size (const LaSpmTable * t)
{
  return t->size;
}

gsize
la_spm_table_max_len (const LaSpmTable * t)
{
  return t->max_len;
}
