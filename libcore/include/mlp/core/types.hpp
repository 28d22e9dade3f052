#pragma once
// Vocabulary types: Eigen for positions, forces and cells.
#include <Eigen/Core>

namespace mlp {

using Vec3 = Eigen::Vector3d;
using Mat3 = Eigen::Matrix3d;
/// N×3 row-major array: positions (Å), forces (eV/Å), velocities, ...
using Matrix3N = Eigen::Matrix<double, Eigen::Dynamic, 3, Eigen::RowMajor>;

}  // namespace mlp
