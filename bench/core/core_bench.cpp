// In-process microbenchmarks of the ALEX core (MemoryTree on 8 KB pages) against
// std::map, absl::btree_map and binary search over a sorted std::vector, on the same
// key sets in the same run. docs/BENCHMARKS.md describes the method; bench/core/run runs
// it and bench/core/summarize.py turns the JSON into the results table.
//
// Benchmarks, for every (distribution, N):
//   bulkload/<dist>/<N>/omendb          bulk load of all keys (fill 0.8), ns per key
//   lookup/<dist>/<N>/<structure>       random existing keys, one probe sequence for all
//   insert/<dist>/<N>/<structure>       a random half built in sorted order, then the
//                                       other half inserted in random order; afterwards
//                                       one more lookup batch (lookup_ns_after)
// and bulkload/sequential/<N>/omendb: keys 1..N, for the bytes/key of a narrow-key page.
//
// Every benchmark times itself with a steady clock around the measured loop only
// (UseManualTime) and reports ns_per_op; construction, verification and statistics
// happen outside it. Large structures are built once per dataset and cached.
//
// Extra flags (after Google Benchmark's own):
//   --sizes=1000000,10000000  --dists=uniform,lognormal,pareto_gap,clustered
//   --probes=1000000 (lookups per batch)  --lookup_batches=2 (batches per repetition)
//   --seed=1  --no_verify
//   --context=key=value (repeatable: recorded in the JSON context, e.g. the CPU model)
#include <malloc.h>

#include <absl/container/btree_map.h>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "datasets.h"
#include "omendb/alex/entry.h"
#include "omendb/alex/keys.h"
#include "omendb/alex/memory_tree.h"

#ifndef OMENDB_BENCH_BUILD_TYPE
#define OMENDB_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef OMENDB_BENCH_CXX_FLAGS
#define OMENDB_BENCH_CXX_FLAGS "unknown"
#endif
#ifndef OMENDB_BENCH_COMPILER
#define OMENDB_BENCH_COMPILER "unknown"
#endif

