// The file store against git on the same content, in one run (plain main, prints a table).
//
//   build/bench/filestore_bench [--files 10000] [--megabytes 100]
//
// Builds a large store (10,000 files, 100 MB by default), a 100-file store and a git
// repository holding the large store's files, all in a temporary folder, then measures:
// committing one changed file (median; vs the small store; vs `git add` + `git commit`),
// materializing after one change (files written), reading 50 lines from the middle of a
// 10,000-line file, a literal search over every file (MB/s; vs `git grep -F`), and the
// process's peak RSS. The timings are wall-clock on a shared machine: compare the ratios.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/process.hpp"
#include "core/sqlite.hpp"
#include "filestore/file_store.hpp"
#include "filestore/store_queries.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using l2mac::Database;
using l2mac::filestore::FileStore;

constexpr int kSamples = 21;
constexpr const char* kBigFile = "big/ten_thousand_lines.txt";

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "filestore_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Check(l2mac::Result<T> result, const char* what) {
  if (!result.ok()) Die(std::string(what) + ": " + result.status().ToString());
  return std::move(*result);
}

void Check(const l2mac::Status& status, const char* what) {
  if (!status.ok()) Die(std::string(what) + ": " + status.ToString());
}

// Source-like text: words from a small vocabulary, so it compresses like code does.
std::string MakeText(std::mt19937& random, size_t bytes, int file) {
  static const char* const kWords[] = {
      "return", "value", "index",  "for",   "if",   "self", "data", "result", "count", "name",
      "def",    "class", "import", "while", "else", "None", "True", "list",   "item",  "key"};
  std::string text;
  text.reserve(bytes + 80);
  int line = 0;
  while (text.size() < bytes) {
    text += "    ";
    int words = 3 + static_cast<int>(random() % 8);
    for (int w = 0; w < words; ++w) {
      text += kWords[random() % 20];
      text += (random() % 4 == 0) ? std::to_string(random() % 1000) : "";
      text += ' ';
    }
    text += "# f" + std::to_string(file) + " l" + std::to_string(++line) + "\n";
  }
  return text;
}

std::string TenThousandLines() {
  std::string text;
  for (int i = 1; i <= 10000; ++i) {
    text += "line " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog\n";
  }
  return text;
}

std::string PathOf(int file) {
  char name[64];
  std::snprintf(name, sizeof name, "pkg%02d/module_%05d.py", file % 50, file);
  return name;
}

struct Store {
  std::unique_ptr<Database> db;
  std::unique_ptr<FileStore> store;
};

Store OpenStore(const fs::path& path) {
  Store s;
  s.db = Check(Database::Open(path.string()), "open database");
  s.store = Check(FileStore::Open(*s.db), "open store");
  return s;
}

// Fills the store (and, when `mirror` is set, a folder) with `files` files totalling about
// `bytes`, in commits of 500 files so memory stays small.
void Fill(FileStore& store, int files, size_t bytes, const fs::path* mirror) {
  std::mt19937 random(7);
  size_t per_file = bytes / static_cast<size_t>(files);
  auto txn = Check(store.Begin(), "begin");
  auto write = [&](const std::string& path, std::string content) {
    if (mirror != nullptr) {
      fs::create_directories((*mirror / path).parent_path());
      std::ofstream(*mirror / path, std::ios::binary) << content;
    }
    Check(txn->Write(path, std::move(content)), "write");
  };
  write(kBigFile, TenThousandLines());
  for (int i = 0; i < files - 1; ++i) {
    std::string content = MakeText(random, per_file, i);
    if (i % 3333 == 1) content += "    needle_literal_here = 1\n";
    write(PathOf(i), std::move(content));
    if ((i + 1) % 500 == 0) {
      Check(txn->Commit("fill", "bench"), "commit");
      txn = Check(store.Begin(), "begin");
    }
  }
  Check(txn->Commit("fill", "bench"), "commit");
}

std::vector<double> TimeOneFileCommits(FileStore& store, int files) {
  std::vector<double> times;
  for (int i = 0; i < kSamples; ++i) {
    std::string path = PathOf((i * 37) % (files - 1));
    auto start = Clock::now();
    auto txn = Check(store.Begin(), "begin");
    Check(txn->Write(path, "changed " + std::to_string(i) + "\n"), "write");
    Check(txn->Commit("one change", "bench"), "commit");
    times.push_back(Ms(Clock::now() - start));
  }
  return times;
}

l2mac::ProcessResult Git(const fs::path& repo, std::vector<std::string> args) {
  l2mac::ProcessOptions options;
  options.argv = {
      "git", "-C",       repo.string(), "-c", "user.name=bench", "-c", "user.email=bench@localhost",
      "-c",  "gc.auto=0"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env = l2mac::CleanEnvironment();
  options.env.emplace_back("GIT_CONFIG_NOSYSTEM=1");
  options.env.emplace_back("GIT_CONFIG_GLOBAL=/dev/null");
  options.timeout = std::chrono::minutes(10);
  return Check(l2mac::RunProcess(options), "git");
}

}  // namespace

