#include "dsp/PpmBallistics.h"

#include <cmath>

namespace headroom::dsp
{
namespace
{
struct PpmDynamics
{
    double fastAttackHz; // fast integrator: charge rate (1 / time constant)
    double slowAttackHz; // slow integrator: charge rate
    double fallDb;       // release: this many dB ...
    double fallSeconds;  // ... in this time
};

// First-cut constants; refined by fitting the burst-response tables (see PpmBallisticsTest).
PpmDynamics dynamicsOf(PpmType type) noexcept
{
    switch (type)
    {
    case PpmType::typeI: return {1300.0, 450.0, 20.0, 1.7};
    case PpmType::typeIIa: return {860.0, 200.0, 24.0, 2.8};
    }
    return {860.0, 200.0, 24.0, 2.8};
}
} // namespace

std::string_view toString(PpmType type) noexcept
{
    switch (type)
    {
    case PpmType::typeI: return "type_i";
    case PpmType::typeIIa: return "type_iia";
    }
    return "type_iia";
}

std::optional<PpmType> ppmTypeFromString(std::string_view name) noexcept
{
    if (name == "type_i" || name == "din") return PpmType::typeI;
    if (name == "type_iia" || name == "type_iib" || name == "bbc" || name == "ebu") return PpmType::typeIIa;
    return std::nullopt;
}

PpmCoefficients ppmCoefficientsFor(PpmType type, double sampleRateHz) noexcept
{
    const PpmDynamics d = dynamicsOf(type);
    PpmCoefficients c;
    c.attackFast = static_cast<float>(1.0 - std::exp(-d.fastAttackHz / sampleRateHz));
    c.attackSlow = static_cast<float>(1.0 - std::exp(-d.slowAttackHz / sampleRateHz));
    c.releasePerSample = static_cast<float>(std::pow(10.0, -d.fallDb / 20.0 / (d.fallSeconds * sampleRateHz)));
    c.gain = 0.5f;
    return c;
}

} // namespace headroom::dsp
