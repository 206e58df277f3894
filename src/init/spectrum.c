/*
** spectrum.c: eigenvalues, singular values and the effective ranks of a square
** matrix (module: init), on LAPACK dgeev / dgesdd through LAPACKE.
** Why: the paper compares structures by their relative effective rank
**     eff_rank_eig = sum_i |lambda_i| / (|lambda_1| N),   eff_rank_sv = sum_i s_i / (s_1 N)
** (paper §2.2 and appendix Fig. 16): 1 when the spectrum is flat, 1/N at rank 1.
** Eigenvalues and singular values of W and W^T are the same, so the row-major
** input is handed to LAPACK as column-major (that is W^T) with no transpose copy;
** only the full SVD (lowrank.c needs its vectors) goes through LAPACK_ROW_MAJOR.
** The input is copied because LAPACK overwrites it.
*/
#include "internal.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- static helpers ---- */

static rl_code check_finite(const double *w, int n, rl_status *st)
{
    size_t count = (size_t)n * (size_t)n;
    for (size_t k = 0; k < count; k++)
        RL_CHECK(isfinite(w[k]), st, RL_EINPUT,
                 "matrix entry (row %zu, column %zu) is %g; spectra need finite entries",
                 k / (size_t)n, k % (size_t)n, w[k]);
    return RL_OK;
}

/* Copy of w for LAPACK to destroy, after checking it is finite. NULL on failure. */
static double *scratch_copy(const double *w, int n, rl_status *st)
{
    if (check_finite(w, n, st) != RL_OK) return NULL;
    size_t count = (size_t)n * (size_t)n;
    double *a = rl_alloc(count, sizeof *a, st);
    if (a) memcpy(a, w, count * sizeof *a);
    return a;
}

static rl_code lapack_failed(const char *routine, lapack_int info, int n, rl_status *st)
{
    RL_FAIL(st, RL_EBUG, "LAPACK %s failed on a %d x %d matrix (info = %d)", routine, n, n,
            (int)info);
}

/* Unsorted eigenvalues. */
static rl_code eig_raw(const double *w, int n, double *re, double *im, rl_status *st)
{
    RL_CHECK(n >= 1, st, RL_EINPUT, "eigenvalues of a %d x %d matrix; valid: n >= 1", n, n);
    double *a = scratch_copy(w, n, st);
    if (!a) return st->code;
    lapack_int info = LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'N', n, a, n, re, im, NULL, 1, NULL, 1);
    rl_free(a);
    if (info != 0) return lapack_failed("dgeev", info, n, st);
    return RL_OK;
}

typedef struct eig {
    double re, im, mod;
} eig;

/* Largest modulus first; ties by real, then imaginary part, so the order is total. */
static int cmp_eig(const void *pa, const void *pb)
{
    const eig *a = pa, *b = pb;
    if (a->mod != b->mod) return a->mod < b->mod ? 1 : -1;
    if (a->re != b->re) return a->re < b->re ? 1 : -1;
    if (a->im != b->im) return a->im < b->im ? 1 : -1;
    return 0;
}

/* ---- module-internal API ---- */

double rl_init_frobenius(const double *w, size_t count)
{
    double sum = 0.0;
    for (size_t k = 0; k < count; k++)
        sum += w[k] * w[k];
    return sqrt(sum);
}

rl_code rl_init_radius(const double *w, int n, double *radius, rl_status *st)
{
    double *re = rl_alloc(2 * (size_t)n, sizeof *re, st);
    if (!re) return st->code;
    double *im = re + n;
    rl_code rc = eig_raw(w, n, re, im, st);
    *radius = 0.0;
    for (int k = 0; rc == RL_OK && k < n; k++)
        *radius = fmax(*radius, hypot(re[k], im[k]));
    rl_free(re);
    return rc;
}

rl_code rl_init_svd(const double *w, int n, double *u, double *s, double *vt, rl_status *st)
{
    double *a = scratch_copy(w, n, st);
    if (!a) return st->code;
    lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', n, n, a, n, s, u, n, vt, n);
    rl_free(a);
    if (info != 0) return lapack_failed("dgesdd", info, n, st);
    return RL_OK;
}

/* ---- public API ---- */

rl_code rl_init_eigenvalues(const double *w, int n, double *re, double *im, rl_status *st)
{
    RL_TRY(eig_raw(w, n, re, im, st));
    eig *e = rl_alloc((size_t)n, sizeof *e, st);
    if (!e) return st->code;
    for (int k = 0; k < n; k++)
        e[k] = (eig){re[k], im[k], hypot(re[k], im[k])};
    qsort(e, (size_t)n, sizeof *e, cmp_eig);
    for (int k = 0; k < n; k++) {
        re[k] = e[k].re;
        im[k] = e[k].im;
    }
    rl_free(e);
    return RL_OK;
}

rl_code rl_init_singular_values(const double *w, int n, double *s, rl_status *st)
{
    RL_CHECK(n >= 1, st, RL_EINPUT, "singular values of a %d x %d matrix; valid: n >= 1", n, n);
    double *a = scratch_copy(w, n, st);
    if (!a) return st->code;
    lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', n, n, a, n, s, NULL, 1, NULL, 1);
    rl_free(a);
    if (info != 0) return lapack_failed("dgesdd", info, n, st);
    return RL_OK;
}

rl_code rl_init_spectrum(const double *w, int n, rl_spectrum *out, rl_status *st)
{
    double *re = rl_alloc(3 * (size_t)n, sizeof *re, st);
    if (!re) return st->code;
    double *im = re + n, *s = re + 2 * (size_t)n;
    rl_code rc = eig_raw(w, n, re, im, st);
    if (rc == RL_OK) rc = rl_init_singular_values(w, n, s, st);
    if (rc == RL_OK) {
        double sum_mod = 0.0, max_mod = 0.0, sum_s = 0.0;
        for (int k = 0; k < n; k++) {
            double mod = hypot(re[k], im[k]);
            sum_mod += mod;
            max_mod = fmax(max_mod, mod);
            sum_s += s[k];
        }
        /* The zero matrix has no leading direction: report 0 rather than 0/0. */
        out->eff_rank_eig = max_mod > 0 ? sum_mod / (max_mod * n) : 0.0;
        out->eff_rank_sv = s[0] > 0 ? sum_s / (s[0] * n) : 0.0;
        out->radius = max_mod;
        out->frobenius = rl_init_frobenius(w, (size_t)n * (size_t)n);
    }
    rl_free(re);
    return rc;
}