namespace {

namespace ax = omendb::alex;
namespace ot = omendb::testing;
using ax::Entry;
using Clock = std::chrono::steady_clock;
using StdMap = std::map<std::uint64_t, std::uint64_t>;
using AbslMap = absl::btree_map<std::uint64_t, std::uint64_t>;

constexpr std::size_t kPageSize = 8192;
constexpr double kFill = 0.8;
constexpr std::uint64_t kMissing = ~std::uint64_t{0};

struct Config {
  std::vector<std::size_t> sizes{1000000, 10000000};
  std::vector<ot::Dist> dists{ot::Dist::kUniform, ot::Dist::kLognormal, ot::Dist::kParetoGap, ot::Dist::kClustered};
  std::size_t probes = 1000000;
  std::int64_t lookup_batches = 2;
  std::uint64_t seed = 1;
  bool verify = true;
};
Config g_cfg;
std::vector<std::pair<std::string, std::string>> g_extra_context;  // --context=key=value

ax::TreeOptions tree_options() {
  ax::TreeOptions o;
  o.page_size = kPageSize;
  o.fill_factor = kFill;
  return o;
}

// Bytes the allocator has handed out (main arena + mmapped chunks); the benchmark is
// single-threaded, so deltas around a construction are that structure's heap footprint.
std::size_t heap_in_use() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string size_label(std::size_t n) {
  if (n % 1000000 == 0) return std::to_string(n / 1000000) + "M";
  if (n % 1000 == 0) return std::to_string(n / 1000) + "K";
  return std::to_string(n);
}

// The heap TID of the j-th generated row: rows are stored in generation order, 128 a block.
std::uint64_t tid_of(std::size_t j) {
  return ax::make_tid(static_cast<std::uint32_t>(j / 128 + 1), static_cast<std::uint16_t>(j % 128 + 1));
}

// ---------------------------------------------------------------------------------------
// omendb statistics

struct TreeReport {
  ax::TreeStats stats{};
  double model_levels = 0;  // means over the probes of lookup_cost()
  double data_pages = 0;
  double probes = 0;
  std::uint32_t max_data_pages = 0;
  std::uint32_t max_probes = 0;
  bool checked = false;
  bool check_ok = true;
};

TreeReport report_tree(const ax::MemoryTree& tree, const std::vector<std::uint64_t>& probe_keys, bool run_check) {
  TreeReport r;
  r.stats = tree.stats();
  double levels = 0, pages = 0, probes = 0;
  for (const std::uint64_t k : probe_keys) {
    const ax::LookupCost c = tree.lookup_cost(ax::first_entry_of(k));
    levels += c.model_levels;
    pages += c.data_pages;
    probes += c.probes;
    r.max_data_pages = std::max(r.max_data_pages, c.data_pages);
    r.max_probes = std::max(r.max_probes, c.probes);
  }
  if (!probe_keys.empty()) {
    r.model_levels = levels / probe_keys.size();
    r.data_pages = pages / probe_keys.size();
    r.probes = probes / probe_keys.size();
  }
  if (run_check) {
    const ax::CheckResult check = tree.check();
    r.checked = true;
    r.check_ok = check.ok;
    if (!check.ok) std::fprintf(stderr, "omendb: MemoryTree::check() failed: %s\n", check.message.c_str());
  }
  return r;
}

void add_tree_counters(benchmark::State& state, const TreeReport& r) {
  auto& c = state.counters;
  const ax::TreeStats& s = r.stats;
  c["data_B_per_key"] = s.data_bytes_per_key;
  c["model_B_per_key"] = s.entries ? static_cast<double>(s.model_bytes) / s.entries : 0.0;
  c["height"] = static_cast<double>(s.height);
  c["data_pages"] = static_cast<double>(s.data_pages);
  c["model_pages"] = static_cast<double>(s.model_pages);
  c["empty_pages"] = static_cast<double>(s.empty_data_pages);
  c["fill"] = s.fill;
  c["model_err_mean"] = s.mean_model_error;
  c["model_err_max"] = static_cast<double>(s.max_model_error);
  for (int w = 1; w <= 8; ++w)
    if (s.pages_by_key_width[w]) c["pages_k" + std::to_string(w)] = static_cast<double>(s.pages_by_key_width[w]);
  for (int w = 1; w <= 6; ++w)
    if (s.pages_by_tid_width[w]) c["pages_t" + std::to_string(w)] = static_cast<double>(s.pages_by_tid_width[w]);
  c["steps_model"] = r.model_levels;
  c["steps_pages"] = r.data_pages;
  c["steps_probes"] = r.probes;
  c["steps_pages_max"] = r.max_data_pages;
  c["steps_probes_max"] = r.max_probes;
  if (r.checked) c["check_ok"] = r.check_ok ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// Datasets

struct Dataset {
  ot::Dist dist{};
  std::size_t requested = 0;
  std::vector<Entry> sorted;  // distinct keys ascending, (code_from_int(key), tid)
  std::vector<std::uint64_t> probe_keys;  // random existing keys, one sequence for all
  std::vector<std::uint64_t> probe_tids;
  std::vector<Entry> half;     // a random half, ascending: what the insert runs start from
  std::vector<Entry> inserts;  // the other half, in random order

  // Built on first use, kept for the dataset's lifetime.
  std::unique_ptr<ax::MemoryTree> tree;
  TreeReport tree_report;
  double tree_build_s = 0;
  std::size_t tree_heap = 0;
  std::unique_ptr<StdMap> map;
  double map_build_s = 0;
  std::size_t map_heap = 0;
  std::unique_ptr<AbslMap> absl;
  double absl_build_s = 0;
  std::size_t absl_heap = 0;
};

std::unique_ptr<Dataset> make_dataset(ot::Dist dist, std::size_t n) {
  auto d = std::make_unique<Dataset>();
  d->dist = dist;
  d->requested = n;
  {
    std::vector<std::int64_t> raw = ot::make_keys(dist, n, g_cfg.seed);
    std::vector<std::pair<std::uint64_t, std::uint32_t>> tagged(raw.size());
    for (std::size_t j = 0; j < raw.size(); ++j) tagged[j] = {ax::code_from_int(raw[j]), static_cast<std::uint32_t>(j)};
    raw = {};
    std::sort(tagged.begin(), tagged.end());
    d->sorted.reserve(tagged.size());
    for (const auto& [code, j] : tagged) {  // dedupe: a key keeps its first row
      if (d->sorted.empty() || d->sorted.back().key != code) d->sorted.push_back(Entry{code, tid_of(j)});
    }
  }
  const std::size_t m = d->sorted.size();
  std::vector<std::uint32_t> idx(m);

  // Probes: a random sample of distinct keys (all of them when N <= --probes), shuffled.
  std::iota(idx.begin(), idx.end(), 0u);
  ot::SplitMix64 probe_rng(g_cfg.seed * 0x9E3779B97F4A7C15ull + 0x70726F6265ull);
  const std::size_t p = std::min(g_cfg.probes, m);
  for (std::size_t i = 0; i < p; ++i) std::swap(idx[i], idx[i + probe_rng.below(m - i)]);
  d->probe_keys.resize(p);
  d->probe_tids.resize(p);
  for (std::size_t i = 0; i < p; ++i) {
    d->probe_keys[i] = d->sorted[idx[i]].key;
    d->probe_tids[i] = d->sorted[idx[i]].tid;
  }

  // Insert split: a random permutation; its first half is loaded, the rest inserted in order.
  std::iota(idx.begin(), idx.end(), 0u);
  ot::SplitMix64 split_rng(g_cfg.seed * 0xD1B54A32D192ED03ull + 0x696E73ull);
  for (std::size_t i = m; i > 1; --i) std::swap(idx[i - 1], idx[split_rng.below(i)]);
  const std::size_t h = m / 2;
  std::vector<std::uint32_t> loaded(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(h));
  std::sort(loaded.begin(), loaded.end());
  d->half.reserve(h);
  for (const std::uint32_t i : loaded) d->half.push_back(d->sorted[i]);
  d->inserts.reserve(m - h);
  for (std::size_t i = h; i < m; ++i) d->inserts.push_back(d->sorted[idx[i]]);
  return d;
}

// The one cached dataset: benchmarks run in registration order, grouped by dataset, so
// the previous dataset (and its structures) is freed when the next one is first needed.
Dataset& dataset(ot::Dist dist, std::size_t n) {
  static std::unique_ptr<Dataset> current;
  if (!current || current->dist != dist || current->requested != n) {
    current.reset();
    malloc_trim(0);
    const auto t0 = Clock::now();
    current = make_dataset(dist, n);
    std::fprintf(stderr, "[dataset %s/%s: %zu distinct keys, %zu probes, generated in %.1f s]\n", ot::dist_name(dist),
                 size_label(n).c_str(), current->sorted.size(), current->probe_keys.size(), seconds_since(t0));
  }
  return *current;
}

std::unique_ptr<StdMap> build_std_map(const std::vector<Entry>& sorted) {
  auto m = std::make_unique<StdMap>();
  for (const Entry& e : sorted) m->emplace_hint(m->end(), e.key, e.tid);
  return m;
}

std::unique_ptr<AbslMap> build_absl(const std::vector<Entry>& sorted) {
  auto m = std::make_unique<AbslMap>();
  for (const Entry& e : sorted) m->insert(m->end(), {e.key, e.tid});
  return m;
}

// Returns null (and says why) if the bulk load fails.
std::unique_ptr<ax::MemoryTree> build_tree(const std::vector<Entry>& sorted) {
  auto t = std::make_unique<ax::MemoryTree>(tree_options());
  const ax::Status s = t->bulk_load(ax::Span<const Entry>(sorted.data(), sorted.size()));
  if (s != ax::Status::kOk) {
    std::fprintf(stderr, "omendb: bulk_load of %zu entries failed: %s\n", sorted.size(), ax::status_name(s));
    return nullptr;
  }
  return t;
}

template <class T, class Build>
void ensure_built(std::unique_ptr<T>& slot, double& seconds, std::size_t& heap, const std::vector<Entry>& sorted,
                  Build&& build) {
  if (slot) return;
  const std::size_t h0 = heap_in_use();
  const auto t0 = Clock::now();
  slot = build(sorted);
  seconds = seconds_since(t0);
  heap = heap_in_use() - h0;
}

// Counts probes whose found value is not the expected TID (kMissing: not found).
template <class Find>
std::size_t count_wrong(const Dataset& d, Find&& find) {
  if (!g_cfg.verify) return 0;
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < d.probe_keys.size(); ++i) wrong += find(d.probe_keys[i]) != d.probe_tids[i];
  return wrong;
}

std::uint64_t tree_find(const ax::MemoryTree& t, std::uint64_t k) {
  const ax::Cursor c = t.find_key(k);
  if (!c.valid()) return kMissing;
  const Entry e = c.entry();
  return e.key == k ? e.tid : kMissing;
}

template <class M>
std::uint64_t map_find(const M& m, std::uint64_t k) {
  const auto it = m.find(k);
  return it == m.end() ? kMissing : it->second;
}

std::vector<Entry>::const_iterator binsearch(const std::vector<Entry>& v, std::uint64_t k) {
  return std::lower_bound(v.begin(), v.end(), k, [](const Entry& e, std::uint64_t key) { return e.key < key; });
}

std::uint64_t vec_find(const std::vector<Entry>& v, std::uint64_t k) {
  const auto it = binsearch(v, k);
  return it != v.end() && it->key == k ? it->tid : kMissing;
}

void add_common_counters(benchmark::State& state, const Dataset& d) {
  state.counters["keys"] = static_cast<double>(d.sorted.size());
}

// ---------------------------------------------------------------------------------------
// Lookups

template <class Lookup>
void time_lookups(benchmark::State& state, const Dataset& d, Lookup&& lookup) {
  double total = 0;
  std::size_t ops = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    for (const std::uint64_t k : d.probe_keys) lookup(k);
    const double s = seconds_since(t0);
    state.SetIterationTime(s);
    total += s;
    ops += d.probe_keys.size();
  }
  state.counters["ns_per_op"] = ops ? total * 1e9 / static_cast<double>(ops) : 0.0;
  state.counters["ops_per_iter"] = static_cast<double>(d.probe_keys.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(ops));
}

