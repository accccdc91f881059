// Small text helpers shared by the address parsers and the clocks of the wire formats.
#pragma once

#include <chrono>
#include <string>

namespace lifeboat {

// Decodes %XX escapes; anything else (a lone '%' among it) is kept as it is.
std::string percent_decode(const std::string& text);

// A UTC time as strftime(3) formats it: "%Y%m%dT%H%M%SZ" (SigV4), "%Y-%m-%dT%H:%M:%SZ"
// (RFC 3339, the default).
std::string format_utc(std::chrono::system_clock::time_point time,
                       const char* format = "%Y-%m-%dT%H:%M:%SZ");

}  // namespace lifeboat
