/*
** test_spectrum.c: eigenvalues, singular values and effective ranks (spectrum.c)
** on matrices whose spectra are known in closed form: triangular matrices
** (eigenvalues on the diagonal), rotation-scaling blocks (a +- ib), diagonal
** matrices (singular values |d_i|), the identity (effective rank 1) and a rank-1
** outer product (effective rank 1/N). Tolerances are a few hundred ulps.
*/
#include "initest.h"

/* Upper triangular, diagonal (1, -2, 3, 0.5): eigenvalues are the diagonal. */
static void test_triangular(void)
{
    const double w[16] = {1, 7, -3, 2, 0, -2, 5, 1, 0, 0, 3, -4, 0, 0, 0, 0.5};
    const double want[4] = {3, -2, 1, 0.5};
    double re[4], im[4];
    rl_status st = RL_STATUS_INIT;
    RL_TEST(rl_init_eigenvalues(w, 4, re, im, &st) == RL_OK, "dgeev on a 4 x 4 triangular matrix");
    for (int k = 0; k < 4; k++)
        RL_TEST(fabs(re[k] - want[k]) <= 1e-13 && fabs(im[k]) <= 1e-13,
                "triangular: eigenvalue %d (by modulus) = %.15g + %.2gi, want %g (1e-13)", k, re[k],
                im[k], want[k]);
}

/* [[a, -b], [b, a]] (+) [0.1]: eigenvalues a +- ib, conjugates ordered +b first. */
static void test_complex_pair(void)
{
    const double a = 0.6, b = -0.8;
    const double w[9] = {a, -b, 0, b, a, 0, 0, 0, 0.1};
    double re[3], im[3];
    rl_status st = RL_STATUS_INIT;
    RL_TEST(rl_init_eigenvalues(w, 3, re, im, &st) == RL_OK, "dgeev on a rotation-scaling block");
    RL_TEST(fabs(re[0] - a) <= 1e-14 && fabs(im[0] - 0.8) <= 1e-14 && fabs(re[1] - a) <= 1e-14 &&
                fabs(im[1] + 0.8) <= 1e-14,
            "complex pair: %.15g %+.15gi, %.15g %+.15gi = 0.6 +- 0.8i (1e-14), +im first", re[0],
            im[0], re[1], im[1]);
    RL_TEST_ABS(re[2], 0.1, 1e-14, "the real eigenvalue 0.1 comes last (smallest modulus, 1e-14)");
}

/* [[1, 2], [3, 4]]: (5 +- sqrt 33) / 2. */
static void test_two_by_two(void)
{
    const double w[4] = {1, 2, 3, 4};
    double re[2], im[2];
    rl_status st = RL_STATUS_INIT;
    rl_init_eigenvalues(w, 2, re, im, &st);
    RL_TEST_REL(re[0], (5 + sqrt(33.0)) / 2, 1e-14, "[[1,2],[3,4]]: lambda_1 = (5+sqrt 33)/2");
    RL_TEST_REL(re[1], (5 - sqrt(33.0)) / 2, 1e-13, "[[1,2],[3,4]]: lambda_2 = (5-sqrt 33)/2");
}

static void test_diagonal(void)
{
    const double w[9] = {0, 0, -1, 0, 3, 0, 2, 0, 0}; /* a signed permutation: s = 3, 2, 1 */
    double s[3];
    rl_status st = RL_STATUS_INIT;
    RL_TEST(rl_init_singular_values(w, 3, s, &st) == RL_OK, "dgesdd on a 3 x 3 signed permutation");
    RL_TEST(fabs(s[0] - 3) <= 1e-14 && fabs(s[1] - 2) <= 1e-14 && fabs(s[2] - 1) <= 1e-14,
            "singular values %.15g %.15g %.15g = 3 2 1, largest first (1e-14)", s[0], s[1], s[2]);

    const double d[4] = {2, 0, 0, -3};
    rl_spectrum sp = spectrum_of(d, 2);
    RL_TEST_REL(sp.radius, 3.0, 1e-15, "diag(2, -3): spectral radius 3");
    RL_TEST_REL(sp.eff_rank_eig, 5.0 / 6.0, 1e-15, "diag(2, -3): eff_rank_eig = (2+3)/(3*2)");
    RL_TEST_REL(sp.eff_rank_sv, 5.0 / 6.0, 1e-15, "diag(2, -3): eff_rank_sv = (3+2)/(3*2)");
    RL_TEST_REL(sp.frobenius, sqrt(13.0), 1e-15, "diag(2, -3): Frobenius norm sqrt 13");
}

static void test_identity_and_rank_one(void)
{
    enum { N = 50 };
    static double eye[N * N], outer[N * N];
    for (int i = 0; i < N; i++) {
        eye[i * N + i] = 1.0;
        for (int j = 0; j < N; j++) /* u v^T with v^T u > 0 */
            outer[i * N + j] = (1.0 + i / (double)N) * (1.0 + 0.5 * sin(j));
    }
    rl_spectrum a = spectrum_of(eye, N), b = spectrum_of(outer, N);
    RL_TEST_ABS(a.eff_rank_eig, 1.0, 1e-14, "identity (N = 50): eff_rank_eig = 1 (1e-14)");
    RL_TEST_ABS(a.eff_rank_sv, 1.0, 1e-14, "identity (N = 50): eff_rank_sv = 1 (1e-14)");
    RL_TEST_ABS(a.radius, 1.0, 1e-14, "identity: spectral radius 1");
    RL_TEST_ABS(b.eff_rank_eig, 1.0 / N, 1e-10,
                "rank 1 (N = 50): eff_rank_eig = %.15g = 1/N (1e-10)", b.eff_rank_eig);
    RL_TEST_ABS(b.eff_rank_sv, 1.0 / N, 1e-12, "rank 1 (N = 50): eff_rank_sv = %.15g = 1/N (1e-12)",
                b.eff_rank_sv);
}

static void test_edge_cases(void)
{
    double zero[9] = {0};
    rl_spectrum sp = spectrum_of(zero, 3);
    RL_TEST(sp.eff_rank_eig == 0 && sp.eff_rank_sv == 0 && sp.radius == 0,
            "zero matrix: effective ranks and radius reported as 0, not 0/0");

    double bad[4] = {1, 2, NAN, 4};
    rl_status st = RL_STATUS_INIT;
    RL_TEST(rl_init_spectrum(bad, 2, &sp, &st) == RL_EINPUT && strstr(st.msg, "row 1, column 0"),
            "a NaN entry is refused with its position: \"%s\"", st.msg);
}

int main(void)
{
    test_triangular();
    test_complex_pair();
    test_two_by_two();
    test_diagonal();
    test_identity_and_rank_one();
    test_edge_cases();
    return rl_test_done();
}
