#include "server/analyze/AudioFileReader.h"

#include <sndfile.h>

#include <cctype>
#include <filesystem>
#include <limits>
#include <string_view>
#include <system_error>

namespace headroom::server
{
namespace
{
// libsndfile's messages read "System error : No such file or directory." or "Format not
// recognised."; one lower-case clause fits after "cannot read 'FILE': ".
std::string cleanMessage(std::string_view message)
{
    constexpr std::string_view kSystemPrefix = "System error : ";
    if (message.starts_with(kSystemPrefix)) message.remove_prefix(kSystemPrefix.size());
    while (!message.empty() && (message.back() == '.' || message.back() == '\n' || message.back() == ' '))
        message.remove_suffix(1);
    std::string clean(message);
    if (!clean.empty()) clean[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(clean[0])));
    if (clean == "format not recognised")
        clean += " (not a WAV, FLAC, AIFF or other file libsndfile can decode)";
    return clean;
}

[[noreturn]] void failToOpen(const std::string& path, const std::string& reason)
{
    throw AudioFileError("cannot read '" + path + "': " + reason);
}

std::string formatName(SNDFILE* file, int format)
{
    SF_FORMAT_INFO info{};
    info.format = format;
    if (sf_command(file, SFC_GET_FORMAT_INFO, &info, sizeof info) != 0 || info.name == nullptr)
        return "unknown";
    return info.name;
}
} // namespace

void AudioFileReader::Closer::operator()(SNDFILE* file) const noexcept
{
    sf_close(file);
}

std::optional<int> integerBitsOf(int sndfileFormat) noexcept
{
    switch (sndfileFormat & SF_FORMAT_SUBMASK)
    {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8:
        return 8;
    case SF_FORMAT_PCM_16:
        return 16;
    case SF_FORMAT_PCM_24:
        return 24;
    case SF_FORMAT_PCM_32:
        return 32;
    default:
        return std::nullopt;
    }
}

float clipThresholdFor(int sndfileFormat) noexcept
{
    const std::optional<int> bits = integerBitsOf(sndfileFormat);
    if (!bits) return 1.0f;
    const double fullScaleCodes = static_cast<double>(uint64_t{1} << (*bits - 1)); // 2^(bits-1)
    return static_cast<float>((fullScaleCodes - 1.0) / fullScaleCodes);
}

AudioFileReader::AudioFileReader(const std::string& path, std::size_t maxBlockFrames)
{
    if (maxBlockFrames == 0) throw std::invalid_argument("AudioFileReader: block size must be positive");

    // libsndfile reports a directory as an unrecognised format; say what it is.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) failToOpen(path, "it is a directory");

    SF_INFO sfInfo{};
    SNDFILE* raw = sf_open(path.c_str(), SFM_READ, &sfInfo);
    if (raw == nullptr) failToOpen(path, cleanMessage(sf_strerror(nullptr)));
    file_.reset(raw);

    if (sfInfo.channels < 1) failToOpen(path, "the file has no channels");
    if (sfInfo.samplerate < 1) failToOpen(path, "the file has no valid sample rate");

    info_.path = path;
    info_.containerName = formatName(raw, sfInfo.format & SF_FORMAT_TYPEMASK);
    info_.encodingName = formatName(raw, sfInfo.format & SF_FORMAT_SUBMASK);
    info_.sampleRateHz = static_cast<uint32_t>(sfInfo.samplerate);
    info_.numChannels = static_cast<std::size_t>(sfInfo.channels);
    // Unseekable sources report no or a huge frame count.
    if (sfInfo.frames > 0 && sfInfo.frames < std::numeric_limits<sf_count_t>::max())
        info_.numFrames = static_cast<uint64_t>(sfInfo.frames);
    else if (sfInfo.frames == 0)
        info_.numFrames = 0;
    info_.integerBits = integerBitsOf(sfInfo.format);
    info_.clipThresholdLinear = clipThresholdFor(sfInfo.format);

    maxBlockFrames_ = maxBlockFrames;
    interleaved_.resize(maxBlockFrames_ * info_.numChannels);
    planar_.assign(info_.numChannels, std::vector<float>(maxBlockFrames_));
    pointers_.clear();
    for (const std::vector<float>& channel : planar_) pointers_.push_back(channel.data());
}

AudioFileReader::~AudioFileReader() = default;
AudioFileReader::AudioFileReader(AudioFileReader&&) noexcept = default;
AudioFileReader& AudioFileReader::operator=(AudioFileReader&&) noexcept = default;

std::size_t AudioFileReader::readBlock()
{
    const sf_count_t read =
        sf_readf_float(file_.get(), interleaved_.data(), static_cast<sf_count_t>(maxBlockFrames_));
    if (read <= 0 || static_cast<std::size_t>(read) < maxBlockFrames_)
    {
        // A short read is the end of the file, unless libsndfile flagged a decoding error.
        if (sf_error(file_.get()) != SF_ERR_NO_ERROR)
            throw AudioFileError("cannot read '" + info_.path +
                                 "': " + cleanMessage(sf_strerror(file_.get())));
    }
    const std::size_t frames = read > 0 ? static_cast<std::size_t>(read) : 0;
    const std::size_t numChannels = info_.numChannels;
    for (std::size_t c = 0; c < numChannels; ++c)
    {
        float* out = planar_[c].data();
        const float* in = interleaved_.data() + c;
        for (std::size_t n = 0; n < frames; ++n) out[n] = in[n * numChannels];
    }
    return frames;
}

} // namespace headroom::server
