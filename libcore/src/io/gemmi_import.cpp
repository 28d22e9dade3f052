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
#include <gemmi/symmetry.hpp>
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

/// Symmetry operations listed in the block (_space_group_symop_operation_xyz or _symmetry_equiv_pos_as_xyz).
std::vector<gemmi::Op> listed_symops(const gemmi::cif::Block& block, const std::string& source) {
  std::vector<gemmi::Op> ops;
  for (const char* tag : {"_space_group_symop_operation_xyz", "_symmetry_equiv_pos_as_xyz"}) {
    gemmi::cif::Column col = const_cast<gemmi::cif::Block&>(block).find_values(tag);
    for (int i = 0; i < col.length(); ++i) {
      const std::string triplet = col.str(i);
      try {
        ops.push_back(gemmi::parse_triplet(triplet));
      } catch (const std::exception& e) {
        throw InputError("bad symmetry operation '" + triplet + "' in block " + block.name + " (" + e.what() + ")",
                         source, 0, tag + 1);
      }
    }
    if (!ops.empty()) break;
  }
  return ops;
}

double wrap01(double x) {
  double w = x - std::floor(x);
  return w >= 1.0 ? 0.0 : w;  // -1e-17 - floor(...) can round to 1
}

std::vector<Structure> from_small_cif(const gemmi::cif::Document& doc, const std::string& source) {
  std::vector<Structure> frames;
  for (const gemmi::cif::Block& block : doc.blocks) {
    if (!block.has_tag("_atom_site_fract_x")) continue;
    const gemmi::SmallStructure ss = gemmi::make_small_structure_from_block(block);
    if (!ss.cell.is_crystal())
      throw InputError("no unit cell (_cell_length_a ...) in block " + block.name, source, 0, "cell");
    // Symmetry: the H-M symbol through gemmi's tables; when there is none (or gemmi does not know it), the
    // operations listed in the block; with neither, P1.
    const gemmi::SpaceGroup* sg = ss.find_spacegroup();
    const std::vector<gemmi::Op> ops = sg ? std::vector<gemmi::Op>() : listed_symops(block, source);
    if (!sg && ops.empty() && !ss.spacegroup_hm.empty())
      throw InputError("unknown space group '" + ss.spacegroup_hm + "' and no symmetry operations in block " +
                           block.name,
                       source, 0, "space group");
    std::vector<gemmi::SmallStructure::Site> sites;
    if (sg || ops.empty()) {
      sites = ss.get_all_unit_cell_sites();
    } else {
      // Apply every listed operation; images closer than 0.4 Å to an earlier image of the same site are the
      // same atom on a special position (the tolerance gemmi uses for its own expansion).
      for (const auto& site : ss.sites) {
        const std::size_t start = sites.size();
        for (const gemmi::Op& op : ops) {
          const auto xyz = op.apply_to_xyz({site.fract.x, site.fract.y, site.fract.z});
          const gemmi::Fractional f(xyz[0], xyz[1], xyz[2]);
          bool seen = false;
          for (std::size_t k = start; k < sites.size() && !seen; ++k)
            seen = ss.cell.distance_sq(f, sites[k].fract) < 0.4 * 0.4;
          if (seen) continue;
          sites.push_back(site);
          sites.back().fract = f;
        }
      }
    }
    Structure s;
    set_cell(s, ss.cell);
    s.resize(sites.size());
    for (std::size_t i = 0; i < sites.size(); ++i) {
      const int z = element_z(sites[i].element);
      if (z == 0)
        throw InputError("unknown element of site '" + sites[i].label + "' in block " + block.name, source, 0,
                         "type_symbol");
      s.numbers[i] = z;
      // Positions inside the cell: fractional coordinates wrapped to [0, 1).
      const gemmi::Fractional f(wrap01(sites[i].fract.x), wrap01(sites[i].fract.y), wrap01(sites[i].fract.z));
      const gemmi::Position p = ss.cell.orthogonalize(f);
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
