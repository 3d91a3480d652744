// Early returns for request handlers: a failed status becomes the handler's error answer.
// Handler-internal; include only from handler .cc files.
#pragma once

#include "api/http_status.h"

#define RESPOND_IF_ERROR(expr)                                                    \
  do {                                                                            \
    ::wsync::core::Status wsync_respond_status_ = (expr);                         \
    if (!wsync_respond_status_.ok()) return ErrorResponse(wsync_respond_status_); \
  } while (0)

#define ASSIGN_OR_RESPOND(lhs, expr) \
  ASSIGN_OR_RESPOND_IMPL(WSYNC_CONCAT(wsync_respond_or_, __LINE__), lhs, expr)
#define ASSIGN_OR_RESPOND_IMPL(tmp, lhs, expr)       \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return ErrorResponse(tmp.status()); \
  lhs = std::move(tmp).value()
