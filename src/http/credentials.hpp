// AWS credentials from the environment or the shared credentials file.
#pragma once

#include "http/sigv4.hpp"

namespace lifeboat::http {

// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the profile
// AWS_PROFILE (default "default") of AWS_SHARED_CREDENTIALS_FILE (default
// ~/.aws/credentials). Throws Error(auth) naming what to set if there are none.
Credentials resolve_credentials();

}  // namespace lifeboat::http
