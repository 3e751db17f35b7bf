/* liveavatar: flash attention entry point (bf16, head dim 128, tensor cores)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * o = softmax (q k^T * scale) v per batch and head, no mask, with the
 * layouts of la_kernel_attention () (la-kernels.h):
 *   q, o [batch, lq, heads, 128], k, v [batch, lk, heads, 128]
 * q, k, v bf16; o bf16 or f32. Needs sm_80 or newer (mma.sync bf16,
 * cp.async, ldmatrix) and every pointer aligned to
 * LA_KERNEL_FLASH_ATTENTION_ALIGNMENT bytes; anything else goes to
 * la_kernel_attention (). Returns cudaErrorInvalidValue for arguments it
 * does not take, never touching memory then. kernels/flash_attention.cu.
 */

#ifndef __LA_FLASH_ATTENTION_H__
#define __LA_FLASH_ATTENTION_H__

#include <stdint.h>
#include <cuda_runtime_api.h>

#include "la-kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LA_KERNEL_FLASH_ATTENTION_HEAD_DIM 128
#define LA_KERNEL_FLASH_ATTENTION_ALIGNMENT 16

/* @o_dtype: LA_KERNEL_BF16 or LA_KERNEL_F32; batch and heads <= 65535 */
cudaError_t la_kernel_flash_attention (la_kernel_dtype o_dtype, void *o,
    const void *q, const void *k, const void *v, int64_t batch, int64_t lq,
    int64_t lk, int64_t heads, int64_t head_dim, float scale,
    cudaStream_t stream);

#ifdef __cplusplus
}
#endif

#endif /* __LA_FLASH_ATTENTION_H__ */