// One untimed-by-the-library batch of lookups (for the structures left by the inserts).
template <class Lookup>
double probe_batch_ns(const Dataset& d, Lookup&& lookup) {
  const auto t0 = Clock::now();
  for (const std::uint64_t k : d.probe_keys) lookup(k);
  return d.probe_keys.empty() ? 0.0 : seconds_since(t0) * 1e9 / static_cast<double>(d.probe_keys.size());
}

void BM_LookupOmendb(benchmark::State& state, ot::Dist dist, std::size_t n) {
  Dataset& d = dataset(dist, n);
  if (!d.tree) {
    ensure_built(d.tree, d.tree_build_s, d.tree_heap, d.sorted, build_tree);
    if (d.tree) d.tree_report = report_tree(*d.tree, d.probe_keys, true);
  }
  if (!d.tree) {
    state.SkipWithError("bulk_load failed");
    return;
  }
  const ax::MemoryTree& tree = *d.tree;
  const std::size_t wrong = count_wrong(d, [&](std::uint64_t k) { return tree_find(tree, k); });
  time_lookups(state, d, [&](std::uint64_t k) {
    const ax::Cursor c = tree.find_key(k);
    benchmark::DoNotOptimize(c.entry().tid);
  });
  add_common_counters(state, d);
  add_tree_counters(state, d.tree_report);
  state.counters["build_ms"] = d.tree_build_s * 1e3;
  state.counters["heap_B_per_key"] = static_cast<double>(d.tree_heap) / d.sorted.size();
  state.counters["wrong"] = static_cast<double>(wrong);
}

