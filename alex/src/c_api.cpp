// The extern "C" boundary. Everything underneath is noexcept and allocation-free, so no
// exception can unwind into a C frame (DESIGN.md section 4) and the shim may call these
// with Postgres buffers locked.
#include "omendb/alex/alex_c.h"

#include <algorithm>

#include "omendb/alex/bulk_load.h"
#include "omendb/alex/data_node.h"
#include "omendb/alex/entry.h"
#include "omendb/alex/keys.h"
#include "omendb/alex/model_node.h"

using namespace omendb::alex;

namespace {

static_assert(sizeof(AlexEntry) == sizeof(Entry), "AlexEntry mirrors Entry");
static_assert(sizeof(AlexChild) == sizeof(ChildRef), "AlexChild mirrors ChildRef");
static_assert(ALEX_INVALID_BLOCK == kInvalidBlock, "one invalid block number");
static_assert(ALEX_KEY_INT2 == static_cast<int>(KeyKind::kInt2) && ALEX_KEY_INT4 == static_cast<int>(KeyKind::kInt4) &&
                  ALEX_KEY_INT8 == static_cast<int>(KeyKind::kInt8) &&
                  ALEX_KEY_FLOAT4 == static_cast<int>(KeyKind::kFloat4) &&
                  ALEX_KEY_FLOAT8 == static_cast<int>(KeyKind::kFloat8) &&
                  ALEX_KEY_DATE == static_cast<int>(KeyKind::kDate) &&
                  ALEX_KEY_TIMESTAMP == static_cast<int>(KeyKind::kTimestamp) &&
                  ALEX_KEY_TIMESTAMPTZ == static_cast<int>(KeyKind::kTimestampTz),
              "AlexKeyKind mirrors KeyKind");

Entry to_entry(AlexEntry e) noexcept { return Entry{e.key, e.tid}; }
AlexEntry to_c(const Entry& e) noexcept { return AlexEntry{e.key, e.tid}; }
AlexStatus to_c(Status s) noexcept { return static_cast<AlexStatus>(s); }
Fences to_fences(const AlexFences* f) noexcept {
  return Fences{to_entry(f->low), to_entry(f->high), f->high_infinite != 0};
}

DataPage data(const void* page, size_t bytes) noexcept {
  return DataPage(static_cast<std::byte*>(const_cast<void*>(page)), bytes);
}
ModelPage model(const void* page, size_t bytes) noexcept {
  return ModelPage(static_cast<std::byte*>(const_cast<void*>(page)), bytes);
}
size_t slot_or_end(const DataPage& p, size_t slot) noexcept { return slot < p.end() ? slot : ALEX_END; }

}  // namespace

