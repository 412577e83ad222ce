// access-service: the FastCGI master and its workers (see master.h).
//
//   access-service --config FILE                 run in the foreground
//   access-service --config FILE --check-config  validate config, keys and schema, exit 0/1
//   access-service --version
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "access/core/config.h"
#include "access/core/version.h"
#include "access/crypto/signer.h"
#include "access/process/master.h"

namespace {

const char kUsage[] = "usage: access-service --config FILE [--check-config] | --version";

int usage_error(const std::string& why) {
  std::cerr << "access-service: " << why << "\n" << kUsage << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--version")) {
      std::cout << "access-service " << access_service::kVersion << "\n";
      return 0;
    }
    if (!std::strcmp(argv[i], "--config")) {
      if (i + 1 >= argc) return usage_error("--config needs a file");
      config_path = argv[++i];
    } else if (!std::strcmp(argv[i], "--check-config")) {
      check = true;
    } else {
      return usage_error(std::string("unknown option ") + argv[i]);
    }
  }
  if (config_path.empty()) return usage_error("--config is required");
  auto config = access_service::load_config(config_path);
  if (!config.ok()) {
    std::cerr << "access-service: " << config_path << ": " << config.status().message() << "\n";
    return 1;
  }
  if (check) {
    auto signer = access_service::TokenSigner::load(config->key_dir);
    if (!signer.ok()) {
      std::cerr << "access-service: keys.dir: " << signer.status().message() << "\n";
      return 1;
    }
    if (config->listen_is_unix() && !config->socket_group.empty()) {
      auto gid = access_service::socket_group_id(*config);
      if (!gid.ok()) {
        std::cerr << "access-service: " << gid.status().message() << "\n";
        return 1;
      }
    }
    // A check creates nothing: no database where there is none (whoever runs
    // it, root included, would own it). PostgreSQL's is asked for its schema.
    access_service::Status st =
        config->postgresql() || ::access(config->db_path.c_str(), F_OK) == 0
            ? access_service::check_store_schema(*config)
            : access_service::Status::NotFound(config->db_path +
                                               ": no database yet (run accessctl init)");
    if (!st.ok()) {
      std::cerr << "access-service: store.path: " << st.message() << "\n";
      return 1;
    }
    std::cout << "access-service: " << config->path << ": configuration is valid\n";
    return 0;
  }
  return access_service::run_master(*config);
}
