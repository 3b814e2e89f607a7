#include "core/input_limits.hpp"

#include <gtest/gtest.h>

namespace cadence::core {
namespace {

TEST(InputLimits, EachArgumentOfTheApiHasItsKind) {
    for (auto name : {"name", "names", "queue", "worker"}) EXPECT_EQ(input_kind_of(name), InputKind::name) << name;
    for (auto name : {"payload", "payloads", "result", "results"})
        EXPECT_EQ(input_kind_of(name), InputKind::payload) << name;
    EXPECT_EQ(input_kind_of("sql"), InputKind::sql);
    for (auto name : {"error", "errors", "traceback", "tracebacks"})
        EXPECT_EQ(input_kind_of(name), InputKind::error) << name;
    for (auto name : {"trigger", "job_id", "max_jobs", "lease", ""})
        EXPECT_EQ(input_kind_of(name), InputKind::unlimited) << name;
}

TEST(InputLimits, OnlyErrorsAreCut) {
    EXPECT_TRUE(cut_when_over(InputKind::error));
    EXPECT_FALSE(cut_when_over(InputKind::payload));
    EXPECT_FALSE(cut_when_over(InputKind::name));
    EXPECT_FALSE(cut_when_over(InputKind::sql));
}

TEST(InputLimits, TheMessageNamesTheArgumentItsSizeAndTheSetting) {
    EXPECT_EQ(too_large_message("payload", 20971520, InputKind::payload, 4194304),
              "payload is 20971520 bytes, more than cadence.max_payload_bytes (4194304)");
    EXPECT_NE(too_large_hint(InputKind::sql).find("cadence.max_sql_bytes"), std::string::npos);
    EXPECT_NE(too_large_hint(InputKind::name).find("cadence.max_name_bytes"), std::string::npos);
}

TEST(InputLimits, AFittingTextIsKept) {
    EXPECT_EQ(cut_utf8("short", 5, InputKind::error), "short");
    EXPECT_EQ(cut_utf8("", 0, InputKind::error), "");
}

TEST(InputLimits, ALongTextIsCutWithAMarker) {
    EXPECT_EQ(cut_utf8("abcdefgh", 3, InputKind::error),
              "abc [... 5 more bytes cut: cadence.max_error_bytes]");
}

TEST(InputLimits, ACutNeverSplitsACharacter) {
    // "é" is two bytes: a cut in its middle goes back before it.
    EXPECT_EQ(cut_utf8("ab\xC3\xA9z", 3, InputKind::error), "ab [... 3 more bytes cut: cadence.max_error_bytes]");
    // A four-byte character cut after its second byte.
    EXPECT_EQ(cut_utf8("\xF0\x9F\x98\x80", 2, InputKind::error), " [... 4 more bytes cut: cadence.max_error_bytes]");
}

}  // namespace
}  // namespace cadence::core