// absl::btree_map and std::map: built once per dataset, looked up with find().
template <class Map, class Build>
void lookup_map(benchmark::State& state, Dataset& d, std::unique_ptr<Map>& slot, double& build_s, std::size_t& heap,
                Build build) {
  ensure_built(slot, build_s, heap, d.sorted, build);
  const Map& m = *slot;
  const std::size_t wrong = count_wrong(d, [&](std::uint64_t k) { return map_find(m, k); });
  time_lookups(state, d, [&](std::uint64_t k) { benchmark::DoNotOptimize(m.find(k)->second); });
  add_common_counters(state, d);
  state.counters["build_ms"] = build_s * 1e3;
  state.counters["heap_B_per_key"] = static_cast<double>(heap) / d.sorted.size();
  state.counters["wrong"] = static_cast<double>(wrong);
}

void BM_LookupAbsl(benchmark::State& state, ot::Dist dist, std::size_t n) {
  Dataset& d = dataset(dist, n);
  lookup_map(state, d, d.absl, d.absl_build_s, d.absl_heap, build_absl);
}

void BM_LookupStdMap(benchmark::State& state, ot::Dist dist, std::size_t n) {
  Dataset& d = dataset(dist, n);
  lookup_map(state, d, d.map, d.map_build_s, d.map_heap, build_std_map);
}

