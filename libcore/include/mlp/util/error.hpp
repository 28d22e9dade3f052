#pragma once
// Errors of libcore. Every failure is an exception that knows where it happened (source name, line, field),
// so a tool can print `mlp-<tool>: <source>:<line>: <message>` without knowing what went wrong.
#include <cstddef>
#include <stdexcept>
#include <string>

namespace mlp {

/// Base class of all libcore errors.
class Error : public std::runtime_error {
 public:
  /// `source`: file name or "-" for stdin ("" if unknown); `line`: 1-based, 0 if not applicable;
  /// `field`: what was being read (e.g. "Lattice", "pos column 2"), "" if not applicable.
  explicit Error(std::string message, std::string source = "", std::size_t line = 0, std::string field = "");

  const std::string& message() const noexcept { return message_; }
  const std::string& source() const noexcept { return source_; }
  std::size_t line() const noexcept { return line_; }
  const std::string& field() const noexcept { return field_; }

  /// "source:line: message" (parts that are unknown are left out).
  std::string located() const;

 private:
  std::string message_, source_, field_;
  std::size_t line_;
};

/// Malformed or unsupported input (file content, option value, model spec).
class InputError : public Error {
 public:
  using Error::Error;
};

/// A computation that cannot give a finite, meaningful result (e.g. two atoms on top of each other).
class ComputeError : public Error {
 public:
  using Error::Error;
};

/// Operating-system level failure (cannot open, read or write a file).
class IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace mlp
