/* liveavatar: T5's relative position bias
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Wan's T5RelativeEmbedding (bidirectional, the encoder's): the distance
 * key - query goes to one of num_buckets buckets, half for keys after the
 * query and half for the rest; within a half, distances below a quarter
 * of num_buckets have a bucket each, longer ones share logarithmically
 * wider buckets up to max_distance, and everything beyond shares the last.
 * Each bucket has one learned bias per head.
 */

#ifndef __LA_T5_POSITION_H__
#define __LA_T5_POSITION_H__

#include <glib.h>

G_BEGIN_DECLS

/* _relative_position_bucket (key - query), bidirectional: the same
 * float32 arithmetic as PyTorch, so the log buckets break at the same
 * distances. @num_buckets >= 4, @max_distance > @num_buckets / 4. */
gint            la_t5_relative_position_bucket (gint64 relative_position,
    gint num_buckets, gint max_distance);

/* @bias [heads, len, len] = table[bucket (j - i), h] for key j, query i,
 * or -inf where @mask[j] is 0 (@mask NULL: all ones). @table
 * [num_buckets, heads] is the pos_embedding.embedding.weight of a block. */
void            la_t5_position_bias (gfloat * bias, const gfloat * table,
    const guint8 * mask, gint64 len, gint heads, gint num_buckets,
    gint max_distance);

G_END_DECLS

#endif /* __LA_T5_POSITION_H__ */
