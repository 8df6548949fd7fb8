// The metering kernel compiled for the Avx512 instruction set (flags set in dsp/CMakeLists.txt).
#define HEADROOM_KERNEL_NAME meterChunkAvx512
#include "dsp/detail/MeterKernelBody.h"