void BM_LookupBinsearch(benchmark::State& state, ot::Dist dist, std::size_t n) {
  Dataset& d = dataset(dist, n);
  const std::vector<Entry>& v = d.sorted;
  const std::size_t wrong = count_wrong(d, [&](std::uint64_t k) { return vec_find(v, k); });
  time_lookups(state, d, [&](std::uint64_t k) { benchmark::DoNotOptimize(binsearch(v, k)->tid); });
  add_common_counters(state, d);
  state.counters["heap_B_per_key"] = static_cast<double>(sizeof(Entry));
  state.counters["wrong"] = static_cast<double>(wrong);
}

// ---------------------------------------------------------------------------------------
// Inserts: every iteration rebuilds the loaded half (untimed) and times inserting the rest.

template <class T, class Build, class Insert>
std::unique_ptr<T> time_inserts(benchmark::State& state, const Dataset& d, Build&& build, Insert&& insert) {
  std::unique_ptr<T> s;
  double total = 0;
  std::size_t ops = 0, failures = 0, heap0 = 0;
  for (auto _ : state) {
    state.PauseTiming();
    s.reset();
    heap0 = heap_in_use();
    s = build(d.half);
    if (!s) {
      state.SkipWithError("building the loaded half failed");
      break;
    }
    state.ResumeTiming();
    std::size_t bad = 0;
    const auto t0 = Clock::now();
    for (const Entry& e : d.inserts) bad += insert(*s, e) ? 0 : 1;
    const double sec = seconds_since(t0);
    state.SetIterationTime(sec);
    total += sec;
    ops += d.inserts.size();
    failures += bad;
  }
  add_common_counters(state, d);
  state.counters["ns_per_op"] = ops ? total * 1e9 / static_cast<double>(ops) : 0.0;
  state.counters["ops_per_iter"] = static_cast<double>(d.inserts.size());
  state.counters["failures"] = static_cast<double>(failures);
  if (s) state.counters["heap_B_per_key"] = static_cast<double>(heap_in_use() - heap0) / d.sorted.size();
  state.SetItemsProcessed(static_cast<std::int64_t>(ops));
  return s;
}

void BM_InsertOmendb(benchmark::State& state, ot::Dist dist, std::size_t n) {
  const Dataset& d = dataset(dist, n);
  auto t = time_inserts<ax::MemoryTree>(state, d, build_tree,
                                        [](ax::MemoryTree& tree, const Entry& e) { return tree.insert(e) == ax::Status::kOk; });
  if (!t) return;
  // The tree after the inserts: lookup speed, shape, and whether every key is there.
  state.counters["lookup_ns_after"] = probe_batch_ns(d, [&](std::uint64_t k) {
    const ax::Cursor c = t->find_key(k);
    benchmark::DoNotOptimize(c.entry().tid);
  });
  add_tree_counters(state, report_tree(*t, d.probe_keys, true));
  state.counters["size_ok"] = t->size() == d.sorted.size() ? 1 : 0;
  state.counters["wrong"] = static_cast<double>(count_wrong(d, [&](std::uint64_t k) { return tree_find(*t, k); }));
}

void BM_InsertAbsl(benchmark::State& state, ot::Dist dist, std::size_t n) {
  const Dataset& d = dataset(dist, n);
  auto m = time_inserts<AbslMap>(state, d, build_absl,
                                 [](AbslMap& map, const Entry& e) { return map.insert({e.key, e.tid}).second; });
  if (!m) return;
  state.counters["size_ok"] = m->size() == d.sorted.size() ? 1 : 0;
  state.counters["lookup_ns_after"] = probe_batch_ns(d, [&](std::uint64_t k) { benchmark::DoNotOptimize(m->find(k)->second); });
  state.counters["wrong"] = static_cast<double>(count_wrong(d, [&](std::uint64_t k) { return map_find(*m, k); }));
}

void BM_InsertStdMap(benchmark::State& state, ot::Dist dist, std::size_t n) {
  const Dataset& d = dataset(dist, n);
  auto m = time_inserts<StdMap>(state, d, build_std_map,
                                [](StdMap& map, const Entry& e) { return map.emplace(e.key, e.tid).second; });
  if (!m) return;
  state.counters["size_ok"] = m->size() == d.sorted.size() ? 1 : 0;
  state.counters["lookup_ns_after"] = probe_batch_ns(d, [&](std::uint64_t k) { benchmark::DoNotOptimize(m->find(k)->second); });
  state.counters["wrong"] = static_cast<double>(count_wrong(d, [&](std::uint64_t k) { return map_find(*m, k); }));
}

