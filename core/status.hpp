// Status and Result<T> (the public <l2mac/status.hpp>), with the library's own
// propagation macros, which are not part of the public API.
#pragma once

#include <utility>

#include "l2mac/status.hpp"

#define L2MAC_CONCAT_INNER(a, b) a##b
#define L2MAC_CONCAT(a, b) L2MAC_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define L2MAC_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::l2mac::Status l2mac_status_ = (expr);        \
    if (!l2mac_status_.ok()) return l2mac_status_; \
  } while (false)

// Evaluates `expr` (a Result<T>); returns its Status when not OK, else moves the value
// into `lhs` (which may be a declaration such as `auto x`).
#define L2MAC_ASSIGN_OR_RETURN(lhs, expr) \
  L2MAC_ASSIGN_OR_RETURN_IMPL(L2MAC_CONCAT(l2mac_result_, __LINE__), lhs, expr)
#define L2MAC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
