/* liveavatar: the tiny model in a temporary folder, for tests
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "test-tiny.h"

#include "la-tiny-model.h"
#include "liveavatar.h"

#include <glib/gstdio.h>

gchar *
la_test_tiny_model_new (guint64 seed)
{
  GError *err = NULL;
  gchar *dir = g_dir_make_tmp ("la-tiny-XXXXXX", &err);

  g_assert_no_error (err);
  g_assert_true (la_tiny_model_write (dir, seed, &err));
  g_assert_no_error (err);
  return dir;
}

void
la_test_tiny_model_free (gchar * dir)
{
  if (!dir)
    return;
  la_test_remove_tree (dir);
  g_free (dir);
}

gchar *
la_test_save (LaTestSaveFunc save, gpointer writer, const gchar * name)
{
  GError *err = NULL;
  gchar *dir = g_dir_make_tmp ("la-writer-XXXXXX", &err);
  gchar *path;

  g_assert_no_error (err);
  path = g_build_filename (dir, "missing", name, NULL);
  g_assert_false (save (writer, path, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_FAILED);
  g_clear_error (&err);
  g_free (path);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (save (writer, path, &err));
  g_assert_no_error (err);
  g_free (dir);
  return path;
}

void
la_test_saved_free (gchar * path)
{
  gchar *dir = g_path_get_dirname (path);

  la_test_remove_tree (dir);
  g_free (dir);
  g_free (path);
}

void
la_test_remove_tree (const gchar * path)
{
  /* a link to a folder goes, not what it points to */
  if (g_file_test (path, G_FILE_TEST_IS_DIR) &&
      !g_file_test (path, G_FILE_TEST_IS_SYMLINK)) {
    GDir *dir = g_dir_open (path, 0, NULL);
    const gchar *name;

    while (dir && (name = g_dir_read_name (dir)) != NULL) {
      gchar *child = g_build_filename (path, name, NULL);

      la_test_remove_tree (child);
      g_free (child);
    }
    if (dir)
      g_dir_close (dir);
  }
  g_remove (path);
}
