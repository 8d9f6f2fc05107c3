// Registration throughput with the fuzzy duplicate pass on, as the registry
// grows (DESIGN.md §4). For each size N of --sizes, a fresh test database
// (RELIEF_TEST_PG, see common/pg/testing/test_database.h) is preloaded with
// N generated people through COPY, stored as a registration stores them
// (persons, documents, relatives, blocking keys, name-token counts). Then,
// for each client-thread count of --threads, --records registrations go
// through the real RegistryManager: half new people, half re-registrations
// of preloaded people written differently (the generator's duplicate
// variations: typos, dropped marks, swapped order, year only, other
// papers...).
//
// Prints, per size: load time, registrations per second, p50/p99/max of the
// duplicate check (RegistryManager's observer: every fuzzy pass) and of the
// whole Register call, outcomes and how right they were, then the fuzzy pass
// step by step for records not yet registered (where the time goes), and
// the plans of the candidate and survivor queries at the largest size.
// Ratios are to the first size of the same run (the empty registry by
// default). No Redis: the candidate-set cache is off, every pass reads
// Postgres.
//
// Measures and prints only; asserts nothing (STYLE.md, habit 10).
//
// Usage:
//   RELIEF_TEST_PG=postgresql://postgres@127.0.0.1:55500/postgres \
//     registry_duplicate_bench [--sizes=0,100000,1000000] [--records=2000]
//       [--threads=1,4] [--seed=2021] [--warmup=100] [--sample=200]
//       [--explain=true] [--rebuild-indexes=true]
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/base/status.h"
#include "common/text/vn_text.h"
#include "common/pg/transaction.h"
#include "pqxx/pqxx"
#include "services/registry/duplicates.h"
#include "services/registry/registration.h"
#include "services/registry/testing/manager_on_postgres.h"
#include "services/registry/testing/people_generator.h"

namespace relief::registry {
namespace {

using testing::GeneratedRecord;
using testing::ManagerOnPostgres;

// RegistryManager::FuzzyPass reads at most this many candidates
// (kMaxCandidates in registry_manager.cc).
constexpr int kCandidateLimit = 1000;
// The candidate query of PgRegistryStore::FindCandidates for `keys` (a
// quoted text[] literal), for EXPLAIN.
std::string CandidateQuery(const std::string& keys) {
  return absl::StrCat(
      "SELECT p.person_id, p.full_name, p.birth_year, p.birth_month,"
      " p.birth_day, p.sex, p.phone, p.home_commune_code"
      " FROM registry.persons p WHERE p.person_id IN ("
      "  SELECT person_id FROM registry.person_blocks"
      "  WHERE block = ANY(", keys, "::text[]))"
      " ORDER BY p.person_id LIMIT ", kCandidateLimit);
}
// Tables the loader fills with COPY (their keys, indexes and the foreign
// keys pointing at them are dropped during the load and rebuilt after).
constexpr absl::string_view kLoadedTables =
    "{registry.persons,registry.documents,registry.relatives,"
    "registry.person_blocks}";
// People per COPY transaction.
constexpr int kBatchPeople = 10000;

struct Flags {
  std::vector<int64_t> sizes = {0, 100000, 1000000};
  int records = 2000;
  std::vector<int> threads = {1, 4};
  uint64_t seed = 2021;
  int warmup = 100;
  int sample = 200;
  bool explain = true;
  bool rebuild_indexes = true;
};

// --- Small helpers -----------------------------------------------------------

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }
double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

struct Dist {
  size_t n = 0;
  double p50 = 0, p99 = 0, max = 0, mean = 0;
};

// Nearest-rank percentiles.
Dist Summarize(std::vector<double> v) {
  Dist d;
  d.n = v.size();
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {
    size_t r = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::clamp<size_t>(r, 1, v.size()) - 1];
  };
  d.p50 = rank(0.50);
  d.p99 = rank(0.99);
  d.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  d.mean = sum / static_cast<double>(v.size());
  return d;
}

// "x1.23", or "-" without a baseline.
std::string Ratio(double value, double base) {
  if (base <= 0 || value <= 0) return "-";
  return absl::StrFormat("x%.2f", value / base);
}

template <typename Fn>
absl::Status Guard(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return absl::InternalError(e.what());
  }
}

// A connection of the bench's own (COPY, DDL, EXPLAIN: no pool timeouts).
absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect(
    const ManagerOnPostgres& env) {
  std::unique_ptr<pqxx::connection> conn;
  RELIEF_RETURN_IF_ERROR(Guard([&] {
    conn = std::make_unique<pqxx::connection>(env.db->url());
    return absl::OkStatus();
  }));
  return conn;
}

// --- The preload -------------------------------------------------------------

using Field = std::optional<std::string>;
template <size_t K>
using Row = std::array<Field, K>;

// The rows of kBatchPeople people.
struct Batch {
  std::vector<Row<24>> persons;
  std::vector<Row<7>> documents;
  std::vector<Row<5>> relatives;
  std::vector<Row<2>> blocks;
};

const std::vector<std::string> kPersonColumns = {
    "person_id", "full_name", "name_key", "birth_year", "birth_month",
    "birth_day", "sex", "phone", "home_commune_code", "home_district_code",
    "home_province_code", "host_province_code", "host_district_code",
    "street", "need_kind", "need_note", "source", "partner_id",
    "partner_external_ref", "state", "created_at", "updated_at",
    "created_by", "request_id"};
const std::vector<std::string> kDocumentColumns = {
    "person_id", "doc_type", "number", "doc_key", "linked", "created_at",
    "request_id"};
const std::vector<std::string> kRelativeColumns = {
    "person_id", "ordinal", "name", "relationship", "phone"};
const std::vector<std::string> kBlockColumns = {"block", "person_id"};
const std::vector<std::string> kTokenColumns = {"token", "shard", "people"};

Field OrNull(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}
Field Int(int64_t v) { return absl::StrCat(v); }

