// Who is calling. Every handler receives a Principal; every write records it.
#ifndef RELIEF_COMMON_BASE_PRINCIPAL_H_
#define RELIEF_COMMON_BASE_PRINCIPAL_H_

#include <string>

namespace relief {

struct Principal {
  // A named official, partner or service ("officer:252-nguyen.van.a").
  std::string subject;
  // One of DESIGN.md §5's roles: admin, leader, district_officer, ...
  std::string role;
  // The unit code, point id or partner id the principal acts within; empty
  // for province-wide roles.
  std::string scope;
  // For a service acting for a user (x-relief-on-behalf-of): that user.
  std::string on_behalf_of;
};

}  // namespace relief

#endif  // RELIEF_COMMON_BASE_PRINCIPAL_H_
