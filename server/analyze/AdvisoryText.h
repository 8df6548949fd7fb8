#pragma once

#include <string>
#include <vector>

#include "server/advisor/AdvisoryRecord.h"
#include "server/engine/Session.h"

// The advisor's output as text for people, shared by the audit's text and HTML reports: per node,
// each advisory's title, stage, amount, symptom, cause and fix (the guide's "symptom -> most likely
// cause -> fix"). [any]: pure functions.
namespace headroom::server
{

// [any] "Lower 9.0 dB", "Raise 14.0 dB", "" when there is no amount.
[[nodiscard]] std::string amountPhrase(const AdvisoryRecord& advisory);

// [any] "3.10 s" or "1:02.40" for audio time.
[[nodiscard]] std::string audioTimeText(double seconds);

// [any] The `Advisories` section of the audit's text report: the advisories raised at the end,
// grouped by node in session order, then those raised and cleared during the audit (when and how
// long). Ends in a newline.
void appendAdvisoriesText(std::string& out, const Session& session, const std::vector<AdvisoryRecord>& active,
                          const std::vector<AdvisoryRecord>& cleared);

} // namespace headroom::server
