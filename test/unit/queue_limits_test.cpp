#include "core/queue_limits.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"

namespace cadence::core {
namespace {

using ::testing::HasSubstr;

std::string error_of(std::string_view text) {
    try {
        parse_queue_limits(text);
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_parameter);
        return e.what();
    }
    return "no error";
}

TEST(QueueLimits, EmptyMeansNoLimits) {
    EXPECT_TRUE(parse_queue_limits("").empty());
    EXPECT_TRUE(parse_queue_limits("  \t ").empty());
}

TEST(QueueLimits, PairsInOrderWithBlanksTrimmed) {
    auto limits = parse_queue_limits(" reports = 2 ,mail=1,  big-etl=10000");
    ASSERT_EQ(limits.size(), 3u);
    EXPECT_EQ(limits[0].queue, "reports");
    EXPECT_EQ(limits[0].limit, 2);
    EXPECT_EQ(limits[1].queue, "mail");
    EXPECT_EQ(limits[1].limit, 1);
    EXPECT_EQ(limits[2].queue, "big-etl");
    EXPECT_EQ(limits[2].limit, 10000);
}

TEST(QueueLimits, QueueNamesKeepInnerSpacesAndCase) {
    auto limits = parse_queue_limits("Nightly Reports=3");
    ASSERT_EQ(limits.size(), 1u);
    EXPECT_EQ(limits[0].queue, "Nightly Reports");
}

TEST(QueueLimits, RejectsWhatIsWrongNamingTheEntry) {
    EXPECT_THAT(error_of("reports"), HasSubstr("\"reports\" has no '='"));
    EXPECT_THAT(error_of("=2"), HasSubstr("\"=2\" names no queue"));
    EXPECT_THAT(error_of("a=1,,b=2"), HasSubstr("\"\" has no '='"));
    EXPECT_THAT(error_of("a=1,"), HasSubstr("\"\" has no '='"));
    EXPECT_THAT(error_of("a=0"), HasSubstr("\"a=0\" must give a whole number of runs from 1 to 10000"));
    EXPECT_THAT(error_of("a=-1"), HasSubstr("from 1 to 10000"));
    EXPECT_THAT(error_of("a=10001"), HasSubstr("from 1 to 10000"));
    EXPECT_THAT(error_of("a=2x"), HasSubstr("from 1 to 10000"));
    EXPECT_THAT(error_of("a=1.5"), HasSubstr("from 1 to 10000"));
    EXPECT_THAT(error_of("a="), HasSubstr("from 1 to 10000"));
    EXPECT_THAT(error_of("a=99999999999999999999"), HasSubstr("from 1 to 10000"));
    EXPECT_THAT(error_of("a=1, a=2"), HasSubstr("names queue \"a\" a second time"));
    EXPECT_THAT(error_of(std::string(64, 'q') + "=1"), HasSubstr("longer than 63 bytes"));
    EXPECT_EQ(parse_queue_limits(std::string(63, 'q') + "=1").size(), 1u);
}

}  // namespace
}  // namespace cadence::core
