// The release of access-service: `--version` of both binaries, backup.json,
// and the Debian package version (the Makefile reads it from here).
#pragma once

namespace access_service {

constexpr char kVersion[] = "1.0.0";

}  // namespace access_service
