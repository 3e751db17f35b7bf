/* liveavatar: HTML character references
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Python's html.entities.html5 and html's numeric-reference fix-ups, plus
 * ftfy's upper-case entity names, as generated tables (la-html-entities.c,
 * written by gen-html-entities.py). Entity tables are sorted by name
 * (bytewise) for bsearch.
 */

#ifndef __LA_HTML_ENTITIES_H__
#define __LA_HTML_ENTITIES_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const gchar *name;            /* without '&', with ';' when it has one */
  const gchar *value;           /* UTF-8 */
} LaHtmlEntity;

typedef struct
{
  guint32 codepoint;
  const gchar *value;           /* UTF-8, may be a C1 control */
} LaHtmlCharref;

extern const LaHtmlEntity la_html5_entities[];
extern const guint la_html5_entities_len;
extern const LaHtmlEntity la_ftfy_upper_entities[];
extern const guint la_ftfy_upper_entities_len;
extern const LaHtmlCharref la_html_invalid_charrefs[];
extern const guint la_html_invalid_charrefs_len;
extern const guint32 la_html_invalid_codepoints[];
extern const guint la_html_invalid_codepoints_len;

G_END_DECLS
#endif /* __LA_HTML_ENTITIES_H__ */
