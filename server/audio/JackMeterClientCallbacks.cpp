// The code JACK's threads run for JackMeterClient, kept apart so the real-time translation unit can
// be reviewed on its own: the process callback ([rt]: no allocation, lock, system call or I/O; proven
// by the RealtimeSanitizer build through HEADROOM_RT_SCOPE) and the notification callbacks (non-RT
// thread, but racing the RT thread and acting like signal handlers: stores to atomics only).
#include <jack/jack.h>

#include "server/audio/JackMeterClient.h"
#include "server/audio/RealtimeScope.h"

namespace headroom::server
{

int JackMeterClient::onProcess(jack_nframes_t numFrames, void* arg) noexcept
{
    HEADROOM_RT_SCOPE();
    auto* self = static_cast<JackMeterClient*>(arg);
    // Any numFrames works: the meter walks the period in pieces; nothing here depends on the size
    // announced by the buffer-size callback (a server may call process() before it).
    const std::size_t numPorts = self->jackPorts_.size();
    for (std::size_t p = 0; p < numPorts; ++p)
        self->buffers_[p] = static_cast<const float*>(jack_port_get_buffer(self->jackPorts_[p], numFrames));
    if (RealtimeMeter* meter = self->meter_.load(std::memory_order_acquire))
        meter->process(self->buffers_.data(), numFrames);
    self->cycles_.store(self->cycles_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return 0; // always: non-zero silently removes the client from the graph
}

int JackMeterClient::onBufferSize(jack_nframes_t numFrames, void* arg) noexcept
{
    static_cast<JackMeterClient*>(arg)->bufferFrames_.store(numFrames, std::memory_order_relaxed);
    return 0;
}

int JackMeterClient::onSampleRate(jack_nframes_t sampleRateHz, void* arg) noexcept
{
    static_cast<JackMeterClient*>(arg)->serverRateHz_.store(sampleRateHz, std::memory_order_relaxed);
    return 0;
}

int JackMeterClient::onXrun(void* arg) noexcept
{
    auto* self = static_cast<JackMeterClient*>(arg);
    self->xruns_.fetch_add(1, std::memory_order_relaxed);
    if (RealtimeMeter* meter = self->meter_.load(std::memory_order_acquire)) meter->noteXrun();
    return 0;
}

void JackMeterClient::onPortRegistration(jack_port_id_t, int, void* arg) noexcept
{
    static_cast<JackMeterClient*>(arg)->portsChanged_.store(true, std::memory_order_release);
}

void JackMeterClient::onInfoShutdown(jack_status_t code, const char* reason, void* arg) noexcept
{
    // jack.h: written as if it were an asynchronous signal handler. The reason dies with the call,
    // so it is copied byte by byte (no library call), then published by the flag.
    auto* self = static_cast<JackMeterClient*>(arg);
    std::size_t n = 0;
    if (reason != nullptr)
        for (; n + 1 < sizeof self->shutdownReason_ && reason[n] != '\0'; ++n)
            self->shutdownReason_[n] = reason[n];
    self->shutdownReason_[n] = '\0';
    self->shutdownCode_.store(static_cast<int>(code), std::memory_order_relaxed);
    self->shutdownNoticed_.store(true, std::memory_order_release);
}

} // namespace headroom::server
