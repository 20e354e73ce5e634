#include "filestore/store_merge.hpp"

#include <deque>
#include <map>
#include <set>
#include <unordered_map>

#include "filestore/sqlite_store_transaction.hpp"
#include "filestore/text_query.hpp"

namespace l2mac::filestore {
namespace {

struct Parents {
  int64_t first = 0;
  int64_t second = 0;
};

Result<std::unordered_map<int64_t, Parents>> LoadParents(Database& db) {
  std::unordered_map<int64_t, Parents> parents;
  L2MAC_ASSIGN_OR_RETURN(Statement query,
                         db.Prepare("SELECT id, parent, second_parent FROM commits"));
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    Parents p;
    if (!query.ColumnIsNull(1)) p.first = query.ColumnInt(1);
    if (!query.ColumnIsNull(2)) p.second = query.ColumnInt(2);
    parents[query.ColumnInt(0)] = p;
  }
  return parents;
}

std::set<int64_t> Ancestors(const std::unordered_map<int64_t, Parents>& parents, int64_t from) {
  std::set<int64_t> seen;
  std::deque<int64_t> queue{from};
  while (!queue.empty()) {
    int64_t id = queue.front();
    queue.pop_front();
    if (id == 0 || !seen.insert(id).second) continue;
    auto it = parents.find(id);
    if (it == parents.end()) continue;
    queue.push_back(it->second.first);
    queue.push_back(it->second.second);
  }
  return seen;
}

Result<std::map<std::string, std::string>> Tree(FileStore& store, int64_t commit) {
  std::map<std::string, std::string> tree;
  L2MAC_ASSIGN_OR_RETURN(std::vector<FileInfo> files, store.List(commit, ""));
  for (FileInfo& info : files) tree[info.path] = std::move(info.hash);
  return tree;
}

// Moves the ref; for "main" also brings head_files to the new tree.
Status FastForward(Database& db, FileStore& store, std::string_view target, int64_t from,
                   int64_t to) {
  L2MAC_ASSIGN_OR_RETURN(auto transaction, Transaction::Begin(db));
  if (target == kMainBranch) {
    L2MAC_ASSIGN_OR_RETURN(auto old_tree, Tree(store, from));
    L2MAC_ASSIGN_OR_RETURN(std::vector<FileInfo> new_files, store.List(to, ""));
    L2MAC_ASSIGN_OR_RETURN(
        Statement put,
        db.Prepare(
            "INSERT INTO head_files(path, hash, size, lines) VALUES(?, ?, ?, ?) ON CONFLICT(path) "
            "DO UPDATE SET hash = excluded.hash, size = excluded.size, lines = excluded.lines"));
    L2MAC_ASSIGN_OR_RETURN(Statement drop, db.Prepare("DELETE FROM head_files WHERE path = ?"));
    for (const FileInfo& info : new_files) {
      auto old = old_tree.find(info.path);
      if (old != old_tree.end()) {
        bool same = old->second == info.hash;
        old_tree.erase(old);
        if (same) continue;
      }
      put.Bind(1, info.path).Bind(2, info.hash).Bind(3, info.size).Bind(4, info.lines);
      L2MAC_RETURN_IF_ERROR(put.Run());
    }
    for (const auto& entry : old_tree) {
      drop.Bind(1, entry.first);
      L2MAC_RETURN_IF_ERROR(drop.Run());
    }
  }
  L2MAC_ASSIGN_OR_RETURN(
      Statement move_ref,
      db.Prepare("INSERT INTO refs(name, commit_id) VALUES(?, ?) "
                 "ON CONFLICT(name) DO UPDATE SET commit_id = excluded.commit_id"));
  move_ref.Bind(1, target).Bind(2, to);
  L2MAC_RETURN_IF_ERROR(move_ref.Run());
  return transaction->Commit();
}

}  // namespace

Result<int64_t> MergeBase(Database& db, int64_t a, int64_t b) {
  L2MAC_ASSIGN_OR_RETURN(auto parents, LoadParents(db));
  std::set<int64_t> of_a = Ancestors(parents, a);
  // Breadth-first from b: the first commit that is also an ancestor of a is the nearest.
  std::set<int64_t> seen;
  std::deque<int64_t> queue{b};
  while (!queue.empty()) {
    int64_t id = queue.front();
    queue.pop_front();
    if (id == 0 || !seen.insert(id).second) continue;
    if (of_a.count(id) != 0) return id;
    auto it = parents.find(id);
    if (it == parents.end()) continue;
    queue.push_back(it->second.first);
    queue.push_back(it->second.second);
  }
  return int64_t{0};
}

