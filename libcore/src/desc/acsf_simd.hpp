// Array helpers for the ACSF kernels, written so that GCC vectorises them at -O2 on any x86-64 (SSE2) without
// -ffast-math: exp and expm1 as branch-free polynomials (libm calls stop the vectoriser), sqrt through the SSE2
// instruction where available (std::sqrt keeps an errno branch that stops it too), and sums with a fixed number of
// partial sums, so that the rounding of a sum never depends on the vector width, the alignment of the buffers or
// the thread that computes it.
//
// No include guard: acsf_kernels_impl.hpp includes this once per instruction set, inside that set's namespace;
// MLP_ACSF_SQRT_WIDTH (8, 4, 2 or 1) selects the sqrt instruction of the set.

// exp(x) for −708 <= x <= 709 (callers clamp first: a clamp inside this function turns into a branch that
// stops the vectoriser). Cody–Waite reduction x = k ln2 + r, |r| <= ln2/2, Taylor polynomial of degree 13
// (truncation < 1e-17 relative), 2^k from the exponent bits: within 2 ulp of the correctly rounded value.
inline double exp_core(double x) {
  const double shifter = 0x1.8p52;  // adding it rounds x·log2(e) to an integer held in the low mantissa bits
  double kd = x * 0x1.71547652b82fep0 + shifter;
  std::uint64_t ki;
  std::memcpy(&ki, &kd, sizeof ki);
  kd -= shifter;
  const double r = (x - kd * 0x1.62e42fefa39efp-1) - kd * 0x1.abc9e3b39803fp-56;
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const std::uint64_t bits = (ki + 1023) << 52;  // the low bits of ki are k (two's complement)
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// expm1(x) for −708 <= x <= 0, same reduction: expm1 = 2^k (e^r − 1) + (2^k − 1) with e^r − 1 summed from its
// own series, so there is no cancellation for small |x| (k = 0).
inline double expm1_core(double x) {
  const double shifter = 0x1.8p52;
  double kd = x * 0x1.71547652b82fep0 + shifter;
  std::uint64_t ki;
  std::memcpy(&ki, &kd, sizeof ki);
  kd -= shifter;
  const double r = (x - kd * 0x1.62e42fefa39efp-1) - kd * 0x1.abc9e3b39803fp-56;
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  const double q = (p * r) * r + r;  // e^r − 1
  const std::uint64_t bits = (ki + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return scale * q + (scale - 1.0);
}

// x[t] = max(x[t], −708): keeps exp_core/expm1_core in range (exp(−708) ≈ 3e-308 stands for anything smaller).
inline void clamp_exp_argument(double* x, std::size_t n) {
#pragma omp simd
  for (std::size_t t = 0; t < n; ++t) x[t] = x[t] < -708.0 ? -708.0 : x[t];
}

// y[t] = sqrt(x[t]), x >= 0, correctly rounded like std::sqrt.
inline void sqrt_array(const double* x, double* y, std::size_t n) {
  std::size_t t = 0;
#if MLP_ACSF_SQRT_WIDTH == 8
  for (; t + 8 <= n; t += 8) _mm512_storeu_pd(y + t, _mm512_maskz_sqrt_pd(0xff, _mm512_loadu_pd(x + t)));
#elif MLP_ACSF_SQRT_WIDTH == 4
  for (; t + 4 <= n; t += 4) _mm256_storeu_pd(y + t, _mm256_sqrt_pd(_mm256_loadu_pd(x + t)));
#elif MLP_ACSF_SQRT_WIDTH == 2
  for (; t + 2 <= n; t += 2) _mm_storeu_pd(y + t, _mm_sqrt_pd(_mm_loadu_pd(x + t)));
#endif
  for (; t < n; ++t) y[t] = std::sqrt(x[t]);
}

// Σ x[t] and Σ x[t] y[t] with eight interleaved partial sums combined pairwise: the same rounding for any SIMD
// width, alignment or thread (a compiler-vectorised reduction would depend on all three).
constexpr std::size_t kLanes = 8;

inline double lane_sum(const double* x, std::size_t n) {
  double acc[kLanes] = {};
  std::size_t t = 0;
  for (; t + kLanes <= n; t += kLanes)
    for (std::size_t l = 0; l < kLanes; ++l) acc[l] += x[t + l];
  for (std::size_t l = 0; l < kLanes && t + l < n; ++l) acc[l] += x[t + l];
  return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
}

inline double lane_dot(const double* x, const double* y, std::size_t n) {
  double acc[kLanes] = {};
  std::size_t t = 0;
  for (; t + kLanes <= n; t += kLanes)
    for (std::size_t l = 0; l < kLanes; ++l) acc[l] += x[t + l] * y[t + l];
  for (std::size_t l = 0; l < kLanes && t + l < n; ++l) acc[l] += x[t + l] * y[t + l];
  return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
}

// lane_sum of three arrays in one pass: out[c] has the bits of lane_sum(x_c, n).
#if MLP_ACSF_SQRT_WIDTH == 8
// AVX-512: the eight partial sums in one register, the tail by merge-masked adds (lanes past n keep their sum
// exactly), then the same pairwise combination: the bits of the generic code, without its scalar tail loop.
// (The masked extracts: GCC 12's plain ones trip -Wmaybe-uninitialized.)
inline double lane_combine(__m512d acc) {  // ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))
  const __m256d h =
      _mm256_add_pd(_mm512_maskz_extractf64x4_pd(0xff, acc, 0), _mm512_maskz_extractf64x4_pd(0xff, acc, 1));
  const __m128d q = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
  return _mm_cvtsd_f64(_mm_add_sd(q, _mm_unpackhi_pd(q, q)));
}

inline void lane_sum3(const double* x, const double* y, const double* z, std::size_t n, double out[3]) {
  __m512d a = _mm512_setzero_pd(), b = _mm512_setzero_pd(), c = _mm512_setzero_pd();
  for (std::size_t t = 0; t < n; t += kLanes) {
    const __mmask8 m = static_cast<__mmask8>(n - t >= kLanes ? 0xffu : (1u << (n - t)) - 1u);
    a = _mm512_mask_add_pd(a, m, a, _mm512_maskz_loadu_pd(m, x + t));
    b = _mm512_mask_add_pd(b, m, b, _mm512_maskz_loadu_pd(m, y + t));
    c = _mm512_mask_add_pd(c, m, c, _mm512_maskz_loadu_pd(m, z + t));
  }
  out[0] = lane_combine(a);
  out[1] = lane_combine(b);
  out[2] = lane_combine(c);
}
#else
inline void lane_sum3(const double* x, const double* y, const double* z, std::size_t n, double out[3]) {
  double a[kLanes] = {}, b[kLanes] = {}, c[kLanes] = {};
  std::size_t t = 0;
  for (; t + kLanes <= n; t += kLanes)
    for (std::size_t l = 0; l < kLanes; ++l) {
      a[l] += x[t + l];
      b[l] += y[t + l];
      c[l] += z[t + l];
    }
  for (std::size_t l = 0; l < kLanes && t + l < n; ++l) {
    a[l] += x[t + l];
    b[l] += y[t + l];
    c[l] += z[t + l];
  }
  out[0] = ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
  out[1] = ((b[0] + b[4]) + (b[2] + b[6])) + ((b[1] + b[5]) + (b[3] + b[7]));
  out[2] = ((c[0] + c[4]) + (c[2] + c[6])) + ((c[1] + c[5]) + (c[3] + c[7]));
}
#endif