extern "C" {

const char* alex_core_version(void) { return "omendb-alex 1.0"; }

const char* alex_status_name(AlexStatus status) { return status_name(static_cast<Status>(status)); }

uint64_t alex_code_from_int(int64_t value) { return code_from_int(value); }
int64_t alex_int_from_code(uint64_t code) { return int_from_code(code); }
uint64_t alex_code_from_double(double value) { return code_from_double(value); }
double alex_double_from_code(uint64_t code) { return double_from_code(code); }

size_t alex_data_max_capacity(size_t bytes) { return max_data_capacity(bytes); }

AlexStatus alex_data_layout(void* page, size_t bytes, const AlexEntry* entries, size_t n, const AlexFences* fences,
                            AlexBlock left, AlexBlock right) {
  return to_c(data(page, bytes).layout(Span<const Entry>(reinterpret_cast<const Entry*>(entries), n),
                                       to_fences(fences), left, right));
}

int alex_data_valid(const void* page, size_t bytes) { return data(page, bytes).valid(); }
size_t alex_data_count(const void* page, size_t bytes) { return data(page, bytes).size(); }

void alex_data_fences(const void* page, size_t bytes, AlexFences* out) {
  const Fences f = data(page, bytes).fences();
  *out = AlexFences{to_c(f.low), to_c(f.high), f.high_infinite};
}

void alex_data_links(const void* page, size_t bytes, AlexBlock* left, AlexBlock* right) {
  const DataHeader& h = data(page, bytes).header();
  *left = h.left;
  *right = h.right;
}

void alex_data_set_fences(void* page, size_t bytes, const AlexFences* fences) {
  data(page, bytes).set_fences(to_fences(fences));
}

void alex_data_set_links(void* page, size_t bytes, AlexBlock left, AlexBlock right) {
  DataHeader& h = data(page, bytes).header();
  h.left = left;
  h.right = right;
}

size_t alex_data_lower_bound(const void* page, size_t bytes, AlexEntry e) {
  const DataPage p = data(page, bytes);
  return slot_or_end(p, p.lower_bound(to_entry(e)));
}

size_t alex_data_upper_bound(const void* page, size_t bytes, AlexEntry e) {
  const DataPage p = data(page, bytes);
  return slot_or_end(p, p.upper_bound(to_entry(e)));
}

size_t alex_data_first(const void* page, size_t bytes) {
  const DataPage p = data(page, bytes);
  return slot_or_end(p, p.first_slot());
}

size_t alex_data_last(const void* page, size_t bytes) {
  const DataPage p = data(page, bytes);
  return p.size() == 0 ? ALEX_END : p.last_slot();
}

size_t alex_data_next(const void* page, size_t bytes, size_t slot) {
  const DataPage p = data(page, bytes);
  return slot_or_end(p, p.next_slot(slot + 1));
}

size_t alex_data_prev(const void* page, size_t bytes, size_t slot) {
  const DataPage p = data(page, bytes);
  return slot == 0 ? ALEX_END : slot_or_end(p, p.prev_slot(slot - 1));
}

AlexEntry alex_data_entry(const void* page, size_t bytes, size_t slot) { return to_c(data(page, bytes).entry_at(slot)); }

size_t alex_data_capacity_of(const void* page, size_t bytes) { return data(page, bytes).capacity(); }

void alex_data_model_error(const void* page, size_t bytes, double* mean, int64_t* max) {
  data(page, bytes).model_error(mean, max);
}

AlexStatus alex_data_insert(void* page, size_t bytes, AlexEntry e, AlexEntry* scratch, size_t scratch_len) {
  return to_c(data(page, bytes).insert(to_entry(e), Span<Entry>(reinterpret_cast<Entry*>(scratch), scratch_len)));
}

AlexStatus alex_data_erase(void* page, size_t bytes, AlexEntry e) { return to_c(data(page, bytes).erase(to_entry(e))); }

AlexEntry alex_data_choose_split(const void* page, size_t bytes, AlexEntry incoming, double fill) {
  return to_c(choose_split(data(page, bytes), to_entry(incoming), fill));
}

AlexStatus alex_data_split(void* left, void* right, size_t bytes, AlexBlock left_block, AlexBlock right_block,
                           AlexEntry boundary, AlexEntry* scratch, size_t scratch_len) {
  return to_c(split_data_page(data(left, bytes), data(right, bytes), left_block, right_block, to_entry(boundary),
                              Span<Entry>(reinterpret_cast<Entry*>(scratch), scratch_len)));
}

size_t alex_model_max_fanout(size_t bytes) { return max_fanout(bytes); }

AlexStatus alex_model_build(void* page, size_t bytes, const AlexChild* children, size_t n, int level,
                            const AlexFences* fences, AlexBlock left, AlexBlock right) {
  if (level < 1 || level > 255) return ALEX_BAD_ARGUMENT;
  return to_c(model(page, bytes).build(Span<const ChildRef>(reinterpret_cast<const ChildRef*>(children), n),
                                       static_cast<std::uint8_t>(level), to_fences(fences), left, right));
}

int alex_model_valid(const void* page, size_t bytes) { return model(page, bytes).valid(); }
int alex_model_level(const void* page, size_t bytes) { return model(page, bytes).header().level; }

void alex_model_fences(const void* page, size_t bytes, AlexFences* out) {
  const Fences f = model(page, bytes).fences();
  *out = AlexFences{to_c(f.low), to_c(f.high), f.high_infinite};
}

AlexBlock alex_model_route(const void* page, size_t bytes, AlexEntry e) { return model(page, bytes).route(to_entry(e)); }

AlexStatus alex_model_split_child(void* page, size_t bytes, AlexBlock child, AlexBlock new_child, AlexEntry split) {
  return to_c(model(page, bytes).split_child(child, new_child, to_entry(split)));
}

AlexStatus alex_model_merge_child(void* page, size_t bytes, AlexBlock child, AlexBlock into, AlexEntry child_low) {
  return to_c(model(page, bytes).merge_child(child, into, to_entry(child_low)));
}

size_t alex_model_children(const void* page, size_t bytes, AlexChild* out, size_t out_len) {
  return model(page, bytes).children(Span<ChildRef>(reinterpret_cast<ChildRef*>(out), out_len));
}

size_t alex_model_used_bytes(const void* page, size_t bytes) { return model(page, bytes).used_bytes(); }

size_t alex_model_child_count(const void* page, size_t bytes) { return model(page, bytes).header().children; }

void alex_model_links(const void* page, size_t bytes, AlexBlock* left, AlexBlock* right) {
  const ModelHeader& h = model(page, bytes).header();
  *left = h.left;
  *right = h.right;
}

void alex_model_set_links(void* page, size_t bytes, AlexBlock left, AlexBlock right) {
  ModelHeader& h = model(page, bytes).header();
  h.left = left;
  h.right = right;
}

AlexStatus alex_model_children_after_split(const void* page, size_t bytes, AlexBlock child, AlexBlock new_child,
                                           AlexEntry split, AlexChild* out, size_t out_len, size_t* n) {
  return to_c(children_after_split(model(page, bytes), child, new_child, to_entry(split),
                                   Span<ChildRef>(reinterpret_cast<ChildRef*>(out), out_len), n));
}

AlexStatus alex_model_retrain(void* page, size_t bytes, const AlexChild* children, size_t n) {
  return to_c(retrain(model(page, bytes), Span<const ChildRef>(reinterpret_cast<const ChildRef*>(children), n)));
}

AlexStatus alex_model_split(void* page, void* sibling, size_t bytes, AlexBlock block, AlexBlock sibling_block,
                            const AlexChild* children, size_t n, size_t at) {
  return to_c(split_model_page(model(page, bytes), model(sibling, bytes), block, sibling_block,
                               Span<const ChildRef>(reinterpret_cast<const ChildRef*>(children), n), at));
}

size_t alex_bulk_take_data_page(const AlexEntry* rest, size_t n, double fill, size_t bytes) {
  return take_data_page(Span<const Entry>(reinterpret_cast<const Entry*>(rest), n), fill, bytes);
}

size_t alex_bulk_take_model_group(const AlexChild* rest, size_t n, size_t bytes, int level, bool whole_level) {
  return take_model_group(Span<const ChildRef>(reinterpret_cast<const ChildRef*>(rest), n), bytes, level, whole_level);
}

void alex_bulk_sort(AlexEntry* entries, size_t n) {
  Entry* e = reinterpret_cast<Entry*>(entries);
  std::sort(e, e + n);
}

void alex_bulk_align_cuts(const void* model_page, size_t bytes, const AlexEntry* sorted, size_t n, size_t* cuts,
                          size_t ncuts, AlexBlock first_block, double fill) {
  align_cuts(model(model_page, bytes), Span<const Entry>(reinterpret_cast<const Entry*>(sorted), n),
             Span<size_t>(cuts, ncuts), first_block, bytes, fill);
}

}  // extern "C"
