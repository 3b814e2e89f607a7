// The JSON body of POST /api/v1/jobs and PATCH /api/v1/jobs/{id}.
#include <gtest/gtest.h>

#include "client/job_body.hpp"

namespace cadence::client::serve {
namespace {

std::vector<JobArgument> arguments_of(std::string_view body, bool create = true) {
    auto parsed = parse_job_body(body, create);
    if (auto* error = std::get_if<JobBodyError>(&parsed)) ADD_FAILURE() << error->message;
    return std::get_if<std::vector<JobArgument>>(&parsed) ? std::get<std::vector<JobArgument>>(parsed)
                                                          : std::vector<JobArgument>{};
}

std::string error_of(std::string_view body, bool create = true) {
    auto parsed = parse_job_body(body, create);
    auto* error = std::get_if<JobBodyError>(&parsed);
    return error ? error->message : "(accepted)";
}

TEST(JobBody, GivesTheFieldsInCreateJobsOrderWithTheirTypes) {
    auto args = arguments_of(R"({"queue":"q","trigger":{"kind":"interval","period_seconds":60},"name":"n",)"
                             R"("payload":[1,"a"],"max_attempts":5,"backoff":"30 seconds","timeout":90})");
    ASSERT_EQ(args.size(), 7u);
    EXPECT_EQ(args[0], (JobArgument{"name", "text", "n"}));
    EXPECT_EQ(args[1], (JobArgument{"trigger", "jsonb", R"({"kind":"interval","period_seconds":60})"}));
    EXPECT_EQ(args[2], (JobArgument{"payload", "jsonb", R"([1,"a"])"}));
    EXPECT_EQ(args[3], (JobArgument{"queue", "text", "q"}));
    EXPECT_EQ(args[4], (JobArgument{"max_attempts", "int", "5"}));
    EXPECT_EQ(args[5], (JobArgument{"backoff", "interval", "30 seconds"}));
    EXPECT_EQ(args[6], (JobArgument{"timeout", "interval", "90 seconds"})) << "a number is seconds";
    EXPECT_EQ(job_call_sql(args, true),
              "SELECT cadence.create_job(name => $1::text, trigger => $2::jsonb, payload => $3::jsonb, "
              "queue => $4::text, max_attempts => $5::int, backoff => $6::interval, timeout => $7::interval)");
}

TEST(JobBody, ANullOnCreateIsTheDefault) {
    auto args = arguments_of(R"({"name":"n","trigger":{"kind":"once"},"queue":null,"max_attempts":null})");
    ASSERT_EQ(args.size(), 2u) << "queue and max_attempts left out: create_job's defaults apply";
}

TEST(JobBody, AlterTakesAnyFieldAfterTheJobId) {
    auto args = arguments_of(R"({"sql":"VACUUM","timeout":null})", false);
    ASSERT_EQ(args.size(), 2u);
    EXPECT_EQ(args[1].value, std::nullopt) << "null is SQL NULL: unchanged";
    EXPECT_EQ(job_call_sql(args, false), "SELECT cadence.alter_job($1::bigint, sql => $2::text, timeout => $3::interval)");
    EXPECT_EQ(error_of("{}", false).rfind("nothing to change", 0), 0u);
}

TEST(JobBody, WrongInputIsRefusedNamingTheField) {
    EXPECT_EQ(error_of(R"({"trigger":{"kind":"once"}})"), "name is required");
    EXPECT_EQ(error_of(R"({"name":"n"})"), "trigger is required");
    EXPECT_EQ(error_of(R"({"name":"n","trigger":null})"), "trigger is required");
    EXPECT_EQ(error_of(R"({"name":7,"trigger":{}})"), "name must be a string");
    EXPECT_EQ(error_of(R"({"name":"n","trigger":"every 5 minutes"})").rfind("trigger must be a JSON object", 0), 0u);
    EXPECT_EQ(error_of(R"({"name":"n","trigger":{},"max_attempts":"3"})"), "max_attempts must be an integer");
    EXPECT_EQ(error_of(R"({"name":"n","trigger":{},"max_attempts":1.5})"), "max_attempts must be an integer");
    EXPECT_EQ(error_of(R"({"name":"n","trigger":{},"max_attempts":9999999999})"), "max_attempts must be an integer");
    EXPECT_EQ(error_of(R"({"name":"n","trigger":{},"backoff":true})").rfind("backoff must be an interval", 0), 0u);
    EXPECT_EQ(error_of(R"({"name":"n","trigger":{},"colour":"red"})"), "unknown field \"colour\"");
    EXPECT_EQ(error_of(R"({"name":"n","trigger":{},"max_attempts":18446744073709551615})"), "max_attempts must be an integer");
    EXPECT_EQ(error_of(R"({"name":"a\u0000b","trigger":{}})"), "name must not contain a NUL character");
    for (const char* bad : {"", "[]", "\"job\"", "{", "null"})
        EXPECT_EQ(error_of(bad).rfind("the body must be a JSON object", 0), 0u) << bad;
}

}  // namespace
}  // namespace cadence::client::serve
