#include "mlp/util/error.hpp"

namespace mlp {

namespace {
std::string compose(const std::string& message, const std::string& source, std::size_t line,
                    const std::string& field) {
  std::string out;
  if (!source.empty()) {
    out += source;
    if (line > 0) out += ":" + std::to_string(line);
    out += ": ";
  }
  if (!field.empty()) out += field + ": ";
  return out + message;
}
}  // namespace

Error::Error(std::string message, std::string source, std::size_t line, std::string field)
    : std::runtime_error(compose(message, source, line, field)),
      message_(std::move(message)),
      source_(std::move(source)),
      field_(std::move(field)),
      line_(line) {}

std::string Error::located() const { return what(); }

}  // namespace mlp
