// Warning pass of the checker (docs/LANGUAGE.md §9): unreachable lifecycle
// states, unreachable roles, permits an unconditional forbid always
// overrides. Runs on resolved tenants only: a template alone is incomplete
// (a tenant may add the transition or drop the forbid), so warning about it
// would be noise. (Unguarded optional attributes are found while checking
// expressions.)
//
// Internal to engine/ (included by checker.cpp).
#pragma once

#include <string_view>

#include "engine/checker/internal/check_support.hpp"
#include "engine/model/model.hpp"

namespace tenet::checker {

void report_warnings(const model::Tenant& tenant, const model::Schema& schema,
                     const model::Interner& names, std::string_view context, Reporter& reporter);

}  // namespace tenet::checker
