// Named crash points: a test sets LIFEBOAT_CRASH_AT=NAME and the process kills itself
// (SIGKILL, as a power cut or kill -9 would) when it reaches that point, so the test can
// prove that the next run recovers. Costs one getenv per point when unset.
#pragma once

#include <string_view>

namespace lifeboat {

// Dies with SIGKILL if LIFEBOAT_CRASH_AT names `point`.
void crash_point(std::string_view point);

}  // namespace lifeboat
