// Error kinds map to the exit codes of DESIGN.md's command contract.
#include <gtest/gtest.h>

#include <cerrno>

#include "util/error.hpp"

namespace lifeboat {

TEST(Error, ExitCodes) {
  EXPECT_EQ(exit_code(ErrorKind::usage), 2);
  EXPECT_EQ(exit_code(ErrorKind::unsafe), 3);
  EXPECT_EQ(exit_code(ErrorKind::not_found), 1);
  EXPECT_EQ(exit_code(ErrorKind::corrupt), 1);
}

TEST(Error, OnlyTransientIsRetried) {
  EXPECT_TRUE(Error(ErrorKind::transient, "x").transient());
  EXPECT_FALSE(Error(ErrorKind::io, "x").transient());
}

TEST(Error, ErrnoMapping) {
  try {
    throw_errno("unable to open 'f'", ENOENT);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
    EXPECT_STREQ(e.what(), "unable to open 'f': No such file or directory");
  }
  try {
    throw_errno("unable to write 'f'", ENOSPC);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::io);
    EXPECT_NE(std::string(e.what()).find("free space"), std::string::npos);
  }
}

}  // namespace lifeboat
