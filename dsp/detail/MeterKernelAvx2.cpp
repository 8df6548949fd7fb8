// The metering kernel for AVX2 + FMA: 256-bit registers, two per lane group. Flags in
// dsp/CMakeLists.txt.
#define HEADROOM_KERNEL_NAME meterChunkAvx2
#define HEADROOM_KERNEL_WIDTH 8
#include "dsp/detail/MeterKernelBody.h"
