// The metering kernel compiled for the Avx2 instruction set (flags set in dsp/CMakeLists.txt).
#define HEADROOM_KERNEL_NAME meterChunkAvx2
#include "dsp/detail/MeterKernelBody.h"
