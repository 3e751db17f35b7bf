/* liveavatar: Wan's prompt cleaning
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Wan's HuggingfaceTokenizer(clean='whitespace') (wan/modules/tokenizers.py)
 * runs, before tokenizing:
 *   basic_clean:      ftfy.fix_text, html.unescape twice, str.strip
 *   whitespace_clean: regex.sub(r'\s+', ' '), str.strip
 * Everything but ftfy is reproduced exactly (Python 3.11 html, the regex
 * module's \s = Unicode White_Space, str.strip's isspace set, which adds
 * U+001C..U+001F).
 *
 * ftfy is not available in C; la_text_ftfy_fix keeps the part of
 * ftfy.fix_text (6.x, default config) that is a fixed character rule, in
 * ftfy's order and, as ftfy does, per line and repeated until nothing
 * changes: unescape_html (skipped from the first line holding '<' on),
 * fix_c1_controls (U+0080..U+009F read as Windows-1252), fix_latin_ligatures,
 * fix_character_width (fullwidth/halfwidth forms and U+3000 to their NFKC
 * forms), uncurl_quotes, fix_line_breaks, remove_terminal_escapes (ANSI
 * CSI sequences), remove_control_chars, then NFC. Left out: fix_encoding
 * (mojibake detection and repair, with restore_byte_a0,
 * replace_lossy_sequences and decode_inconsistent_utf8), which is a
 * statistical heuristic over a large table; a prompt that is mojibake
 * ("cafÃ©") is therefore tokenized as written.
 */

#ifndef __LA_TEXT_CLEAN_H__
#define __LA_TEXT_CLEAN_H__

#include <glib.h>

G_BEGIN_DECLS

/* @text must be valid UTF-8 (NUL-terminated); the result is newly
 * allocated. */
    gchar * la_text_clean_whitespace (const gchar * text);

/* The steps alone, for tests. */
gchar *la_text_ftfy_fix (const gchar * text);
gchar *la_text_html_unescape (const gchar * text);

G_END_DECLS
#endif /* __LA_TEXT_CLEAN_H__ */