// ---------------------------------------------------------------------------------------
// Bulk loads

// Times bulk_load over `sorted` once per iteration into a fresh tree; returns the last tree
// (null if a load failed) and sets ns_per_op.
std::unique_ptr<ax::MemoryTree> time_bulk_loads(benchmark::State& state, const std::vector<Entry>& sorted) {
  std::unique_ptr<ax::MemoryTree> t;
  double total = 0;
  std::size_t ops = 0;
  for (auto _ : state) {
    state.PauseTiming();
    t.reset();
    t = std::make_unique<ax::MemoryTree>(tree_options());
    state.ResumeTiming();
    const auto t0 = Clock::now();
    const ax::Status s = t->bulk_load(ax::Span<const Entry>(sorted.data(), sorted.size()));
    const double sec = seconds_since(t0);
    if (s != ax::Status::kOk) {
      state.SkipWithError("bulk_load failed");
      return nullptr;
    }
    state.SetIterationTime(sec);
    total += sec;
    ops += sorted.size();
  }
  state.counters["ns_per_op"] = ops ? total * 1e9 / static_cast<double>(ops) : 0.0;
  return t;
}

void BM_BulkLoad(benchmark::State& state, ot::Dist dist, std::size_t n) {
  const Dataset& d = dataset(dist, n);
  time_bulk_loads(state, d.sorted);
  add_common_counters(state, d);
}

// Keys 1..N: dense int8 keys, whose pages can store 2-byte key offsets.
void BM_BulkLoadSequential(benchmark::State& state, std::size_t n) {
  std::vector<Entry> sorted(n);
  for (std::size_t i = 0; i < n; ++i) sorted[i] = Entry{ax::code_from_int(static_cast<std::int64_t>(i + 1)), tid_of(i)};
  std::vector<std::uint64_t> probes(std::min(g_cfg.probes, n));
  ot::SplitMix64 rng(g_cfg.seed * 0x2545F4914F6CDD1Dull + 0x736571ull);
  for (auto& k : probes) k = sorted[rng.below(n)].key;

  const auto t = time_bulk_loads(state, sorted);
  if (!t || t->size() != n) return;
  state.counters["keys"] = static_cast<double>(n);
  add_tree_counters(state, report_tree(*t, probes, true));
}

// ---------------------------------------------------------------------------------------
// Flags and registration

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t end = s.find(sep, start);
    const std::string part = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) out.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

bool parse_dist(const std::string& name, ot::Dist* out) {
  for (int i = 0; i <= static_cast<int>(ot::Dist::kExtremes); ++i) {
    const auto d = static_cast<ot::Dist>(i);
    if (name == ot::dist_name(d)) {
      *out = d;
      return true;
    }
  }
  return false;
}

bool parse_flags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      const std::size_t len = std::strlen(flag);
      return a.compare(0, len, flag) == 0 ? a.c_str() + len : nullptr;
    };
    if (const char* v = value("--sizes=")) {
      g_cfg.sizes.clear();
      for (const auto& s : split(v, ',')) g_cfg.sizes.push_back(std::strtoull(s.c_str(), nullptr, 10));
    } else if (const char* v = value("--dists=")) {
      g_cfg.dists.clear();
      for (const auto& s : split(v, ',')) {
        ot::Dist d;
        if (!parse_dist(s, &d)) {
          std::fprintf(stderr, "unknown distribution: %s\n", s.c_str());
          return false;
        }
        g_cfg.dists.push_back(d);
      }
    } else if (const char* v = value("--probes=")) {
      g_cfg.probes = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("--lookup_batches=")) {
      g_cfg.lookup_batches = std::max<std::int64_t>(1, std::strtoll(v, nullptr, 10));
    } else if (const char* v = value("--seed=")) {
      g_cfg.seed = std::strtoull(v, nullptr, 10);
    } else if (a == "--no_verify") {
      g_cfg.verify = false;
    } else if (const char* v = value("--context=")) {
      const char* eq = std::strchr(v, '=');
      if (eq == nullptr || eq == v) {
        std::fprintf(stderr, "--context wants key=value\n");
        return false;
      }
      g_extra_context.emplace_back(std::string(v, eq), std::string(eq + 1));
    } else {
      std::fprintf(stderr, "unknown flag: %s\n", a.c_str());
      return false;
    }
  }
  for (const std::size_t n : g_cfg.sizes) {
    if (n < 2 || n > 0xFFFFFFFFu) {
      std::fprintf(stderr, "--sizes: each size must be in [2, 2^32)\n");
      return false;
    }
  }
  if (g_cfg.probes == 0) {
    std::fprintf(stderr, "--probes must be positive\n");
    return false;
  }
  return true;
}

