// argon2_rate: the raw argon2id rate of this machine at a given cost, the
// reference of the password-grant scenario of `make bench`.
//
//   argon2_rate [--seconds S] [--threads N] [--time T] [--memory KIB] [--parallelism P]
//
// Runs N threads (default: the number of CPUs) for S seconds (default 3),
// each calling the project's own verify_password() (src/crypto/password.cpp, the
// call the password grant makes) against a PHC string made by hash_password()
// at the given cost (default: the configured defaults, t=2 m=19456 p=1).
// Prints one line, parseable by tests/bench/run.sh:
//
//   argon2id t=2 m=19456 p=1 threads=2 hashes=123 seconds=3.01 hashes_per_s=40.9
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "access/crypto/password.h"

using access_service::Argon2Params;

namespace {

int arg_int(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned cpus = std::thread::hardware_concurrency();
  const double seconds = arg_int(argc, argv, "--seconds", 3);
  const int threads = arg_int(argc, argv, "--threads", cpus ? static_cast<int>(cpus) : 1);
  Argon2Params p;
  p.time_cost = arg_int(argc, argv, "--time", p.time_cost);
  p.memory_kib = arg_int(argc, argv, "--memory", p.memory_kib);
  p.parallelism = arg_int(argc, argv, "--parallelism", p.parallelism);
  if (seconds <= 0 || threads <= 0 || p.time_cost <= 0 || p.memory_kib <= 0 || p.parallelism <= 0) {
    std::fprintf(stderr,
                 "usage: argon2_rate [--seconds S] [--threads N] [--time T] "
                 "[--memory KIB] [--parallelism P]\n");
    return 2;
  }
  const std::string secret = "bench-password-0123456789";
  auto phc = access_service::hash_password(secret, p);
  if (!phc.ok()) {
    std::fprintf(stderr, "argon2_rate: %s\n", phc.status().ToString().c_str());
    return 1;
  }
  if (!access_service::verify_password(*phc, secret)) {
    std::fprintf(stderr, "argon2_rate: verification of a fresh hash failed\n");
    return 1;
  }

  std::atomic<bool> stop{false};
  std::atomic<long> done{0};
  std::atomic<bool> failed{false};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        if (!access_service::verify_password(*phc, secret)) failed = true;
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  // Every hash started before `stop` is finished and counted: divide by the
  // time until the last one ended.
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed) {
    std::fprintf(stderr, "argon2_rate: a verification failed\n");
    return 1;
  }
  std::printf("argon2id t=%d m=%d p=%d threads=%d hashes=%ld seconds=%.2f hashes_per_s=%.1f\n",
              p.time_cost, p.memory_kib, p.parallelism, threads, done.load(), elapsed,
              done.load() / elapsed);
  return 0;
}
