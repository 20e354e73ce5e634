#include "core/version.hpp"

namespace l2mac {

const char* L2macVersion() { return L2MAC_VERSION; }

}  // namespace l2mac
