/* liveavatar: model config.json files
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * A read-only key/value view of a JSON object. Keys are member names;
 * "a.b" reaches member "b" of object "a". A missing key, or a JSON null
 * (how HF configs write "unset"), gives the default; a present value of
 * the wrong type is an error (LA_ERROR_MODEL_INVALID naming file and key),
 * never a silent default.
 *
 *   LaConfig *cfg = la_config_load ("config.json", &err);
 *   gint64 dim;
 *   if (!la_config_require (cfg, "dim", &err) ||
 *       !la_config_get_int (cfg, "dim", 0, &dim, &err))
 *     goto error;
 */

#ifndef __LA_CONFIG_H__
#define __LA_CONFIG_H__

#include <glib.h>

G_BEGIN_DECLS

/* config files larger than this are refused */
#define LA_CONFIG_MAX_SIZE (16 * 1024 * 1024)

typedef struct _LaConfig LaConfig;

LaConfig       *la_config_load (const gchar * path, GError ** error);
LaConfig       *la_config_new_from_data (const gchar * data, gsize len,
    const gchar * display_name, GError ** error);
void            la_config_free (LaConfig * cfg);

/* present and not null */
gboolean        la_config_has (LaConfig * cfg, const gchar * key);

/* error when absent (or null) */
gboolean        la_config_require (LaConfig * cfg, const gchar * key,
    GError ** error);

/* Integers accept 4 and 4.0, not 4.5; doubles accept any number. */
gboolean        la_config_get_int (LaConfig * cfg, const gchar * key,
    gint64 default_value, gint64 * value, GError ** error);
gboolean        la_config_get_double (LaConfig * cfg, const gchar * key,
    gdouble default_value, gdouble * value, GError ** error);
gboolean        la_config_get_bool (LaConfig * cfg, const gchar * key,
    gboolean default_value, gboolean * value, GError ** error);
/* *value is a copy (g_free it), or a copy of @default_value (may be NULL) */
gboolean        la_config_get_string (LaConfig * cfg, const gchar * key,
    const gchar * default_value, gchar ** value, GError ** error);

/* Arrays of numbers; *values is g_malloc'ed (g_free it), NULL with *n = 0
 * when the key is absent. */
gboolean        la_config_get_int_array (LaConfig * cfg, const gchar * key,
    gint64 ** values, guint * n, GError ** error);
gboolean        la_config_get_double_array (LaConfig * cfg,
    const gchar * key, gdouble ** values, guint * n, GError ** error);

/* the whole config as indented JSON, for logs; g_free it */
gchar          *la_config_to_string (LaConfig * cfg);

G_END_DECLS

#endif /* __LA_CONFIG_H__ */
