// The matching behind the edit_file tool lives in the file store (filestore/search_replace.hpp);
// these names keep the agents' code and tests unchanged.
#pragma once

#include "filestore/search_replace.hpp"

namespace l2mac::agents {

using filestore::ApplySearchReplace;
using filestore::EditResult;

}  // namespace l2mac::agents
