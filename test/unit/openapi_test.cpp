// The OpenAPI document of `cadence serve` and its router agree: every route is
// documented with the methods it answers, and every documented path is routed.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "client/serve_http.hpp"

namespace cadence::client::serve {
namespace {

nlohmann::json document() { return nlohmann::json::parse(openapi_document); }

TEST(OpenApi, IsAnOpenApi3DocumentOfThisVersion) {
    auto doc = document();
    EXPECT_EQ(doc["openapi"].get<std::string>().rfind("3.", 0), 0u);
    EXPECT_EQ(doc["info"]["version"], CADENCE_VERSION);
}

TEST(OpenApi, DocumentsEveryRouteWithItsMethodsAndNothingElse) {
    std::map<std::string, std::set<std::string>> documented, routed;
    const auto doc = document();
    for (const auto& [path, item] : doc["paths"].items())
        for (const auto& [key, operation] : item.items())
            if (key != "parameters") documented[path].insert(key);
    for (const auto& route : route_templates())
        for (const char* method : route.methods) routed[route.path].insert(method);
    EXPECT_EQ(documented, routed);
}

TEST(OpenApi, EveryDocumentedPathReachesItsRoute) {
    for (const auto& route : route_templates()) {
        std::string path = route.path;
        if (auto at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, "42");
        auto matched = match_route(path);
        EXPECT_EQ(matched.kind, route.kind) << path;
        if (path.find("42") != std::string::npos) {
            EXPECT_EQ(matched.job_id, 42) << path;
        }
    }
}

}  // namespace
}  // namespace cadence::client::serve