Result<MergeOutcome> MergeBranches(Database& db, const StoreOptions& options, FileStore& store,
                                   std::string_view source, std::string_view target,
                                   const std::string& author) {
  L2MAC_ASSIGN_OR_RETURN(int64_t theirs, store.BranchHead(source));
  L2MAC_ASSIGN_OR_RETURN(int64_t ours, store.BranchHead(target));
  if (theirs == 0) {
    return Status::NotFound("branch '" + std::string(source) +
                            "' does not exist or has no commit, so there is nothing to merge");
  }
  MergeOutcome outcome;
  outcome.commit = ours;
  L2MAC_ASSIGN_OR_RETURN(int64_t base, MergeBase(db, ours, theirs));
  if (ours != 0 && base == theirs) return outcome;  // already contains it
  if (ours == 0 || base == ours) {
    L2MAC_RETURN_IF_ERROR(FastForward(db, store, target, ours, theirs));
    outcome.kind = MergeOutcome::Kind::kFastForward;
    outcome.commit = theirs;
    return outcome;
  }
  L2MAC_ASSIGN_OR_RETURN(auto base_tree, Tree(store, base));
  L2MAC_ASSIGN_OR_RETURN(auto our_tree, Tree(store, ours));
  L2MAC_ASSIGN_OR_RETURN(auto their_tree, Tree(store, theirs));
  std::set<std::string> paths;
  for (const auto* tree : {&base_tree, &our_tree, &their_tree}) {
    for (const auto& entry : *tree) paths.insert(entry.first);
  }
  auto txn = NewSqliteStoreTransaction(db, options, ours, std::string(target), theirs);
  auto hash_in = [](const std::map<std::string, std::string>& tree, const std::string& path) {
    auto it = tree.find(path);
    return it == tree.end() ? std::string() : it->second;  // "" = absent
  };
  for (const std::string& path : paths) {
    std::string b = hash_in(base_tree, path);
    std::string o = hash_in(our_tree, path);
    std::string t = hash_in(their_tree, path);
    if (o == t || t == b) continue;  // same on both sides, or only we changed it
    if (o == b) {                    // only they changed it
      if (t.empty()) {
        L2MAC_RETURN_IF_ERROR(txn->Delete(path));
      } else {
        L2MAC_ASSIGN_OR_RETURN(std::string content, store.ReadBlob(t));
        L2MAC_RETURN_IF_ERROR(txn->Write(path, std::move(content)));
      }
      continue;
    }
    if (o.empty() || t.empty()) {
      outcome.conflicts.push_back({path,
                                   o.empty()
                                       ? "deleted here, changed on '" + std::string(source) + "'"
                                       : "changed here, deleted on '" + std::string(source) + "'",
                                   {}});
      continue;
    }
    std::string base_text;
    if (!b.empty()) {
      L2MAC_ASSIGN_OR_RETURN(base_text, store.ReadBlob(b));
    }
    L2MAC_ASSIGN_OR_RETURN(std::string our_text, store.ReadBlob(o));
    L2MAC_ASSIGN_OR_RETURN(std::string their_text, store.ReadBlob(t));
    if (LooksBinary(base_text) || LooksBinary(our_text) || LooksBinary(their_text)) {
      outcome.conflicts.push_back({path, "binary content changed on both sides", {}});
      continue;
    }
    MergeResult merged = Merge3(base_text, our_text, their_text);
    if (!merged.clean()) {
      outcome.conflicts.push_back(
          {path, "both sides changed the same lines", std::move(merged.conflicts)});
      continue;
    }
    L2MAC_RETURN_IF_ERROR(txn->Write(path, std::move(merged.content)));
  }
  if (!outcome.conflicts.empty()) {
    outcome.kind = MergeOutcome::Kind::kConflicts;
    return outcome;
  }
  L2MAC_ASSIGN_OR_RETURN(int64_t id, txn->Commit("merge branch '" + std::string(source) +
                                                     "' into '" + std::string(target) + "'",
                                                 author));
  outcome.kind = MergeOutcome::Kind::kMerged;
  outcome.commit = id;
  return outcome;
}

}  // namespace l2mac::filestore
