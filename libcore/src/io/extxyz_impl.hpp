#pragma once
// Private to libcore/src/io: pieces of the extxyz reader used by StructureReader and the writer.
#include <memory>
#include <string>

#include "byte_source.hpp"
#include "mlp/core/info.hpp"
#include "mlp/io/extxyz.hpp"

namespace mlp {

/// Types one comment-line value like ASE (see extxyz.hpp); `has_value` false means a bare key (true).
InfoValue parse_info_value(const std::string& key, const std::string& value, bool has_value);

}  // namespace mlp
