// Measures what a call pays for authentication: a full VerifyToken (Ed25519
// signature check, DESIGN.md §5 expects ~50 µs) against a TokenVerifier
// cache hit (SHA-256 of the token and a lookup). Prints Google Benchmark's
// table, then one summary line with both figures in µs and their ratio.
// Measures and prints only; asserts nothing.
#include <sodium.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "common/auth/key_file.h"
#include "common/auth/roles.h"
#include "common/auth/token.h"
#include "common/auth/token_verifier.h"
#include "common/base/clock.h"

namespace relief::auth {
namespace {

// A realistic officer token under kid "bench".
struct Fixture {
  Fixture() {
    key = GenerateKeyPair("bench").value();
    keys.Add(key.kid, key.public_key).IgnoreError();
    now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
    Claims c{.iss = "relief-registry",
             .sub = "officer:243-nguyen.van.a",
             .role = std::string(kRoleDistrictOfficer),
             .scope = "243",
             .iat = now,
             .exp = now + absl::Hours(8),
             .jti = "0190b2c4-8f3e-7a1b-9c2d-3e4f5a6b7c8d"};
    token =
        SignToken(c, {.kid = key.kid, .secret_key = key.secret_key}).value();
  }
  KeyPair key;
  KeySet keys;
  absl::Time now;
  std::string token;
};

Fixture& F() {
  static Fixture* f = new Fixture();
  return *f;
}

void BM_SignToken(benchmark::State& state) {
  Claims c = VerifyToken(F().token, F().keys, F().now).value();
  const SigningKey key{.kid = F().key.kid, .secret_key = F().key.secret_key};
  for (auto _ : state) benchmark::DoNotOptimize(SignToken(c, key));
}
BENCHMARK(BM_SignToken)->Unit(benchmark::kMicrosecond);

void BM_VerifyToken(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(VerifyToken(F().token, F().keys, F().now));
  }
}
BENCHMARK(BM_VerifyToken)->Unit(benchmark::kMicrosecond);

// The signature check alone, to show what VerifyToken adds around it
// (base64url, JSON, claim checks).
void BM_Ed25519VerifyOnly(benchmark::State& state) {
  const std::string& token = F().token;
  const size_t dot2 = token.rfind('.');
  unsigned char sig[crypto_sign_BYTES];
  size_t sig_len = 0;
  sodium_base642bin(sig, sizeof sig, token.data() + dot2 + 1,
                    token.size() - dot2 - 1, nullptr, &sig_len, nullptr,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  const auto* pk =
      reinterpret_cast<const unsigned char*>(F().key.public_key.data());
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_sign_verify_detached(
        sig, reinterpret_cast<const unsigned char*>(token.data()), dot2, pk));
  }
}
BENCHMARK(BM_Ed25519VerifyOnly)->Unit(benchmark::kMicrosecond);

void BM_CachedVerify(benchmark::State& state) {
  static TokenVerifier* verifier = new TokenVerifier(F().keys, SystemClock());
  if (state.thread_index() == 0) verifier->Verify(F().token).value();
  for (auto _ : state) benchmark::DoNotOptimize(verifier->Verify(F().token));
}
BENCHMARK(BM_CachedVerify)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CachedVerify)->Unit(benchmark::kMicrosecond)->Threads(2);

// The console table, plus the per-iteration real time of each run by name.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal.
  SummaryReporter()
      : ConsoleReporter(::isatty(STDOUT_FILENO) ? OO_Defaults : OO_None) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      // GetAdjustedRealTime() is in the run's unit (µs here).
      micros_[run.benchmark_name()] = run.GetAdjustedRealTime();
    }
  }
  double Micros(const std::string& name) const {
    const auto it = micros_.find(name);
    return it == micros_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, double> micros_;
};

}  // namespace
}  // namespace relief::auth

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  relief::auth::SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double full = reporter.Micros("BM_VerifyToken");
  const double cached = reporter.Micros("BM_CachedVerify");
  if (full > 0 && cached > 0) {
    std::printf(
        "summary: VerifyToken %.2f us, cached TokenVerifier::Verify %.3f us, "
        "ratio %.0fx\n",
        full, cached, full / cached);
  }
  benchmark::Shutdown();
  return 0;
}
