// The metering kernel compiled for the Generic instruction set (flags set in dsp/CMakeLists.txt).
#define HEADROOM_KERNEL_NAME meterChunkGeneric
#include "dsp/detail/MeterKernelBody.h"
