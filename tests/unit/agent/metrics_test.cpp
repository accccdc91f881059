// The agent's counters (src/agent/stats.cpp) and its metrics server
// (src/agent/metrics_server.cpp): addresses from a table, the text over real HTTP.
#include "agent/metrics_server.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "agent/stats.hpp"
#include "agent_test_support.hpp"
#include "util/error.hpp"

namespace lifeboat::agent {
namespace {

using namespace std::chrono;

TEST(MetricsAddress, AcceptedForms) {
  struct Case {
    std::string text, host;
    std::uint16_t port;
    bool ipv6, loopback;
  };
  for (const auto& c : std::vector<Case>{{"127.0.0.1:9464", "127.0.0.1", 9464, false, true},
                                         {"127.1.2.3:0", "127.1.2.3", 0, false, true},
                                         {"localhost:80", "127.0.0.1", 80, false, true},
                                         {"[::1]:9464", "::1", 9464, true, true},
                                         {"0.0.0.0:9464", "0.0.0.0", 9464, false, false},
                                         {"10.0.0.5:65535", "10.0.0.5", 65535, false, false},
                                         {"[fe80::1]:1", "fe80::1", 1, true, false}}) {
    auto address = parse_listen_address(c.text);
    EXPECT_EQ(address.host, c.host) << c.text;
    EXPECT_EQ(address.port, c.port) << c.text;
    EXPECT_EQ(address.ipv6, c.ipv6) << c.text;
    EXPECT_EQ(address.loopback, c.loopback) << c.text;
  }
}

TEST(MetricsAddress, RefusedForms) {
  for (const std::string text : {"", "127.0.0.1", "9464", ":9464", "127.0.0.1:", "127.0.0.1:65536",
                                 "127.0.0.1:94x", "127.0.0.1:-1", "example.com:9464", "::1:9464",
                                 "[::1]", "[127.0.0.1]:9464", "256.0.0.1:1"}) {
    try {
      parse_listen_address(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage);
      EXPECT_EQ(std::string(e.what()).rfind("metrics address '" + text + "' is not HOST:PORT", 0),
                0u)
          << e.what();
    }
  }
}

TEST(AgentStats, NothingYetIsNaNNotZero) {
  Stats stats;
  auto values = test::parse_metrics(stats.prometheus(system_clock::now()));
  EXPECT_EQ(values.size(), 8u);
  EXPECT_EQ(values["lifeboat_agent_up"], 1);
  EXPECT_TRUE(std::isnan(values["lifeboat_last_success_timestamp_seconds"]));
  EXPECT_TRUE(std::isnan(values["lifeboat_last_snapshot_age_seconds"]));
  EXPECT_EQ(values["lifeboat_runs_total"], 0);
  auto status = nlohmann::json::parse(stats.status_json());
  EXPECT_TRUE(status["last_success_time"].is_null());
  EXPECT_TRUE(status["next_run_time"].is_null());
  EXPECT_EQ(status["state"], "idle");
}

TEST(AgentStats, AgeIsTakenAtScrapeTimeAndFailuresResetOnSuccess) {
  Stats stats;
  stats.record(false, "", 0, 1.5, "unable to reach the store");
  stats.record(true, "s1", 4096, 2.5, "");
  auto success = system_clock::now();
  stats.record(false, "", 0, 0.5, "the disk is full");
  auto values = test::parse_metrics(stats.prometheus(success + seconds(90)));
  EXPECT_NEAR(values["lifeboat_last_snapshot_age_seconds"], 90, 1);
  EXPECT_NEAR(values["lifeboat_last_success_timestamp_seconds"],
              duration<double>(success.time_since_epoch()).count(), 1);
  EXPECT_EQ(values["lifeboat_last_run_duration_seconds"], 0.5);
  EXPECT_EQ(values["lifeboat_last_snapshot_bytes"], 4096);
  EXPECT_EQ(values["lifeboat_runs_total"], 3);
  EXPECT_EQ(values["lifeboat_failures_total"], 2);
  EXPECT_EQ(values["lifeboat_consecutive_failures"], 1);
  auto text = stats.prometheus(success);
  EXPECT_NE(text.find("# TYPE lifeboat_runs_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE lifeboat_last_snapshot_age_seconds gauge\n"), std::string::npos);
  auto status = nlohmann::json::parse(stats.status_json());
  EXPECT_EQ(status["last_snapshot"], "s1");
  EXPECT_EQ(status["last_error"], "the disk is full");
  EXPECT_EQ(status["consecutive_failures"], 1);
  EXPECT_EQ(status["failures_total"], 2);
}

TEST(MetricsServer, ServesMetricsOnAPortItPicksAnd404Elsewhere) {
  Stats stats;
  stats.record(true, "s1", 123, 1, "");
  MetricsServer server(parse_listen_address("127.0.0.1:0"), stats, nullptr);
  ASSERT_NE(server.port(), 0);
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()) + "/metrics");
  auto reply = test::http_get(server.port(), "/metrics");
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.head.find("text/plain; version=0.0.4"), std::string::npos) << reply.head;
  EXPECT_EQ(test::parse_metrics(reply.body)["lifeboat_last_snapshot_bytes"], 123);
  stats.record(true, "s2", 456, 1, "");
  EXPECT_EQ(test::parse_metrics(
                test::http_get(server.port(), "/metrics").body)["lifeboat_last_snapshot_bytes"],
            456);
  EXPECT_EQ(test::http_get(server.port(), "/").status, 404);
  EXPECT_EQ(test::http_get(server.port(), "/metrics/x").status, 404);
}

TEST(MetricsServer, APortInUseIsAnIoErrorThatSaysSo) {
  Stats stats;
  MetricsServer first(parse_listen_address("127.0.0.1:0"), stats, nullptr);
  auto taken = "127.0.0.1:" + std::to_string(first.port());
  try {
    MetricsServer second(parse_listen_address(taken), stats, nullptr);
    ADD_FAILURE() << "bound a port in use";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::io);
    EXPECT_EQ(std::string(e.what()).rfind(
                  "unable to serve metrics on '" + taken + "': failed to bind", 0),
              0u)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lifeboat::agent