template <size_t K>
void CopyRows(pqxx::transaction_base& tx, const std::string& table,
              const std::vector<std::string>& columns,
              const std::vector<Row<K>>& rows) {
  pqxx::stream_to out(tx, table, columns);
  std::array<const char*, K> fields;
  for (const Row<K>& row : rows) {
    for (size_t i = 0; i < K; ++i) {
      fields[i] = row[i].has_value() ? row[i]->c_str() : nullptr;
    }
    out << fields;
  }
  out.complete();
}

// Appends the rows `person` (normalised, with its id) stores, as
// PgRegistryTx::InsertPerson and IndexPerson write them.
void AddRows(const Person& p, const std::string& request_id,
             const std::string& now, Batch& b) {
  b.persons.push_back(
      {p.id, p.full_name, text::MatchKey(p.full_name), Int(p.birth_date.year),
       Int(p.birth_date.month), Int(p.birth_date.day),
       Int(static_cast<int>(p.sex)), OrNull(p.phone), p.home_commune_code,
       p.home_district_code, p.home_province_code, p.host_province_code,
       OrNull(p.host_district_code), OrNull(p.street),
       Int(static_cast<int>(p.need_kind)), OrNull(p.need_note),
       Int(static_cast<int>(p.source)), OrNull(p.partner_id),
       OrNull(p.partner_external_ref), Int(static_cast<int>(p.state)), now,
       now, std::string("bench-preload"), request_id});
  // InsertDocuments: ON CONFLICT DO NOTHING skips a second paper with the
  // same number, or with a key this person already linked.
  absl::flat_hash_set<std::string> seen;
  for (const Document& d : p.documents) {
    const std::string pk = absl::StrCat(static_cast<int>(d.type), "|", d.number);
    if (!seen.insert(pk).second) continue;
    if (!d.key.empty() && d.linked && !seen.insert("key|" + d.key).second) {
      continue;
    }
    b.documents.push_back({p.id, Int(static_cast<int>(d.type)), d.number,
                           OrNull(d.key), std::string(d.linked ? "t" : "f"),
                           now, request_id});
  }
  for (size_t i = 0; i < p.relatives.size(); ++i) {
    const Relative& r = p.relatives[i];
    b.relatives.push_back({p.id, Int(static_cast<int64_t>(i)), r.name,
                           r.relationship, OrNull(r.phone)});
  }
  for (std::string& key : BlockKeys(ToMatchRecord(p))) {
    b.blocks.push_back({std::move(key), p.id});
  }
}

// Keys, indexes and foreign keys of the loaded tables, as statements that
// drop and recreate them (from the catalog, so the rebuilt schema is the
// migrated one).
struct Catalog {
  std::vector<std::string> drops;     // foreign keys, keys, then indexes
  std::vector<std::string> creates;   // indexes, keys, then foreign keys
  std::vector<std::string> fingerprint;  // sorted definitions
};

Catalog ReadCatalog(pqxx::transaction_base& tx) {
  Catalog c;
  std::vector<std::string> drop_fk, drop_keys, drop_indexes;
  std::vector<std::string> add_fk, add_keys, add_indexes;
  for (const auto& r : tx.exec_params(
           "SELECT contype::text,"
           " format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass,"
           "  conname),"
           " format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass,"
           "  conname, pg_get_constraintdef(oid))"
           " FROM pg_constraint WHERE contype IN ('p', 'u', 'f') AND"
           " (conrelid = ANY($1::regclass[]) OR confrelid = ANY($1::regclass[]))"
           " ORDER BY 3",
           std::string(kLoadedTables))) {
    const bool fk = r[0].as<std::string>() == "f";
    (fk ? drop_fk : drop_keys).push_back(r[1].as<std::string>());
    (fk ? add_fk : add_keys).push_back(r[2].as<std::string>());
  }
  for (const auto& r : tx.exec_params(
           "SELECT format('DROP INDEX %s', indexrelid::regclass),"
           " pg_get_indexdef(indexrelid) FROM pg_index i"
           " WHERE indrelid = ANY($1::regclass[]) AND NOT EXISTS ("
           "  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid"
           "  AND c.contype IN ('p', 'u', 'x'))"
           " ORDER BY 2",
           std::string(kLoadedTables))) {
    drop_indexes.push_back(r[0].as<std::string>());
    add_indexes.push_back(r[1].as<std::string>());
  }
  for (auto* v : {&drop_fk, &drop_keys, &drop_indexes}) {
    c.drops.insert(c.drops.end(), v->begin(), v->end());
  }
  for (auto* v : {&add_indexes, &add_keys, &add_fk}) {
    c.creates.insert(c.creates.end(), v->begin(), v->end());
  }
  c.fingerprint = c.creates;
  std::sort(c.fingerprint.begin(), c.fingerprint.end());
  return c;
}

struct LoadResult {
  int64_t people = 0, documents = 0, relatives = 0, blocks = 0, tokens = 0;
  absl::Duration rows, index, vacuum, total;
  // Person ids of people [0, keep), by generator index.
  std::vector<std::string> ids;
  // Their canonical names (checks that re-registrations are of them).
  std::vector<std::string> canonical_names;
};

