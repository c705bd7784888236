#include "omendb/alex/entry.h"

namespace omendb::alex {

const char* status_name(Status s) noexcept {
  switch (s) {
    case Status::kOk: return "ok";
    case Status::kNotFound: return "not found";
    case Status::kDuplicate: return "duplicate entry";
    case Status::kPageFull: return "page full";
    case Status::kNodeFull: return "model node full";
    case Status::kBadPage: return "not a page of the expected kind";
    case Status::kBadArgument: return "bad argument";
    case Status::kOutOfRange: return "entry outside the page's fences";
    case Status::kInternalError: return "internal error";
  }
  return "unknown status";
}

}  // namespace omendb::alex
