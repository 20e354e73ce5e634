#include "filestore/file_store.hpp"

#include <utility>

#include "filestore/materializer.hpp"
#include "filestore/path.hpp"
#include "filestore/sqlite_store_transaction.hpp"
#include "filestore/store_reader.hpp"
#include "filestore/store_schema.hpp"

namespace l2mac::filestore {
namespace {

class SqliteFileStore final : public FileStore {
 public:
  SqliteFileStore(Database& db, StoreOptions options) : db_(db), reader_(db), options_(options) {}

  Result<int64_t> Head() override { return reader_.Head(); }

  Result<std::vector<FileInfo>> List(int64_t commit, std::string_view prefix) override {
    return reader_.List(commit, prefix);
  }

  Result<std::optional<std::string>> Read(int64_t commit, std::string_view path) override {
    L2MAC_ASSIGN_OR_RETURN(std::string normalized, NormalizePath(path));
    return reader_.Read(commit, normalized);
  }

  Result<std::vector<CommitInfo>> Log(size_t limit) override { return reader_.Log(limit); }

  Result<std::unique_ptr<StoreTransaction>> Begin() override {
    L2MAC_ASSIGN_OR_RETURN(int64_t head, reader_.Head());
    return NewSqliteStoreTransaction(db_, options_, head);
  }

  Result<MaterializeReport> Materialize(const std::filesystem::path& dir) override {
    return MaterializeHead(db_, dir);
  }

  const StoreOptions& options() const override { return options_; }

 private:
  Database& db_;
  StoreReader reader_;
  StoreOptions options_;
};

}  // namespace

Result<std::unique_ptr<FileStore>> FileStore::Open(Database& db, StoreOptions options) {
  if (options.max_file_bytes == 0) {
    return Status::InvalidArgument(
        "StoreOptions::max_file_bytes is 0, so no file could be stored: set a positive limit "
        "such as 4 MiB");
  }
  L2MAC_RETURN_IF_ERROR(ApplyStoreSchema(db));
  return std::unique_ptr<FileStore>(std::make_unique<SqliteFileStore>(db, options));
}

}  // namespace l2mac::filestore