// Loads `people` people of PeopleStream(seed) into `env`'s database. One
// thread generates and normalises rows; this one COPYs them, a batch per
// transaction, so both cores work. With `rebuild_indexes`, keys, indexes
// and foreign keys of the loaded tables are dropped first and rebuilt from
// their catalog definitions after (then checked to equal the migrated
// ones). Ends with VACUUM ANALYZE (the steady state autovacuum keeps).
absl::StatusOr<LoadResult> Preload(ManagerOnPostgres& env,
                                   const std::vector<std::string>& communes,
                                   const Flags& flags, int64_t people,
                                   int64_t keep) {
  LoadResult out;
  const absl::Time start = absl::Now();
  RELIEF_ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> connection,
                          Connect(env));
  pqxx::connection& conn = *connection;
  Catalog catalog;
  RELIEF_RETURN_IF_ERROR(Guard([&] {
    pqxx::work tx(conn);
    catalog = ReadCatalog(tx);
    if (flags.rebuild_indexes && people > 0) {
      for (const std::string& sql : catalog.drops) tx.exec0(sql);
    }
    tx.commit();
    return absl::OkStatus();
  }));

  absl::Mutex mu;
  std::deque<Batch> queue;      // guarded by mu
  bool produced = false;        // guarded by mu
  bool stop = false;            // guarded by mu
  absl::Status produce_status;  // guarded by mu
  absl::flat_hash_map<std::string, int64_t> token_counts;  // producer only

  // Ids in load order (UUIDv7: registration order, as the rows' physical
  // order), except that the re-registered people [0, keep) take the ids of
  // people drawn at random: the candidate query keeps the oldest
  // kCandidateLimit by id, and they must not all be the oldest.
  std::vector<std::string> ids(static_cast<size_t>(people));
  for (std::string& id : ids) id = env.ids.NewId();
  std::mt19937_64 rng(flags.seed);
  for (int64_t i = 0; i < std::min(keep, people); ++i) {
    std::uniform_int_distribution<int64_t> pick(i, people - 1);
    std::swap(ids[static_cast<size_t>(i)], ids[static_cast<size_t>(pick(rng))]);
  }

  std::thread producer([&] {
    testing::GeneratorOptions options;
    options.seed = flags.seed;
    options.people = static_cast<int>(std::max<int64_t>(people, 1));
    options.commune_codes = communes;
    testing::PeopleStream stream(options);
    const absl::Time now = absl::Now();
    const std::string now_text = absl::FormatTime(
        "%Y-%m-%d %H:%M:%E6S+00", now, absl::UTCTimeZone());
    Batch batch;
    absl::Status status;
    for (int64_t i = 0; i < people && status.ok(); ++i) {
      GeneratedRecord g = stream.Next();
      absl::StatusOr<Registration> reg =
          NormalizeRegistration(g.input, *env.units, DeploymentConfig{}, now);
      if (!reg.ok()) {
        status = absl::InternalError(absl::StrCat(
            "generated person ", i, " does not normalise: ",
            reg.status().ToString()));
        break;
      }
      Person& p = reg->person;
      p.id = std::move(ids[static_cast<size_t>(i)]);
      p.created_at = p.updated_at = now;
      if (i < keep) {
        out.ids.push_back(p.id);
        out.canonical_names.push_back(g.canonical_name);
      }
      for (const std::string& t : NameTokens(p.full_name)) ++token_counts[t];
      AddRows(p, absl::StrCat("preload-", i), now_text, batch);
      if (static_cast<int64_t>(batch.persons.size()) == kBatchPeople ||
          i + 1 == people) {
        absl::MutexLock lock(&mu);
        const auto room = [&] { return queue.size() < 4 || stop; };
        mu.Await(absl::Condition(&room));
        if (stop) return;
        queue.push_back(std::move(batch));
        batch = Batch();
      }
    }
    absl::MutexLock lock(&mu);
    produce_status = status;
    produced = true;
  });

  absl::Status consume_status = Guard([&] {
    for (;;) {
      Batch batch;
      {
        absl::MutexLock lock(&mu);
        const auto ready = [&] { return !queue.empty() || produced; };
        mu.Await(absl::Condition(&ready));
        if (queue.empty()) break;
        batch = std::move(queue.front());
        queue.pop_front();
      }
      pqxx::work tx(conn);
      CopyRows(tx, "registry.persons", kPersonColumns, batch.persons);
      CopyRows(tx, "registry.documents", kDocumentColumns, batch.documents);
      CopyRows(tx, "registry.relatives", kRelativeColumns, batch.relatives);
      CopyRows(tx, "registry.person_blocks", kBlockColumns, batch.blocks);
      tx.commit();
      out.people += static_cast<int64_t>(batch.persons.size());
      out.documents += static_cast<int64_t>(batch.documents.size());
      out.relatives += static_cast<int64_t>(batch.relatives.size());
      out.blocks += static_cast<int64_t>(batch.blocks.size());
      if (out.people % 100000 == 0) {
        std::fprintf(stderr, "  loaded %lld people (%.0f s)\n",
                     static_cast<long long>(out.people),
                     Seconds(absl::Now() - start));
      }
    }
    return absl::OkStatus();
  });
  if (!consume_status.ok()) {
    absl::MutexLock lock(&mu);
    stop = true;
  }
  producer.join();
  RELIEF_RETURN_IF_ERROR(consume_status);
  RELIEF_RETURN_IF_ERROR(produce_status);

  // Name-token counts, aggregated (shard 0; token '' counts people).
  RELIEF_RETURN_IF_ERROR(Guard([&] {
    std::vector<Row<3>> rows;
    if (people > 0) rows.push_back({std::string(), Int(0), Int(people)});
    for (const auto& [token, n] : token_counts) {
      rows.push_back({token, Int(0), Int(n)});
    }
    pqxx::work tx(conn);
    CopyRows(tx, "registry.name_token_counts", kTokenColumns, rows);
    tx.commit();
    out.tokens = static_cast<int64_t>(token_counts.size());
    return absl::OkStatus();
  }));
  const absl::Time rows_done = absl::Now();
  out.rows = rows_done - start;

  if (flags.rebuild_indexes && people > 0) {
    RELIEF_RETURN_IF_ERROR(Guard([&]() -> absl::Status {
      pqxx::work tx(conn);
      tx.exec0("SET LOCAL maintenance_work_mem = '1GB'");
      for (const std::string& sql : catalog.creates) {
        const absl::Time t0 = absl::Now();
        tx.exec0(sql);
        std::fprintf(stderr, "  %5.1f s  %s\n", Seconds(absl::Now() - t0),
                     sql.c_str());
      }
      const Catalog after = ReadCatalog(tx);
      if (after.fingerprint != catalog.fingerprint) {
        return absl::InternalError(absl::StrCat(
            "rebuilt schema differs from the migrated one:\n  ",
            absl::StrJoin(catalog.fingerprint, "\n  "), "\nvs\n  ",
            absl::StrJoin(after.fingerprint, "\n  ")));
      }
      tx.commit();
      return absl::OkStatus();
    }));
  }
  const absl::Time index_done = absl::Now();
  out.index = index_done - rows_done;
  RELIEF_RETURN_IF_ERROR(Guard([&] {
    pqxx::nontransaction tx(conn);
    tx.exec0(
        "VACUUM (ANALYZE) registry.persons, registry.documents,"
        " registry.relatives, registry.person_blocks,"
        " registry.name_token_counts");
    return absl::OkStatus();
  }));
  out.vacuum = absl::Now() - index_done;
  out.total = absl::Now() - start;
  return out;
}