void register_benchmarks() {
  using benchmark::RegisterBenchmark;
  for (const std::size_t n : g_cfg.sizes) {
    const std::string nl = size_label(n);
    for (const ot::Dist dist : g_cfg.dists) {
      const std::string ds = std::string(ot::dist_name(dist)) + "/" + nl;
      RegisterBenchmark(("bulkload/" + ds + "/omendb").c_str(), BM_BulkLoad, dist, n)
          ->UseManualTime()->Unit(benchmark::kMillisecond);
      const std::pair<const char*, void (*)(benchmark::State&, ot::Dist, std::size_t)> lookups[] = {
          {"omendb", BM_LookupOmendb},
          {"absl_btree", BM_LookupAbsl},
          {"std_map", BM_LookupStdMap},
          {"binsearch", BM_LookupBinsearch},
      };
      for (const auto& [name, fn] : lookups) {
        RegisterBenchmark(("lookup/" + ds + "/" + name).c_str(), fn, dist, n)
            ->UseManualTime()->Iterations(g_cfg.lookup_batches)->Unit(benchmark::kMillisecond);
      }
      // No sorted-array inserts: each costs a memmove of half the array (O(N)), which
      // would dominate the run without telling us anything.
      const std::pair<const char*, void (*)(benchmark::State&, ot::Dist, std::size_t)> inserts[] = {
          {"omendb", BM_InsertOmendb},
          {"absl_btree", BM_InsertAbsl},
          {"std_map", BM_InsertStdMap},
      };
      for (const auto& [name, fn] : inserts) {
        RegisterBenchmark(("insert/" + ds + "/" + name).c_str(), fn, dist, n)
            ->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
      }
    }
    RegisterBenchmark(("bulkload/sequential/" + nl + "/omendb").c_str(), BM_BulkLoadSequential, n)
        ->UseManualTime()->Unit(benchmark::kMillisecond);
  }
}

std::string join_sizes() {
  std::string s;
  for (const std::size_t n : g_cfg.sizes) s += (s.empty() ? "" : ",") + std::to_string(n);
  return s;
}

std::string join_dists() {
  std::string s;
  for (const ot::Dist d : g_cfg.dists) s += (s.empty() ? "" : ",") + std::string(ot::dist_name(d));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string command;
  for (int i = 0; i < argc; ++i) {  // --context values are recorded as context entries of their own
    if (std::strncmp(argv[i], "--context=", 10) != 0) command += (command.empty() ? "" : " ") + std::string(argv[i]);
  }
  benchmark::Initialize(&argc, argv);
  if (!parse_flags(argc, argv)) return 2;
  benchmark::AddCustomContext("omendb_build_type", OMENDB_BENCH_BUILD_TYPE);
  benchmark::AddCustomContext("omendb_cxx_flags", OMENDB_BENCH_CXX_FLAGS);
  benchmark::AddCustomContext("omendb_compiler", OMENDB_BENCH_COMPILER);
  benchmark::AddCustomContext("omendb_page_size", std::to_string(kPageSize));
  benchmark::AddCustomContext("omendb_fill_factor", std::to_string(kFill));
  benchmark::AddCustomContext("omendb_sizes", join_sizes());
  benchmark::AddCustomContext("omendb_dists", join_dists());
  benchmark::AddCustomContext("omendb_probes_per_batch", std::to_string(g_cfg.probes));
  benchmark::AddCustomContext("omendb_lookup_batches", std::to_string(g_cfg.lookup_batches));
  benchmark::AddCustomContext("omendb_seed", std::to_string(g_cfg.seed));
  benchmark::AddCustomContext("omendb_command", command);
  for (const auto& [key, value] : g_extra_context) benchmark::AddCustomContext(key, value);
  register_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
