// One exception type for every failure that stops an operation, and the kinds it comes in.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace lifeboat {

// What went wrong, as far as a caller needs to know to decide what to do next.
// main.cpp maps kinds to exit codes (exit_code below); only the retry logic reads
// transient(). Add a kind only when some caller must tell it apart from the others.
enum class ErrorKind {
  usage,                // the command line or an address is malformed (exit 2)
  unsafe,               // refused because going on could lose data (exit 3)
  not_found,            // the named object, key or file does not exist
  already_exists,       // a conditional create found something there
  precondition_failed,  // a conditional request's condition did not hold
  invalid_range,        // a byte range starts past the end of the object
  corrupt,              // data failed a digest, tag or size check
  auth,                 // credentials were rejected or are missing
  permission,           // credentials are valid but not allowed to do this
  transient,            // the peer failed in a way a retry may cure (5xx, 429, reset)
  io,                   // a local system call failed
  unsupported,          // the driver cannot do this
  internal,             // a bug in lifeboat
};

// The name of a kind as it appears in --json output ("not_found", ...).
std::string_view to_string(ErrorKind kind);

// The process exit status for an error of this kind: 2 usage, 3 unsafe, 1 otherwise.
int exit_code(ErrorKind kind);

// A failure that stops the current operation. what() is one line in the style of
// STYLE.md §16: lowercase, names the thing at fault in quotes, then the cause and,
// where there is one, the remedy. It never contains a secret.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), m_kind(kind) {}

  ErrorKind kind() const { return m_kind; }

  // True if repeating the same request may succeed.
  bool transient() const { return m_kind == ErrorKind::transient; }

 private:
  ErrorKind m_kind;
};

// Throws Error(io) with "<what>: <strerror(errnum)>"; ENOENT becomes not_found,
// EACCES/EPERM permission, ENOSPC/EDQUOT io with a "the disk is full" remedy.
[[noreturn]] void throw_errno(const std::string& what, int errnum);

}  // namespace lifeboat