// --- The workload ------------------------------------------------------------

// `count` people of PeopleStream(seed) none of whose document keys is
// already in the database or in `avoid` (the generator reuses serial
// numbers across seeds: such a record would be a document match with a
// stranger, not a new person).
absl::StatusOr<std::vector<GeneratedRecord>> NewPeople(
    const ManagerOnPostgres& env, const std::vector<std::string>& communes,
    uint64_t seed, int count, const absl::flat_hash_set<std::string>& avoid,
    int* skipped) {
  testing::GeneratorOptions options;
  options.seed = seed;
  options.people = std::max(count, 1) * 2;
  options.commune_codes = communes;
  testing::PeopleStream stream(options);
  std::vector<GeneratedRecord> out;
  *skipped = 0;
  RELIEF_ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> conn,
                          Connect(env));
  while (static_cast<int>(out.size()) < count) {
    std::vector<GeneratedRecord> chunk;
    std::vector<std::string> keys;
    for (int i = 0; i < 1000; ++i) {
      chunk.push_back(stream.Next());
      keys.insert(keys.end(), chunk.back().document_keys.begin(),
                  chunk.back().document_keys.end());
    }
    absl::flat_hash_set<std::string> taken;
    RELIEF_RETURN_IF_ERROR(Guard([&] {
      pqxx::read_transaction tx(*conn);
      for (const auto& r : tx.exec_params(
               "SELECT doc_key FROM registry.documents WHERE doc_key ="
               " ANY($1::text[])",
               pg::ArrayLiteral(keys))) {
        taken.insert(r[0].as<std::string>());
      }
      return absl::OkStatus();
    }));
    for (GeneratedRecord& g : chunk) {
      const bool clash = std::any_of(
          g.document_keys.begin(), g.document_keys.end(),
          [&](const std::string& k) {
            return taken.contains(k) || avoid.contains(k);
          });
      if (clash) {
        ++*skipped;
      } else if (static_cast<int>(out.size()) < count) {
        out.push_back(std::move(g));
      }
    }
  }
  return out;
}

// One registration to send.
struct Item {
  const GeneratedRecord* record = nullptr;
  bool again = false;  // a re-registration of generator person record->person
  std::string request_id;
};

// Who each re-registered generator person is in the registry (preloaded,
// or created during the run). Thread-safe.
class Truth {
 public:
  void Add(int person, const std::string& id) {
    absl::MutexLock lock(&mu_);
    ids_[person].push_back(id);
  }
  std::vector<std::string> Of(int person) const {
    absl::MutexLock lock(&mu_);
    const auto it = ids_.find(person);
    return it == ids_.end() ? std::vector<std::string>() : it->second;
  }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<int, std::vector<std::string>> ids_ ABSL_GUARDED_BY(mu_);
};

// Durations of the fuzzy passes of the current phase. Thread-safe.
class DupSink {
 public:
  void Add(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    ms_.push_back(Ms(d));
  }
  std::vector<double> Take() {
    absl::MutexLock lock(&mu_);
    return std::exchange(ms_, {});
  }

 private:
  absl::Mutex mu_;
  std::vector<double> ms_ ABSL_GUARDED_BY(mu_);
};

struct Outcomes {
  int created = 0, existing = 0, review = 0, errors = 0;
  // Re-registrations of a person already in the registry.
  int again_known = 0, right_link = 0, right_review = 0, missed = 0,
      wrong_link = 0;
  // Re-registrations of a person not yet in it (small registries only).
  int again_first = 0;
  // New people.
  int fresh = 0, fresh_linked = 0, fresh_review = 0;
  std::string first_error;
};

struct Phase {
  int threads = 0;
  int records = 0;
  absl::Duration wall;
  Dist reg, dup;
  Outcomes outcomes;
  double per_second() const {
    return wall > absl::ZeroDuration() ? records / Seconds(wall) : 0;
  }
};

Phase RunPhase(RegistryManager& manager, DupSink& sink, Truth& truth,
               const std::vector<Item>& items, int threads) {
  const Principal actor{.subject = "bench", .role = "admin"};
  std::atomic<size_t> next{0};
  absl::Mutex mu;
  std::vector<double> reg_ms;
  Outcomes o;
  sink.Take();
  auto work = [&] {
    std::vector<double> mine;
    Outcomes local;
    for (size_t i = next++; i < items.size(); i = next++) {
      const Item& item = items[i];
      RegistrationInput input = item.record->input;
      input.request_id = item.request_id;
      const std::vector<std::string> known =
          item.again ? truth.Of(item.record->person)
                     : std::vector<std::string>();
      const absl::Time t0 = absl::Now();
      absl::StatusOr<RegisterResult> r =
          manager.Register(actor, input, item.request_id);
      mine.push_back(Ms(absl::Now() - t0));
      if (!r.ok()) {
        ++local.errors;
        if (local.first_error.empty()) local.first_error = r.status().ToString();
        continue;
      }
      const bool created = r->outcome == RegisterOutcome::kCreated ||
                           r->outcome == RegisterOutcome::kNeedsReview;
      local.created += r->outcome == RegisterOutcome::kCreated;
      local.existing += r->outcome == RegisterOutcome::kExisting;
      local.review += r->outcome == RegisterOutcome::kNeedsReview;
      auto is_known = [&](const std::string& id) {
        return std::find(known.begin(), known.end(), id) != known.end();
      };
      if (!item.again) {
        ++local.fresh;
        local.fresh_linked += r->outcome == RegisterOutcome::kExisting;
        local.fresh_review += r->outcome == RegisterOutcome::kNeedsReview;
      } else if (known.empty()) {
        ++local.again_first;
      } else {
        ++local.again_known;
        if (r->outcome == RegisterOutcome::kExisting) {
          (is_known(r->person.id) ? local.right_link : local.wrong_link)++;
        } else if (r->outcome == RegisterOutcome::kNeedsReview &&
                   std::any_of(r->matched_person_ids.begin(),
                               r->matched_person_ids.end(), is_known)) {
          ++local.right_review;
        } else {
          ++local.missed;
        }
      }
      if (item.again && created) truth.Add(item.record->person, r->person.id);
    }
    absl::MutexLock lock(&mu);
    reg_ms.insert(reg_ms.end(), mine.begin(), mine.end());
    o.created += local.created;
    o.existing += local.existing;
    o.review += local.review;
    o.errors += local.errors;
    o.again_known += local.again_known;
    o.right_link += local.right_link;
    o.right_review += local.right_review;
    o.missed += local.missed;
    o.wrong_link += local.wrong_link;
    o.again_first += local.again_first;
    o.fresh += local.fresh;
    o.fresh_linked += local.fresh_linked;
    o.fresh_review += local.fresh_review;
    if (o.first_error.empty()) o.first_error = local.first_error;
  };
  const absl::Time start = absl::Now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(work);
  for (std::thread& t : pool) t.join();
  Phase p;
  p.threads = threads;
  p.records = static_cast<int>(items.size());
  p.wall = absl::Now() - start;
  p.reg = Summarize(std::move(reg_ms));
  p.dup = Summarize(sink.Take());
  p.outcomes = o;
  return p;
}

