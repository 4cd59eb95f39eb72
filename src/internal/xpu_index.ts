/**
 * The bound of an XPU's index, below the config because the config names indices too
 * (`[xpu-allocator] device-memory`). The rest of the XPU node grammar is discover/xpu_nodes.ts.
 * @module
 */

/**
 * The largest device index, 2^20 - 1: an index names a device node /dev/xpu<N>, and Linux minor
 * numbers have 20 bits. So bounded, an index is exact in every consumer (a JavaScript number, the
 * cli's C integer) instead of rounding or wrapping there into another device's number.
 */
export const MAX_INDEX = 1048575;
