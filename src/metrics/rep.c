/*
** rep.c: Eq. 5, representation alignment, from the probe trials' hidden states
** at the decision step (module: metrics).
**     RA = Tr(R_f R_0) / (||R_f||_F ||R_0||_F),   R = H^T H,   H: P trials x N units.
** Why two routes: R is N x N, but Tr(R_f R_0) = ||H_f H_0^T||_F^2 and
** ||R||_F = ||H H^T||_F (same non-zero spectrum), so with P < N trials the P x P
** products are cheaper; otherwise the N x N ones. Both run in double via dgemm on
** TILE x TILE blocks kept on the stack, so RA allocates nothing and cannot fail.
** Uncentred as in the paper; `centred` subtracts each unit's mean over trials
** (stored at creation) inside the products: (h - mu).(g - nu) = h.g - h.nu - mu.g
** + mu.nu, and R_c = R - P mu mu^T. This loses digits only when the means dwarf
** the spread across trials, far from what relu states do.
*/
#include "richlazy/metrics.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

struct rl_rep {
    int rows, cols; /* P trials, N units */
    double *h;      /* rows x cols, row-major */
    double *mean;   /* cols: each unit's mean over the trials */
};

enum { TILE = 64 }; /* two TILE^2 blocks of doubles: 64 KiB of stack */

/* ---- construction ---- */

static void set_means(rl_rep *r)
{
    for (int i = 0; i < r->rows; i++)
        for (int j = 0; j < r->cols; j++)
            r->mean[j] += r->h[(size_t)i * r->cols + j];
    for (int j = 0; j < r->cols; j++)
        r->mean[j] /= r->rows;
}

static rl_code rep_alloc(int rows, int cols, rl_rep **out, rl_status *st)
{
    *out = NULL;
    RL_CHECK(rows >= 1 && cols >= 1, st, RL_EINPUT,
             "representation: %d x %d hidden states; valid: at least one trial and one unit", rows,
             cols);
    rl_rep *r = rl_alloc(1, sizeof *r, st);
    if (!r) return RL_ENOMEM;
    r->rows = rows;
    r->cols = cols;
    r->h = rl_alloc((size_t)rows * (size_t)cols, sizeof *r->h, st);
    r->mean = rl_alloc((size_t)cols, sizeof *r->mean, st);
    if (!r->h || !r->mean) {
        rl_metrics_rep_destroy(&r);
        return RL_ENOMEM;
    }
    *out = r;
    return RL_OK;
}

rl_code rl_metrics_rep_from_rows(const double *h, int rows, int cols, rl_rep **out, rl_status *st)
{
    RL_TRY(rep_alloc(rows, cols, out, st));
    memcpy((*out)->h, h, (size_t)rows * (size_t)cols * sizeof *h);
    set_means(*out);
    return RL_OK;
}

rl_code rl_metrics_rep_create(const rl_rnn *net, const rl_batch *probe, int step, rl_rep **out,
                              rl_status *st)
{
    *out = NULL;
    RL_CHECK(probe->n_in == net->n_in, st, RL_EINPUT,
             "representation: the probe set has %d input channels but the network %d; valid: "
             "a probe set of the network's task",
             probe->n_in, net->n_in);
    RL_CHECK(step >= 0 && step < probe->steps, st, RL_EINPUT,
             "representation: step %d is outside the trial; valid: 0 <= step < %d", step,
             probe->steps);
    rl_rnn_work *w = NULL;
    RL_TRY(rl_rnn_work_create(net, probe->steps, probe->batch, &w, st));
    rl_code rc = rep_alloc(probe->batch, net->n_hidden, out, st);
    if (rc == RL_OK) {
        rl_rnn_forward(net, probe->x, w);
        const float *r = rl_rnn_hidden(w, step);
        size_t n = (size_t)probe->batch * (size_t)net->n_hidden;
        for (size_t i = 0; i < n; i++)
            (*out)->h[i] = r[i];
        set_means(*out);
    }
    rl_rnn_work_destroy(&w);
    return rc;
}