// --- The fuzzy pass step by step -----------------------------------------

struct Steps {
  std::vector<double> stats, lock, find, survivors, score, total;
  std::vector<double> candidates, uncapped;
  std::vector<double> above_review;  // candidates scoring >= review_bits
  int capped = 0;
  // The record with the most people under its keys, and its keys.
  std::vector<std::string> worst_keys;
  double worst_uncapped = -1;
  std::vector<std::string> median_keys;
};

// Runs the steps of RegistryManager::FuzzyPass (token stats, key locks,
// candidates, survivors, scoring) for each record, timing each, in a
// transaction that writes nothing; and counts the people filed under the
// record's keys without the candidate limit.
absl::StatusOr<Steps> StepByStep(ManagerOnPostgres& env,
                                 const std::vector<GeneratedRecord>& records) {
  Steps s;
  RELIEF_ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> conn,
                          Connect(env));
  std::vector<std::pair<double, std::vector<std::string>>> by_count;
  for (const GeneratedRecord& g : records) {
    absl::StatusOr<Registration> reg = NormalizeRegistration(
        g.input, *env.units, DeploymentConfig{}, absl::Now());
    if (!reg.ok()) return reg.status();
    const MatchRecord rec = ToMatchRecord(reg->person);
    std::vector<std::string> keys;
    RELIEF_RETURN_IF_ERROR(env.store->InTransaction([&](RegistryTx& tx) {
      const absl::Time t0 = absl::Now();
      RELIEF_ASSIGN_OR_RETURN(TokenStats stats,
                              tx.LoadTokenStats(NameTokens(rec.full_name)));
      keys = QueryKeys(rec, stats, MatchConfig{});
      const absl::Time t1 = absl::Now();
      RELIEF_RETURN_IF_ERROR(tx.LockBlocks(keys));
      const absl::Time t2 = absl::Now();
      RELIEF_ASSIGN_OR_RETURN(std::vector<MatchRecord> candidates,
                              tx.FindCandidates(keys, kCandidateLimit));
      const absl::Time t3 = absl::Now();
      std::vector<std::string> ids;
      for (const MatchRecord& c : candidates) ids.push_back(c.id);
      RELIEF_ASSIGN_OR_RETURN(auto survivors, tx.FinalSurvivors(ids));
      const absl::Time t4 = absl::Now();
      int above_review = 0;
      for (const MatchRecord& c : candidates) {
        above_review += Score(rec, c, stats).bits >= MatchConfig{}.review_bits;
      }
      const absl::Time t5 = absl::Now();
      s.stats.push_back(Ms(t1 - t0));
      s.lock.push_back(Ms(t2 - t1));
      s.find.push_back(Ms(t3 - t2));
      s.survivors.push_back(Ms(t4 - t3));
      s.score.push_back(Ms(t5 - t4));
      s.total.push_back(Ms(t5 - t0));
      s.candidates.push_back(static_cast<double>(candidates.size()));
      s.capped += static_cast<int>(candidates.size()) >= kCandidateLimit;
      s.above_review.push_back(above_review);
      (void)survivors;  // resolved as FuzzyPass does; timed only
      return absl::OkStatus();
    }));
    double uncapped = 0;
    RELIEF_RETURN_IF_ERROR(Guard([&] {
      pqxx::read_transaction tx(*conn);
      uncapped = tx.exec_params("SELECT count(DISTINCT person_id) FROM"
                                " registry.person_blocks WHERE block ="
                                " ANY($1::text[])",
                                pg::ArrayLiteral(keys))[0][0]
                     .as<double>();
      return absl::OkStatus();
    }));
    s.uncapped.push_back(uncapped);
    by_count.emplace_back(uncapped, keys);
  }
  if (!by_count.empty()) {
    std::sort(by_count.begin(), by_count.end());
    s.worst_uncapped = by_count.back().first;
    s.worst_keys = by_count.back().second;
    s.median_keys = by_count[by_count.size() / 2].second;
  }
  return s;
}

// A line of a plan, without the long array literals.
std::string PlanLine(absl::string_view line) {
  constexpr size_t kMax = 150;
  if (line.size() <= kMax) return std::string(line);
  return absl::StrCat(line.substr(0, kMax), "...");
}

