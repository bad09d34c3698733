/*
 * Row prints: a 64-byte fingerprint of one row of pixels, so an unchanged row can be recognised by reading
 * only the new frame's row, not the surface's copy of it as well. A row of 1080p is 7,680 bytes; comparing it
 * with memcmp reads 15,360, and after the 16 ms a 60 Hz consumer sleeps between frames both come from L3 or
 * DRAM (on the comparison bench's host: 0.48–0.52 ms for a 1080p frame by memcmp, 0.23–0.26 ms by print).
 *
 * The print is eight 64-bit accumulators over the row's 64-byte stripes. Each stripe adds, per lane, the
 * product of the two 32-bit halves of (word XOR a key), and the lane's neighbour word itself (the same
 * structure as XXH3's accumulate step). The raw add makes any change of a single word show: the accumulators
 * differ by it, and nothing after it can cancel that, because every later step is a bijection of the
 * accumulators (a scramble) or adds the same to both. The keys differ for each of the 16 stripes of a
 * 1 KiB block and every block ends with a scramble, so stripes that trade places change the print too.
 *
 * Two different rows can still have one print. Not by accident (per changed row, about as likely as
 * guessing 64 random bits), but a guest that crafts its pixels could: then its own screen would show a
 * stale row until the row changes again. The guest owns that screen anyway, so this hides nothing from
 * anyone, but it is why the print is only a shortcut for "unchanged": a row whose print differs is compared
 * with the surface exactly as before.
 *
 * Only x86-64 with AVX2 computes prints (row_print_available()); elsewhere the caller compares every row.
 */
