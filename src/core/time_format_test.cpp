#include "core/time_format.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

TEST(Iso8601, UtcWholeSecondsWithZ) {
  EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso8601(1800000000), "2027-01-15T08:00:00Z");
  EXPECT_EQ(iso8601(951782400), "2000-02-29T00:00:00Z");  // a leap day
}

}  // namespace
}  // namespace gatehouse
