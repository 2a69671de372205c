#pragma once
#include <string>

namespace consumer {

/// Persists an event with the installed orrery::persistence and recovers it; "" when it worked.
std::string check_persistence(const std::string& storage_root);

}  // namespace consumer