#ifndef VFIO_DISPLAY_ROW_PRINT_H
#define VFIO_DISPLAY_ROW_PRINT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bytes of one print: eight 64-bit accumulators. */
#define ROW_PRINT_BYTES 64

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* 16 stripes x 8 lanes of key, and one scramble key per lane: fixed random values (from /dev/urandom). */
static const uint64_t ROW_PRINT_KEYS[16][8] = {
    {0x9d2ae8afb5a9017bULL, 0x9cc43723750bd3e3ULL, 0xe5e392979a7cb20bULL, 0x62f34f1a71626742ULL, 0xf683894f30fe8ca6ULL, 0x76de0ccf2e5642d5ULL, 0xdb23253fe9a00cb3ULL, 0x5f00f9b8a46d214dULL},
    {0xb7c64c6fbc673a21ULL, 0x1be0eca302450351ULL, 0x84bf620560e90ab7ULL, 0x878abb9b576bac11ULL, 0xae8a9be7ca85980dULL, 0x376a643a60cf6061ULL, 0xeffe7e226f57a5c2ULL, 0x4f8d98a300c5175aULL},
    {0x318798043e2dcceaULL, 0x4959c99291a47d51ULL, 0xbeaf8f19b96870b8ULL, 0x7010f6205280e38cULL, 0xe9843bd46c8f1ce6ULL, 0x5f80294b66c9958bULL, 0x3673f567879e45a7ULL, 0x905566466ce7fc05ULL},
    {0xed674f11db675cf4ULL, 0xcab817a72972f861ULL, 0x48a1d9bf704f70b4ULL, 0xb18816f631a31613ULL, 0x37c8c81e7833fd47ULL, 0xe1514361edd99a4eULL, 0xf5a6f5462870b875ULL, 0x1f02c3491a3176dfULL},
    {0x3b7b712fb9a510c7ULL, 0x12952734427e834eULL, 0x4294046016bfbd29ULL, 0x7729ca7938d84ed7ULL, 0x247291e13fc00e13ULL, 0x07d766ba3fd9c622ULL, 0x4273d61fbafbc411ULL, 0x8f2756cfed7d8121ULL},
    {0x653528e1b11126f7ULL, 0x9a0af0491b128efdULL, 0x814858fda2fb66feULL, 0xb42c8cede3f3b984ULL, 0xde5b18b8350b4c7cULL, 0x0c7e327aa096150bULL, 0x3cdd347d903f0aedULL, 0x367d3875362d8445ULL},
    {0x35743fb540f762ebULL, 0xc6f4af8d33461e2aULL, 0x857dcc0fc866210cULL, 0x1991b10f4656a335ULL, 0xd0dc1ef20045887cULL, 0xfefcdb484648649cULL, 0x56eecb052d784645ULL, 0xd03992c553fe7eaeULL},
    {0xe31ca89ad4016ea5ULL, 0xb38e3424355786eeULL, 0x504900b7c730bd3aULL, 0x55c1319e75ac325eULL, 0xdf23f86580aeb794ULL, 0x7161310053e26141ULL, 0x89925177dd1fc403ULL, 0x50014aaa9412c83eULL},
    {0x7e558a2b867df3feULL, 0x8c303e0e57b54a44ULL, 0x10e16834f4040167ULL, 0x03b29664d8698227ULL, 0xc8f0f3ac5840b443ULL, 0xce815120eaccf68dULL, 0x2225e3b9d6c60d0aULL, 0xd7b1f85c7d243662ULL},
    {0x1a9dcfe46e8ef418ULL, 0xf3b7943335228bc5ULL, 0xe4771e92b6eca275ULL, 0xd45560a000a2d334ULL, 0x906e69fa594c66bdULL, 0xdf24b9bcfaec091dULL, 0x5955e1ae7f07f71aULL, 0x355ff4d6527fd8b8ULL},
    {0x5c2a64e146970544ULL, 0x71f74b73115a63a5ULL, 0x2fdadfa3b35fa13bULL, 0x7e909ae4106cc805ULL, 0x8b56c4acfb2239f1ULL, 0xd3b934707fb14aeaULL, 0x7bf93fa9a8b9be4aULL, 0xbc49ad239317bbcfULL},
    {0xca0808f096259ac5ULL, 0x147415ddebc0fe77ULL, 0xc0d159e49483663fULL, 0x52a38671ac9f24f9ULL, 0xd917741cdc6d8508ULL, 0x4fb6d6d196c8988eULL, 0x7438ee0a24ccaee5ULL, 0x1118eaca2aa3b9d3ULL},
    {0x6f1bc6096c3dfa56ULL, 0x87b8c34ae45c7a3cULL, 0xae998a6818a5e635ULL, 0x5b32fcfc6fe4953dULL, 0xf79510bef63523a2ULL, 0x99398be1b2653b5cULL, 0xc850aebe59012f1dULL, 0x344c2347d036f110ULL},
    {0x8261ece7104c3aa9ULL, 0x16b14214ac994b65ULL, 0xb028000bb9f04042ULL, 0x2eeb0e6ea05f3824ULL, 0xa71813c8d0b35e6dULL, 0x3f43100d8562fae4ULL, 0xf19846adaa282713ULL, 0x548729470983cae4ULL},
    {0x2a103d2189adf81aULL, 0x5fa8353e7ea11ee1ULL, 0xc3ced23956342cd8ULL, 0x103b1ef3e777a387ULL, 0x9991931b02f8eabcULL, 0xc49568154313cac6ULL, 0x51aa0e9464281bfbULL, 0x788abb465cdd094bULL},
    {0x00958a8cf33a4503ULL, 0x03ac8af7e2e994fdULL, 0xfee067ab39912f07ULL, 0xc81dade1d0f1cd7bULL, 0x499e2a41552ad4b5ULL, 0x9bb931f3d8b8c809ULL, 0xd9b0819a8c1a92cfULL, 0x5e9e4a827d74c093ULL},
};
static const uint64_t ROW_PRINT_SCRAMBLE[8] = {0xe77a836a5571eb5fULL, 0xa9dc485ff6d98b1aULL, 0xe70545d6dd8e075fULL, 0x09469924b0112cb2ULL, 0x6e4561f2df6317d6ULL, 0xd57ac4fe69d6dd09ULL, 0x1045e5d7769b528dULL, 0xe7302a02a2dfe370ULL};
static const uint64_t ROW_PRINT_PRIME = 0x9E3779B1u;

