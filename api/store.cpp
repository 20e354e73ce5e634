// Store (include/l2mac/store.hpp): a read-only view of a run's workspace, reading the file
// store at the head of main.
#include "l2mac/store.hpp"

#include "control_unit/workspace.hpp"
#include "core/status.hpp"
#include "filestore/path.hpp"

namespace l2mac {

struct Store::Impl {
  std::unique_ptr<control_unit::Workspace> workspace;
  int64_t head = 0;
};

Result<std::unique_ptr<Store>> Store::Open(const std::string& out_dir) {
  auto impl = std::make_unique<Impl>();
  L2MAC_ASSIGN_OR_RETURN(impl->workspace, control_unit::Workspace::Open(
                                              out_dir, control_unit::OpenMode::kReadOnlyView));
  std::unique_ptr<Store> store(new Store(std::move(impl)));
  L2MAC_RETURN_IF_ERROR(store->Refresh());
  return store;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

int64_t Store::head() const { return impl_->head; }

Status Store::Refresh() {
  L2MAC_ASSIGN_OR_RETURN(impl_->head, impl_->workspace->store().Head());
  return Status::Ok();
}

Result<std::vector<StoreFile>> Store::List(const std::string& prefix) {
  L2MAC_ASSIGN_OR_RETURN(auto files, impl_->workspace->store().List(impl_->head, prefix));
  std::vector<StoreFile> out;
  out.reserve(files.size());
  for (const auto& file : files) out.push_back({file.path, file.size, file.lines});
  return out;
}

Result<std::string> Store::Read(const std::string& path) {
  // The store's own path rules (relative, no "..", '/'-separated): an embedder's path is
  // input from outside, refused with the reason rather than looked up as given.
  L2MAC_ASSIGN_OR_RETURN(std::string normal, filestore::NormalizePath(path));
  L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> content,
                         impl_->workspace->store().Read(impl_->head, normal));
  if (!content) {
    return Status::NotFound("'" + path + "' is not in the store at commit " +
                            std::to_string(impl_->head) + " (Store::List shows what is)");
  }
  return std::move(*content);
}

}  // namespace l2mac