int main(int argc, char** argv) {
  int files = 10000;
  size_t megabytes = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--files") files = std::atoi(argv[i + 1]);
    if (flag == "--megabytes") megabytes = static_cast<size_t>(std::atoll(argv[i + 1]));
  }
  fs::path root =
      fs::temp_directory_path() / ("l2mac_filestore_bench_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "repo");

  std::printf("building a %d-file / %zu MB store, a 100-file store and a git repository...\n",
              files, megabytes);
  auto build_start = Clock::now();
  Store large = OpenStore(root / "large.db");
  fs::path repo = root / "repo";
  Fill(*large.store, files, megabytes << 20, &repo);
  double build_ms = Ms(Clock::now() - build_start);
  Store small = OpenStore(root / "small.db");
  Fill(*small.store, 100, size_t{1} << 20, nullptr);
  if (!Git(repo, {"init", "-q"}).succeeded()) Die("git init failed");
  Git(repo, {"add", "-A"});
  Git(repo, {"commit", "-q", "-m", "fill"});

  // 1. Commit one changed file.
  double large_commit = Median(TimeOneFileCommits(*large.store, files));
  double small_commit = Median(TimeOneFileCommits(*small.store, 100));
  std::vector<double> git_times;
  for (int i = 0; i < kSamples; ++i) {
    std::string path = PathOf((i * 37) % (files - 1));
    std::ofstream(repo / path, std::ios::binary) << "changed " << i << "\n";
    auto start = Clock::now();
    auto add = Git(repo, {"add", "--", path});
    auto commit = Git(repo, {"commit", "-q", "-m", "one change"});
    git_times.push_back(Ms(Clock::now() - start));
    if (!add.succeeded() || !commit.succeeded()) Die("git commit failed: " + commit.output);
  }
  double git_commit = Median(git_times);

  // 2. Materialize after one change.
  fs::path out = root / "out";
  Check(large.store->Materialize(out), "materialize");
  {
    auto txn = Check(large.store->Begin(), "begin");
    Check(txn->Write(PathOf(5), "materialize me\n"), "write");
    Check(txn->Commit("one change", "bench"), "commit");
  }
  auto mat_start = Clock::now();
  auto report = Check(large.store->Materialize(out), "materialize");
  double materialize_ms = Ms(Clock::now() - mat_start);

  // 3. Read 50 lines from the middle of a 10,000-line file.
  int64_t head = Check(large.store->Head(), "head");
  std::vector<double> read_times;
  std::string lines;
  for (int i = 0; i < 201; ++i) {
    auto start = Clock::now();
    lines = Check(l2mac::filestore::ReadLines(*large.store, head, kBigFile, 5000, 5049), "read");
    read_times.push_back(Ms(Clock::now() - start));
  }
  if (lines.rfind("5000: line 5000:", 0) != 0) Die("read the wrong lines: " + lines.substr(0, 40));

  // 4. Literal search over everything.
  auto files_now = Check(large.store->List(head, ""), "list");
  double total_mb = 0;
  for (const auto& info : files_now) total_mb += static_cast<double>(info.size) / (1 << 20);
  l2mac::filestore::SearchOptions options;
  options.max_results = 1000;
  std::vector<double> search_times;
  size_t hits = 0;
  for (int i = 0; i < 3; ++i) {
    auto start = Clock::now();
    hits = Check(l2mac::filestore::SearchStore(*large.store, head, "needle_literal_here", options),
                 "search")
               .size();
    search_times.push_back(Ms(Clock::now() - start));
  }
  double search_ms = Median(search_times);
  std::vector<double> grep_times;
  for (int i = 0; i < 3; ++i) {
    auto start = Clock::now();
    Git(repo, {"grep", "-F", "-c", "needle_literal_here"});
    grep_times.push_back(Ms(Clock::now() - start));
  }
  double grep_ms = Median(grep_times);

  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  double rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;

  auto blob_bytes = [&](Database& db) {
    auto query = Check(db.Prepare("SELECT SUM(length(content)), SUM(size) FROM blobs"), "q");
    Check(query.Step(), "step");
    return std::make_pair(query.ColumnInt(0), query.ColumnInt(1));
  };
  auto [stored, original] = blob_bytes(*large.db);

  std::printf("\n%-58s %12s %s\n", "measure", "value", "target / comparison");
  std::printf("%-58s %9.0f ms\n", "build: store + repo files", build_ms);
  std::printf("%-58s %9.0f MB of %.0f MB (x%.2f)\n", "blob bytes stored (compression)",
              static_cast<double>(stored) / (1 << 20), static_cast<double>(original) / (1 << 20),
              static_cast<double>(original) / static_cast<double>(stored));
  std::printf("%-58s %9.3f ms <= 5 ms\n", "commit one file, large store (median)", large_commit);
  std::printf("%-58s %9.3f ms ratio x%.2f (<= 2)\n", "commit one file, 100-file store (median)",
              small_commit, large_commit / small_commit);
  std::printf("%-58s %9.3f ms store is x%.1f faster\n", "git add + git commit, large repo (median)",
              git_commit, git_commit / large_commit);
  std::printf("%-58s %9zu files (%.1f ms) == 1\n", "materialize after one change: written",
              report.written.size(), materialize_ms);
  std::printf("%-58s %9.4f ms < 0.2 ms\n", "read 50 lines mid 10,000-line file (median)",
              Median(read_times));
  std::printf("%-58s %9.0f MB/s >= 200 (%zu hits, %.0f MB in %.0f ms)\n",
              "literal search, all files", total_mb / (search_ms / 1000), hits, total_mb,
              search_ms);
  std::printf("%-58s %9.0f MB/s (%.0f ms; store x%.2f of git grep's speed)\n",
              "git grep -F, same content", total_mb / (grep_ms / 1000), grep_ms,
              grep_ms / search_ms);
  std::printf("%-58s %9.1f MB < 64 MB\n", "peak RSS of this process", rss_mb);

  large = Store{};
  small = Store{};
  std::error_code ignored;
  fs::remove_all(root, ignored);
  return 0;
}
