// The cases of the store conformance suite.
#include "conformance/store_conformance.hpp"

#include <thread>

#include "support/test_env.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace lifeboat::test {

using store::ByteRange;
using store::ListOptions;
using store::WriteOptions;

void StoreConformance::SetUp() {
  m_store = GetParam().make_empty();
  if (!m_store) {
    if (skips_forbidden()) {
      FAIL() << GetParam().name << " server is not configured and skipping is forbidden (CI)";
    }
    GTEST_SKIP() << GetParam().name << " server is not configured";
  }
}

void StoreConformance::TearDown() {
  if (m_store) {
    std::vector<std::string> all;
    for (const auto& entry : m_store->list_all({})) {
      all.push_back(entry.info.key);
    }
    m_store->remove(all);
  }
}

std::string StoreConformance::put(const std::string& key, const std::string& data,
                                  const WriteOptions& options) {
  return store::put_all(*m_store, key, data, options).etag;
}

std::string StoreConformance::get(const std::string& key, const ByteRange& range) {
  auto stream = m_store->open_read(key, range);
  std::string out;
  std::vector<std::uint8_t> buffer(100'003);  // odd on purpose: reads never align to parts
  while (auto n = stream->read(buffer)) {
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
  return out;
}

std::vector<std::string> StoreConformance::keys(const ListOptions& options) {
  std::vector<std::string> out;
  for (const auto& entry : m_store->list_all(options)) {
    out.push_back(entry.info.key);
  }
  return out;
}

// Runs `body` and returns the kind of the lifeboat::Error it threw.
template <typename Body>
std::optional<ErrorKind> error_kind(Body&& body, std::string* message = nullptr) {
  try {
    body();
  } catch (const Error& error) {
    if (message != nullptr) {
      *message = error.what();
    }
    return error.kind();
  }
  return std::nullopt;
}

TEST_P(StoreConformance, RoundTripIsByteExact) {
  auto data = random_data(70'000, 1);
  auto etag = put("a/object", data, WriteOptions{.metadata = {{"release", "201705-2"}}});
  EXPECT_EQ(get("a/object"), data);
  auto info = store().head("a/object");
  EXPECT_EQ(info.size, data.size());
  EXPECT_EQ(info.etag, etag);
  EXPECT_FALSE(info.etag.empty());
  EXPECT_EQ(info.metadata.at("release"), "201705-2");
}

TEST_P(StoreConformance, EmptyObject) {
  put("empty", "");
  EXPECT_EQ(get("empty"), "");
  EXPECT_EQ(store().head("empty").size, 0u);
}

TEST_P(StoreConformance, MissingObject) {
  EXPECT_FALSE(store().stat("nothing/here").has_value());
  std::string message;
  EXPECT_EQ(error_kind([&] { get("nothing/here"); }, &message), ErrorKind::not_found);
  EXPECT_NE(message.find("nothing/here"), std::string::npos) << message;
}

TEST_P(StoreConformance, OverwriteReplacesWhole) {
  put("k", random_data(5000, 2));
  auto second = random_data(300, 3);
  put("k", second);
  EXPECT_EQ(get("k"), second);
}

TEST_P(StoreConformance, NotCommittingLeavesNothing) {
  {
    auto writer = store().open_write("uncommitted");
    auto data = random_data(1000, 4);
    writer->write(as_bytes(data));
  }
  EXPECT_FALSE(store().stat("uncommitted").has_value());
  EXPECT_TRUE(keys({}).empty());
}

TEST_P(StoreConformance, AbortLeavesNothingAndAbortAfterCommitDoesNothing) {
  auto writer = store().open_write("aborted");
  writer->write(as_bytes("abc"));
  writer->abort();
  writer->abort();
  EXPECT_FALSE(store().stat("aborted").has_value());

  auto committed = store().open_write("committed");
  committed->write(as_bytes("xyz"));
  committed->commit();
  committed->abort();
  EXPECT_EQ(get("committed"), "xyz");
}

TEST_P(StoreConformance, ShortBodyIsRejectedAndOldObjectKept) {
  put("short", "old contents");
  auto writer = store().open_write("short", WriteOptions{.size = 100});
  writer->write(as_bytes(random_data(58, 5)));
  std::string message;
  EXPECT_EQ(error_kind([&] { writer->commit(); }, &message), ErrorKind::corrupt);
  EXPECT_NE(message.find("expected 100 bytes, got 58"), std::string::npos) << message;
  EXPECT_EQ(get("short"), "old contents");
  EXPECT_EQ(keys({}), std::vector<std::string>{"short"});
}

TEST_P(StoreConformance, WrongDigestIsRejectedAndNothingStored) {
  auto data = random_data(4096, 6);
  auto digest = to_hex(sha256(as_bytes(data)));
  digest[0] = digest[0] == '0' ? '1' : '0';
  auto writer = store().open_write("digest", WriteOptions{.sha256 = digest});
  writer->write(as_bytes(data));
  EXPECT_EQ(error_kind([&] { writer->commit(); }), ErrorKind::corrupt);
  EXPECT_FALSE(store().stat("digest").has_value());
  // The right digest is accepted.
  put("digest", data, WriteOptions{.sha256 = to_hex(sha256(as_bytes(data)))});
  EXPECT_EQ(get("digest"), data);
}

TEST_P(StoreConformance, TraversalKeysAreRejected) {
  const std::vector<std::string> bad_keys = {"a/../../b", "../escape", "/absolute", "a/./b", "..",
                                             "", "bad\nkey", std::string("nul\0key", 7),
                                             std::string("\xff\xfe", 2)};
  for (const auto& key : bad_keys) {
    EXPECT_EQ(error_kind([&] { put(key, "x"); }), ErrorKind::usage) << key;
    EXPECT_EQ(error_kind([&] { store().stat(key); }), ErrorKind::usage) << key;
  }
  EXPECT_TRUE(keys({}).empty());
}

TEST_P(StoreConformance, Utf8AndSpacesInKeys) {
  std::vector<std::string> names = {"dir with space/file name.txt", "naïve/☃ snow",
                                    "plus+equals=amp&q?hash#pct%20", "日本/語"};
  for (const auto& name : names) {
    put(name, "value of " + name);
  }
  for (const auto& name : names) {
    EXPECT_EQ(get(name), "value of " + name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(keys({}), names);
}

TEST_P(StoreConformance, ListsAcrossPagesInOrder) {
  constexpr int k_count = 1105;
  std::vector<std::string> expected;
  for (int i = 0; i < k_count; ++i) {
    expected.push_back("many/" + std::to_string(i));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < k_count; i += 8) {
        store::put_all(store(), expected[static_cast<std::size_t>(i)], std::to_string(i));
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(keys({.prefix = "many/"}), expected);
  // Stopping early stops the listing.
  int seen = 0;
  store().list({.prefix = "many/"}, [&](const store::ListEntry&) { return ++seen < 3; });
  EXPECT_EQ(seen, 3);
}

TEST_P(StoreConformance, ListsWithDelimiterAndStartAfter) {
  for (std::string key : {"p/a", "p/b/1", "p/b/2", "p/c", "p/d/x/y", "p-z", "q"}) {
    put(key, key);
  }
  auto rows = store().list_all({.prefix = "p/", .delimiter = "/"});
  std::vector<std::string> seen;
  for (const auto& row : rows) {
    seen.push_back((row.is_prefix ? "PRE " : "") + row.info.key);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"p/a", "PRE p/b/", "p/c", "PRE p/d/"}));
  EXPECT_EQ(keys({.start_after = "p/b/1"}),
            (std::vector<std::string>{"p/b/2", "p/c", "p/d/x/y", "q"}));
  // '-' sorts before '/': byte order, not directory order.
  EXPECT_EQ(keys({.prefix = "p"}),
            (std::vector<std::string>{"p-z", "p/a", "p/b/1", "p/b/2", "p/c", "p/d/x/y"}));
}

TEST_P(StoreConformance, RangeReads) {
  auto data = random_data(10'000, 7);
  put("r", data);
  EXPECT_EQ(get("r", {.offset = 100, .length = 100}), data.substr(100, 100));
  EXPECT_EQ(get("r", {.offset = 9'990}), data.substr(9'990));
  EXPECT_EQ(get("r", {.offset = 9'000, .length = 5'000}), data.substr(9'000));  // cut at end
  EXPECT_EQ(get("r", {.offset = 5, .length = 0}), "");
  EXPECT_EQ(error_kind([&] { get("r", {.offset = 10'000}); }), ErrorKind::invalid_range);
  EXPECT_EQ(error_kind([&] { get("r", {.offset = 20'000, .length = 1}); }),
            ErrorKind::invalid_range);
}

TEST_P(StoreConformance, LargeMultipartObject) {
  constexpr std::size_t k_size = 100u << 20;
  auto data = random_data(k_size, 8);
  auto writer = store().open_write("big", WriteOptions{.size = k_size});
  for (std::size_t offset = 0; offset < k_size; offset += 777'777) {
    writer->write(as_bytes(std::string_view(data).substr(offset, 777'777)));
  }
  auto info = writer->commit();
  EXPECT_EQ(info.size, k_size);
  EXPECT_EQ(store().head("big").etag, info.etag);
  auto back = get("big");
  ASSERT_EQ(back.size(), k_size);
  EXPECT_TRUE(back == data) << "content differs";
  EXPECT_EQ(get("big", {.offset = k_size - 10}), data.substr(k_size - 10));
}

TEST_P(StoreConformance, IfAbsentCreatesOnce) {
  put("lease", "first", WriteOptions{.if_absent = true});
  EXPECT_EQ(error_kind([&] { put("lease", "second", WriteOptions{.if_absent = true}); }),
            ErrorKind::already_exists);
  EXPECT_EQ(get("lease"), "first");
}

TEST_P(StoreConformance, RemoveIsBatchedAndIgnoresMissing) {
  put("x/1", "1");
  put("x/2", "2");
  put("y", "3");
  std::vector<std::string> doomed{"x/1", "x/2", "never-existed"};
  store().remove(doomed);
  EXPECT_EQ(keys({}), std::vector<std::string>{"y"});
  store().remove(doomed);  // again: idempotent
}

TEST_P(StoreConformance, CopyKeepsContentAndMetadata) {
  auto data = random_data(12'345, 9);
  put("src", data, WriteOptions{.metadata = {{"kind", "snapshot"}}});
  store().copy("src", "dst/copy");
  EXPECT_EQ(get("dst/copy"), data);
  EXPECT_EQ(store().head("dst/copy").metadata.at("kind"), "snapshot");
  EXPECT_EQ(error_kind([&] { store().copy("missing", "dst/x"); }), ErrorKind::not_found);
}

TEST_P(StoreConformance, ConcurrentWritersLeaveOneWholeObject) {
  std::vector<std::string> versions;
  for (int i = 0; i < 4; ++i) {
    versions.push_back(random_data(1 << 20, 100 + static_cast<std::uint64_t>(i)));
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { store::put_all(store(), "contended", versions[static_cast<std::size_t>(i)]); });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  auto result = get("contended");
  EXPECT_NE(std::find(versions.begin(), versions.end(), result), versions.end());
  EXPECT_EQ(keys({}), std::vector<std::string>{"contended"});
}

}  // namespace lifeboat::test

namespace lifeboat::test {

TEST_P(StoreConformance, SpliceReplacesTheHeadAndKeepsTheRest) {
  for (std::size_t size : {std::size_t{1000}, std::size_t{20u << 20}}) {
    auto data = random_data(size, 40 + size);
    auto etag = put("spliced", data, store::WriteOptions{.metadata = {{"kind", "snapshot"}}});
    std::string prefix = "a new head of another length";
    store().splice("spliced", etag, as_bytes(prefix), 100);
    auto back = get("spliced");
    EXPECT_EQ(back.size(), prefix.size() + size - 100) << size;
    EXPECT_TRUE(back == prefix + data.substr(100)) << size;
    EXPECT_EQ(store().head("spliced").metadata.at("kind"), "snapshot");
    // A stale etag is refused and changes nothing.
    EXPECT_EQ(error_kind([&] { store().splice("spliced", etag, as_bytes(prefix), 0); }),
              ErrorKind::precondition_failed);
    EXPECT_TRUE(get("spliced") == back);
  }
}

}  // namespace lifeboat::test
