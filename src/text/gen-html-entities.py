#!/usr/bin/env python3
# liveavatar: writes la-html-entities.c from Python's own tables
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
#
# Wan cleans prompts with html.unescape and ftfy's unescape_html; both read
# Python's html.entities.html5. This copies that table (and html's numeric
# reference fix-ups, and ftfy's upper-case entity variants, built as
# ftfy/chardata.py builds them) into C. Standard library only.
#
#   python3 src/text/gen-html-entities.py > src/text/la-html-entities.c

import html
import html.entities
import sys


def c_string(s):
    out = '"'
    for b in s.encode('utf-8'):
        if 0x20 <= b < 0x7f and chr(b) not in '"\\?':
            out += chr(b)
        else:
            out += '\\%03o' % b
    return out + '"'


def ftfy_upper_entities():
    # ftfy chardata._build_html_entities: the upper-cased names it also
    # accepts; the lower-case ones are html5's own names ending in ';'.
    entities = {}
    for name, char in html.entities.html5.items():
        if name.endswith(';') and name == name.lower():
            upper = '&' + name.upper()
            if html.unescape(upper) == upper:
                entities[name.upper()] = char.upper()
    return entities


def emit_table(w, ctype, cname, items):
    w('const %s %s[] = {\n' % (ctype, cname))
    for k, v in items:
        w('  {%s, %s},\n' % (c_string(k), c_string(v)))
    w('};\n')
    w('const guint %s_len = G_N_ELEMENTS (%s);\n\n' % (cname, cname))


def main():
    w = sys.stdout.write
    w('/* liveavatar: HTML character references (generated, do not edit)\n'
      ' * Copyright (C) 2026 liveavatar developers\n'
      ' *\n'
      ' * This library is free software; you can redistribute it and/or\n'
      ' * modify it under the terms of the GNU Library General Public\n'
      ' * License as published by the Free Software Foundation; either\n'
      ' * version 2.1 of the License, or (at your option) any later'
      ' version.\n'
      ' *\n'
      ' * Written by gen-html-entities.py from Python %d.%d.%d.\n'
      ' */\n\n' % sys.version_info[:3])
    w('#include "config.h"\n\n#include "la-html-entities.h"\n\n')

    html5 = sorted(html.entities.html5.items(),
                   key=lambda kv: kv[0].encode('utf-8'))
    emit_table(w, 'LaHtmlEntity', 'la_html5_entities', html5)

    upper = sorted(ftfy_upper_entities().items(),
                   key=lambda kv: kv[0].encode('utf-8'))
    emit_table(w, 'LaHtmlEntity', 'la_ftfy_upper_entities', upper)

    w('const LaHtmlCharref la_html_invalid_charrefs[] = {\n')
    for cp, s in sorted(html._invalid_charrefs.items()):
        w('  {0x%x, %s},\n' % (cp, c_string(s)))
    w('};\n')
    w('const guint la_html_invalid_charrefs_len = '
      'G_N_ELEMENTS (la_html_invalid_charrefs);\n\n')

    w('const guint32 la_html_invalid_codepoints[] = {\n')
    cps = sorted(html._invalid_codepoints)
    for i in range(0, len(cps), 8):
        w('  ' + ', '.join('0x%x' % c for c in cps[i:i + 8]) + ',\n')
    w('};\n')
    w('const guint la_html_invalid_codepoints_len = '
      'G_N_ELEMENTS (la_html_invalid_codepoints);\n')


if __name__ == '__main__':
    main()
