#pragma once

// HEADROOM_RT_SCOPE(): marks the rest of the enclosing block as real-time code for RealtimeSanitizer.
//
// Put it on the first line of every JACK process callback. In a build with -DHEADROOM_RTSAN=1 (the
// `headroom_rtsan` executable, linked with clang-19's rtsan runtime by hand because Debian 12 has no
// compiler that accepts -fsanitize=realtime), it calls __rtsan_realtime_enter() now and
// __rtsan_realtime_exit() when the block is left by any path; while inside, the runtime aborts the
// process with exit code 1 at the first call to malloc, free, pthread_mutex_lock, a blocking system
// call or I/O, and prints where it happened. In every other build it compiles to nothing.
//
// Both functions only set and clear a per-thread flag, so the guard is itself real-time safe.

#if defined(HEADROOM_RTSAN) && HEADROOM_RTSAN

extern "C" void __rtsan_realtime_enter();
extern "C" void __rtsan_realtime_exit();

namespace headroom::server::detail
{
class RealtimeScope
{
public:
    RealtimeScope() noexcept { __rtsan_realtime_enter(); }
    ~RealtimeScope() { __rtsan_realtime_exit(); }
    RealtimeScope(const RealtimeScope&) = delete;
    RealtimeScope& operator=(const RealtimeScope&) = delete;
};
} // namespace headroom::server::detail

#define HEADROOM_RT_SCOPE()                                                                                  \
    const ::headroom::server::detail::RealtimeScope headroomRealtimeScope_ {}

#else

#define HEADROOM_RT_SCOPE() static_cast<void>(0)

#endif
