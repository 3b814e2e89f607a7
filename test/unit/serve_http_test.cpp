// The pure parts of `cadence serve`'s HTTP side.
#include <gtest/gtest.h>

#include "client/serve_http.hpp"

using namespace cadence::client::serve;

TEST(ServeTarget, SplitsAndDecodesPathAndQuery) {
    auto t = parse_target("/api/v1/jobs?status=running&name=nightly+export&queue=a%2Fb&flag");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->path, "/api/v1/jobs");
    EXPECT_EQ(t->query.at("status"), "running");
    EXPECT_EQ(t->query.at("name"), "nightly export");
    EXPECT_EQ(t->query.at("queue"), "a/b");
    EXPECT_EQ(t->query.at("flag"), "");
}

TEST(ServeTarget, RejectsBadEscapesAndEncodedNul) {
    EXPECT_FALSE(parse_target("/x?a=%4"));
    EXPECT_FALSE(parse_target("/x?a=%zz"));
    EXPECT_FALSE(parse_target("/x%00y"));
    EXPECT_EQ(parse_target("/a%2e%2e/b")->path, "/a../b");
}

TEST(ServeIds, JobIdIsAPositiveBigint) {
    EXPECT_EQ(parse_job_id("42"), 42);
    EXPECT_EQ(parse_job_id("9223372036854775807"), INT64_MAX);
    EXPECT_FALSE(parse_job_id("0"));
    EXPECT_FALSE(parse_job_id("-1"));
    EXPECT_FALSE(parse_job_id("+1"));
    EXPECT_FALSE(parse_job_id("1x"));
    EXPECT_FALSE(parse_job_id(""));
    EXPECT_FALSE(parse_job_id("9223372036854775808"));
    EXPECT_FALSE(parse_job_id("99999999999999999999"));
}

TEST(ServeIds, LastEventIdAllowsZeroAndSpaces) {
    EXPECT_EQ(parse_event_id("0"), 0);
    EXPECT_EQ(parse_event_id(" 17 "), 17);
    EXPECT_FALSE(parse_event_id("abc"));
}

TEST(ServeLimit, DefaultsAndBounds) {
    EXPECT_EQ(parse_limit(std::nullopt), 100);
    EXPECT_EQ(parse_limit("1"), 1);
    EXPECT_EQ(parse_limit("1000"), 1000);
    EXPECT_FALSE(parse_limit("0"));
    EXPECT_FALSE(parse_limit("1001"));
    EXPECT_FALSE(parse_limit("ten"));
    EXPECT_FALSE(parse_limit(""));
}

TEST(ServeRoutes, MatchesEveryEndpoint) {
    EXPECT_EQ(match_route("/api/v1/jobs").kind, RouteKind::jobs);
    EXPECT_EQ(match_route("/api/v1/events").kind, RouteKind::events);
    EXPECT_EQ(match_route("/api/v1/status").kind, RouteKind::status);
    EXPECT_EQ(match_route("/api/v1/counts").kind, RouteKind::counts);
    EXPECT_EQ(match_route("/api/v1/workers").kind, RouteKind::workers);
    auto job = match_route("/api/v1/jobs/7");
    EXPECT_EQ(job.kind, RouteKind::job);
    EXPECT_EQ(job.job_id, 7);
    EXPECT_EQ(match_route("/api/v1/jobs/7/$stream").kind, RouteKind::job_stream);
    EXPECT_EQ(match_route("/api/v1/jobs/7/run").kind, RouteKind::job_run);
    EXPECT_EQ(match_route("/api/v1/jobs/7/cancel").kind, RouteKind::job_cancel);
    EXPECT_EQ(match_route("/api/v1/jobs/7/pause").kind, RouteKind::job_pause);
    EXPECT_EQ(match_route("/api/v1/jobs/7/resume").kind, RouteKind::job_resume);
    EXPECT_EQ(match_route("/api/v1/jobs/x").kind, RouteKind::bad_id);
    EXPECT_EQ(match_route("/api/v1/jobs/0/run").kind, RouteKind::bad_id);
    EXPECT_EQ(match_route("/api/v1/jobs/7/nope").kind, RouteKind::not_found);
    EXPECT_EQ(match_route("/api/v1/jobs/7/run/x").kind, RouteKind::not_found);
    EXPECT_EQ(match_route("/api/v2/jobs").kind, RouteKind::not_found);
    EXPECT_EQ(match_route("/api/v1/").kind, RouteKind::not_found);
}

