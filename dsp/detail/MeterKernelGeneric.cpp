// The metering kernel for any CPU: 128-bit registers (SSE2 on x86-64, NEON on AArch64), four per
// lane group. Flags in dsp/CMakeLists.txt.
#define HEADROOM_KERNEL_NAME meterChunkGeneric
#define HEADROOM_KERNEL_WIDTH 4
#include "dsp/detail/MeterKernelBody.h"
