/*
** test_rng.c: known answers and stream properties of the rng module.
** Why: every result of a sweep rests on these draws being a pure, documented
** function of (sweep seed, name, item seed, sub-stream, position). The block
** function is pinned to Random123's published kat_vectors (philox4x32, R = 10);
** the stream layout of rng.h is checked by recomputing draws from rl_rng_philox;
** the distributions are checked statistically on fixed seeds, with the sample
** size and the tolerance (in standard errors, or a chi-square quantile) printed.
*/
#include "richlazy/rng.h"
#include "rltest.h"

#include <stdint.h>
#include <string.h>

/* ---- known answers ---- */

typedef struct kat {
    const char *what;
    uint32_t ctr[4], key[2], want[4];
} kat;

/*
** Random123 examples/kat_vectors, lines "philox4x32 10 CTR[4] KEY[2] EXPECTED[4]".
** The first three are the upstream file's all-zero, all-ones and pi-digit vectors;
** the last two come from the longer generated table (girving/random123-manual,
** examples/kat_vectors) and pin a single set bit of counter and key.
*/
static const kat kats[] = {
    {"all zeros", {0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {"all ones",
     {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {"pi digits",
     {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    {"ctr (1,0,0,0), key (1,0)",
     {1, 0, 0, 0},
     {1, 0},
     {0xac08141b, 0xdfc5ccbe, 0x79c07a47, 0xa7f66093}},
    {"ctr (0,0,0,0x80000000), key (0,0x80000000)",
     {0, 0, 0, 0x80000000},
     {0, 0x80000000},
     {0xf7a0b371, 0xe51dc93d, 0x56ce135d, 0x1d4b5580}},
};

static void test_kat(void)
{
    for (size_t k = 0; k < sizeof kats / sizeof kats[0]; k++) {
        uint32_t out[4];
        rl_rng_philox(kats[k].key, kats[k].ctr, out);
        RL_TEST(memcmp(out, kats[k].want, sizeof out) == 0,
                "philox4x32-10 kat_vector '%s' -> %08x %08x %08x %08x (exact)", kats[k].what,
                out[0], out[1], out[2], out[3]);
    }
}

/* FNV-1a 32-bit reference values (the FNV authors' test suite). */
static void test_hash(void)
{
    RL_TEST(rl_rng_hash_name("") == 0x811c9dc5u, "FNV-1a(\"\") = 0x811c9dc5 (exact)");
    RL_TEST(rl_rng_hash_name("a") == 0xe40c292cu, "FNV-1a(\"a\") = 0xe40c292c (exact)");
    RL_TEST(rl_rng_hash_name("foobar") == 0xbf9cf968u, "FNV-1a(\"foobar\") = 0xbf9cf968 (exact)");

    /* The stream names the modules use (grep rl_rng_init; add new ones here) must not
       collide, or two streams would be one. */
    static const char *const names[] = {"init.w0",        "init.w_x",      "init.w_out",
                                        "init.dale",      "init.celltype", "init.chain",
                                        "linear.teacher", "linear.data",   "linear.init",
                                        "task.train",     "task.probe",    "task.pattern"};
    size_t n = sizeof names / sizeof names[0], clashes = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            clashes += rl_rng_hash_name(names[i]) == rl_rng_hash_name(names[j]);
    RL_TEST(clashes == 0, "the %zu stream names in use hash to distinct keys (%zu clashes)", n,
            clashes);
}

/* ---- stream layout and identity ---- */

/* rng.h: key = (seed lo, hash(name)), ctr = (block, sub lo, sub hi ^ seed hi, item seed). */
static void test_layout(void)
{
    const uint64_t seed = 0x0123456789abcdefull, item = 17, sub = 0x0000000500000009ull;
    rl_rng r;
    rl_rng_init(&r, seed, "task.train", item, sub);
    uint32_t key[2] = {(uint32_t)seed, rl_rng_hash_name("task.train")};
    int same = 1;
    for (uint32_t block = 0; block < 3; block++) {
        uint32_t ctr[4] = {block, (uint32_t)sub, (uint32_t)(sub >> 32) ^ (uint32_t)(seed >> 32),
                           (uint32_t)item};
        uint32_t want[4];
        rl_rng_philox(key, ctr, want);
        for (int w = 0; w < 4; w++)
            same &= rl_rng_u32(&r) == want[w];
    }
    RL_TEST(same, "the first 12 u32 of a stream are Philox blocks 0..2 of the documented "
                  "key/counter (exact)");

    rl_rng a, b;
    rl_rng_init(&a, seed, "task.train", item, sub);
    uint32_t hi = rl_rng_u32(&a) >> 5, lo = rl_rng_u32(&a) >> 6;
    double want_u = (double)(((uint64_t)hi << 26) | lo) / 9007199254740992.0;
    rl_rng_init(&b, seed, "task.train", item, sub);
    RL_TEST(rl_rng_uniform(&b) == want_u, "uniform = (u32>>5 : u32>>6) * 2^-53, 53 bits (exact)");
}

static int count_equal(const rl_rng *x0, const rl_rng *y0, int n)
{
    rl_rng x = *x0, y = *y0;
    int eq = 0;
    for (int i = 0; i < n; i++)
        eq += rl_rng_u32(&x) == rl_rng_u32(&y);
    return eq;
}

static void test_identity(void)
{
    const uint64_t seed = 42, item = 3, sub = 7;
    rl_rng base, other;
    rl_rng_init(&base, seed, "task.train", item, sub);
    rl_rng_init(&other, seed, "task.train", item, sub);
    RL_TEST(count_equal(&base, &other, 4096) == 4096,
            "same coordinates give the same 4096 draws (exact)");

    /* Every coordinate, within its documented range, changes every draw. */
    struct {
        const char *what;
        uint64_t seed;
        const char *name;
        uint64_t item, sub;
    } change[] = {
        {"sweep seed low bits", seed + 1, "task.train", item, sub},
        {"sweep seed high bits", seed | (1ull << 40), "task.train", item, sub},
        {"stream name", seed, "task.probe", item, sub},
        {"item seed", seed, "task.train", item + 1, sub},
        {"sub-stream low bits", seed, "task.train", item, sub + 1},
        {"sub-stream high bits", seed, "task.train", item, sub | (1ull << 33)},
    };
    for (size_t c = 0; c < sizeof change / sizeof change[0]; c++) {
        rl_rng_init(&other, change[c].seed, change[c].name, change[c].item, change[c].sub);
        int eq = count_equal(&base, &other, 4096);
        RL_TEST(eq <= 1,
                "changing the %s changes the stream: %d of 4096 draws equal (<= 1; "
                "chance ~1e-6)",
                change[c].what, eq);
    }

    /* The state is a plain value: a copy taken mid-stream (with a Box-Muller spare
       pending) continues identically — what a checkpoint relies on. */
    rl_rng r;
    rl_rng_init(&r, seed, "task.train", item, sub);
    (void)rl_rng_u32(&r);
    (void)rl_rng_normal(&r);
    rl_rng copy = r;
    int same = 1;
    for (int i = 0; i < 1000; i++)
        same &= rl_rng_normal(&r) == rl_rng_normal(&copy);
    RL_TEST(same, "a copied state continues with the same 1000 normals (exact)");
}

/* ---- distributions ---- */

/* Pearson chi-square of counts against equal expectation. */
static double chi_square(const long *count, int bins, long n)
{
    double e = (double)n / bins, chi = 0;
    for (int k = 0; k < bins; k++)
        chi += ((double)count[k] - e) * ((double)count[k] - e) / e;
    return chi;
}

static void test_below(void)
{
    rl_rng r;
    const long n = 200000; /* plenty: a modulo bias would shift a third by 1/6 */

    /* n = 10: 10 bins; chi-square(9) 0.999 quantile = 27.88. */
    long c10[10] = {0};
    rl_rng_init(&r, 1, "test.below", 0, 0);
    int in_range = 1;
    for (long i = 0; i < n; i++) {
        uint32_t v = rl_rng_below(&r, 10);
        in_range &= v < 10;
        if (v < 10) c10[v]++;
    }
    double chi = chi_square(c10, 10, n);
    RL_TEST(in_range, "below(10) stays in [0, 10) over %ld draws", n);
    RL_TEST(chi < 27.88,
            "below(10) uniform: chi-square = %.2f < 27.88 (9 dof, p = 0.001, %ld draws)", chi, n);

    /* n = 3*2^30 exposes modulo bias: a plain x % n would put half the mass in
       [0, 2^30). Bins of width 2^30; chi-square(2) 0.999 quantile = 13.82. */
    const uint32_t big = 3u << 30;
    long c3[3] = {0};
    rl_rng_init(&r, 2, "test.below", 0, 0);
    for (long i = 0; i < n; i++)
        c3[rl_rng_below(&r, big) >> 30]++;
    chi = chi_square(c3, 3, n);
    RL_TEST(chi < 13.82,
            "below(3*2^30) unbiased: thirds %.4f %.4f %.4f, chi-square = %.2f < 13.82 "
            "(2 dof, p = 0.001, %ld draws)",
            (double)c3[0] / n, (double)c3[1] / n, (double)c3[2] / n, chi, n);

    int ones = 1;
    for (int i = 0; i < 100; i++)
        ones &= rl_rng_below(&r, 1) == 0;
    RL_TEST(ones, "below(1) is always 0 (100 draws)");
}

static void test_uniform(void)
{
    rl_rng r;
    rl_rng_init(&r, 3, "test.uniform", 0, 0);
    const long n = 1000000;
    double sum = 0, sum2 = 0, lo = 1, hi = 0;
    for (long i = 0; i < n; i++) {
        double u = rl_rng_uniform(&r);
        sum += u;
        sum2 += u * u;
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    double mean = sum / n, var = sum2 / n - mean * mean;
    RL_TEST(lo >= 0 && hi < 1, "uniform in [0, 1) over %ld draws (min %.3g, max 1 - %.3g)", n, lo,
            1 - hi);
    double se_mean = sqrt(1.0 / 12 / n), se_var = sqrt(1.0 / 180 / n);
    RL_TEST_ABS(mean, 0.5, 5 * se_mean, "uniform mean %.5f = 1/2 within 5 SE (%.2g), %ld draws",
                mean, 5 * se_mean, n);
    RL_TEST_ABS(var, 1.0 / 12, 5 * se_var,
                "uniform variance %.6f = 1/12 within 5 SE (%.2g), %ld draws", var, 5 * se_var, n);

    float f[4096];
    rl_rng_fill_uniform(&r, f, 4096, -2.0, 3.0);
    int ok = 1;
    for (int i = 0; i < 4096; i++)
        ok &= f[i] >= -2.0f && f[i] < 3.0f;
    RL_TEST(ok, "fill_uniform(-2, 3) stays in [-2, 3) over 4096 floats");
}

static void test_normal(void)
{
    rl_rng r;
    rl_rng_init(&r, 4, "test.normal", 0, 0);
    const long n = 1000000;
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    for (long i = 0; i < n; i++) {
        double z = rl_rng_normal(&r);
        double z2 = z * z;
        m1 += z;
        m2 += z2;
        m3 += z2 * z;
        m4 += z2 * z2;
    }
    m1 /= n;
    m2 /= n;
    m3 /= n;
    m4 /= n;
    /* Centred moments, then the standard errors for N(0,1) samples: mean sqrt(1/n),
       variance sqrt(2/n), skewness sqrt(6/n), kurtosis sqrt(24/n). */
    double var = m2 - m1 * m1;
    double c3 = m3 - 3 * m1 * m2 + 2 * m1 * m1 * m1;
    double c4 = m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1 * m1 * m1 * m1;
    double skew = c3 / pow(var, 1.5), kurt = c4 / (var * var);
    RL_TEST_ABS(m1, 0, 5 * sqrt(1.0 / n), "normal mean %.5f = 0 within 5 SE (%.4f), %ld draws", m1,
                5 * sqrt(1.0 / n), n);
    RL_TEST_ABS(var, 1, 5 * sqrt(2.0 / n), "normal variance %.5f = 1 within 5 SE (%.4f), %ld draws",
                var, 5 * sqrt(2.0 / n), n);
    RL_TEST_ABS(skew, 0, 5 * sqrt(6.0 / n),
                "normal skewness %.5f = 0 within 5 SE (%.4f), %ld draws", skew, 5 * sqrt(6.0 / n),
                n);
    RL_TEST_ABS(kurt, 3, 5 * sqrt(24.0 / n),
                "normal kurtosis %.4f = 3 within 5 SE (%.4f), %ld draws", kurt, 5 * sqrt(24.0 / n),
                n);

    /* fill_normal applies mean + sd * z to the same underlying draws. */
    rl_rng a, b;
    rl_rng_init(&a, 5, "test.normal", 0, 0);
    rl_rng_init(&b, 5, "test.normal", 0, 0);
    float f[1001];
    double d[1001];
    rl_rng_fill_normal(&a, f, 1001, 2.0, 0.5);
    int ok = 1;
    for (int i = 0; i < 1001; i++)
        ok &= f[i] == (float)(2.0 + 0.5 * rl_rng_normal(&b));
    RL_TEST(ok, "fill_normal(2, 0.5) = 2 + 0.5 z on the same draws (1001 floats, exact)");
    rl_rng_init(&a, 5, "test.normal", 0, 0);
    rl_rng_init(&b, 5, "test.normal", 0, 0);
    rl_rng_fill_normal_d(&a, d, 1001, -1.0, 3.0);
    ok = 1;
    for (int i = 0; i < 1001; i++)
        ok &= d[i] == -1.0 + 3.0 * rl_rng_normal(&b);
    RL_TEST(ok, "fill_normal_d(-1, 3) = -1 + 3 z on the same draws (1001 doubles, exact)");
}

int main(void)
{
    test_kat();
    test_hash();
    test_layout();
    test_identity();
    test_below();
    test_uniform();
    test_normal();
    return rl_test_done();
}
