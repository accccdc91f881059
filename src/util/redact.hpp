// Removing secrets from addresses before they are printed.
#pragma once

#include <string>

namespace lifeboat {

// The address with every secret replaced by "***": pin-value=, password= and secret=
// parameters, and the password of user:password@host.
std::string redact(const std::string& address);

}  // namespace lifeboat
