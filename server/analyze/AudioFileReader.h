#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

// Reads an audio file (WAV, FLAC, AIFF and whatever else libsndfile decodes) as planar float blocks:
// the offline counterpart of the JACK client's port buffers. Integer PCM is normalised by libsndfile
// to [-1, 1) (divided by 2^(bits-1)); float files are passed through unscaled, overs included.
//
// Owned by whoever meters the file (FileAnalysis, SessionAudit); [setup]/[worker] only:
// every call may block on I/O. RAII over the SNDFILE handle; movable, not copyable.
typedef struct sf_private_tag SNDFILE; // libsndfile's opaque handle, declared as <sndfile.h> does

namespace headroom::server
{

// A file that cannot be opened or read. what() is one line naming the file and the reason.
class AudioFileError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// What a file is, as far as metering needs to know.
struct AudioFileInfo
{
    std::string path;                  // as given to the reader
    std::string containerName;         // libsndfile's name of the container, e.g. "WAV (Microsoft)"
    std::string encodingName;          // libsndfile's name of the sample coding, e.g. "Signed 24 bit PCM"
    uint32_t sampleRateHz = 0;         // frames per second
    std::size_t numChannels = 0;       // interleaved channels in the file
    std::optional<uint64_t> numFrames; // from the header; empty when the file does not say
    std::optional<int> integerBits;    // bits per sample of integer PCM; empty for float and other codings
    float clipThresholdLinear = 1.0f;  // |x| at or above this counts as clipped (see clipThresholdFor)
};

class AudioFileReader
{
public:
    // 4096 frames a read: libsndfile's per-call cost vanishes and a block (16 KiB per channel)
    // stays in cache. Readings do not depend on it (TapMeterBank is block-size invariant).
    static constexpr std::size_t kDefaultBlockFrames = 4096;

    // [setup] Opens the file and sizes the block buffers. Throws AudioFileError.
    explicit AudioFileReader(const std::string& path, std::size_t maxBlockFrames = kDefaultBlockFrames);
    ~AudioFileReader();
    AudioFileReader(AudioFileReader&&) noexcept;
    AudioFileReader& operator=(AudioFileReader&&) noexcept;
    AudioFileReader(const AudioFileReader&) = delete;
    AudioFileReader& operator=(const AudioFileReader&) = delete;

    [[nodiscard]] const AudioFileInfo& info() const noexcept { return info_; }
    [[nodiscard]] std::size_t maxBlockFrames() const noexcept { return maxBlockFrames_; }

    // [worker] Reads the next block of up to maxBlockFrames() frames; returns the frames read, 0 at
    // the end of the file. Throws AudioFileError on a read error.
    std::size_t readBlock();

    // [worker] One pointer per channel to the block just read (valid until the next readBlock()).
    [[nodiscard]] const float* const* channels() const noexcept { return pointers_.data(); }

private:
    struct Closer
    {
        void operator()(SNDFILE* file) const noexcept;
    };

    std::unique_ptr<SNDFILE, Closer> file_;  // open handle
    AudioFileInfo info_;                     // filled at open
    std::size_t maxBlockFrames_ = 0;         // frames per readBlock()
    std::vector<float> interleaved_;         // libsndfile's output: maxBlockFrames_ * channels
    std::vector<std::vector<float>> planar_; // one buffer of maxBlockFrames_ per channel
    std::vector<const float*> pointers_;     // planar_[c].data(), what channels() returns
};

// [any] The clip threshold for a libsndfile format code (SF_FORMAT_* container | subtype).
//
// Integer PCM: libsndfile normalises by 2^(bits-1), so the largest positive code reads
// (2^(bits-1) - 1) / 2^(bits-1), e.g. +32767/32768 at 16 bits, and never 1.0. A sample at the
// largest positive code is at full scale (it is what a converter or a limiter that clips produces),
// so that value is the threshold; the most negative code (-1.0) is at or above it in magnitude too.
// At 32 bits the threshold rounds to 1.0f in float (24-bit mantissa): codes within 2^-24 of full
// scale count as clipped. Float files: 1.0 (0 dBFS); overs above it are kept and counted.
// Other codings (mu-law, A-law, ADPCM, lossy): 1.0, the decoder's full scale.
[[nodiscard]] float clipThresholdFor(int sndfileFormat) noexcept;

// [any] Bits per sample of integer PCM for a libsndfile format code; empty for other codings.
[[nodiscard]] std::optional<int> integerBitsOf(int sndfileFormat) noexcept;

} // namespace headroom::server
