// Structure import through gemmi 0.5.7: the only translation unit of libcore that includes gemmi's structure
// headers. Everything used here (read_pdb_string, cif::read_string, make_structure_from_block,
// make_small_structure_from_block) is inline in gemmi 0.5.7, so no *_IMPLEMENTATION macro is needed: input is
// decompressed by our own byte source (which also serves stdin) and handed to gemmi from memory. Should a
// non-inline gemmi function ever be needed (read_structure_gz, write_pdb, ...), its GEMMI_*_IMPLEMENTATION macro
// goes here, in this one translation unit, and nowhere else.
#include "gemmi_import.hpp"

#include <gemmi/cif.hpp>
#include <gemmi/mmcif.hpp>
#include <gemmi/pdb.hpp>
#include <gemmi/smcif.hpp>
#include <cctype>
#include <cmath>
#include <map>

#include "mlp/util/error.hpp"

namespace mlp::io_detail {

namespace {

int element_z(const gemmi::Element& e) {
  if (e.elem == gemmi::El::D) return 1;
  return e.atomic_number();  // 0 for X (unknown)
}

void set_cell(Structure& s, const gemmi::UnitCell& cell) {
  if (!cell.is_crystal()) {
    s.cell.setZero();
    s.pbc = {false, false, false};
    return;
  }
  // gemmi's orthogonalisation matrix has the lattice vectors a, b, c as columns; ours as rows.
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) s.cell(r, c) = cell.orth.mat[c][r];
  s.pbc = {true, true, true};
}

void check_finite(const Structure& s, const std::string& source) {
  for (Eigen::Index i = 0; i < s.positions.rows(); ++i)
    for (int k = 0; k < 3; ++k)
      if (!std::isfinite(s.positions(i, k)))
        throw InputError("non-finite position of atom " + std::to_string(i + 1), source, 0, "position");
}

std::vector<Structure> from_macromolecule(const gemmi::Structure& st, const std::string& source) {
  std::vector<Structure> frames;
  for (const gemmi::Model& model : st.models) {
    Structure s;
    set_cell(s, st.cell);
    std::vector<double> xyz;
    for (const gemmi::Chain& chain : model.chains)
      for (const gemmi::Residue& res : chain.residues) {
        std::map<std::string, char> first_altloc;  // atom name → first altloc seen in this residue
        for (const gemmi::Atom& a : res.atoms) {
          if (a.altloc) {
            auto it = first_altloc.emplace(a.name, a.altloc).first;
            if (it->second != a.altloc) continue;
          }
          const int z = element_z(a.element);
          if (z == 0)
            throw InputError("unknown element of atom '" + a.name + "' in residue " + res.name + " " +
                                 std::to_string(res.seqid.num.value) + " of chain " + chain.name,
                             source, 0, "element");
          s.numbers.push_back(z);
          xyz.insert(xyz.end(), {a.pos.x, a.pos.y, a.pos.z});
        }
      }
    s.positions.resize(static_cast<Eigen::Index>(s.numbers.size()), 3);
    for (std::size_t i = 0; i < xyz.size(); ++i) s.positions.data()[i] = xyz[i];
    if (!st.name.empty()) s.info.set("name", st.name);
    std::int64_t number = 0;
    try {
      number = std::stoll(model.name);
    } catch (const std::exception&) {
      number = static_cast<std::int64_t>(frames.size() + 1);
    }
    s.info.set("model", number);
    s.source = source;
    s.frame = frames.size();
    check_finite(s, source);
    frames.push_back(std::move(s));
  }
  if (frames.empty() || frames.front().numbers.empty()) throw InputError("no atoms", source, 0, "atoms");
  return frames;
}

std::vector<Structure> from_small_cif(const gemmi::cif::Document& doc, const std::string& source) {
  std::vector<Structure> frames;
  for (const gemmi::cif::Block& block : doc.blocks) {
    if (!block.has_tag("_atom_site_fract_x")) continue;
    const gemmi::SmallStructure ss = gemmi::make_small_structure_from_block(block);
    if (!ss.cell.is_crystal())
      throw InputError("no unit cell (_cell_length_a ...) in block " + block.name, source, 0, "cell");
    if (!ss.find_spacegroup() && !ss.spacegroup_hm.empty())
      throw InputError("unknown space group '" + ss.spacegroup_hm + "' in block " + block.name, source, 0,
                       "space group");
    Structure s;
    set_cell(s, ss.cell);
    const auto sites = ss.get_all_unit_cell_sites();
    s.resize(sites.size());
    for (std::size_t i = 0; i < sites.size(); ++i) {
      const int z = element_z(sites[i].element);
      if (z == 0)
        throw InputError("unknown element of site '" + sites[i].label + "' in block " + block.name, source, 0,
                         "type_symbol");
      s.numbers[i] = z;
      const gemmi::Position p = ss.cell.orthogonalize(sites[i].fract);
      s.positions.row(static_cast<Eigen::Index>(i)) << p.x, p.y, p.z;
    }
    s.info.set("name", block.name);
    if (!ss.spacegroup_hm.empty()) s.info.set("spacegroup", ss.spacegroup_hm);
    s.source = source;
    s.frame = frames.size();
    check_finite(s, source);
    frames.push_back(std::move(s));
  }
  if (frames.empty()) throw InputError("no atoms (no block with _atom_site_fract_x)", source, 0, "atoms");
  return frames;
}

}  // namespace

std::vector<Structure> gemmi_read(const std::string& text, const std::string& format, const std::string& source) {
  try {
    if (format == "pdb") return from_macromolecule(gemmi::read_pdb_string(text, source), source);
    const gemmi::cif::Document doc = gemmi::cif::read_memory(text.data(), text.size(), source.c_str());
    if (format == "mmcif") {
      gemmi::Structure st = gemmi::make_structure(doc);
      return from_macromolecule(st, source);
    }
    return from_small_cif(doc, source);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    // gemmi reports parse errors as std::runtime_error, often as "source:line:column: message": keep the line.
    std::string msg = e.what();
    std::size_t line = 0;
    if (msg.compare(0, source.size() + 1, source + ":") == 0) {
      std::size_t k = source.size() + 1;
      while (k < msg.size() && std::isdigit(static_cast<unsigned char>(msg[k]))) line = line * 10 + (msg[k++] - '0');
      if (line > 0) {
        while (k < msg.size() && (msg[k] == ':' || std::isdigit(static_cast<unsigned char>(msg[k])))) ++k;
        while (k < msg.size() && msg[k] == ' ') ++k;
        msg = msg.substr(k);
      }
    }
    throw InputError(std::string("cannot read ") + format + ": " + msg, source, line, format);
  }
}

}  // namespace mlp::io_detail
