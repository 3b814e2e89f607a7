#include "core/error.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "core/version.hpp"

namespace cadence::core {
namespace {

TEST(Error, CarriesKindMessageDetailAndHint) {
    Error e(ErrorKind::invalid_parameter, "bad input \"x\"", "the detail", "the hint");
    EXPECT_EQ(e.kind(), ErrorKind::invalid_parameter);
    EXPECT_STREQ(e.what(), "bad input \"x\"");
    EXPECT_EQ(e.detail(), "the detail");
    EXPECT_EQ(e.hint(), "the hint");
}

TEST(Error, DetailAndHintAreOptional) {
    Error e(ErrorKind::internal, "boom");
    EXPECT_TRUE(e.detail().empty());
    EXPECT_TRUE(e.hint().empty());
}

TEST(Error, IsCaughtAsStdException) {
    try {
        throw Error(ErrorKind::wrong_state, "job 7 is paused");
    } catch (const std::exception& e) {
        EXPECT_STREQ(e.what(), "job 7 is paused");
        return;
    }
    FAIL() << "not caught as std::exception";
}

TEST(Error, EveryKindHasADistinctName) {
    const ErrorKind kinds[] = {ErrorKind::invalid_parameter,
                               ErrorKind::not_found, ErrorKind::wrong_state, ErrorKind::limit_exceeded,
                               ErrorKind::internal};
    std::set<std::string_view> names;
    for (ErrorKind kind : kinds) names.insert(to_string(kind));
    EXPECT_EQ(names.size(), std::size(kinds));
    EXPECT_EQ(to_string(ErrorKind::not_found), "not_found");
}

TEST(Version, IsSemanticVersionFromControlFile) {
    EXPECT_TRUE(std::regex_match(std::string(version()), std::regex(R"(\d+\.\d+\.\d+)")));
}

}  // namespace
}  // namespace cadence::core
