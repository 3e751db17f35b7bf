/* liveavatar: HTML character references, as Python and ftfy resolve them
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Two flavours, both on code points (gunichar) because both count
 * characters:
 * - la_html_unescape: Python's html.unescape (3.11): named references
 *   with or without ';' (the longest known prefix of up to 32 characters
 *   wins, the rest is kept), decimal and hex references with the HTML5
 *   fix-ups (C1 range read as Windows-1252, surrogates and out-of-range
 *   values to U+FFFD, noncharacters and most controls dropped).
 * - la_ftfy_unescape_html: ftfy's fixes.unescape_html: only "&name;" or
 *   "&#...;" with 1-24 letters or digits, named ones also in upper case.
 */

#ifndef __LA_HTML_UNESCAPE_H__
#define __LA_HTML_UNESCAPE_H__

#include <glib.h>

G_BEGIN_DECLS

/* Append the unescaped form of @s (@n code points) to @out (gunichar). */
void la_html_unescape (const gunichar * s, gsize n, GArray * out);
void la_ftfy_unescape_html (const gunichar * s, gsize n, GArray * out);

G_END_DECLS
#endif /* __LA_HTML_UNESCAPE_H__ */
