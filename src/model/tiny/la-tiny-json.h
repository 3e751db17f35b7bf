/* liveavatar: JSON files written the way Python's json.dumps writes them
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * diffusers, transformers and safetensors index files are
 * json.dumps (obj, indent=2, sort_keys=True) + "\n": an object built here
 * prints the same (keys sorted by their UTF-8 bytes, floats as Python's
 * repr), so the tiny model's JSON files look like the official ones.
 */

#ifndef __LA_TINY_JSON_H__
#define __LA_TINY_JSON_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LaTinyJson LaTinyJson;

/* an empty object */
LaTinyJson     *la_tiny_json_new (void);
void            la_tiny_json_free (LaTinyJson * json);

/* members (a key set twice keeps the last value) */
void            la_tiny_json_set_int (LaTinyJson * json, const gchar * key,
    gint64 value);
void            la_tiny_json_set_double (LaTinyJson * json,
    const gchar * key, gdouble value);
void            la_tiny_json_set_bool (LaTinyJson * json, const gchar * key,
    gboolean value);
void            la_tiny_json_set_string (LaTinyJson * json,
    const gchar * key, const gchar * value);
void            la_tiny_json_set_null (LaTinyJson * json, const gchar * key);
void            la_tiny_json_set_int_array (LaTinyJson * json,
    const gchar * key, const gint * values, guint n);
void            la_tiny_json_set_string_array (LaTinyJson * json,
    const gchar * key, const gchar * const *values, guint n);
/* takes @child */
void            la_tiny_json_set_object (LaTinyJson * json,
    const gchar * key, LaTinyJson * child);

/* the text, ending in a newline (g_free) */
gchar          *la_tiny_json_to_string (LaTinyJson * json);

G_END_DECLS

#endif /* __LA_TINY_JSON_H__ */
