// The compiler: a checked model → the flat compiled set the evaluator reads
// (engine/compile/compiled.hpp, engine/compile/layout.hpp), whole or one part
// at a time (docs/UNITS.md). Thread-safe: pure functions of their arguments.
#pragma once

#include <memory>
#include <string>

#include "engine/compile/compiled.hpp"
#include "engine/model/model.hpp"

namespace tenet::compile {

// Compiles a checked model (no errors): its platform part and every tenant.
// Never fails on a model the checker accepted.
[[nodiscard]] std::shared_ptr<const CompiledPolicySet> compile(
    std::shared_ptr<const model::PolicySet> model);

// The platform part alone: what `model`'s schema gives every tenant.
[[nodiscard]] std::shared_ptr<const Platform> compile_platform(
    std::shared_ptr<const model::PolicySet> model);

// One tenant of `model` (a reference into model->tenants), against the
// platform compiled from the same schema. Returned mutable so the caller can
// set its revision before sharing it.
[[nodiscard]] std::shared_ptr<Tenant> compile_tenant(std::shared_ptr<const model::PolicySet> model,
                                                     const model::Tenant& tenant,
                                                     const Platform& platform);

// A tenant that is not served (its unit did not compile): every request to
// it denies with `tenant_unavailable` and `reason`.
[[nodiscard]] std::shared_ptr<Tenant> unavailable_tenant(std::string name, std::string reason);

}  // namespace tenet::compile
