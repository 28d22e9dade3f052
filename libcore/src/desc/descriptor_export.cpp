#include "mlp/desc/descriptor_export.hpp"

#include <nlohmann/json.hpp>

#include "mlp/core/elements.hpp"
#include "mlp/io/atomic_file.hpp"
#include "mlp/io/npy.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

namespace {
bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
}  // namespace

DescriptorNpyExport::DescriptorNpyExport(const std::string& path, const Descriptor& descriptor)
    : descriptor_(descriptor) {
  if (!ends_with(path, ".npy") || path.size() == 4)
    throw InputError("the npy output name must end in .npy", path, 0, "output");
  stem_ = path.substr(0, path.size() - 4);
  const std::vector<int> elements = descriptor.elements();
  for (int z : elements)
    if (descriptor.size(z) != descriptor.size(elements.front())) per_element_ = true;
  index_ = std::make_unique<AtomicFile>(stem_ + ".index.tsv");
  index_->stream() << "npy\trow\tinput\tframe\tatom\tspecies\n";
  params_ = std::make_unique<AtomicFile>(stem_ + ".params.json");
  nlohmann::json doc;
  doc["descriptor"] = nlohmann::json::parse(descriptor.to_json());
  doc["descriptor_hash"] = descriptor_hash(descriptor);
  params_->stream() << doc.dump(1) << '\n';
}

DescriptorNpyExport::~DescriptorNpyExport() = default;

NpyWriter& DescriptorNpyExport::writer_for(int Z) {
  const int key = per_element_ ? Z : 0;
  auto it = writers_.find(key);
  if (it == writers_.end()) {
    const std::string path = per_element_ ? stem_ + "." + element_symbol(Z) + ".npy" : stem_ + ".npy";
    it = writers_.emplace(key, std::make_unique<NpyWriter>(path, descriptor_.size(Z))).first;
  }
  return *it->second;
}

void DescriptorNpyExport::write(const Structure& s, const DescriptorValues& values) {
  if (values.atoms() != s.size())
    throw InputError("descriptor rows do not match the frame's atoms", s.source, s.line);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int z = s.numbers[i];
    if (values.row_size(i) == 0 || values.row_size(i) != descriptor_.size(z))
      throw InputError("atom " + std::to_string(i) + " (" + element_symbol(z) + ") has no descriptor row",
                       s.source, s.line, "species");
    NpyWriter& w = writer_for(z);
    w.append(values.row(i));
    const std::string file = w.path().substr(w.path().find_last_of('/') + 1);
    index_->stream() << file << '\t' << (w.rows() - 1) << '\t' << s.source << '\t' << s.frame << '\t' << i << '\t'
                     << element_symbol(z) << '\n';
  }
}

void DescriptorNpyExport::finish() {
  for (auto& [z, w] : writers_) w->commit();
  index_->commit();
  params_->commit();
}

std::vector<std::string> DescriptorNpyExport::matrices() const {
  std::vector<std::string> paths;
  for (const auto& [z, w] : writers_) paths.push_back(w->path());
  return paths;
}

}  // namespace mlp
