// Error kinds, their names and exit codes.
#include "util/error.hpp"

#include <cerrno>
#include <cstring>

namespace lifeboat {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage: return "usage";
    case ErrorKind::unsafe: return "unsafe";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::already_exists: return "already_exists";
    case ErrorKind::precondition_failed: return "precondition_failed";
    case ErrorKind::invalid_range: return "invalid_range";
    case ErrorKind::corrupt: return "corrupt";
    case ErrorKind::auth: return "auth";
    case ErrorKind::permission: return "permission";
    case ErrorKind::transient: return "transient";
    case ErrorKind::io: return "io";
    case ErrorKind::unsupported: return "unsupported";
    case ErrorKind::internal: return "internal";
  }
  return "internal";
}

int exit_code(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage: return 2;
    case ErrorKind::unsafe: return 3;
    default: return 1;
  }
}

void throw_errno(const std::string& what, int errnum) {
  std::string cause = std::strerror(errnum);
  switch (errnum) {
    case ENOENT: throw Error(ErrorKind::not_found, what + ": " + cause);
    case EACCES:
    case EPERM: throw Error(ErrorKind::permission, what + ": " + cause);
    case ENOSPC:
    case EDQUOT:
      throw Error(ErrorKind::io, what + ": " + cause + "; free space on that disk and try again");
    default: throw Error(ErrorKind::io, what + ": " + cause);
  }
}

}  // namespace lifeboat
