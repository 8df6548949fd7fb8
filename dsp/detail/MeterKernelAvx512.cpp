// The metering kernel for AVX-512F: one 512-bit register per lane group. Flags in
// dsp/CMakeLists.txt.
#define HEADROOM_KERNEL_NAME meterChunkAvx512
#define HEADROOM_KERNEL_WIDTH 16
#include "dsp/detail/MeterKernelBody.h"
