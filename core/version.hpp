// The version of l2mac, from the project's CMake version.
#pragma once

namespace l2mac {

// "0.1.0": what `l2mac --version` prints and the User-Agent header carries.
const char* L2macVersion();

}  // namespace l2mac
