#pragma once
// Process-wide allocator policy for repeated evaluations (MD steps, LAMMPS calls through the KIM driver).

namespace mlp {

/// Keep freed heap memory in the process instead of returning it to the kernel. Each force evaluation
/// allocates and frees the same multi-megabyte buffers (descriptor rows, their derivatives, forces); with
/// glibc's defaults these are mmapped or trimmed off the heap on every free, and the next step pays a page fault
/// per 4 KiB to get them back (measured: ~8% of an MD step of a 4096-atom SOAP model). Raises the mmap threshold
/// to glibc's maximum (32 MiB) and the trim threshold to 1 GiB; the peak memory is unchanged. No effect with
/// other C libraries.
void retain_freed_memory();

}  // namespace mlp