void rl_metrics_rep_destroy(rl_rep **r)
{
    if (!r || !*r) return;
    rl_free((*r)->h);
    rl_free((*r)->mean);
    rl_free(*r);
    *r = NULL;
}

int rl_metrics_rep_rows(const rl_rep *r)
{
    return r->rows;
}

int rl_metrics_rep_cols(const rl_rep *r)
{
    return r->cols;
}

const double *rl_metrics_rep_data(const rl_rep *r)
{
    return r->h;
}

/* ---- Eq. 5 ---- */

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

/* ||A B^T||_F^2 for the P x N states of a and b (centred: rows minus the unit means). */
static double trial_cross(const rl_rep *a, const rl_rep *b, bool centred)
{
    int p = a->rows, n = a->cols;
    double tile[TILE * TILE], ra[TILE] = {0}, rb[TILE] = {0}, sum = 0.0;
    double mm = centred ? dot(a->mean, b->mean, (size_t)n) : 0.0;
    for (int i0 = 0; i0 < p; i0 += TILE) {
        int ni = min_int(TILE, p - i0);
        for (int i = 0; i < ni && centred; i++)
            ra[i] = dot(a->h + (size_t)(i0 + i) * n, b->mean, (size_t)n);
        for (int j0 = 0; j0 < p; j0 += TILE) {
            int nj = min_int(TILE, p - j0);
            for (int j = 0; j < nj && centred; j++)
                rb[j] = dot(a->mean, b->h + (size_t)(j0 + j) * n, (size_t)n);
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ni, nj, n, 1.0,
                        a->h + (size_t)i0 * n, n, b->h + (size_t)j0 * n, n, 0.0, tile, TILE);
            for (int i = 0; i < ni; i++)
                for (int j = 0; j < nj; j++) {
                    double v = tile[i * TILE + j] - ra[i] - rb[j] + mm;
                    sum += v * v;
                }
        }
    }
    return sum;
}

/* Block (I, J) of R = H^T H (centred: minus P mu_I mu_J) into t (row stride TILE). */
static void unit_block(const rl_rep *r, bool centred, int i0, int ni, int j0, int nj, double *t)
{
    int p = r->rows, n = r->cols;
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ni, nj, p, 1.0, r->h + i0, n, r->h + j0, n,
                0.0, t, TILE);
    for (int i = 0; i < ni && centred; i++)
        for (int j = 0; j < nj; j++)
            t[i * TILE + j] -= p * r->mean[i0 + i] * r->mean[j0 + j];
}

double rl_metrics_rep_alignment(const rl_rep *r0, const rl_rep *rf, bool centred)
{
    if (r0->rows != rf->rows || r0->cols != rf->cols) return NAN;
    int p = r0->rows, n = r0->cols;
    double tr = 0.0, ff = 0.0, oo = 0.0;
    if (p < n) { /* trial space: Tr(R_f R_0) = ||H_f H_0^T||^2, ||R||^2 = ||H H^T||^2 */
        tr = trial_cross(rf, r0, centred);
        ff = trial_cross(rf, rf, centred);
        oo = trial_cross(r0, r0, centred);
    } else { /* unit space: R block by block; Tr(R_f R_0) = sum R_f o R_0 (R symmetric) */
        double bf[TILE * TILE], b0[TILE * TILE];
        for (int i0 = 0; i0 < n; i0 += TILE)
            for (int j0 = 0; j0 < n; j0 += TILE) {
                int ni = min_int(TILE, n - i0), nj = min_int(TILE, n - j0);
                unit_block(rf, centred, i0, ni, j0, nj, bf);
                unit_block(r0, centred, i0, ni, j0, nj, b0);
                for (int i = 0; i < ni; i++)
                    for (int j = 0; j < nj; j++) {
                        double f = bf[i * TILE + j], o = b0[i * TILE + j];
                        tr += f * o;
                        ff += f * f;
                        oo += o * o;
                    }
            }
    }
    if (ff == 0.0 || oo == 0.0) return NAN;
    return tr / (sqrt(ff) * sqrt(oo));
}
