/* liveavatar: byte-string -> id table for SentencePiece vocabularies
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SentencePiece keeps its pieces in a Darts double-array trie and asks it
 * "which pieces are prefixes of the text here". The same answer comes from
 * a hash table probed once per prefix length, provided the hash extends one
 * byte at a time (FNV-1a): scanning a position costs one step and one probe
 * per byte, up to the longest key. Keys are borrowed and may hold any byte.
 */

#ifndef __LA_SPM_TABLE_H__
#define __LA_SPM_TABLE_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LaSpmTable LaSpmTable;

#define LA_SPM_HASH_INIT 2166136261u

static inline guint32
la_spm_hash_step (guint32 h, guint8 byte)
{
  return (h ^ byte) * 16777619u;
}

LaSpmTable *la_spm_table_new (guint expected);
void la_spm_table_free (LaSpmTable * t);

/* Returns FALSE (and changes nothing) when @key is already present. */
gboolean la_spm_table_insert (LaSpmTable * t, const gchar * key,
    gsize len, gint32 id);

/* Returns the id, or -1 when absent. */
gint32 la_spm_table_lookup (const LaSpmTable * t, const gchar * key, gsize len);

/* Same, with @hash the la_spm_hash_step chain over the @len bytes of @key. */
gint32 la_spm_table_lookup_hashed (const LaSpmTable * t,
    guint32 hash, const gchar * key, gsize len);

guint la_spm_table_size (const LaSpmTable * t);
gsize la_spm_table_max_len (const LaSpmTable * t);

G_END_DECLS
#endif /* __LA_SPM_TABLE_H__ */