// EXPLAIN (ANALYZE, BUFFERS) of the candidate query for `keys`, with the
// people filed under each key, and of FinalSurvivors for its candidates.
absl::Status Explain(ManagerOnPostgres& env,
                     const std::vector<std::string>& keys,
                     absl::string_view label) {
  RELIEF_ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> conn,
                          Connect(env));
  return Guard([&] {
    pqxx::read_transaction tx(*conn);
    std::printf("\ncandidate query for the %s record; people per key:\n",
                std::string(label).c_str());
    for (const auto& r : tx.exec_params(
             "SELECT block, count(*) FROM registry.person_blocks"
             " WHERE block = ANY($1::text[]) GROUP BY block ORDER BY 2 DESC",
             pg::ArrayLiteral(keys))) {
      std::printf("  %-40s %8lld\n", r[0].c_str(), r[1].as<long long>());
    }
    const std::string sql = CandidateQuery(tx.quote(pg::ArrayLiteral(keys)));
    for (const auto& r :
         tx.exec(absl::StrCat("EXPLAIN (ANALYZE, BUFFERS) ", sql))) {
      std::printf("  %s\n", PlanLine(r[0].c_str()).c_str());
    }
    // FinalSurvivors of those candidates (the query of PgRegistryTx).
    const std::string ids =
        tx.exec(absl::StrCat("SELECT coalesce(array_agg(person_id), '{}')::text"
                             " FROM (", sql, ") q"))[0][0]
            .as<std::string>();
    std::printf("survivors of its candidates:\n");
    for (const auto& r : tx.exec(absl::StrCat(
             "EXPLAIN (ANALYZE, BUFFERS) WITH RECURSIVE chain (start, cur,"
             " depth) AS (SELECT person_id, person_id, 0 FROM registry.persons"
             " WHERE person_id = ANY(", tx.quote(ids), "::uuid[]) UNION ALL"
             " SELECT c.start, p.merged_into, c.depth + 1 FROM chain c"
             " JOIN registry.persons p ON p.person_id = c.cur"
             " WHERE p.merged_into IS NOT NULL AND c.depth < 1000)"
             " SELECT DISTINCT ON (start) start, cur FROM chain"
             " ORDER BY start, depth DESC"))) {
      std::printf("  %s\n", PlanLine(r[0].c_str()).c_str());
    }
    return absl::OkStatus();
  });
}

// --- One size ----------------------------------------------------------------

struct SizeResult {
  int64_t people = 0;
  LoadResult load;
  std::vector<Phase> phases;
  Dist steps_stats, steps_lock, steps_find, steps_survivors, steps_score,
      steps_total, candidates, uncapped, above_review;
  int capped = 0, sampled = 0;
};

void PrintPhase(int64_t people, const Phase& p) {
  const Outcomes& o = p.outcomes;
  std::printf(
      "[%lld people] %d client%s: %d registrations in %.1f s = %.0f/s;"
      " duplicate check n=%zu p50 %.2f p99 %.2f max %.2f ms; Register p50"
      " %.2f p99 %.2f max %.2f ms\n",
      static_cast<long long>(people), p.threads, p.threads == 1 ? "" : "s",
      p.records, Seconds(p.wall), p.per_second(), p.dup.n, p.dup.p50,
      p.dup.p99, p.dup.max, p.reg.p50, p.reg.p99, p.reg.max);
  std::printf(
      "    outcomes: CREATED %d, EXISTING %d, NEEDS_REVIEW %d, errors %d%s%s\n"
      "    re-registrations of people already in: %d (linked right %d, review"
      " with them %d, missed %d, linked to someone else %d); of people not"
      " yet in: %d\n"
      "    new people: %d (linked to someone %d, sent to review %d)\n",
      o.created, o.existing, o.review, o.errors,
      o.first_error.empty() ? "" : "; first error: ", o.first_error.c_str(),
      o.again_known, o.right_link, o.right_review, o.missed, o.wrong_link,
      o.again_first, o.fresh, o.fresh_linked, o.fresh_review);
  std::fflush(stdout);
}

absl::StatusOr<SizeResult> RunSize(const Flags& flags, int64_t people,
                                   bool largest,
                                   const std::vector<GeneratedRecord>& again,
                                   int again_per_phase, int new_per_phase) {
  SizeResult out;
  out.people = people;
  RELIEF_ASSIGN_OR_RETURN(std::unique_ptr<ManagerOnPostgres> env,
                          ManagerOnPostgres::Create());
  const std::vector<std::string> communes =
      testing::CommuneCodesOf(*env->units, "26");
  std::fprintf(stderr, "[%lld people] database %s: loading...\n",
               static_cast<long long>(people), env->db->name().c_str());

  // Re-registrations name generator persons [0, keep).
  int keep = 0;
  for (const GeneratedRecord& g : again) keep = std::max(keep, g.person + 1);
  RELIEF_ASSIGN_OR_RETURN(out.load,
                          Preload(*env, communes, flags, people, keep));
  const LoadResult& l = out.load;
  std::printf(
      "[%lld people] loaded in %.1f s (rows %.1f s, keys and indexes %.1f s,"
      " vacuum analyze %.1f s): %lld documents, %lld relatives, %lld"
      " blocking keys, %lld name tokens\n",
      static_cast<long long>(people), Seconds(l.total), Seconds(l.rows),
      Seconds(l.index), Seconds(l.vacuum), static_cast<long long>(l.documents),
      static_cast<long long>(l.relatives), static_cast<long long>(l.blocks),
      static_cast<long long>(l.tokens));
  std::fflush(stdout);

  // The re-registered people must be the preloaded ones.
  Truth truth;
  absl::flat_hash_set<std::string> again_keys;
  for (const GeneratedRecord& g : again) {
    again_keys.insert(g.document_keys.begin(), g.document_keys.end());
    if (g.person >= static_cast<int>(l.ids.size())) continue;
    if (l.canonical_names[g.person] != g.canonical_name) {
      return absl::InternalError(absl::StrCat(
          "generator person ", g.person, " is \"", g.canonical_name,
          "\" in GeneratePeople but \"", l.canonical_names[g.person],
          "\" in PeopleStream: re-registrations would not be of preloaded "
          "people"));
    }
  }
  for (size_t i = 0; i < l.ids.size(); ++i) {
    truth.Add(static_cast<int>(i), l.ids[i]);
  }

  const int phases = static_cast<int>(flags.threads.size());
  const int sample_new = flags.sample - flags.sample / 2;
  int skipped = 0;
  RELIEF_ASSIGN_OR_RETURN(
      std::vector<GeneratedRecord> fresh,
      NewPeople(*env, communes, flags.seed + 1,
                flags.warmup + phases * new_per_phase + sample_new, again_keys,
                &skipped));
  if (skipped > 0) {
    std::printf(
        "[%lld people] %d generated new people skipped: a document number"
        " the generator reused is already registered\n",
        static_cast<long long>(people), skipped);
  }

  DupSink sink;
  env->manager->SetDuplicateCheckObserver(
      [&sink](absl::Duration d) { sink.Add(d); });

  // Warm-up (not reported): caches, connections.
  size_t next_fresh = 0;
  {
    std::vector<Item> items;
    for (int i = 0; i < flags.warmup; ++i) {
      items.push_back({&fresh[next_fresh++], false,
                       absl::StrCat("bench-", people, "-warmup-", i)});
    }
    RunPhase(*env->manager, sink, truth, items, 1);
  }
  size_t next_again = 0;
  for (int k = 0; k < phases; ++k) {
    std::vector<Item> items;
    for (int i = 0; i < std::max(new_per_phase, again_per_phase); ++i) {
      if (i < new_per_phase) {
        items.push_back({&fresh[next_fresh++], false,
                         absl::StrCat("bench-", people, "-", k, "-new-", i)});
      }
      if (i < again_per_phase) {
        items.push_back({&again[next_again++], true,
                         absl::StrCat("bench-", people, "-", k, "-again-", i)});
      }
    }
    Phase p = RunPhase(*env->manager, sink, truth, items, flags.threads[k]);
    PrintPhase(people, p);
    out.phases.push_back(std::move(p));
  }

  // The fuzzy pass step by step, for records not registered.
  std::vector<GeneratedRecord> sample;
  while (next_fresh < fresh.size()) sample.push_back(fresh[next_fresh++]);
  while (next_again < again.size()) sample.push_back(again[next_again++]);
  RELIEF_ASSIGN_OR_RETURN(Steps s, StepByStep(*env, sample));
  out.sampled = static_cast<int>(sample.size());
  out.steps_stats = Summarize(s.stats);
  out.steps_lock = Summarize(s.lock);
  out.steps_find = Summarize(s.find);
  out.steps_survivors = Summarize(s.survivors);
  out.steps_score = Summarize(s.score);
  out.steps_total = Summarize(s.total);
  out.candidates = Summarize(s.candidates);
  out.uncapped = Summarize(s.uncapped);
  out.above_review = Summarize(s.above_review);
  out.capped = s.capped;
  if (largest && flags.explain && !s.worst_keys.empty()) {
    RELIEF_RETURN_IF_ERROR(Explain(*env, s.median_keys, "median"));
    RELIEF_RETURN_IF_ERROR(Explain(
        *env, s.worst_keys,
        absl::StrFormat("largest (%.0f people under its keys)",
                        s.worst_uncapped)));
    std::printf("\n");
  }
  std::fprintf(stderr, "[%lld people] dropping %s\n",
               static_cast<long long>(people), env->db->name().c_str());
  return out;
}

