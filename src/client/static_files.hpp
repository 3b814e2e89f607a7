// Files of the jobs page, served from one directory (--static): no path may leave it.
#pragma once

#include <string>

#include "client/api_routes.hpp"

namespace cadence::client {

class StaticFiles {
public:
    explicit StaticFiles(std::string root);
    // The file a GET path names, or a 404 JSON reply.
    HttpReply serve(const std::string& path) const;
    const std::string& root() const { return root_; }

private:
    std::string root_;
};

}  // namespace cadence::client
