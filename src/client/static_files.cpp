#include "client/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "client/serve_http.hpp"

namespace cadence::client {

namespace fs = std::filesystem;

StaticFiles::StaticFiles(std::string root) : root_(std::move(root)) {}

HttpReply StaticFiles::serve(const std::string& path) const {
    if (path == serve::status_names_path)
        return {200, serve::status_names_script(), serve::content_type_for("status-names.js")};
    auto relative = serve::static_file_for(path);
    if (!relative) return error_reply(404, "not found");
    std::error_code error;
    fs::path base = fs::weakly_canonical(root_, error);
    fs::path file = fs::weakly_canonical(base / *relative, error);
    // Checked again after resolving symbolic links: the file must still be inside.
    auto [end, _] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
    if (error || end != base.end() || !fs::is_regular_file(file, error))
        return error_reply(404, "not found");
    std::ifstream in(file, std::ios::binary);
    if (!in) return error_reply(404, "not found");
    std::ostringstream content;
    content << in.rdbuf();
    return {200, content.str(), serve::content_type_for(file.filename().string())};
}

}  // namespace cadence::client
