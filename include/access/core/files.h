// Writing files so that a reader never sees half of one.
#pragma once

#include <string>

#include "access/core/status.h"

namespace access_service {

// Writes `content` to `path` atomically: a temporary file beside it
// ("<path>.tmp.<pid>"), fsync, rename over `path`. The file gets permission
// `mode` exactly, whatever the umask. kInternal naming the path and the
// system's reason when any step fails; the temporary file is then removed
// and `path` is left as it was.
Status write_file_atomic(const std::string& path, const std::string& content, int mode);

}  // namespace access_service