/* Whether prints can be computed here (AVX2, asked of the CPU once). */
static inline int row_print_available(void) {
  static int known = -1;
  if (known < 0) known = __builtin_cpu_supports("avx2") ? 1 : 0;
  return known;
}

__attribute__((target("avx2"))) static inline void row_print_stripe(__m256i acc[2], const uint8_t *p, const uint64_t *key) {
  const __m256i d0 = _mm256_loadu_si256((const __m256i *)p);
  const __m256i d1 = _mm256_loadu_si256((const __m256i *)(p + 32));
  const __m256i x0 = _mm256_xor_si256(d0, _mm256_loadu_si256((const __m256i *)key));
  const __m256i x1 = _mm256_xor_si256(d1, _mm256_loadu_si256((const __m256i *)(key + 4)));
  // low half times high half of each 64-bit lane; plus the neighbouring lane's word (lanes 0<->1, 2<->3)
  acc[0] = _mm256_add_epi64(acc[0], _mm256_add_epi64(_mm256_mul_epu32(x0, _mm256_srli_epi64(x0, 32)), _mm256_shuffle_epi32(d0, 0x4e)));
  acc[1] = _mm256_add_epi64(acc[1], _mm256_add_epi64(_mm256_mul_epu32(x1, _mm256_srli_epi64(x1, 32)), _mm256_shuffle_epi32(d1, 0x4e)));
}

/* a = (a ^ a >> 47 ^ key) * PRIME, per 64-bit lane: a bijection of each accumulator. */
__attribute__((target("avx2"))) static inline __m256i row_print_scramble_lanes(__m256i a, const uint64_t *key) {
  a = _mm256_xor_si256(_mm256_xor_si256(a, _mm256_srli_epi64(a, 47)), _mm256_loadu_si256((const __m256i *)key));
  const __m256i prime = _mm256_set1_epi64x((long long)ROW_PRINT_PRIME);
  const __m256i lo = _mm256_mul_epu32(a, prime);
  const __m256i hi = _mm256_slli_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), prime), 32);
  return _mm256_add_epi64(lo, hi);
}

/* All eight accumulators scrambled, each with its own key. */
__attribute__((target("avx2"))) static inline void row_print_scramble(__m256i acc[2]) {
  acc[0] = row_print_scramble_lanes(acc[0], ROW_PRINT_SCRAMBLE);
  acc[1] = row_print_scramble_lanes(acc[1], ROW_PRINT_SCRAMBLE + 4);
}

/* The print of `bytes` bytes at p (a multiple of 4; a last partial stripe counts as if zero-padded). */
__attribute__((target("avx2"))) static inline void row_print(const uint8_t *p, size_t bytes, uint8_t out[ROW_PRINT_BYTES]) {
  __m256i acc[2] = {_mm256_set1_epi64x((long long)bytes), _mm256_set1_epi64x((long long)ROW_PRINT_PRIME)};
  size_t stripe = 0;
  size_t at = 0;
  for (; at + 64 <= bytes; at += 64) {
    row_print_stripe(acc, p + at, ROW_PRINT_KEYS[stripe & 15]);
    if ((++stripe & 15) == 0) row_print_scramble(acc);
  }
  if (at < bytes) {
    uint8_t last[64] = {0};
    memcpy(last, p + at, bytes - at);
    row_print_stripe(acc, last, ROW_PRINT_KEYS[stripe & 15]);
  }
  row_print_scramble(acc);
  _mm256_storeu_si256((__m256i *)out, acc[0]);
  _mm256_storeu_si256((__m256i *)(out + 32), acc[1]);
}

#else

static inline int row_print_available(void) { return 0; }

/* Never called where prints are unavailable; defined so callers need no conditional code. */
static inline void row_print(const uint8_t *p, size_t bytes, uint8_t out[ROW_PRINT_BYTES]) {
  (void)p;
  (void)bytes;
  memset(out, 0, ROW_PRINT_BYTES);
}

#endif
#endif
