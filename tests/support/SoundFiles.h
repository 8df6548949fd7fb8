#pragma once

#include <sndfile.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/TestSignals.h"

// Writing test audio files with libsndfile, and a private temporary folder to put them in. Only for
// test targets that link libsndfile (server_tests, through headroom_server).
namespace headroom::test
{

// A fresh folder under the system temp directory, removed with everything in it at destruction.
class TempDir
{
public:
    TempDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "headroom-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
        path_ = pattern;
    }
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

// Bits per sample of an integer PCM libsndfile format, 0 for float formats.
inline int integerBits(int sndfileFormat)
{
    switch (sndfileFormat & SF_FORMAT_SUBMASK)
    {
    case SF_FORMAT_PCM_16:
        return 16;
    case SF_FORMAT_PCM_24:
        return 24;
    case SF_FORMAT_PCM_32:
        return 32;
    default:
        return 0;
    }
}

// The integer code a value is stored as at `bits`: round(x * 2^(bits-1)), clamped to the code range
// (so 1.0 and beyond store the largest positive code, as a clipping converter would).
inline int64_t toCode(double x, int bits)
{
    const double fullScale = std::ldexp(1.0, bits - 1);
    const double code = std::clamp(std::round(x * fullScale), -fullScale, fullScale - 1.0);
    return static_cast<int64_t>(code);
}

// Writes planar audio. Integer formats store exactly toCode(x, bits) (written through libsndfile's
// int interface, so its float scaling does not enter); float formats store the floats as they are.
inline void writeSoundFile(const std::string& path, const Planar& audio, int sndfileFormat)
{
    SF_INFO info{};
    info.samplerate = static_cast<int>(audio.sampleRateHz);
    info.channels = static_cast<int>(audio.channels.size());
    info.format = sndfileFormat;
    if (sf_format_check(&info) == 0) throw std::runtime_error("invalid libsndfile format for " + path);
    SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
    if (file == nullptr) throw std::runtime_error("cannot write " + path + ": " + sf_strerror(nullptr));

    const std::size_t numChannels = audio.channels.size();
    const std::size_t numFrames = audio.numFrames();
    const int bits = integerBits(sndfileFormat);
    constexpr std::size_t kBlock = 8192;
    std::vector<int> ints(kBlock * numChannels);
    std::vector<float> floats(kBlock * numChannels);
    for (std::size_t start = 0; start < numFrames; start += kBlock)
    {
        const std::size_t frames = std::min(kBlock, numFrames - start);
        for (std::size_t n = 0; n < frames; ++n)
            for (std::size_t c = 0; c < numChannels; ++c)
            {
                const float x = audio.channels[c][start + n];
                if (bits > 0)
                    ints[n * numChannels + c] =
                        static_cast<int>(toCode(x, bits) * (int64_t{1} << (32 - bits)));
                else
                    floats[n * numChannels + c] = x;
            }
        const sf_count_t written =
            bits > 0 ? sf_writef_int(file, ints.data(), static_cast<sf_count_t>(frames))
                     : sf_writef_float(file, floats.data(), static_cast<sf_count_t>(frames));
        if (written != static_cast<sf_count_t>(frames))
        {
            sf_close(file);
            throw std::runtime_error("short write to " + path);
        }
    }
    sf_close(file);
}

inline void writeTextFile(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary);
    out << text;
}

} // namespace headroom::test
