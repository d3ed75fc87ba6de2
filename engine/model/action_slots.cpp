#include "engine/model/action_slots.hpp"

#include <utility>

namespace tenet::model {

std::shared_ptr<const ActionSlots> ActionSlots::build(std::vector<std::vector<Symbol>> by_type,
                                                      std::vector<std::vector<Span>> spans) {
  auto slots = std::make_shared<ActionSlots>();
  slots->names_.push_back(kNone);
  slots->slots_of_type_.resize(by_type.size());
  for (std::size_t type = 0; type < by_type.size(); ++type) {
    for (std::size_t i = 0; i < by_type[type].size(); ++i) {
      const Symbol action = by_type[type][i];
      const auto [at, fresh] =
          slots->slot_of_.emplace(action, static_cast<Index>(slots->names_.size()));
      if (fresh) {
        slots->names_.push_back(action);
        slots->types_of_slot_.resize(slots->names_.size());
      }
      const Index slot = at->second;
      if (!slots->pairs_.emplace(key(slot, static_cast<Index>(type)), spans[type][i]).second)
        continue;
      slots->slots_of_type_[type].push_back(slot);
      slots->types_of_slot_[slot].push_back(static_cast<Index>(type));
    }
  }
  slots->types_of_slot_.resize(slots->names_.size());
  slots->by_type_ = std::move(by_type);
  return slots;
}

}  // namespace tenet::model