void PrintSummary(const Flags& flags, const std::vector<SizeResult>& sizes) {
  if (sizes.empty()) return;
  const SizeResult& base = sizes.front();
  std::printf(
      "\nRegistration with the fuzzy duplicate pass (ratios: to %lld people;"
      " dup_* and reg_* with %d client%s)\n",
      static_cast<long long>(base.people), flags.threads.front(),
      flags.threads.front() == 1 ? "" : "s");
  std::string header = absl::StrFormat("%9s %7s", "people", "load_s");
  for (int t : flags.threads) {
    absl::StrAppend(&header, absl::StrFormat(" %9s", absl::StrCat("reg/s(", t, ")")));
  }
  absl::StrAppend(&header,
                  absl::StrFormat(" %10s %10s %10s %10s %10s |", "dup_p50_ms",
                                  "dup_p99_ms", "dup_max_ms", "reg_p50_ms",
                                  "reg_p99_ms"));
  for (int t : flags.threads) {
    absl::StrAppend(&header, absl::StrFormat(" %9s", absl::StrCat("reg/s(", t, ")")));
  }
  absl::StrAppend(&header, absl::StrFormat(" %8s %8s %8s %8s", "dup_p50",
                                           "dup_p99", "reg_p50", "reg_p99"));
  std::printf("%s\n", header.c_str());
  for (const SizeResult& s : sizes) {
    const Phase& p = s.phases.front();
    const Phase& b = base.phases.front();
    std::string line = absl::StrFormat("%9lld %7.1f",
                                       static_cast<long long>(s.people),
                                       Seconds(s.load.total));
    for (const Phase& q : s.phases) {
      absl::StrAppend(&line, absl::StrFormat(" %9.0f", q.per_second()));
    }
    absl::StrAppend(&line, absl::StrFormat(" %10.2f %10.2f %10.2f %10.2f %10.2f |",
                                           p.dup.p50, p.dup.p99, p.dup.max,
                                           p.reg.p50, p.reg.p99));
    for (size_t i = 0; i < s.phases.size(); ++i) {
      absl::StrAppend(&line,
                      absl::StrFormat(" %9s", Ratio(s.phases[i].per_second(),
                                                    base.phases[i].per_second())));
    }
    absl::StrAppend(&line, absl::StrFormat(
                               " %8s %8s %8s %8s", Ratio(p.dup.p50, b.dup.p50),
                               Ratio(p.dup.p99, b.dup.p99),
                               Ratio(p.reg.p50, b.reg.p50),
                               Ratio(p.reg.p99, b.reg.p99)));
    std::printf("%s\n", line.c_str());
  }

  std::printf(
      "\nPer client count (ms; again_found: re-registrations of people"
      " already in linked to them or sent to review with them; new_review,"
      " new_linked: new people sent to review, linked to someone)\n"
      "%9s %7s %8s %6s %9s %9s %9s %9s %9s %8s %8s %8s %6s %11s %10s %10s\n",
      "people", "clients", "reg/s", "dup_n", "dup_p50", "dup_p99", "dup_max",
      "reg_p50", "reg_p99", "CREATED", "EXISTING", "REVIEW", "errors",
      "again_found", "new_review", "new_linked");
  auto share = [](int n, int of) {
    return of == 0 ? std::string("-")
                   : absl::StrFormat("%.1f%%", 100.0 * n / of);
  };
  for (const SizeResult& s : sizes) {
    for (const Phase& p : s.phases) {
      const Outcomes& o = p.outcomes;
      std::printf(
          "%9lld %7d %8.0f %6zu %9.2f %9.2f %9.2f %9.2f %9.2f %8d %8d %8d %6d"
          " %11s %10s %10s\n",
          static_cast<long long>(s.people), p.threads, p.per_second(), p.dup.n,
          p.dup.p50, p.dup.p99, p.dup.max, p.reg.p50, p.reg.p99, o.created,
          o.existing, o.review, o.errors,
          share(o.right_link + o.right_review, o.again_known).c_str(),
          share(o.fresh_review, o.fresh).c_str(),
          share(o.fresh_linked, o.fresh).c_str());
    }
  }

  std::printf(
      "\nThe fuzzy pass step by step (%d records not registered, one client,"
      " ms p50/p99; candidates read, capped at %d, and people under the"
      " record's keys, p50/p99; above_review: candidates scoring at least"
      " the review threshold)\n",
      base.sampled, kCandidateLimit);
  std::printf("%9s %13s %13s %15s %13s %13s %15s %15s %7s %15s %12s\n",
              "people", "token_stats", "lock_keys", "find_candidates",
              "survivors", "score", "total", "candidates", "capped",
              "under_keys", "above_review");
  for (const SizeResult& s : sizes) {
    auto two = [](const Dist& d) {
      return absl::StrFormat("%.2f/%.2f", d.p50, d.p99);
    };
    auto counts = [](const Dist& d) {
      return absl::StrFormat("%.0f/%.0f", d.p50, d.p99);
    };
    std::printf("%9lld %13s %13s %15s %13s %13s %15s %15s %6.0f%% %15s %12s\n",
                static_cast<long long>(s.people), two(s.steps_stats).c_str(),
                two(s.steps_lock).c_str(), two(s.steps_find).c_str(),
                two(s.steps_survivors).c_str(), two(s.steps_score).c_str(),
                two(s.steps_total).c_str(), counts(s.candidates).c_str(),
                s.sampled > 0 ? 100.0 * s.capped / s.sampled : 0.0,
                counts(s.uncapped).c_str(), counts(s.above_review).c_str());
  }
}

