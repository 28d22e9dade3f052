// mlp-describe: structures in, descriptors (ACSF, SOAP) out, as a binary DESC stream or NumPy .npy matrices.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/presets.hpp"
#include "common/progress.hpp"
#include "common/tool.hpp"
#include "mlp/core/elements.hpp"
#include "mlp/desc/descriptor.hpp"
#include "mlp/desc/descriptor_export.hpp"
#include "mlp/desc/descriptor_stream.hpp"
#include "mlp/io/structure_reader.hpp"
#include "mlp/util/error.hpp"

namespace {

const char* kDescription =
    "Compute per-atom descriptors (Behler-Parrinello ACSF, SOAP power spectrum) of structures, optionally with "
    "their analytic gradients (positions and strain). Output: the mlp binary container (kind DESC, "
    "mlp-container(5)), streamed frame by frame with every label of the input (energy, forces, stress, ...) so "
    "that mlp-fit needs nothing else; or NumPy .npy matrices with an index file.";

const char* kExamples =
    "  mlp-describe --preset soap-default train.xyz -o train.desc\n"
    "  mlp-describe --preset acsf-default --gradients train.xyz.gz > train.desc\n"
    "  mlp-describe --params my-acsf.json --species H,O --format npy water.xyz -o water.npy\n"
    "  mlp-describe --list-presets\n"
    "  mlp-describe --inspect train.desc\n"
    "  cat frames.xyz | mlp-describe --preset soap-small - | mlp-fit ...\n";

struct Options {
  std::string preset, params, species, format = "mlp", output = "-", inspect;
  std::vector<std::string> inputs;
  bool gradients = false, list_presets = false;
};

/// Frames of all inputs in order, one at a time.
class Frames {
 public:
  explicit Frames(std::vector<std::string> inputs) : inputs_(std::move(inputs)) {}
  bool next(mlp::Structure& s) {
    for (;;) {
      if (!reader_) {
        if (at_ == inputs_.size()) return false;
        reader_ = std::make_unique<mlp::StructureReader>(inputs_[at_]);
      }
      if (reader_->read(s)) return true;
      reader_.reset();
      ++at_;
    }
  }

 private:
  std::vector<std::string> inputs_;
  std::size_t at_ = 0;
  std::unique_ptr<mlp::StructureReader> reader_;
};

std::vector<int> parse_species(const std::string& list) {
  std::vector<int> z;
  std::stringstream in(list);
  for (std::string sym; std::getline(in, sym, ',');) {
    const int n = mlp::atomic_number(sym);
    if (n <= 0) throw CLI::ValidationError("--species", "unknown element '" + sym + "'");
    z.push_back(n);
  }
  return z;
}

std::vector<int> species_of(const mlp::Structure& s) {
  std::set<int> z(s.numbers.begin(), s.numbers.end());
  return {z.begin(), z.end()};
}

/// Every atom must have a descriptor row: name the first that has none.
void check_elements(const mlp::Structure& s, const mlp::Descriptor& d, bool species_from_data) {
  const std::vector<int> known = d.elements();
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!std::binary_search(known.begin(), known.end(), s.numbers[i])) {
      std::string names;
      for (int z : known) names += (names.empty() ? "" : ",") + mlp::element_symbol(z);
      throw mlp::InputError("frame " + std::to_string(s.frame) + " atom " + std::to_string(i) + ": element " +
                                mlp::element_symbol(s.numbers[i]) + " is not described (descriptor species " +
                                names + ")" + (species_from_data ? "; list all with --species" : ""),
                            s.source, s.line, "species");
    }
}

/// --inspect: read a DESC file completely (every record, the trailer's count and CRC) and summarise it.
int inspect(const std::string& path, bool verbose) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) throw mlp::IoError("cannot open", path);
    in = &file;
  }
  mlp::DescriptorStreamReader reader(*in, path);
  mlp::DescriptorFrame frame;
  std::size_t atoms = 0, values = 0;
  while (reader.next(frame)) {
    atoms += frame.structure.size();
    values += frame.values.data.size();
  }
  std::cout << "kind\tDESC\nframes\t" << reader.frames() << "\natoms\t" << atoms << "\nvalues\t" << values
            << "\ngradients\t" << (reader.gradients() ? "yes" : "no") << "\ndescriptor\t"
            << reader.descriptor().type() << "\ndescriptor_hash\t" << reader.descriptor_hash() << '\n';
  const nlohmann::json header = nlohmann::json::parse(reader.header_json());
  std::string species;
  for (int z : reader.species()) species += (species.empty() ? "" : ",") + mlp::element_symbol(z);
  std::cout << "species\t" << species << '\n';
  if (header.contains("provenance")) std::cout << "provenance\t" << header["provenance"].dump() << '\n';
  if (verbose) std::cout << "header\t" << header.dump() << '\n';
  return 0;
}

