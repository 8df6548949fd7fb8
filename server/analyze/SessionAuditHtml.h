#pragma once

#include <string>
#include <string_view>

#include "server/analyze/SessionAudit.h"

// `headroom analyze --session FILE --html OUT`: the audit as one self-contained HTML document a
// teacher can hand out (the guide's "audit an existing session" exercise on paper): inline CSS, an
// inline SVG of the session's signal flow (channels -> buses -> master, left to right, each
// metered stage coloured quiet / in range / hot / clipping against its target, each node badged
// with its advisories), then per node its stages and advisories (symptom, cause, fix), what cleared
// during the audit, and the warnings. No script, no external resource. Every text that comes from
// the session file (names, labels, insert names, notes, file paths) is escaped: the file is
// untrusted. [any]: pure functions.
namespace headroom::server
{

// [any] The whole document, UTF-8, ending in a newline.
[[nodiscard]] std::string sessionAuditHtml(const SessionAuditResult& result);

// [any] Text made safe for HTML element content and attribute values (& < > " ').
[[nodiscard]] std::string escapeHtml(std::string_view text);

} // namespace headroom::server