int Run(const Flags& flags) {
  if (flags.records < 2 || flags.threads.empty() || flags.sizes.empty()) {
    std::fprintf(stderr, "need --records >= 2, --threads and --sizes\n");
    return 2;
  }
  const int phases = static_cast<int>(flags.threads.size());
  const int new_per_phase = flags.records / 2;
  const int again_per_phase = flags.records - new_per_phase;
  const int sample_again = flags.sample / 2;

  // Re-registrations: the generator's later records of persons [0, n),
  // which PeopleStream(seed) preloads as the same persons (same facts;
  // each record is another writing of them).
  std::vector<std::string> communes;
  {
    absl::StatusOr<std::unique_ptr<ManagerOnPostgres>> env =
        ManagerOnPostgres::Create();
    if (!env.ok()) {
      std::fprintf(stderr, "cannot create a test database: %s\n",
                   env.status().ToString().c_str());
      return 1;
    }
    communes = testing::CommuneCodesOf(*(*env)->units, "26");
  }
  testing::GeneratorOptions options;
  options.seed = flags.seed;
  int n = phases * again_per_phase + sample_again;
  n += n % 2;  // whole slots: persons identical to PeopleStream's
  options.people = n;
  options.records = 2 * n;
  options.commune_codes = communes;
  std::vector<GeneratedRecord> again;
  for (GeneratedRecord& g : testing::GeneratePeople(options)) {
    if (g.duplicate) again.push_back(std::move(g));
  }
  again.resize(static_cast<size_t>(phases * again_per_phase + sample_again));

  std::printf(
      "registry_duplicate_bench: sizes %s; per client count %d registrations"
      " (%d new people, %d re-registrations of preloaded people written"
      " differently), clients %s, seed %llu, %s\n",
      absl::StrJoin(flags.sizes, ",").c_str(), flags.records, new_per_phase,
      again_per_phase, absl::StrJoin(flags.threads, ",").c_str(),
      static_cast<unsigned long long>(flags.seed),
      flags.rebuild_indexes ? "load: COPY, then keys and indexes rebuilt"
                            : "load: COPY into indexed tables");
  std::fflush(stdout);

  const int64_t largest =
      *std::max_element(flags.sizes.begin(), flags.sizes.end());
  std::vector<SizeResult> results;
  for (int64_t size : flags.sizes) {
    absl::StatusOr<SizeResult> r =
        RunSize(flags, size, size == largest, again, again_per_phase,
                new_per_phase);
    if (!r.ok()) {
      std::fprintf(stderr, "size %lld failed: %s\n",
                   static_cast<long long>(size), r.status().ToString().c_str());
      PrintSummary(flags, results);
      return 1;
    }
    results.push_back(*std::move(r));
  }
  PrintSummary(flags, results);
  return 0;
}

}  // namespace
}  // namespace relief::registry

int main(int argc, char** argv) {
  relief::registry::Flags flags;
  CLI::App app{
      "Registration throughput with the fuzzy duplicate pass as the registry "
      "grows (needs RELIEF_TEST_PG). Prints figures; asserts nothing."};
  app.add_option("--sizes", flags.sizes,
                 "people already registered, one run each (first: baseline)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--records", flags.records,
                 "registrations per client count: half new, half again")
      ->capture_default_str();
  app.add_option("--threads", flags.threads, "client thread counts")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--seed", flags.seed, "generator seed")->capture_default_str();
  app.add_option("--warmup", flags.warmup,
                 "registrations before measuring, per size")
      ->capture_default_str();
  app.add_option("--sample", flags.sample,
                 "unregistered records timed step by step, per size")
      ->capture_default_str();
  app.add_option("--explain", flags.explain,
                 "EXPLAIN ANALYZE the candidate query at the largest size")
      ->capture_default_str();
  app.add_option("--rebuild-indexes", flags.rebuild_indexes,
                 "drop keys and indexes for the load and rebuild them after "
                 "(false: COPY into indexed tables)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return relief::registry::Run(flags);
}
