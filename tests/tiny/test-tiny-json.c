/* liveavatar tiny-model tests: JSON as Python's json.dumps writes it
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-tiny-json.h"

/* json.dumps (obj, indent=2, sort_keys=True) + "\n" of the same object,
 * written out by hand from Python's rules */
static void
test_format (void)
{
  static const gint ints[] = { 1, -2 };
  static const gchar *const strs[] = { "a\"b" };
  /* *INDENT-OFF* */
  static const gchar want[] =
      "{\n"
      "  \"B\": null,\n"
      "  \"_x\": \"caf\\u00e9 \\ud83d\\ude00\\t\\n\\\\\",\n"
      "  \"a\": [\n"
      "    1,\n"
      "    -2\n"
      "  ],\n"
      "  \"e\": [],\n"
      "  \"eps\": 1e-06,\n"
      "  \"f\": 0.1,\n"
      "  \"g\": 2.0,\n"
      "  \"h\": 123456789.0,\n"
      "  \"i\": -9007199254740993,\n"
      "  \"n\": {\n"
      "    \"k\": [\n"
      "      \"a\\\"b\"\n"
      "    ],\n"
      "    \"z\": {}\n"
      "  },\n"
      "  \"t\": true\n"
      "}\n";
  /* *INDENT-ON* */
  LaTinyJson *j = la_tiny_json_new (), *n = la_tiny_json_new ();
  gchar *text;

  la_tiny_json_set_bool (j, "t", FALSE);
  la_tiny_json_set_bool (j, "t", TRUE);
  la_tiny_json_set_double (j, "eps", 1e-6);
  la_tiny_json_set_double (j, "f", 0.1);
  la_tiny_json_set_double (j, "g", 2.0);
  la_tiny_json_set_double (j, "h", 123456789.0);
  la_tiny_json_set_int (j, "i", G_GINT64_CONSTANT (-9007199254740993));
  la_tiny_json_set_int_array (j, "a", ints, 2);
  la_tiny_json_set_int_array (j, "e", NULL, 0);
  la_tiny_json_set_null (j, "B");
  la_tiny_json_set_string (j, "_x", "caf\xc3\xa9 \xf0\x9f\x98\x80\t\n\\");
  la_tiny_json_set_string_array (n, "k", strs, 1);
  la_tiny_json_set_object (n, "z", la_tiny_json_new ());
  la_tiny_json_set_object (j, "n", n);
  text = la_tiny_json_to_string (j);
  g_assert_cmpstr (text, ==, want);
  g_free (text);
  la_tiny_json_free (j);

  j = la_tiny_json_new ();
  text = la_tiny_json_to_string (j);
  g_assert_cmpstr (text, ==, "{}\n");
  g_free (text);
  la_tiny_json_free (j);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tiny/json/format", test_format);
  return g_test_run ();
}