TEST(ServeErrors, SqlstatesMapToHttp) {
    EXPECT_EQ(http_status_for_sqlstate("42704"), 404);
    EXPECT_EQ(http_status_for_sqlstate("55000"), 409);
    EXPECT_EQ(http_status_for_sqlstate("22023"), 400);
    EXPECT_EQ(http_status_for_sqlstate("22004"), 400);
    EXPECT_EQ(http_status_for_sqlstate("22001"), 400) << "a queue name too long";
    EXPECT_EQ(http_status_for_sqlstate("54000"), 400) << "an input past its limit";
    EXPECT_EQ(http_status_for_sqlstate("42939"), 400) << "a reserved name";
    EXPECT_EQ(http_status_for_sqlstate("22007"), 400);  // a malformed time (changed_after=...)
    EXPECT_EQ(http_status_for_sqlstate(""), 503);
    EXPECT_EQ(http_status_for_sqlstate("08006"), 503);
    EXPECT_EQ(http_status_for_sqlstate("57P01"), 503);
    EXPECT_EQ(http_status_for_sqlstate("XX000"), 500);
}

TEST(ServeErrors, BodyIsEscapedJson) {
    EXPECT_EQ(error_body("job \"7\"\n"), R"({"detail":"job \"7\"\n"})");
}

TEST(ServeStatic, NamesOnlyFilesInsideTheDirectory) {
    EXPECT_EQ(static_file_for("/"), "index.html");
    EXPECT_EQ(static_file_for("/app.js"), "app.js");
    EXPECT_EQ(static_file_for("/img/logo.svg"), "img/logo.svg");
    EXPECT_FALSE(static_file_for("/../etc/passwd"));
    EXPECT_FALSE(static_file_for("/a/../../b"));
    EXPECT_FALSE(static_file_for("/.git/config"));
    EXPECT_FALSE(static_file_for("/a//b"));
    EXPECT_FALSE(static_file_for("/a\\..\\b"));
    EXPECT_FALSE(static_file_for("relative"));
}

TEST(ServeStatic, ContentTypes) {
    EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(content_type_for("app.js"), "text/javascript; charset=utf-8");
    EXPECT_EQ(content_type_for("site.css"), "text/css; charset=utf-8");
    EXPECT_EQ(content_type_for("logo.png"), "image/png");
    EXPECT_EQ(content_type_for("logo.svg"), "image/svg+xml");
    EXPECT_EQ(content_type_for("data.json"), "application/json");
    EXPECT_EQ(content_type_for("blob"), "application/octet-stream");
}

TEST(ServeStatic, ThePageGetsTheNamesFromTheCore) {
    EXPECT_EQ(status_names_script(),
              "// Generated by cadence serve from src/core/job_state.hpp: the names the extension writes.\n"
              "const CADENCE_STATUSES = Object.freeze([\"scheduled\", \"running\", \"completed\", \"error\", "
              "\"fatal\", \"canceled\"]);\n"
              "const CADENCE_EVENTS = Object.freeze([\"scheduled\", \"running\", \"completed\", \"error\", "
              "\"fatal\", \"canceled\", \"paused\", \"resumed\", \"altered\", \"deleted\"]);\n"
              "const CADENCE_DELETED = \"deleted\";\n"
              "const CADENCE_JOB_STREAM_ENDS = Object.freeze([\"completed\", \"fatal\", \"canceled\", "
              "\"deleted\"]);\n");
}

TEST(ServeList, CursorsAreThreeExactNumbers) {
    EXPECT_EQ(parse_list_cursor("2.1795489204128311.42"), (ListCursor{2, 1795489204128311, 42}));
    EXPECT_EQ(parse_list_cursor("0.0.1"), (ListCursor{0, 0, 1}));
    for (const char* bad : {"", "2.1.", "4.1.1", "2.1.0", "2.-1.5", "2.1.5.6", "a.b.c", "2,1,5", "2.1.99999999999999999999"})
        EXPECT_FALSE(parse_list_cursor(bad)) << bad;
}

TEST(ServeList, IdListsArePositiveIdsSeparatedByCommasAtMostAThousand) {
    EXPECT_EQ(parse_id_list("42"), "{42}");
    EXPECT_EQ(parse_id_list("1,2,30"), "{1,2,30}");
    for (const char* bad : {"", ",", "1,", "1,,2", "0", "-1", "1;2", "1, 2", "{1}", "99999999999999999999"})
        EXPECT_FALSE(parse_id_list(bad)) << bad;
    std::string many;
    for (int i = 1; i <= 1000; ++i) many += (i > 1 ? "," : "") + std::to_string(i);
    EXPECT_TRUE(parse_id_list(many));
    EXPECT_FALSE(parse_id_list(many + ",1001"));
}

TEST(ServeListen, HostAndPort) {
    auto a = parse_listen("127.0.0.1:8080");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, 8080);
    EXPECT_EQ(parse_listen("[::1]:80")->host, "::1");
    EXPECT_FALSE(parse_listen("8080"));
    EXPECT_FALSE(parse_listen(":8080"));
    EXPECT_FALSE(parse_listen("host:0"));
    EXPECT_FALSE(parse_listen("host:70000"));
}

TEST(ServeToken, ComparesWholeSecrets) {
    EXPECT_TRUE(same_secret("s3cret", "s3cret"));
    EXPECT_FALSE(same_secret("s3cret", "s3cre"));
    EXPECT_FALSE(same_secret("s3cre", "s3cret"));
    EXPECT_FALSE(same_secret("s3cret", "s3creT"));
}
