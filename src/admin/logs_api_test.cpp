// Node-to-node signatures (logs_api.cpp): one request, to one node, once; and an answer bound to
// that request.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "admin/admin_api.hpp"

namespace gatehouse::admin {
namespace {

/// An in-memory token::ReplayStore with the port's semantics.
class MemoryNonces final : public token::ReplayStore {
 public:
  bool first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds now) override {
    auto it = seen.find(key);
    if (it != seen.end() && it->second >= now) return false;
    seen[key] = expires_at;
    return true;
  }
  std::size_t purge_expired(UnixSeconds, std::size_t) override { return 0; }
  std::map<std::string, UnixSeconds> seen;
};

const KeyBytes kKey(std::string(32, 'k'));
constexpr UnixMillis kNow = 1'760'000'000'000;
const std::string kTarget = "/api/system/logs?node=node-b&after=0&limit=200";

TEST(NodeRequest, IsAcceptedOnceByTheNodeItIsFor) {
  MemoryNonces nonces;
  const auto header = sign_node_request(kKey, "node-a", "node-b", kNow, "nonce-1", kTarget);
  // Another node, even with the same key and a valid time, refuses it and does not use up its nonce.
  EXPECT_FALSE(verify_node_request(kKey, header, "node-c", kNow, kTarget, nonces));
  EXPECT_TRUE(nonces.seen.empty());
  auto accepted = verify_node_request(kKey, header, "node-b", kNow + 1000, kTarget, nonces);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->from, "node-a");
  EXPECT_EQ(accepted->nonce, "nonce-1");
  EXPECT_EQ(nonces.seen.at("node-request:node-a:nonce-1"), (kNow + kNodeRequestWindow) / 1000 + 1);
  // Replayed within its window: refused.
  EXPECT_FALSE(verify_node_request(kKey, header, "node-b", kNow + 2000, kTarget, nonces));
  EXPECT_FALSE(verify_node_request(kKey, header, "node-b", kNow + kNodeRequestWindow, kTarget, nonces));
  // After it: refused for its age (the store may have forgotten it by then).
  EXPECT_FALSE(verify_node_request(kKey, header, "node-b", kNow + kNodeRequestWindow + 1001, kTarget, nonces));
}

TEST(NodeRequest, IsRefusedWhenAnythingSignedDiffers) {
  MemoryNonces nonces;
  const auto header = sign_node_request(kKey, "node-a", "node-b", kNow, "nonce-2", kTarget);
  EXPECT_FALSE(verify_node_request(kKey, header, "node-b", kNow, kTarget + "0", nonces));
  EXPECT_FALSE(verify_node_request(KeyBytes(std::string(32, 'x')), header, "node-b", kNow, kTarget, nonces));
  EXPECT_FALSE(verify_node_request(KeyBytes(), header, "node-b", kNow, kTarget, nonces));
  EXPECT_FALSE(verify_node_request(kKey, header, "node-b", kNow - kNodeRequestWindow - 1, kTarget, nonces));
  // Each field swapped for another value.
  const auto forged = [&](std::string from, std::string to, std::string at, std::string nonce) {
    const auto mac = header.substr(header.rfind(' ') + 1);
    return from + " " + to + " " + at + " " + nonce + " " + mac;
  };
  const std::string at = std::to_string(kNow);
  EXPECT_FALSE(verify_node_request(kKey, forged("node-x", "node-b", at, "nonce-2"), "node-b", kNow, kTarget, nonces));
  EXPECT_FALSE(verify_node_request(kKey, forged("node-a", "node-b", std::to_string(kNow + 1), "nonce-2"), "node-b", kNow, kTarget, nonces));
  EXPECT_FALSE(verify_node_request(kKey, forged("node-a", "node-b", at, "nonce-3"), "node-b", kNow, kTarget, nonces));
  // Malformed headers, including the earlier three-field format.
  for (std::string bad : {std::string(), std::string("node-a"), "node-a " + at + " AAAA", header + " extra",
                          "node-a  node-b " + at + " n AAAA", std::string("node-a node-b 1e3 n AAAA"), "node-a node-b " + at + " n/o AAAA"})
    EXPECT_FALSE(verify_node_request(kKey, bad, "node-b", kNow, kTarget, nonces)) << bad;
  EXPECT_TRUE(nonces.seen.empty()) << "nothing unauthenticated reaches the store";
  EXPECT_TRUE(verify_node_request(kKey, header, "node-b", kNow, kTarget, nonces));
}

TEST(NodeResponse, IsBoundToTheRequestTheResponderAndTheBody) {
  const NodeRequest request{"node-a", "nonce-4"};
  const std::string body = R"({"node_id":"node-b","lines":[]})";
  const auto mac = sign_node_response(kKey, "node-b", request, 200, body);
  EXPECT_TRUE(verify_node_response(kKey, "node-b", request, 200, body, mac));
  EXPECT_FALSE(verify_node_response(kKey, "node-b", request, 200, body + " ", mac));
  EXPECT_FALSE(verify_node_response(kKey, "node-b", request, 201, body, mac));
  EXPECT_FALSE(verify_node_response(kKey, "node-c", request, 200, body, mac));
  EXPECT_FALSE(verify_node_response(kKey, "node-b", NodeRequest{"node-a", "nonce-5"}, 200, body, mac));
  EXPECT_FALSE(verify_node_response(kKey, "node-b", NodeRequest{"node-x", "nonce-4"}, 200, body, mac));
  EXPECT_FALSE(verify_node_response(KeyBytes(std::string(32, 'x')), "node-b", request, 200, body, mac));
  EXPECT_FALSE(verify_node_response(kKey, "node-b", request, 200, body, ""));
}

}  // namespace
}  // namespace gatehouse::admin
