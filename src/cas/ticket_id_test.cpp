#include "cas/ticket_id.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace gatehouse::cas {
namespace {

// §3.7: a ticket holds only A-Z a-z 0-9 and '-' (base64url's '_' made mod_auth_cas refuse about
// every second service ticket); 256 bits of randomness, so no two are alike.
TEST(CasTicketId, OnlyTheProtocolAlphabetAndFullEntropy) {
  const std::regex allowed("(ST|PT|PGT|PGTIOU)-[A-Za-z0-9-]+");
  std::set<std::string> seen;
  for (const char* prefix : {"ST-", "PT-", "PGT-", "PGTIOU-"}) {
    for (int i = 0; i < 64; ++i) {
      const std::string id = new_ticket_id(prefix);
      EXPECT_TRUE(std::regex_match(id, allowed)) << id;
      EXPECT_TRUE(id.starts_with(prefix)) << id;
      EXPECT_EQ(id.size(), std::string_view(prefix).size() + 64) << id;
      EXPECT_TRUE(seen.insert(id.substr(std::string_view(prefix).size())).second) << id;
    }
  }
}

}  // namespace
}  // namespace gatehouse::cas