std::string provenance(const mlp::tool::Tool& tool) {
  std::string cmd;
  for (char c : tool.command_line()) {  // JSON string escape of the command line
    if (c == '"' || c == '\\') cmd += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) cmd += c;
  }
  return std::string("{\"tool\": \"mlp-describe\", \"version\": \"" MLP_VERSION " (git " MLP_GIT_HASH ")\", ") +
         "\"command_line\": \"" + cmd + "\"}";
}

int run(mlp::tool::Tool& tool, Options& o) {
  if (o.list_presets) {
    for (const std::string& name : mlp::tool::preset_names()) std::cout << name << '\n';
    return 0;
  }
  if (!o.inspect.empty()) return inspect(o.inspect, tool.verbose());
  std::string source;
  const std::string params = mlp::tool::descriptor_params(o.preset, o.params, source);
  if (o.format != "mlp" && o.format != "npy") throw CLI::ValidationError("--format", "must be mlp or npy");
  if (o.format == "npy" && (o.output.empty() || o.output == "-"))
    throw CLI::ValidationError("--format npy writes files: give -o out.npy");
  if (o.format == "npy" && o.gradients)
    throw CLI::ValidationError("--gradients: gradients are written only in the mlp container format");
  if (o.format == "mlp" && (o.output.empty() || o.output == "-") && mlp::tool::is_terminal(STDOUT_FILENO))
    throw CLI::ValidationError("refusing to write binary descriptors to a terminal (use -o or a pipe)");

  Frames frames(mlp::tool::inputs_or_stdin(o.inputs));
  mlp::Structure s;
  if (!frames.next(s)) throw mlp::InputError("no frames found (empty input)", o.inputs.empty() ? "-" : o.inputs[0]);
  const bool species_from_data = o.species.empty();
  const auto d = mlp::make_descriptor(params, species_from_data ? species_of(s) : parse_species(o.species), source);

  mlp::tool::Output out(o.format == "mlp" ? o.output : "", /*binary=*/true);
  std::unique_ptr<mlp::DescriptorStreamWriter> stream;
  std::unique_ptr<mlp::DescriptorNpyExport> npy;
  if (o.format == "mlp")
    stream = std::make_unique<mlp::DescriptorStreamWriter>(out.stream(), *d, o.gradients, provenance(tool));
  else
    npy = std::make_unique<mlp::DescriptorNpyExport>(o.output, *d);

  mlp::tool::Progress progress("mlp-describe: frames", 0, !tool.quiet());
  std::size_t count = 0, atoms = 0;
  mlp::DescriptorGradients gradients;
  do {
    check_elements(s, *d, species_from_data);
    const mlp::DescriptorValues values = mlp::compute_descriptors(*d, s, o.gradients ? &gradients : nullptr);
    if (stream) stream->write(s, values, o.gradients ? &gradients : nullptr);
    else npy->write(s, values);
    ++count;
    atoms += s.size();
    progress.step();
  } while (frames.next(s));
  progress.finish();
  if (stream) {
    stream->finish();
    out.commit();
  } else {
    npy->finish();
  }
  tool.note(std::to_string(count) + " frames, " + std::to_string(atoms) + " atoms, " + d->type() +
            " descriptor " + mlp::descriptor_hash(*d));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  mlp::tool::Tool tool("mlp-describe", kDescription, kExamples);
  Options o;
  CLI::App& app = tool.app();
  app.add_option("inputs", o.inputs, "Structure files (extxyz[.gz], CIF, PDB, mmCIF); '-' or none = stdin");
  app.add_option("--preset", o.preset, "Named parameter set (see --list-presets), e.g. soap-default");
  app.add_option("--params", o.params,
                 "Descriptor parameters: a JSON file, or the JSON itself if it starts with { (see mlp-describe(1))");
  app.add_option("--species", o.species,
                 "Comma-separated elements the descriptor resolves (default: those of the first frame)");
  app.add_flag("--gradients", o.gradients, "Also write gradients with respect to positions (1/Å) and strain");
  app.add_option("--format", o.format, "Output format: mlp (binary container, streamable) or npy")
      ->capture_default_str();
  app.add_option("-o,--output", o.output, "Output file ('-' = stdout; npy needs a file name ending in .npy)")
      ->capture_default_str();
  app.add_flag("--list-presets", o.list_presets, "List the named presets and exit");
  app.add_option("--inspect", o.inspect, "Verify a descriptor file completely (CRC, counts) and summarise it (-v: whole header)");
  tool.add_threads_option();
  return tool.run(argc, argv, [&] { return run(tool, o); });
}
