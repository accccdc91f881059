// Faults injected around the real S3 driver talking to the real server: retries
// cure transient failures, and a failed upload leaves neither object nor upload.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "fault/faulty_transport.hpp"
#include "store/s3/s3_client.hpp"
#include "store/s3/s3_store.hpp"
#include "support/test_env.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace lifeboat::test {

namespace {

struct Rig {
  std::shared_ptr<FaultyTransport> faults;
  std::unique_ptr<store::Store> store;
  store::S3Options options;
};

Rig make_rig(const std::string& base, int connections = 3) {
  Rig rig;
  rig.faults = std::make_shared<FaultyTransport>(http::make_curl_transport());
  rig.options = store::parse_s3_address(fresh_s3_address(base));
  rig.options.transport = rig.faults;
  rig.options.retry = http::RetryPolicy{.attempts = 4, .base_delay = std::chrono::milliseconds(5),
                                        .max_delay = std::chrono::milliseconds(50)};
  rig.options.connections = connections;
  rig.store = std::make_unique<store::Store>(store::make_s3_store(rig.options));
  return rig;
}

// Multipart uploads still open under the rig's prefix, asked of the server directly.
int open_uploads(const Rig& rig) {
  store::s3::Client client(rig.options);
  auto response = client.send(store::s3::Call{.method = "GET", .query = {{"uploads", ""},
                                              {"prefix", rig.options.prefix}},
                                              .operation = "ListMultipartUploads"});
  EXPECT_EQ(response.status, 200) << response.body;
  pugi::xml_document doc;
  doc.load_buffer(response.body.data(), response.body.size());
  int n = 0;
  for ([[maybe_unused]] auto upload : doc.child("ListMultipartUploadsResult").children("Upload")) {
    ++n;
  }
  return n;
}

std::string read_back(const store::Store& store, const std::string& key) {
  return store::get_all(store, key);
}

constexpr std::size_t k_multipart_size = 30u << 20;  // 4 parts of 8 MiB

}  // namespace

TEST(S3Faults, OneSlowDownOnAPartIsRetried) {
  REQUIRE_S3(base);
  auto rig = make_rig(base);
  rig.faults->add({.operation = "UploadPart 3", .action = Fault::Action::status_503});
  auto data = random_data(k_multipart_size, 11);
  store::put_all(*rig.store, "obj", data);
  EXPECT_EQ(rig.faults->faults_injected(), 1);
  EXPECT_EQ(rig.faults->attempts("UploadPart 3"), 2);
  EXPECT_TRUE(read_back(*rig.store, "obj") == data);
  EXPECT_EQ(open_uploads(rig), 0);
}

TEST(S3Faults, ResetConnectionsOnSmallPutAreRetried) {
  REQUIRE_S3(base);
  auto rig = make_rig(base);
  rig.faults->add({.operation = "PutObject", .action = Fault::Action::cut_before, .times = 2});
  store::put_all(*rig.store, "small", "hello");
  EXPECT_EQ(rig.faults->attempts("PutObject"), 3);
  EXPECT_EQ(read_back(*rig.store, "small"), "hello");
}

