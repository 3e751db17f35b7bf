/* liveavatar: the tiny model in a temporary folder, for tests
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The suites that load the assembled model (avatar, engine, e2e, cli)
 * write the tiny model (la-tiny-model.h) to a fresh temporary folder and
 * remove the folder at the end; the writers' tests save a file the same
 * way. Failures g_assert().
 */

#ifndef __TEST_TINY_H__
#define __TEST_TINY_H__

#include <glib.h>

G_BEGIN_DECLS

/* a new temporary folder holding la_tiny_model_write (@seed)'s files
 * (g_free, or la_test_tiny_model_free) */
gchar          *la_test_tiny_model_new (guint64 seed);
/* removes @dir and everything below it, frees @dir; NULL is ignored */
void            la_test_tiny_model_free (gchar * dir);

/* a writer's save function (la_safetensors_writer_save and the like) */
typedef gboolean (*LaTestSaveFunc) (gpointer writer, const gchar * path,
    GError ** error);

/* @save into a folder that does not exist must be LA_ERROR_FAILED; into a
 * new temporary folder, as @name, it must succeed: that file's path, for
 * the caller to read back, then la_test_saved_free */
gchar          *la_test_save (LaTestSaveFunc save, gpointer writer,
    const gchar * name);
/* removes the file la_test_save wrote and its folder, frees @path */
void            la_test_saved_free (gchar * path);

/* rm -r @path, not following symbolic links; a missing path is fine */
void            la_test_remove_tree (const gchar * path);

G_END_DECLS

#endif /* __TEST_TINY_H__ */
