// Small helpers for tests that drive the registry over gRPC.
#ifndef RELIEF_TESTS_TESTING_REGISTRY_CLIENT_H_
#define RELIEF_TESTS_TESTING_REGISTRY_CLIENT_H_

#include <string>

#include "absl/time/clock.h"
#include "services/registry/testing/distinct_person.h"
#include "grpcpp/client_context.h"
#include "relief/registry/v1/registry.grpc.pb.h"

namespace relief::testing {

namespace rv1 = ::relief::registry::v1;

// A valid registration of a Vĩnh Phúc citizen in Hồ Chí Minh City.
inline rv1::RegisterRequest SampleRegistration(const std::string& request_id,
                                               const std::string& cccd) {
  rv1::RegisterRequest r;
  r.set_request_id(request_id);
  // Another person for every CCCD (or request): the fuzzy duplicate pass
  // must not take test people for one another.
  const std::string seed = cccd.empty() ? request_id : cccd;
  r.set_full_name(registry::testing::DistinctName("Trần Thị", seed));
  auto dob = registry::testing::DistinctBirthDate(seed);
  dob.year = registry::testing::YearFromCccd(cccd, dob.year);
  r.mutable_birth_date()->set_year(dob.year);
  r.mutable_birth_date()->set_month(dob.month);
  r.mutable_birth_date()->set_day(dob.day);
  r.set_sex(rv1::SEX_FEMALE);
  if (!cccd.empty()) {
    auto* d = r.add_documents();
    d->set_type(rv1::DOCUMENT_TYPE_CCCD);
    d->set_number(cccd);
  } else {
    auto* rel = r.add_relatives();
    rel->set_name("Trần Văn Nam");
    rel->set_relationship("bố");
  }
  r.set_home_commune_code("09157");
  r.mutable_current_address()->set_province_code("79");
  r.mutable_current_address()->set_district_code("777");
  r.mutable_needs()->set_kind(rv1::NEED_KIND_BOTH);
  r.set_source(rv1::SOURCE_HOTLINE);
  return r;
}

// A context with a deadline (every client call has one) and, when given,
// a bearer token.
inline void WithDeadline(grpc::ClientContext& ctx,
                         absl::Duration d = absl::Seconds(20),
                         const std::string& token = "") {
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + d));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
}

}  // namespace relief::testing

#endif  // RELIEF_TESTS_TESTING_REGISTRY_CLIENT_H_