TEST(S3Faults, PartThatAlwaysFailsLeavesNoObjectAndNoUpload) {
  REQUIRE_S3(base);
  auto rig = make_rig(base);
  rig.faults->add({.operation = "UploadPart 2", .action = Fault::Action::status_500, .times = -1});
  auto data = random_data(k_multipart_size, 12);
  try {
    store::put_all(*rig.store, "doomed", data);
    FAIL() << "the upload succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
    EXPECT_NE(std::string(e.what()).find("part 2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(rig.faults->attempts("UploadPart 2"), 4);
  EXPECT_FALSE(rig.store->stat("doomed").has_value());
  EXPECT_EQ(open_uploads(rig), 0);
}

TEST(S3Faults, ConnectionDroppedMidDownloadIsResumed) {
  REQUIRE_S3(base);
  auto rig = make_rig(base);
  auto data = random_data(k_multipart_size, 13);
  store::put_all(*rig.store, "download", data);
  rig.faults->add({.operation = "GetObject", .action = Fault::Action::cut_after_bytes,
                   .times = 3, .bytes = 1000});
  EXPECT_TRUE(read_back(*rig.store, "download") == data);
  EXPECT_EQ(rig.faults->faults_injected(), 3);
}

TEST(S3Faults, LostAnswerToCompleteIsRecognisedAsSuccess) {
  REQUIRE_S3(base);
  auto rig = make_rig(base);
  rig.faults->add({.operation = "CompleteMultipartUpload", .action = Fault::Action::lose_answer});
  auto data = random_data(k_multipart_size, 14);
  auto info = store::put_all(*rig.store, "landed", data);
  EXPECT_EQ(rig.store->head("landed").etag, info.etag);
  EXPECT_TRUE(read_back(*rig.store, "landed") == data);
}

TEST(S3Faults, ObjectReplacedDuringReadIsAnError) {
  REQUIRE_S3(base);
  auto rig = make_rig(base, 1);  // one range ahead, so later ranges are read after the swap
  store::put_all(*rig.store, "moving", random_data(k_multipart_size, 15));
  auto reader = rig.store->open_read("moving");
  store::put_all(*rig.store, "moving", random_data(k_multipart_size, 16));
  std::vector<std::uint8_t> buffer(1 << 20);
  try {
    while (reader->read(buffer) > 0) {
    }
    FAIL() << "read a replaced object to the end";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::corrupt);
    EXPECT_NE(std::string(e.what()).find("replaced while being read"), std::string::npos);
  }
}

TEST(S3Faults, SpliceOfALargeObjectCopiesServerSide) {
  REQUIRE_S3(base);
  auto rig = make_rig(base);
  auto data = random_data(40u << 20, 17);
  auto info = store::put_all(*rig.store, "big", data);
  auto gets_before = rig.faults->attempts("GetObject");
  rig.store->splice("big", info.etag, as_bytes("NEWHEAD"), 1000);
  // Only the first 5 MiB of kept bytes came through this process; the rest was copied.
  EXPECT_EQ(rig.faults->attempts("GetObject") - gets_before, 1);
  EXPECT_GE(rig.faults->attempts("UploadPartCopy"), 1);
  EXPECT_TRUE(read_back(*rig.store, "big") == "NEWHEAD" + data.substr(1000));
  EXPECT_EQ(open_uploads(rig), 0);
}

TEST(S3Faults, WrongCredentialsGiveOneClearError) {
  REQUIRE_S3(base);
  auto options = store::parse_s3_address(fresh_s3_address(base));
  options.credentials = http::Credentials{"LIFEBOATTESTKEY1", "not-the-secret", ""};
  store::Store store(store::make_s3_store(options));
  try {
    store.stat("x");
    FAIL() << "stat succeeded with a wrong secret";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::auth) << e.what();
    EXPECT_NE(std::string(e.what()).find("rejected the credentials"), std::string::npos)
        << e.what();
  }
  options.credentials = http::Credentials{"NOSUCHACCESSKEY", "x", ""};
  store::Store unknown(store::make_s3_store(options));
  try {
    store::put_all(unknown, "x", "y");
    FAIL() << "put succeeded with an unknown access key";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::auth) << e.what();
  }
}

TEST(S3Faults, MissingBucketGivesOneClearError) {
  REQUIRE_S3(base);
  auto options = store::parse_s3_address(fresh_s3_address(base));
  options.bucket = "no-such-bucket-" + random_hex(4);
  store::Store store(store::make_s3_store(options));
  for (int op = 0; op < 3; ++op) {
    try {
      if (op == 0) {
        store.stat("x");
      } else if (op == 1) {
        store.list_all({});
      } else {
        store::put_all(store, "x", "y");
      }
      FAIL() << "operation " << op << " succeeded on a missing bucket";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::not_found) << e.what();
      EXPECT_NE(std::string(e.what()).find("bucket '" + options.bucket + "' does not exist"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(S3Faults, ServerRejectsAWrongContentMd5) {
  REQUIRE_S3(base);
  auto options = store::parse_s3_address(fresh_s3_address(base));
  store::s3::Client client(options);
  std::string body = "the body";
  auto wrong = to_base64(md5(as_bytes("another body")));
  auto response = client.send(store::s3::Call{
      .method = "PUT", .key = options.prefix + "bad-md5", .headers = {{"content-md5", wrong}},
      .body = as_bytes(body), .operation = "PutObject"});
  EXPECT_EQ(response.status, 400);
  try {
    client.fail(response, "object 'bad-md5'");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::corrupt) << e.what();
    EXPECT_NE(std::string(e.what()).find("BadDigest"), std::string::npos) << e.what();
  }
  store::Store store(store::make_s3_store(options));
  EXPECT_FALSE(store.stat("bad-md5").has_value());
}

}  // namespace lifeboat::test

namespace lifeboat::test {

TEST(S3Faults, VirtualHostedStyleAgainstTheServer) {
  REQUIRE_S3(base);
  auto options = store::parse_s3_address(fresh_s3_address(base));
  // rgw serves bucket.127.0.0.1 as the bucket (rgw dns name = 127.0.0.1); curl is told
  // where that name lives, as no DNS here knows it.
  auto authority = options.endpoint.substr(options.endpoint.find("://") + 3);
  auto port = authority.substr(authority.find(':') + 1);
  options.transport = http::make_curl_transport(
      {.resolve = {options.bucket + ".127.0.0.1:" + port + ":127.0.0.1"}});
  options.path_style = false;
  store::Store store(store::make_s3_store(options));
  store::put_all(store, "vhost/object", "virtual-hosted");
  EXPECT_EQ(store::get_all(store, "vhost/object"), "virtual-hosted");
  EXPECT_EQ(store.list_all({.prefix = "vhost/"}).size(), 1u);
  store.remove("vhost/object");
  EXPECT_FALSE(store.stat("vhost/object").has_value());
}

}  // namespace lifeboat::test
